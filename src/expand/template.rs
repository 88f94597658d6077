//! `[templates.NAME]` and namespace `template = "NAME"`: a namespace starts from its template
//! chain; its own keys override (tables merge key by key, scalars and arrays replace).

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, SourceMap, codes, did_you_mean};
use crate::syntax::{Node, NodeValue, Table};

pub(super) fn apply_templates(
    root: &mut Node,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    let templates: Table = root
        .table()
        .and_then(|t| t.get("templates"))
        .and_then(Node::table)
        .cloned()
        .unwrap_or_default();
    let mut resolved: BTreeMap<String, Option<Node>> = BTreeMap::new();
    for name in templates.keys() {
        resolve(name, &templates, &mut resolved, &mut Vec::new(), diags);
    }
    let Some(namespaces) = super::namespaces_mut(root) else {
        return;
    };
    for (ns_name, ns) in namespaces.iter_mut() {
        let Some(table) = ns.table_mut() else {
            continue;
        };
        let Some(template_ref) = table.remove("template") else {
            continue;
        };
        let NodeValue::String(t) = &template_ref.value else {
            diags.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    template_ref.span,
                    "`template` must be a string",
                )
                .with_label("expected a template name"),
            );
            continue;
        };
        match resolved.get(t.as_str()) {
            Some(Some(base)) => {
                let note = sources.add_origin(crate::diag::Origin {
                    template: Some(t.clone()),
                    ..crate::diag::Origin::of(ns_name)
                });
                let mut inherited = base.clone();
                tag(&mut inherited, note);
                let own = std::mem::replace(ns, inherited);
                merge(ns, own);
            }
            Some(None) => {} // the template itself is broken; already reported
            None => {
                let help =
                    did_you_mean(t, templates.keys().map(String::as_str)).unwrap_or_else(|| {
                        if templates.is_empty() {
                            "the config defines no [templates]".into()
                        } else {
                            format!(
                                "defined templates: {}",
                                templates.keys().cloned().collect::<Vec<_>>().join(", ")
                            )
                        }
                    });
                diags.push(
                    Diagnostic::error(
                        codes::UNRESOLVED_REFERENCE,
                        template_ref.span,
                        format!("unknown template `{t}`"),
                    )
                    .with_label("no such template")
                    .with_help(help),
                );
            }
        }
    }
}

/// The effective body of template `name` (its chain merged), `None` when broken.
fn resolve(
    name: &str,
    templates: &Table,
    resolved: &mut BTreeMap<String, Option<Node>>,
    stack: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Node> {
    if let Some(done) = resolved.get(name) {
        return done.clone();
    }
    let node = templates.get(name)?;
    if let Some(pos) = stack.iter().position(|s| s == name) {
        let members: Vec<&str> = stack[pos..].iter().map(String::as_str).collect();
        let cycle = format!("{} → {name}", members.join(" → "));
        let mut d = Diagnostic::error(
            codes::TEMPLATE_CYCLE,
            template_key(node),
            format!("templates build on each other in a cycle: {cycle}"),
        )
        .with_label("part of the cycle")
        .with_help("a template may build on another, but the chain must end");
        for m in &members[1..] {
            if let Some(n) = templates.get(*m) {
                d = d.with_related(Some(template_key(n)), format!("`{m}` continues the cycle"));
            }
        }
        diags.push(d);
        for m in members {
            resolved.insert(m.to_string(), None);
        }
        return None;
    }
    let mut own = node.clone();
    let parent = own.table_mut().and_then(|t| t.remove("template"));
    let result = match parent {
        None => Some(own),
        Some(p) => match &p.value {
            NodeValue::String(parent_name) if templates.contains_key(parent_name.as_str()) => {
                stack.push(name.to_string());
                let base = resolve(parent_name, templates, resolved, stack, diags);
                stack.pop();
                base.map(|mut base| {
                    base.key = own.key;
                    base.span = own.span;
                    merge(&mut base, own);
                    base
                })
            }
            NodeValue::String(parent_name) => {
                diags.push(
                    Diagnostic::error(
                        codes::UNRESOLVED_REFERENCE,
                        p.span,
                        format!("unknown template `{parent_name}`"),
                    )
                    .with_label("no such template")
                    .with_help(
                        did_you_mean(parent_name, templates.keys().map(String::as_str))
                            .unwrap_or_else(|| {
                                format!(
                                    "defined templates: {}",
                                    templates.keys().cloned().collect::<Vec<_>>().join(", ")
                                )
                            }),
                    ),
                );
                None
            }
            _ => {
                diags.push(
                    Diagnostic::error(codes::WRONG_TYPE, p.span, "`template` must be a string")
                        .with_label("expected a template name"),
                );
                None
            }
        },
    };
    if resolved.get(name).is_none_or(Option::is_some) {
        resolved.insert(name.to_string(), result.clone());
    }
    resolved.get(name).cloned().flatten()
}

fn template_key(node: &Node) -> crate::diag::Span {
    node.table()
        .and_then(|t| t.get("template"))
        .map_or(node.key.unwrap_or(node.span), |t| t.span)
}

/// Overlays `over` onto `base`: tables merge key by key, anything else replaces.
pub(crate) fn merge(base: &mut Node, over: Node) {
    match (&mut base.value, over.value) {
        (NodeValue::Table(b), NodeValue::Table(o)) => {
            base.key = over.key.or(base.key);
            base.span = over.span;
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.table().is_some() && v.table().is_some() => {
                        merge(existing, v)
                    }
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (_, value) => {
            base.key = over.key.or(base.key);
            base.span = over.span;
            base.value = value;
        }
    }
}

/// Marks every span of an inherited subtree with how it was inherited.
pub(super) fn tag(node: &mut Node, note: u32) {
    node.span.via = Some(note);
    if let Some(k) = node.key.as_mut() {
        k.via = Some(note);
    }
    match &mut node.value {
        NodeValue::Table(t) => t.values_mut().for_each(|n| tag(n, note)),
        NodeValue::Array(a) => a.iter_mut().for_each(|n| tag(n, note)),
        _ => {}
    }
}
