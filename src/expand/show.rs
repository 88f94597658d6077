//! `platc show NAMESPACE`: one namespace's effective configuration after includes, templates
//! and variables, as TOML, each value annotated with the file:line it came from.

use crate::diag::{SourceMap, Span};
use crate::syntax::{Node, NodeValue};

fn bare(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn key_text(key: &str) -> String {
    if bare(key) {
        key.to_string()
    } else {
        toml::Value::String(key.to_string()).to_string()
    }
}

fn to_toml(node: &Node) -> toml::Value {
    match &node.value {
        NodeValue::String(s) => toml::Value::String(s.clone()),
        NodeValue::Integer(n) => toml::Value::Integer(n.unwrap_or(i64::MAX)),
        NodeValue::Float(f) => toml::Value::Float(f.unwrap_or(f64::NAN)),
        NodeValue::Boolean(b) => toml::Value::Boolean(*b),
        NodeValue::Datetime(d) => d
            .parse()
            .map_or_else(|_| toml::Value::String(d.clone()), toml::Value::Datetime),
        NodeValue::Array(a) => toml::Value::Array(a.iter().map(to_toml).collect()),
        NodeValue::Table(t) => {
            toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), to_toml(v))).collect())
        }
    }
}

fn origin(sources: &SourceMap, span: Span) -> String {
    let mut out = sources.location(span);
    if let Some(template) = span
        .via
        .and_then(|v| sources.origin(v))
        .and_then(|o| o.template.as_ref())
    {
        out.push_str(&format!(" (template `{template}`)"));
    }
    out
}

/// Renders the namespace node `ns` (from the expanded document) as annotated TOML, then lists
/// the objects its manifests hold and the patches that apply, each with where it is written.
pub fn show(name: &str, ns: &Node, sources: &SourceMap, attached: &super::Attached) -> String {
    let mut out = format!(
        "# Effective configuration of namespace `{name}` after includes, templates and variables.\n\
         # Each value names the file:line:column it comes from.\n"
    );
    table(
        &format!("namespaces.{}", key_text(name)),
        ns,
        sources,
        &mut out,
    );
    out.push_str(&listing(ns, sources, attached));
    out
}

/// `# manifests` and `# patches`: what applies to the namespace besides its tables.
fn listing(ns: &Node, sources: &SourceMap, attached: &super::Attached) -> String {
    let mut rows: Vec<(String, String)> = Vec::new();
    let list = |key: &str| match ns.table().and_then(|t| t.get(key)).map(|n| &n.value) {
        Some(NodeValue::Array(items)) => items.iter().collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    for pattern in list("manifests") {
        match attached.files(pattern) {
            Err(why) => rows.push((format!("({why})"), origin(sources, pattern.span))),
            Ok(files) => {
                for file in files {
                    let Some(Ok(docs)) = attached.yaml(*file) else {
                        rows.push((
                            "(not valid YAML)".into(),
                            sources.location(Span::new(*file, 0..0)),
                        ));
                        continue;
                    };
                    for doc in docs {
                        let kind = doc.root.get("kind").and_then(crate::yaml::Node::as_str);
                        let name = doc.root.get("metadata").and_then(|m| m.get("name"));
                        let shown = format!(
                            "{}/{}",
                            kind.unwrap_or("?"),
                            name.and_then(crate::yaml::Node::as_str).unwrap_or("?")
                        );
                        let at = name.map_or(doc.root.span, |n| n.span);
                        rows.push((shown, sources.location(at)));
                    }
                }
            }
        }
    }
    let mut out = String::new();
    let width = rows.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
    if !rows.is_empty() {
        out.push_str(&format!("\n# manifests ({} objects)\n", rows.len()));
        for (what, at) in &rows {
            out.push_str(&format!("#   {what:<width$}  {at}\n"));
        }
    }
    let patches = list("patches");
    if !patches.is_empty() {
        out.push_str(&format!("\n# patches ({})\n", patches.len()));
        for p in patches {
            let target = p.table().and_then(|t| t.get("target"));
            let ops = match p.table().and_then(|t| t.get("patch")).map(|n| &n.value) {
                Some(NodeValue::Array(a)) => a.len(),
                _ => 0,
            };
            let shown = match target.map(|t| &t.value) {
                Some(NodeValue::String(t)) => t.clone(),
                _ => "?".into(),
            };
            let at = origin(sources, target.map_or(p.span, |t| t.span));
            out.push_str(&format!("#   {shown}  {ops} operation(s)  {at}\n"));
        }
    }
    out
}

fn table(header: &str, node: &Node, sources: &SourceMap, out: &mut String) {
    let Some(entries) = node.table() else { return };
    out.push_str(&format!(
        "\n[{header}]  # {}\n",
        origin(sources, node.key.unwrap_or(node.span))
    ));
    let value_width = entries
        .iter()
        .filter(|(_, v)| v.table().is_none())
        .map(|(k, v)| key_text(k).len() + 3 + to_toml(v).to_string().len())
        .max()
        .unwrap_or(0);
    for (k, v) in entries.iter().filter(|(_, v)| v.table().is_none()) {
        let line = format!("{} = {}", key_text(k), to_toml(v));
        out.push_str(&format!(
            "{line:<value_width$}  # {}\n",
            origin(sources, v.span)
        ));
    }
    for (k, v) in entries.iter().filter(|(_, v)| v.table().is_some()) {
        table(&format!("{header}.{}", key_text(k)), v, sources, out);
    }
}
