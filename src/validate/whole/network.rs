//! Reachability through NetworkPolicies: a Service port whose target port no policy lets any
//! traffic reach on the pods it selects (they are isolated for ingress: by `default_deny` or
//! by any policy selecting them), and an ingress rule opening ports none of the pods it
//! selects expose.

use super::facts::{PortRef, Template};
use super::index::Index;
use super::selector::Selector;
use crate::diag::{Diagnostic, Span, codes};
use crate::model::Direction;
use crate::syntax::Path;
use crate::validate::context::Ctx;

/// What one ingress rule opens on the pods it applies to.
#[derive(Clone)]
enum Open {
    /// Every port of every protocol (a rule without `ports`).
    All,
    /// A port (`None`: every port of the protocol), up to `end`.
    Port {
        port: Option<PortRef>,
        end: Option<i64>,
        protocol: String,
    },
}

/// How each template is reached: isolated by (where, what), and what rules open.
#[derive(Default, Clone)]
struct Reach {
    isolated: Option<(Span, String)>,
    opens: Vec<Open>,
}

pub(super) fn check(ctx: &mut Ctx<'_>, index: &Index<'_>, np: &Path, deny_written: bool) {
    let ns = index.ns;
    // A namespace platc does not manage may hold policies of its owner; a patch on a policy
    // may open or close anything.
    if !ns.managed
        || ns
            .patches
            .iter()
            .any(|p| p.kind.eq_ignore_ascii_case("networkpolicy"))
    {
        return;
    }
    let mut reach = vec![Reach::default(); index.templates.len()];
    if ns.default_deny.contains(&Direction::Ingress) {
        let at = if deny_written {
            ctx.val(&np.key("default_deny"))
        } else {
            ctx.key(np)
        };
        for r in &mut reach {
            r.isolated = Some((
                at,
                "ingress is denied by default here (`default_deny`)".into(),
            ));
        }
    }
    let mut unsure = false;
    for pol in &index.policies {
        let Some(rules) = &pol.ingress else { continue };
        let (ids, u) = index.select(&pol.pods);
        unsure |= u;
        let opens: Vec<Open> = rules
            .iter()
            .flat_map(|r| {
                if r.ports.is_empty() {
                    vec![Open::All]
                } else {
                    r.ports
                        .iter()
                        .map(|p| Open::Port {
                            port: p.port.clone(),
                            end: p.end_port,
                            protocol: p.protocol.clone(),
                        })
                        .collect()
                }
            })
            .collect();
        for &i in &ids {
            let r = &mut reach[i];
            r.isolated.get_or_insert_with(|| {
                (
                    pol.span,
                    format!("policy `{}` isolates these pods", pol.name),
                )
            });
            r.opens.extend(opens.iter().cloned());
        }
    }
    if unsure {
        return;
    }
    unreachable_ports(ctx, index, &reach);
    unexposed_ports(ctx, index);
}

/// The port of a template's containers a Service's target names: number, name, protocol.
fn resolve(t: &Template, target: &PortRef, protocol: &str) -> Option<(i64, Option<String>)> {
    let ports = t
        .containers
        .iter()
        .filter(|c| !c.init)
        .flat_map(|c| c.ports.iter());
    match target {
        PortRef::Name(n) => ports
            .clone()
            .find(|p| p.name.as_deref() == Some(n.as_str()))
            .map(|p| (p.number, p.name.clone())),
        PortRef::Number(n) => Some((
            *n,
            ports
                .clone()
                .find(|p| p.number == *n && p.protocol == protocol)
                .and_then(|p| p.name.clone()),
        )),
    }
}

fn admits(opens: &[Open], number: i64, name: Option<&str>, protocol: &str) -> bool {
    opens.iter().any(|o| match o {
        Open::All => true,
        Open::Port {
            port,
            end,
            protocol: p,
        } => {
            p == protocol
                && match port {
                    None => true,
                    Some(PortRef::Number(n)) => number >= *n && number <= end.unwrap_or(*n),
                    Some(PortRef::Name(x)) => name == Some(x.as_str()),
                }
        }
    })
}

fn unreachable_ports(ctx: &mut Ctx<'_>, index: &Index<'_>, reach: &[Reach]) {
    for s in &index.service_list {
        let Some((labels, _)) = &s.selector else {
            continue;
        };
        if index.changed("Service", &s.name, "/spec") {
            continue;
        }
        let (ids, _) = index.select(&Selector::of(labels));
        if ids.is_empty()
            || ids
                .iter()
                .any(|&i| index.containers_unsure(index.templates[i]))
        {
            continue;
        }
        for port in &s.ports {
            let mut blocked_by = None;
            let mut reachable = false;
            for &i in &ids {
                let t = index.templates[i];
                let Some((number, name)) = resolve(t, &port.target, &port.protocol) else {
                    // A name no container declares: W0811 says so.
                    reachable = true;
                    break;
                };
                match &reach[i].isolated {
                    None => reachable = true,
                    Some(by) => {
                        if admits(&reach[i].opens, number, name.as_deref(), &port.protocol) {
                            reachable = true;
                        } else {
                            blocked_by.get_or_insert((by.clone(), number));
                        }
                    }
                }
                if reachable {
                    break;
                }
            }
            let (false, Some(((at, label), number))) = (reachable, blocked_by) else {
                continue;
            };
            let pods = Selector::of(labels)
                .labels
                .iter()
                .map(|(k, v)| format!("\"{k}\" = \"{v}\""))
                .collect::<Vec<_>>()
                .join(", ");
            ctx.push(
                Diagnostic::warning(
                    codes::PORT_UNREACHABLE,
                    port.target_span,
                    format!(
                        "no NetworkPolicy lets traffic reach port {number} of the pods behind Service `{}` (port {})",
                        s.name, port.port
                    ),
                )
                .with_label("every connection to this port times out")
                .with_related(Some(at), label)
                .with_help(format!(
                    "open it to its clients, e.g. `[namespaces.{}.network_policies.{}-ingress]` with `pods = {{ {pods} }}` and `ingress = [{{ from = \"namespace:NAME\", ports = [{number}] }}]`",
                    index.ns.name, s.name
                )),
            );
        }
    }
}

/// Ingress rules opening ports none of the pods they select expose.
fn unexposed_ports(ctx: &mut Ctx<'_>, index: &Index<'_>) {
    for pol in &index.policies {
        let Some(rules) = &pol.ingress else { continue };
        let (ids, _) = index.select(&pol.pods);
        if ids.is_empty()
            || ids
                .iter()
                .any(|&i| index.containers_unsure(index.templates[i]))
        {
            continue;
        }
        let ports: Vec<(i64, Option<String>)> = ids
            .iter()
            .flat_map(|&i| index.templates[i].containers.iter())
            .filter(|c| !c.init)
            .flat_map(|c| c.ports.iter())
            .map(|p| (p.number, p.name.clone()))
            .collect();
        for rule in rules {
            for p in &rule.ports {
                let missing = match &p.port {
                    // A container may listen on a port it does not declare.
                    Some(PortRef::Number(n)) if p.end_port.is_none() => {
                        !ports.is_empty() && !ports.iter().any(|(x, _)| x == n)
                    }
                    Some(PortRef::Name(x)) => {
                        !ports.iter().any(|(_, m)| m.as_deref() == Some(x.as_str()))
                    }
                    _ => false,
                };
                if missing {
                    let shown = p.port.as_ref().map(ToString::to_string).unwrap_or_default();
                    ctx.push(unexposed(p.span, &pol.name, &shown, &ports, index, &ids));
                }
            }
        }
    }
}

fn unexposed(
    at: Span,
    policy: &str,
    port: &str,
    ports: &[(i64, Option<String>)],
    index: &Index<'_>,
    ids: &[usize],
) -> Diagnostic {
    let t = index.templates[ids[0]];
    let shown: Vec<String> = ports
        .iter()
        .map(|(n, name)| match name {
            Some(name) => format!("{n} ({name})"),
            None => n.to_string(),
        })
        .collect();
    Diagnostic::warning(
        codes::INGRESS_PORT_UNEXPOSED,
        at,
        format!("policy `{policy}` opens port {port}, which none of the pods it selects expose"),
    )
    .with_label("opens nothing")
    .with_related(
        Some(t.labels_span),
        format!("the pods of {} `{}`", t.kind, t.name),
    )
    .with_help(if shown.is_empty() {
        "name a port the pods' containers declare".to_string()
    } else {
        format!("the pods expose {}", shown.join(", "))
    })
}
