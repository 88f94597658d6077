//! `[platform] include = [...]`: merge other files' namespaces, services, clusters and
//! templates into the main document.

use super::{Attached, Loaded, Loader};
use crate::diag::{Diagnostic, SourceMap, codes};
use crate::syntax::{Node, NodeValue, Seg, Table, parse_file};

/// The sections an included file may hold.
pub const SECTIONS: [&str; 4] = ["clusters", "namespaces", "services", "templates"];

pub(super) fn merge_includes(
    root: &mut Node,
    sources: &mut SourceMap,
    loader: &dyn Loader,
    attached: &mut Attached,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(NodeValue::Array(patterns)) = root
        .get(&[Seg::Key("platform".into()), Seg::Key("include".into())])
        .map(|n| n.value.clone())
    else {
        return; // absent, or the wrong type (the schema reports it)
    };
    // A file two patterns match is merged once.
    let mut merged = std::collections::HashSet::new();
    for pattern in patterns {
        let NodeValue::String(p) = &pattern.value else {
            continue;
        };
        let files = match loader.load(p) {
            Ok(files) => files,
            Err(why) => {
                diags.push(super::pattern_error(
                    &why,
                    codes::INCLUDE_ERROR,
                    pattern.span,
                    &format!("include `{p}`"),
                    "cannot include",
                    "patterns are relative to this file, e.g. `tenants/*.toml`",
                ));
                continue;
            }
        };
        for Loaded {
            shown,
            rel,
            key,
            text,
        } in files
        {
            if !merged.insert(key) {
                continue;
            }
            let file = sources.add(shown, text);
            attached.config_file(file, &rel);
            let text = sources.file(file).text.clone();
            match parse_file(file, &text) {
                Ok(node) => merge_file(root, node, diags),
                Err(errors) => diags.extend(crate::diag::first_only(errors)),
            }
        }
    }
}

fn merge_file(root: &mut Node, included: Node, diags: &mut Vec<Diagnostic>) {
    let NodeValue::Table(sections) = included.value else {
        return;
    };
    for (section, node) in sections {
        if !SECTIONS.contains(&section.as_str()) {
            diags.push(
                Diagnostic::error(
                    codes::INCLUDE_ERROR,
                    node.key.unwrap_or(node.span),
                    format!("`{section}` cannot be set in an included file"),
                )
                .with_label("only in the main file")
                .with_help(format!("an included file may hold {}", SECTIONS.join(", "))),
            );
            continue;
        }
        let NodeValue::Table(entries) = node.value else {
            diags.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    node.span,
                    format!("`{section}` must be a table"),
                )
                .with_label("expected a table"),
            );
            continue;
        };
        let Some(target_table) = root.table_mut() else {
            return;
        };
        let target = target_table.get_or_insert_with(section.clone(), || Node {
            key: node.key,
            span: node.span,
            value: NodeValue::Table(Table::new()),
        });
        let Some(target) = target.table_mut() else {
            continue;
        };
        for (name, entry) in entries {
            if let Some(first) = target.get(&name) {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_DEFINITION,
                        entry.key.unwrap_or(entry.span),
                        format!("{} `{name}` is defined twice", singular(&section)),
                    )
                    .with_label("defined again here")
                    .with_related(Some(first.key.unwrap_or(first.span)), "first defined here")
                    .with_help("define each name in one file"),
                );
                continue;
            }
            target.insert(name, entry);
        }
    }
}

fn singular(section: &str) -> &str {
    match section {
        "namespaces" => "namespace",
        "services" => "service",
        "clusters" => "cluster",
        _ => "template",
    }
}
