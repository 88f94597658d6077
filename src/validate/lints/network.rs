//! Network lints: egress to the whole internet on every port, denied egress without DNS, and
//! ingress open to every address. Each warning points at the peer or setting responsible.

use ipnet::IpNet;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, Direction};
use crate::syntax::Path;
use crate::syntax::config;

pub(super) fn lint(
    ctx: &mut Ctx<'_>,
    ns: &str,
    namespace: &config::Namespace,
    _: &model::Namespace,
) {
    let np = Path::root().key("namespaces").key(ns);
    let egress_denied = namespace
        .default_deny
        .as_deref()
        .is_none_or(|d| d.contains(&Direction::Egress));
    // A policy of the user's own that opens port 53 is the documented alternative.
    let own_dns = namespace
        .network_policies
        .values()
        .flat_map(|p| p.egress.iter().flatten())
        .any(|r| r.ports.as_deref().is_some_and(|p| p.contains(&53)));
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

/// `0.0.0.0/0` or `::/0` (however written): every address.
fn is_everything(peer: &str) -> bool {
    peer.parse::<IpNet>().is_ok_and(|n| n.prefix_len() == 0)
}
