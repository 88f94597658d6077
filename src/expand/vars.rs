//! `{{ namespace }}`, `{{ cluster }}`, `{{ platform }}` and `{{ vars.NAME }}` in the string
//! values of namespaces (their templates' values included), rendered with minijinja in strict
//! mode: an undefined variable or a syntax error is a located diagnostic.

use std::collections::BTreeMap;

use minijinja::{Environment, UndefinedBehavior};

use crate::diag::{Diagnostic, codes};
use crate::syntax::{Node, NodeValue, Seg};

fn string_at<'a>(root: &'a Node, path: &[&str]) -> Option<&'a str> {
    let segs: Vec<Seg> = path.iter().map(|s| Seg::Key((*s).into())).collect();
    match &root.get(&segs)?.value {
        NodeValue::String(s) => Some(s),
        _ => None,
    }
}

fn string_table(node: Option<&Node>) -> BTreeMap<String, String> {
    node.and_then(Node::table)
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| match &v.value {
                    NodeValue::String(s) => Some((k.clone(), s.clone())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn render_vars(root: &mut Node, diags: &mut Vec<Diagnostic>) {
    let platform = string_at(root, &["platform", "name"])
        .unwrap_or_default()
        .to_string();
    let global = string_table(root.table().and_then(|t| t.get("vars")));
    let clusters: Vec<String> = root
        .table()
        .and_then(|t| t.get("clusters"))
        .and_then(Node::table)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let Some(namespaces) = super::namespaces_mut(root) else {
        return;
    };
    for (name, ns) in namespaces.iter_mut() {
        let Some(table) = ns.table_mut() else {
            continue;
        };
        let own_vars = table.remove("vars");
        let mut vars = global.clone();
        vars.extend(string_table(own_vars.as_ref()));
        let cluster = match (
            table.get("cluster").map(|n| &n.value),
            table.get("clusters").map(|n| &n.value),
        ) {
            (Some(NodeValue::String(c)), None) => Some(c.clone()),
            (None, Some(NodeValue::Array(a))) if a.len() == 1 => match &a[0].value {
                NodeValue::String(c) => Some(c.clone()),
                _ => None,
            },
            (None, None) if clusters.len() <= 1 => Some(
                clusters
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "default".into()),
            ),
            _ => None,
        };
        let mut ctx = BTreeMap::new();
        ctx.insert("namespace", minijinja::Value::from(name.as_str()));
        ctx.insert("platform", minijinja::Value::from(platform.as_str()));
        ctx.insert(
            "vars",
            minijinja::Value::from_pairs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
        if let Some(c) = &cluster {
            ctx.insert("cluster", minijinja::Value::from(c.as_str()));
        }
        let ctx = minijinja::Value::from_pairs(ctx);
        let known = || {
            let mut k = vec!["namespace".to_string(), "platform".to_string()];
            if cluster.is_some() {
                k.push("cluster".into());
            }
            k.extend(vars.keys().map(|v| format!("vars.{v}")));
            k.join(", ")
        };
        render_node(ns, &env, &ctx, name, cluster.is_some(), &known, diags);
    }
}

/// Whether `s` holds template syntax (`{{`, `{%` or `{#`). Most strings hold no `{` at all, and
/// looking for that one byte is what this costs them.
fn has_template(s: &str) -> bool {
    s.match_indices('{')
        .any(|(i, _)| matches!(s.as_bytes().get(i + 1), Some(b'{' | b'%' | b'#')))
}

fn render_node(
    node: &mut Node,
    env: &Environment<'_>,
    ctx: &minijinja::Value,
    ns: &str,
    has_cluster: bool,
    known: &dyn Fn() -> String,
    diags: &mut Vec<Diagnostic>,
) {
    match &mut node.value {
        NodeValue::String(s) if has_template(s) => match env.render_str(s, ctx) {
            Ok(out) => *s = out,
            Err(e) => {
                let mut help = format!("available here: {}", known());
                if !has_cluster && s.contains("cluster") {
                    help.push_str(
                        "; `cluster` is only defined for a namespace on exactly one cluster",
                    );
                }
                let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
                diags.push(
                    Diagnostic::error(
                        codes::TEMPLATE_ERROR,
                        node.span,
                        format!(
                            "cannot render `{s}` for namespace `{ns}`: {}{detail}",
                            e.kind()
                        ),
                    )
                    .with_label("template error")
                    .with_help(help),
                );
            }
        },
        NodeValue::Table(t) => t
            .values_mut()
            .for_each(|n| render_node(n, env, ctx, ns, has_cluster, known, diags)),
        NodeValue::Array(a) => a
            .iter_mut()
            .for_each(|n| render_node(n, env, ctx, ns, has_cluster, known, diags)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::has_template;

    #[test]
    fn template_syntax_is_found_anywhere() {
        for s in [
            "{{ ns }}",
            "a-{{x}}",
            "{% if x %}y{% endif %}",
            "{# note #}",
            "{ {{x}}",
            "{{",
        ] {
            assert!(has_template(s), "{s:?}");
        }
        for s in ["", "plain", "{ x }", "a{b", "}}", "{", "x{"] {
            assert!(!has_template(s), "{s:?}");
        }
    }
}
