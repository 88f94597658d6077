//! `{{ namespace }}`, `{{ cluster }}`, `{{ platform }}` and `{{ vars.NAME }}` in the string
//! values of namespaces (their templates' values included), rendered with minijinja in strict
//! mode: an undefined variable or a syntax error is a located diagnostic.

use std::collections::BTreeMap;

use minijinja::{Environment, UndefinedBehavior};

use crate::diag::{Diagnostic, Origin, SourceMap, Span, VarUse, codes};
use crate::syntax::{Node, NodeValue, Seg};

/// Variables by name: their value and where it is set.
type Vars = BTreeMap<String, (String, Span)>;

fn string_at<'a>(root: &'a Node, path: &[&str]) -> Option<&'a str> {
    let segs: Vec<Seg> = path.iter().map(|s| Seg::Key((*s).into())).collect();
    match &root.get(&segs)?.value {
        NodeValue::String(s) => Some(s),
        _ => None,
    }
}

fn string_table(node: Option<&Node>) -> Vars {
    node.and_then(Node::table)
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| match &v.value {
                    NodeValue::String(s) => Some((k.clone(), (s.clone(), v.span))),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What rendering one namespace's strings needs.
struct Scope<'a> {
    /// The engine; its fuel is set to what the run has left before each render.
    env: &'a std::cell::RefCell<Environment<'a>>,
    ctx: minijinja::Value,
    /// What the strings of the run may still use, shared by every namespace.
    budget: &'a std::cell::Cell<Budget>,
    ns: &'a str,
    cluster: Option<String>,
    platform: &'a str,
    vars: Vars,
}

pub(super) fn render_vars(root: &mut Node, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) {
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
    let limits = crate::limits::get();
    let budget = std::cell::Cell::new(Budget {
        fuel: limits.template_fuel,
        bytes: limits.template_bytes,
        spent: None,
    });
    // Every render gets what the run has left (`render`); the fuel counts minijinja's
    // instructions and the data a template makes, the bytes its output.
    let env = std::cell::RefCell::new(env);
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
            minijinja::Value::from_pairs(
                vars.iter()
                    .map(|(k, (v, _))| (k.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
            ),
        );
        if let Some(c) = &cluster {
            ctx.insert("cluster", minijinja::Value::from(c.as_str()));
        }
        let scope = Scope {
            env: &env,
            ctx: minijinja::Value::from_pairs(ctx),
            budget: &budget,
            ns: name,
            cluster,
            platform: &platform,
            vars,
        };
        render_node(ns, &scope, sources, diags);
    }
}

/// Whether `s` holds template syntax (`{{`, `{%` or `{#`). Most strings hold no `{` at all, and
/// looking for that one byte is what this costs them.
fn has_template(s: &str) -> bool {
    s.match_indices('{')
        .any(|(i, _)| matches!(s.as_bytes().get(i + 1), Some(b'{' | b'%' | b'#')))
}

/// What the `{{ }}` strings of a run may still use: fuel and bytes of output
/// (`--limit template-fuel` and `template-bytes`), and which was used up first.
#[derive(Clone, Copy)]
struct Budget {
    fuel: u64,
    bytes: u64,
    spent: Option<&'static str>,
}

/// Why a string did not render.
enum Failure {
    /// The template is wrong (syntax, an undefined variable).
    Template(minijinja::Error),
    /// The run's budget was used up (the bound's name), here or before.
    Spent(&'static str, bool),
}

/// Output that stops at `room` bytes.
struct Bounded {
    text: Vec<u8>,
    room: u64,
    over: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.text.len() as u64 + buf.len() as u64 > self.room {
            self.over = true;
            return Err(std::io::Error::other("template-bytes"));
        }
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders `s` with what the run's budget has left, and takes what it used from it. Once the
/// budget is spent, no other string is rendered (the run has failed; one error says why).
fn render(s: &str, scope: &Scope<'_>) -> Result<String, Failure> {
    let mut budget = scope.budget.get();
    if let Some(bound) = budget.spent {
        return Err(Failure::Spent(bound, false));
    }
    scope.env.borrow_mut().set_fuel(Some(budget.fuel));
    let env = scope.env.borrow();
    let template = env.template_from_str(s).map_err(Failure::Template)?;
    let mut out = Bounded {
        text: Vec::new(),
        room: budget.bytes,
        over: false,
    };
    let result = template.render_captured_to(scope.ctx.clone(), &mut out);
    let spent = match &result {
        Ok(captured) => {
            let used = captured.state().fuel_levels().map_or(0, |(used, _)| used);
            budget.fuel = budget.fuel.saturating_sub(used);
            budget.bytes = budget.bytes.saturating_sub(out.text.len() as u64);
            None
        }
        Err(_) if out.over => Some("template-bytes"),
        Err(e) if e.kind() == minijinja::ErrorKind::OutOfFuel => Some("template-fuel"),
        Err(_) => None,
    };
    if spent.is_some() {
        budget.spent = spent;
    }
    scope.budget.set(budget);
    match (result, spent) {
        (_, Some(bound)) => Err(Failure::Spent(bound, true)),
        (Ok(_), None) => String::from_utf8(out.text).map_err(|_| {
            Failure::Template(minijinja::Error::new(
                minijinja::ErrorKind::BadEscape,
                "the output is not UTF-8",
            ))
        }),
        (Err(e), None) => Err(Failure::Template(e)),
    }
}

/// The error of the string that used up the run's template budget.
fn spent(bound: &'static str, node: &Node, scope: &Scope<'_>) -> Diagnostic {
    let max = crate::limits::get().value(bound).unwrap_or_default();
    let max = crate::limits::show(bound, max);
    let (message, why) = if bound == "template-fuel" {
        (
            format!(
                "rendering `{{{{ }}}}` in this string for namespace `{}` uses up the template fuel of the run ({max})",
                scope.ns
            ),
            "fuel counts minijinja's instructions (a loop, a filter) and the data a template makes, one for about 64 bytes",
        )
    } else {
        (
            format!(
                "the `{{{{ }}}}` strings of the run render to more than {max}; this one, for namespace `{}`, passes the bound",
                scope.ns
            ),
            "every rendered string is kept in the expanded config",
        )
    };
    Diagnostic::error(codes::WORK_LIMIT, node.span, message)
        .with_label("the bound is passed here")
        .with_note(format!(
            "{why}; all the `{{{{ }}}}` strings of a run together get {max} (`--limit {bound}`)"
        ))
        .with_help(crate::limits::raise(bound))
}

fn render_node(
    node: &mut Node,
    scope: &Scope<'_>,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    match &mut node.value {
        NodeValue::String(s) if has_template(s) => match render(s, scope) {
            Err(Failure::Spent(bound, here)) => {
                if here {
                    let d = spent(bound, node, scope);
                    diags.push(d);
                }
            }
            Ok(out) => {
                let vars = uses(s, &out, scope);
                if !vars.is_empty() {
                    let template = node
                        .span
                        .via
                        .and_then(|v| sources.origin(v))
                        .and_then(|o| o.template.clone());
                    node.span.via = Some(sources.add_origin(Origin {
                        namespace: scope.ns.to_string(),
                        template,
                        vars,
                        rendered_len: u32::try_from(out.len()).unwrap_or(u32::MAX),
                    }));
                }
                *s = out;
            }
            Err(Failure::Template(e)) => {
                let mut known = vec!["namespace".to_string(), "platform".to_string()];
                if scope.cluster.is_some() {
                    known.push("cluster".into());
                }
                known.extend(scope.vars.keys().map(|v| format!("vars.{v}")));
                let mut help = format!("available here: {}", known.join(", "));
                if scope.cluster.is_none() && s.contains("cluster") {
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
                            "cannot render `{s}` for namespace `{}`: {}{detail}",
                            scope.ns,
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
            .for_each(|n| render_node(n, scope, sources, diags)),
        NodeValue::Array(a) => a
            .iter_mut()
            .for_each(|n| render_node(n, scope, sources, diags)),
        _ => {}
    }
}

/// A piece of a template string: literal text, or one `{{ ... }}` (whole, and what is inside).
enum Piece<'a> {
    Text(&'a str),
    Expr(&'a str, &'a str),
}

/// The pieces of `s`, when it holds only text and plain `{{ ... }}` (no `{% %}`, `{# #}` or
/// whitespace control, whose output is not the pieces' output side by side).
fn pieces(s: &str) -> Option<Vec<Piece<'_>>> {
    if s.contains("{%") || s.contains("{#") {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let inner = &after[..end];
        if inner.starts_with(['-', '+']) || inner.ends_with(['-', '+']) {
            return None;
        }
        out.push(Piece::Expr(&rest[start..start + 2 + end + 2], inner));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Some(out)
}

/// The variables an expression (or a whole string) names: `vars.NAME`, `vars["NAME"]`,
/// `vars['NAME']`, in order, each once, only those defined.
fn named<'v>(expr: &str, vars: &'v Vars) -> Vec<&'v str> {
    let mut out: Vec<&str> = Vec::new();
    for (i, _) in expr.match_indices("vars") {
        let before = expr[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &expr[i + 4..];
        let name = if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            &r[..end]
        } else if let Some(r) = rest.strip_prefix('[') {
            let r = r.trim_start();
            let quote = r.chars().next().filter(|q| matches!(q, '"' | '\''));
            match quote {
                Some(q) => r[1..].split(q).next().unwrap_or(""),
                None => "",
            }
        } else {
            ""
        };
        if let Some((k, _)) = vars.get_key_value(name)
            && !out.contains(&k.as_str())
        {
            out.push(k);
        }
    }
    out
}

/// Each use of a variable in `s` (which rendered to `out`): what part of `out` it produced,
/// when the string is text and plain `{{ ... }}` whose outputs side by side are `out`; where in
/// it is not known otherwise.
fn uses(s: &str, out: &str, scope: &Scope<'_>) -> Vec<VarUse> {
    let use_of = |name: &str, produced| VarUse {
        name: name.to_string(),
        set_at: scope.vars[name].1,
        produced,
    };
    let offset = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
    if let Some(pieces) = pieces(s) {
        let mut rebuilt = String::with_capacity(out.len());
        let mut found = Vec::new();
        let mut whole = true;
        for piece in pieces {
            match piece {
                Piece::Text(t) => rebuilt.push_str(t),
                Piece::Expr(whole_expr, inner) => {
                    let names = named(inner, &scope.vars);
                    let Some(text) = expression_output(whole_expr, inner, scope) else {
                        whole = false;
                        break;
                    };
                    let range = (offset(rebuilt.len()), offset(rebuilt.len() + text.len()));
                    let alone = names.len() == 1;
                    found.extend(names.iter().map(|n| use_of(n, alone.then_some(range))));
                    rebuilt.push_str(&text);
                }
            }
        }
        if whole && rebuilt == out {
            return found;
        }
    }
    named(s, &scope.vars)
        .into_iter()
        .map(|n| use_of(n, None))
        .collect()
}

/// What one `{{ ... }}` renders to: looked up for a plain name (the common case), rendered
/// alone otherwise.
fn expression_output(whole: &str, inner: &str, scope: &Scope<'_>) -> Option<String> {
    let expr = inner.trim();
    if let Some(name) = expr.strip_prefix("vars.")
        && let Some((value, _)) = scope.vars.get(name)
    {
        return Some(value.clone());
    }
    match expr {
        "namespace" => Some(scope.ns.to_string()),
        "platform" => Some(scope.platform.to_string()),
        "cluster" => scope.cluster.clone(),
        _ => scope.env.borrow().render_str(whole, &scope.ctx).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Scope, Vars, has_template, uses};
    use crate::diag::{FileId, Span};
    use minijinja::{Environment, UndefinedBehavior};

    /// What part of the rendered string each variable of `template` produced, as
    /// `(name, Some(text))`, or `(name, None)` where it is not known.
    fn produced(template: &str) -> Vec<(String, Option<String>)> {
        let mut vars = Vars::new();
        for (i, (k, v)) in [("registry", "r.example.com"), ("tag", "1.2"), ("a", "x")]
            .into_iter()
            .enumerate()
        {
            vars.insert(k.into(), (v.into(), Span::new(FileId(0), i..i + 1)));
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let ctx = minijinja::context! {
            namespace => "risk",
            platform => "p",
            vars => vars.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
        };
        let budget = std::cell::Cell::new(super::Budget {
            fuel: 1_000_000,
            bytes: 1_000_000,
            spent: None,
        });
        let env = std::cell::RefCell::new(env);
        let scope = Scope {
            env: &env,
            ctx,
            budget: &budget,
            ns: "risk",
            cluster: None,
            platform: "p",
            vars,
        };
        let out = env.borrow().render_str(template, &scope.ctx).unwrap();
        uses(template, &out, &scope)
            .into_iter()
            .map(|u| {
                let text = u
                    .produced
                    .map(|(from, to)| out[from as usize..to as usize].to_string());
                (u.name, text)
            })
            .collect()
    }

    #[test]
    fn each_variable_is_traced_to_what_it_produced() {
        let some = |n: &str, t: &str| (n.to_string(), Some(t.to_string()));
        let none = |n: &str| (n.to_string(), None);
        assert_eq!(
            produced("{{ vars.registry }}/etl:{{ vars.tag }}"),
            [some("registry", "r.example.com"), some("tag", "1.2")]
        );
        assert_eq!(produced("{{vars.a}}"), [some("a", "x")]);
        assert_eq!(
            produced("{{ vars['a'] | upper }}-{{ namespace }}"),
            [some("a", "X")]
        );
        assert_eq!(
            produced("{{ vars.a ~ vars.tag }}"),
            [none("a"), none("tag")]
        );
        // Whitespace control and statements: which part is whose is not known.
        assert_eq!(produced("a {{- vars.a }}"), [none("a")]);
        assert_eq!(
            produced("{% if vars.a %}{{ vars.tag }}{% endif %}"),
            [none("a"), none("tag")]
        );
        assert!(produced("{{ namespace }}-db").is_empty());
    }

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
