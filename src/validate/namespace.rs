//! Semantic checks of one namespace: cluster placement, labels, quota, limits and network
//! policies; its RBAC is checked by `rbac`.

use std::collections::BTreeSet;

use super::context::Ctx;
use super::env::{Env, Here};
use super::{peer, pipeline, rbac};
use crate::diag::{Diagnostic, codes};
use crate::model::{self, Direction, Peer, PodSecurity, TrafficRule};
use crate::syntax::Path;
use crate::syntax::config;

/// Checks a namespace: as written, or for a namespace split per cluster (`on` holds its copy
/// on each cluster), each copy, which become one model namespace each.
pub(crate) fn namespaces(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    name: &str,
    ns: &config::Namespace,
) -> Vec<(model::Namespace, Vec<super::whole::facts::Fact>)> {
    let p = Path::root().key("namespaces").key(name);
    ctx.dns_label(&p, name, "namespace name", true);
    let clusters = clusters(ctx, env, &p, name, ns);
    if ns.on.is_empty() {
        return vec![namespace(ctx, env, name, &p, ns, clusters)];
    }
    ns.on
        .iter()
        .map(|(cluster, copy)| {
            let cp = p.key("on").key(cluster.as_str());
            namespace(ctx, env, name, &cp, copy, vec![cluster.clone()])
        })
        .collect()
}

fn namespace(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    name: &str,
    p: &Path,
    ns: &config::Namespace,
    clusters: Vec<String>,
) -> (model::Namespace, Vec<super::whole::facts::Fact>) {
    let p = p.clone();
    let span = ctx.key(&p);
    let cluster = match clusters.as_slice() {
        [one] => Some(one.as_str()),
        _ => None,
    };

    let managed = ns.managed.unwrap_or(true);
    ctx.labels(&p.key("labels"), &ns.labels);
    let pod_security = ns.pod_security.unwrap_or(PodSecurity::Restricted);
    let mut labels = ns.labels.clone();
    if managed {
        super::pod_security::labels(ctx, &p, pod_security, &mut labels);
    } else if !ns.labels.is_empty() {
        unmanaged_labels(ctx, &p);
    }

    // A namespace platc does not own gets no policy it was not asked for: its owner's pods
    // (kube-system's DNS, an operator's webhooks) would lose their traffic.
    let mut default_deny: Vec<Direction> = ns.default_deny.clone().unwrap_or(if managed {
        vec![Direction::Ingress, Direction::Egress]
    } else {
        Vec::new()
    });
    default_deny.sort();
    default_deny.dedup();

    let quota = ns.quota.as_ref().map(|q| quota(ctx, &p.key("quota"), q));
    let limits = ns.limits.as_ref().map(|l| limits(ctx, &p.key("limits"), l));

    let network_policies = ns
        .network_policies
        .iter()
        .map(|(n, pol)| {
            let pp = p.key("network_policies").key(n.as_str());
            network_policy(ctx, env, cluster, &pp, n, pol)
        })
        .collect();

    let service_accounts = ns
        .service_accounts
        .iter()
        .map(|(n, sa)| {
            let sp = p.key("service_accounts").key(n.as_str());
            ctx.dns_label(&sp, n, "service account name", true);
            for k in sa.annotations.keys() {
                if let Some(problem) = model::names::label_key_problem(k) {
                    ctx.push(
                        Diagnostic::error(
                            codes::INVALID_LABEL,
                            ctx.key(&sp.key("annotations").key(k.as_str())),
                            format!("invalid annotation key `{k}`: {problem}"),
                        )
                        .with_label("invalid key"),
                    );
                }
            }
            model::ServiceAccount {
                name: n.clone(),
                span: ctx.key(&sp),
                annotations: sa.annotations.clone(),
                automount_token: sa.automount_token,
            }
        })
        .collect();

    let roles = ns
        .roles
        .iter()
        .map(|(n, r)| rbac::role(ctx, &p.key("roles").key(n.as_str()), n, r))
        .collect();

    let mut read = super::manifests::read(
        ctx,
        env.attached,
        env.schemas,
        &p.key("manifests"),
        super::manifests::Place::Namespace {
            name,
            level: pod_security,
        },
    );
    super::whole::scale_by_autoscalers(&read.facts, &mut read.workloads);
    let patches = super::patches::patches(ctx, &p, &ns.patches);
    let secrets = super::secrets::secrets(ctx, env.stores, &env.broken_stores, &p, &ns.secrets);
    let here = Here {
        path: &p,
        name,
        cluster,
        raw: ns,
        manifests: &read.objects,
        limits: limits.as_ref(),
    };

    let role_bindings = ns
        .role_bindings
        .iter()
        .map(|(n, b)| rbac::role_binding(ctx, env, &here, n, b))
        .collect();

    let pipelines = ns
        .pipelines
        .iter()
        .map(|(n, pl)| pipeline::pipeline(ctx, env, &here, n, pl))
        .collect();

    let namespace = model::Namespace {
        name: name.to_string(),
        span,
        on: (p.segs().len() > 2).then(|| clusters.concat()),
        clusters,
        managed,
        labels,
        pod_security,
        default_deny,
        allow_dns: ns.allow_dns.unwrap_or(true),
        quota,
        limits,
        network_policies,
        service_accounts,
        roles,
        role_bindings,
        pipelines,
        manifests: read.objects,
        workloads: read.workloads,
        patches,
        secrets,
    };
    (namespace, read.facts)
}

/// `labels` are the Namespace object's, which a namespace with `managed = false` does not have.
fn unmanaged_labels(ctx: &mut Ctx<'_>, p: &Path) {
    let managed = p.key("managed");
    ctx.push(
        Diagnostic::error(
            codes::CONFLICTING_KEYS,
            ctx.key(&p.key("labels")),
            "`labels` are the Namespace object's, and `managed = false` writes none",
        )
        .with_label("no Namespace object to put them on")
        .with_related(Some(ctx.val(&managed)), "`managed = false` set here")
        .with_help(
            "remove `labels` (the namespace's owner labels it), or remove `managed = false` so \
             platc writes the Namespace",
        ),
    );
}

fn clusters(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    p: &Path,
    name: &str,
    ns: &config::Namespace,
) -> Vec<String> {
    let defined = env.clusters;
    let check = |ctx: &mut Ctx<'_>, path: &Path, c: &str| {
        if !defined.iter().any(|d| d == c) && !env.broken_clusters.contains(c) {
            if defined.is_empty() && c == "default" {
                return;
            }
            ctx.unresolved(
                path,
                "cluster",
                c,
                "[clusters]",
                defined.iter().map(String::as_str),
            );
        }
    };
    match (&ns.cluster, &ns.clusters) {
        (Some(_), Some(_)) => {
            ctx.push(
                Diagnostic::error(codes::CONFLICTING_KEYS, ctx.key(&p.key("clusters")), "`cluster` and `clusters` are both set")
                    .with_label("remove one of them")
                    .with_related(Some(ctx.key(&p.key("cluster"))), "`cluster` set here")
                    .with_help("use `cluster = \"a\"` for one cluster or `clusters = [\"a\", \"b\"]` for several"),
            );
            Vec::new()
        }
        (Some(c), None) => {
            check(ctx, &p.key("cluster"), c);
            vec![c.clone()]
        }
        (None, Some(list)) => {
            if list.is_empty() {
                ctx.push(
                    Diagnostic::error(
                        codes::OUT_OF_RANGE,
                        ctx.val(&p.key("clusters")),
                        "`clusters` is empty",
                    )
                    .with_label("name at least one cluster"),
                );
            }
            let mut seen = BTreeSet::new();
            for (i, c) in list.iter().enumerate() {
                let cp = p.key("clusters").index(i);
                check(ctx, &cp, c);
                if !seen.insert(c) {
                    ctx.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            ctx.val(&cp),
                            format!("cluster `{c}` is listed twice"),
                        )
                        .with_label("duplicate"),
                    );
                }
            }
            let mut out = list.clone();
            out.sort();
            out.dedup();
            out
        }
        (None, None) => match defined {
            [] => vec!["default".into()],
            [only] => vec![only.clone()],
            _ => {
                ctx.push(
                    Diagnostic::error(
                        codes::AMBIGUOUS_CLUSTER,
                        ctx.key(p),
                        format!(
                            "namespace `{name}` names no cluster, and {} are defined",
                            defined.len()
                        ),
                    )
                    .with_label("which cluster?")
                    .with_help(format!(
                        "add `cluster = \"NAME\"` or `clusters = [...]`; defined clusters: {}",
                        defined.join(", ")
                    )),
                );
                Vec::new()
            }
        },
    }
}

fn quota(ctx: &mut Ctx<'_>, p: &Path, q: &config::Quota) -> model::ResourceList {
    let requests = q
        .requests
        .as_ref()
        .map(|r| ctx.resources(&p.key("requests"), r))
        .unwrap_or_default();
    let limits = q
        .limits
        .as_ref()
        .map(|r| ctx.resources(&p.key("limits"), r))
        .unwrap_or_default();
    ctx.limit_at_least_request(p, "requests", "limits", &requests, &limits);
    let mut hard = model::ResourceList::new();
    for (k, v) in requests {
        hard.insert(format!("requests.{k}"), v);
    }
    for (k, v) in limits {
        hard.insert(format!("limits.{k}"), v);
    }
    for (k, v) in [
        ("pods", q.pods),
        ("persistentvolumeclaims", q.persistentvolumeclaims),
        ("services", q.services),
        ("configmaps", q.configmaps),
        ("secrets", q.secrets),
    ] {
        if let Some(n) = v
            && let Ok(q) = model::Quantity::parse(&n.to_string())
        {
            hard.insert(k.to_string(), q);
        }
    }
    // Only when nothing was written: invalid amounts already have their own errors.
    let written = |r: &Option<config::Resources>| {
        r.as_ref()
            .is_some_and(|r| r.cpu.is_some() || r.memory.is_some() || r.ephemeral_storage.is_some())
    };
    if hard.is_empty() && !written(&q.requests) && !written(&q.limits) {
        ctx.push(
            Diagnostic::error(codes::OUT_OF_RANGE, ctx.key(p), "the quota limits nothing")
                .with_label("empty quota")
                .with_help("set `requests`, `limits`, `pods`, ... or remove the table"),
        );
    }
    hard
}

fn limits(ctx: &mut Ctx<'_>, p: &Path, l: &config::Limits) -> model::Limits {
    let mut get = |key: &str, r: &Option<config::Resources>| {
        r.as_ref()
            .map(|r| ctx.resources(&p.key(key), r))
            .unwrap_or_default()
    };
    let out = model::Limits {
        default_request: get("default_request", &l.default_request),
        default: get("default", &l.default),
        min: get("min", &l.min),
        max: get("max", &l.max),
    };
    // Only when nothing was written: invalid amounts already have their own errors.
    let written = [&l.default_request, &l.default, &l.min, &l.max]
        .iter()
        .any(|r| {
            r.as_ref().is_some_and(|r| {
                r.cpu.is_some() || r.memory.is_some() || r.ephemeral_storage.is_some()
            })
        });
    if !written {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.key(p),
                "the limit range sets nothing",
            )
            .with_label("empty limits")
            .with_help("set `default_request`, `default`, `min` or `max`, or remove the table"),
        );
    }
    out
}

fn network_policy(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    cluster: Option<&str>,
    p: &Path,
    name: &str,
    pol: &config::NetworkPolicy,
) -> model::NetworkPolicy {
    ctx.dns_label(p, name, "network policy name", true);
    if let Some(pods) = &pol.pods {
        ctx.labels(&p.key("pods"), pods);
    }
    if pol.ingress.is_none() && pol.egress.is_none() {
        ctx.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                ctx.key(p),
                format!("network policy `{name}` has neither `ingress` nor `egress`"),
            )
            .with_label("allows nothing, restricts nothing")
            .with_help(
                "add `egress = [...]` or `ingress = [...]` (an empty list denies that direction)",
            ),
        );
    }
    let ingress = pol.ingress.as_ref().map(|rules| {
        rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                traffic_rule(
                    ctx,
                    env,
                    cluster,
                    &p.key("ingress").index(i),
                    Direction::Ingress,
                    &r.from,
                    r.ports.as_deref(),
                )
            })
            .collect()
    });
    let egress = pol.egress.as_ref().map(|rules| {
        rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                traffic_rule(
                    ctx,
                    env,
                    cluster,
                    &p.key("egress").index(i),
                    Direction::Egress,
                    &r.to,
                    r.ports.as_deref(),
                )
            })
            .collect()
    });
    model::NetworkPolicy {
        name: name.to_string(),
        span: ctx.key(p),
        pods: pol.pods.clone(),
        ingress,
        egress,
    }
}

/// One rule of a policy. A `service:` peer contributes its namespace and pods; its ports are
/// where it listens, so they are the destination ports of an egress rule without `ports`, but
/// never of an ingress rule, whose destination is our own pods.
fn traffic_rule(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    cluster: Option<&str>,
    p: &Path,
    direction: Direction,
    peer: &str,
    ports: Option<&[u16]>,
) -> Option<TrafficRule> {
    let pp = p.key(match direction {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    });
    if let Some(ports) = ports {
        ctx.ports(&p.key("ports"), ports);
    }
    let explicit: Vec<u16> = ports.map(<[u16]>::to_vec).unwrap_or_default();
    let peer = match peer::form(ctx, env, &pp, peer)? {
        peer::Form::Own => Peer::OwnNamespace,
        peer::Form::Namespace(ns) => {
            if !ctx.dns_label_in(&pp, "namespace:".len(), ns, "namespace") {
                return None;
            }
            Peer::Namespace(ns.to_string())
        }
        peer::Form::Service(svc) => {
            let services = env.services(cluster);
            let Some(s) = services.get(svc) else {
                if !env.broken_services.contains(svc) {
                    ctx.unresolved_in(
                        &pp,
                        Some("service:".len()),
                        "service",
                        svc,
                        "[services]",
                        services.keys().map(String::as_str),
                    );
                }
                return None;
            };
            let ports = match direction {
                Direction::Egress if explicit.is_empty() => s.ports.clone(),
                _ => explicit,
            };
            return Some(TrafficRule {
                peer: Peer::Pods {
                    namespace: s.namespace.clone(),
                    selector: s.selector.clone(),
                },
                ports,
            });
        }
        peer::Form::Cidr(text) => Peer::Cidr(peer::cidr(ctx, &pp, text)?),
    };
    Some(TrafficRule {
        peer,
        ports: explicit,
    })
}
