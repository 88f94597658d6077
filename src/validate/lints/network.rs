//! Network lints: egress to the whole internet on every port, denied egress without DNS, and
//! ingress open to every address. Each warning points at the peer or setting responsible.

use ipnet::IpNet;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model::Direction;
use crate::validate::Written;
use crate::yaml;

/// `services`: `[services]` as they are on the namespace's cluster.
pub(super) fn lint(ctx: &mut Ctx<'_>, written: &Written<'_>) {
    let Written {
        path: np,
        raw: namespace,
        ns: model_ns,
        services,
        ..
    } = written;
    let ns = model_ns.name.as_str();
    let egress_denied = model_ns.default_deny.contains(&Direction::Egress);
    // A policy of the user's own that opens port 53 is the documented alternative, in the
    // config or among the manifests.
    let own_dns = namespace
        .network_policies
        .values()
        .flat_map(|p| p.egress.iter().flatten())
        .any(|r| r.ports.as_deref().is_some_and(|p| p.contains(&53)))
        || model_ns
            .manifests
            .iter()
            .filter(|m| m.kind == "NetworkPolicy")
            .filter_map(|m| m.body.pointer("/spec/egress").and_then(|e| e.as_array()))
            .flatten()
            .filter_map(|rule| rule.get("ports").and_then(|p| p.as_array()))
            .flatten()
            .any(|port| port.get("port").and_then(|p| p.as_i64()) == Some(53));
    if egress_denied && namespace.allow_dns == Some(false) && !own_dns {
        ctx.push(
            Diagnostic::warning(
                codes::NETWORK_DNS_BLOCKED,
                ctx.val(&np.key("allow_dns")),
                format!("namespace `{ns}` denies egress and blocks DNS"),
            )
            .with_label("pods cannot resolve names")
            .with_help(
                "remove `allow_dns = false`, or allow egress to kube-dns on port 53 in a policy",
            ),
        );
    }
    for (name, policy) in &namespace.network_policies {
        let pp = np.key("network_policies").key(name.as_str());
        for (i, rule) in policy.egress.iter().flatten().enumerate() {
            let no_ports = rule.ports.as_deref().is_none_or(<[u16]>::is_empty);
            // W0821: ports the service does not listen on.
            if let Some(svc) = rule.to.strip_prefix("service:")
                && let Some(s) = services.get(svc)
                && !s.ports.is_empty()
            {
                for (j, port) in rule.ports.iter().flatten().enumerate() {
                    if s.ports.contains(port) {
                        continue;
                    }
                    let listens = s
                        .ports
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ");
                    ctx.push(
                        Diagnostic::warning(
                            codes::EGRESS_PORT_CLOSED,
                            ctx.val(&pp.key("egress").index(i).key("ports").index(j)),
                            format!("policy `{name}` opens port {port} to service `{svc}`, which listens on {listens}"),
                        )
                        .with_label("nothing answers here")
                        .with_related(Some(ctx.val(&written.service_key(svc, "ports"))), "the service's ports")
                        .with_help(format!("use port {listens}, or leave `ports` out to take the service's")),
                    );
                }
            }
            if is_everything(&rule.to) && no_ports {
                ctx.push(
                    Diagnostic::warning(
                        codes::NETWORK_OPEN_EGRESS,
                        ctx.val(&pp.key("egress").index(i).key("to")),
                        format!(
                            "policy `{name}` allows egress to `{}` on every port",
                            rule.to
                        ),
                    )
                    .with_label("anywhere, any port")
                    .with_help("add `ports = [...]` (e.g. `[443]`), or narrow the CIDR"),
                );
            }
        }
        for (i, rule) in policy.ingress.iter().flatten().enumerate() {
            let no_ports = rule.ports.as_deref().is_none_or(<[u16]>::is_empty);
            // W0820: every port open to another namespace.
            let other = match rule.from.split_once(':') {
                Some(("namespace", n)) => (n != ns).then(|| format!("namespace `{n}`")),
                Some(("service", s)) => {
                    services
                        .get(s)
                        .filter(|svc| svc.namespace != ns)
                        .map(|svc| {
                            format!("the pods of service `{s}` (namespace `{}`)", svc.namespace)
                        })
                }
                _ => None,
            };
            if let Some(who) = other.filter(|_| no_ports) {
                ctx.push(
                    Diagnostic::warning(
                        codes::INGRESS_ALL_PORTS,
                        ctx.val(&pp.key("ingress").index(i).key("from")),
                        format!("policy `{name}` opens every port of its pods to {who}"),
                    )
                    .with_label("every port, admin and debug ports too")
                    .with_help("list the ports the callers need, e.g. `ports = [8080]`"),
                );
            }
            if is_everything(&rule.from) {
                ctx.push(
                        Diagnostic::warning(
                            codes::NETWORK_OPEN_INGRESS,
                            ctx.val(&pp.key("ingress").index(i).key("from")),
                            format!("policy `{name}` allows ingress from `{}`: every address, every namespace", rule.from),
                        )
                        .with_label("open to everyone")
                        .with_help("name the callers: `namespace:NAME`, `service:NAME` or a narrow CIDR"),
                    );
            }
        }
    }
}

/// The same lints on a NetworkPolicy of a manifest: an `ipBlock` of every address, on every
/// port for egress, at its `cidr`.
pub(crate) fn manifest(ctx: &mut Ctx<'_>, node: &yaml::Node, name: &str) {
    let Some(spec) = node.get("spec") else {
        return;
    };
    for (direction, peers) in [("egress", "to"), ("ingress", "from")] {
        let Some(yaml::Value::Seq(rules)) = spec.get(direction).map(|r| &r.value) else {
            continue;
        };
        for rule in rules {
            let no_ports = match rule.get("ports").map(|p| &p.value) {
                Some(yaml::Value::Seq(p)) => p.is_empty(),
                _ => true,
            };
            let Some(yaml::Value::Seq(list)) = rule.get(peers).map(|p| &p.value) else {
                continue;
            };
            for peer in list {
                let Some(cidr) = peer.get("ipBlock").and_then(|b| b.get("cidr")) else {
                    continue;
                };
                let Some(text) = cidr.as_str().filter(|c| is_everything(c)) else {
                    continue;
                };
                if direction == "egress" && no_ports {
                    ctx.push(
                        Diagnostic::warning(
                            codes::NETWORK_OPEN_EGRESS,
                            cidr.span,
                            format!("policy `{name}` allows egress to `{text}` on every port"),
                        )
                        .with_label("anywhere, any port")
                        .with_help("add `ports` (e.g. `[{port: 443}]`), or narrow the CIDR"),
                    );
                } else if direction == "ingress" {
                    ctx.push(
                        Diagnostic::warning(codes::NETWORK_OPEN_INGRESS, cidr.span, format!("policy `{name}` allows ingress from `{text}`: every address, every namespace"))
                            .with_label("open to everyone")
                            .with_help("name the callers with a namespaceSelector and podSelector, or a narrow CIDR"),
                    );
                }
            }
        }
    }
}

/// `0.0.0.0/0` or `::/0` (however written): every address.
fn is_everything(peer: &str) -> bool {
    peer.parse::<IpNet>().is_ok_and(|n| n.prefix_len() == 0)
}
