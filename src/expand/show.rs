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
    if let Some(note) = span.via.and_then(|v| sources.note(v))
        && let Some((_, template)) = note.rsplit_once("from template ")
    {
        out.push_str(&format!(" (template {template})"));
    }
    out
}

/// Renders the namespace node `ns` (from the expanded document) as annotated TOML.
pub fn show(name: &str, ns: &Node, sources: &SourceMap) -> String {
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
