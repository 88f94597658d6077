//! `platc show NAMESPACE [--cluster CLUSTER]`: one namespace's effective configuration after
//! includes, templates, variables and per-cluster overrides, as TOML, each value annotated
//! with the file:line it came from and how it got there (`on.CLUSTER`, a template, a
//! variable).

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
    let Some(origin) = span.via.and_then(|v| sources.origin(v)) else {
        return out;
    };
    let mut how = Vec::new();
    if let Some(stamp) = origin.stamp.as_ref().filter(|s| s.overridden) {
        how.push(format!("`on.{}`", stamp.cluster));
    }
    if let Some(template) = &origin.template {
        how.push(format!("template `{template}`"));
    }
    for var in &origin.vars {
        how.push(format!(
            "`vars.{}` set at {}",
            var.name,
            sources.location(var.set_at)
        ));
    }
    if !how.is_empty() {
        out.push_str(&format!(" ({})", how.join(", ")));
    }
    out
}

/// Renders the namespace node `ns` (from the expanded document) as annotated TOML, then lists
/// the objects its manifests hold and the patches that apply, each with where it is written.
/// A namespace split per cluster is shown as its copy on `cluster`, or each copy in turn;
/// `clusters` are the defined clusters, to say which ones a namespace is on.
pub fn show(
    name: &str,
    ns: &Node,
    cluster: Option<&str>,
    clusters: &[String],
    sources: &SourceMap,
    attached: &super::Attached,
) -> Result<String, String> {
    let table_of = |n: &Node| n.table().cloned().unwrap_or_default();
    let copies: Vec<(String, &Node)> =
        match ns.table().and_then(|t| t.get("on")).and_then(Node::table) {
            Some(copies) => copies.iter().map(|(c, n)| (c.clone(), n)).collect(),
            None => {
                let mut defined = clusters.to_vec();
                if defined.is_empty() {
                    defined.push("default".into());
                }
                let on = super::overrides::stamped(&table_of(ns), &defined);
                match (cluster, on.as_slice()) {
                    (None, _) => return Ok(shown(name, None, ns, sources, attached)),
                    (Some(c), _) if on.iter().any(|o| o == c) => vec![(c.to_string(), ns)],
                    (Some(c), on) => return Err(not_on(name, c, on)),
                }
            }
        };
    let mut out = String::new();
    for (c, copy) in &copies {
        if cluster.is_none_or(|want| want == c) {
            out.push_str(&shown(name, Some(c), copy, sources, attached));
        }
    }
    if out.is_empty() {
        let on: Vec<String> = copies.into_iter().map(|(c, _)| c).collect();
        return Err(not_on(name, cluster.unwrap_or_default(), &on));
    }
    Ok(out)
}

fn not_on(name: &str, cluster: &str, on: &[String]) -> String {
    let list = on
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = crate::diag::did_you_mean(cluster, on.iter().map(String::as_str))
        .map(|d| format!("; {d}"))
        .unwrap_or_default();
    format!("namespace `{name}` is not stamped on cluster `{cluster}`: it is on {list}{hint}")
}

/// One namespace (or its copy on `cluster`) as annotated TOML.
fn shown(
    name: &str,
    cluster: Option<&str>,
    ns: &Node,
    sources: &SourceMap,
    attached: &super::Attached,
) -> String {
    let on = cluster
        .map(|c| format!(" on cluster `{c}`"))
        .unwrap_or_default();
    let mut out = format!(
        "# Effective configuration of namespace `{name}`{on} after includes, templates, variables and overrides.\n\
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
