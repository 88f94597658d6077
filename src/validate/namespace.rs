//! Semantic checks of one namespace: cluster placement, labels, quota, limits, network
//! policies and RBAC.

use std::collections::BTreeSet;

use super::context::Ctx;
use super::env::{Env, Here};
use super::{peer, pipeline};
use crate::diag::{Diagnostic, codes};
use crate::model::{self, Direction, Peer, PodSecurity, TrafficRule};
use crate::syntax::Path;
use crate::syntax::config;

pub(crate) fn namespace(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    name: &str,
    ns: &config::Namespace,
) -> model::Namespace {
    let p = Path::root().key("namespaces").key(name);
    ctx.dns_label(&p, name, "namespace name", true);
    let span = ctx.key(&p);
    let clusters = clusters(ctx, env, &p, name, ns);

    ctx.labels(&p.key("labels"), &ns.labels);
    let mut labels = ns.labels.clone();
    let pod_security = ns.pod_security.unwrap_or(PodSecurity::Restricted);
    super::pod_security::labels(ctx, &p, pod_security, &mut labels);

    let mut default_deny: Vec<Direction> = ns
        .default_deny
        .clone()
        .unwrap_or(vec![Direction::Ingress, Direction::Egress]);
    default_deny.sort();
    default_deny.dedup();

    let quota = ns.quota.as_ref().map(|q| quota(ctx, &p.key("quota"), q));
    let limits = ns.limits.as_ref().map(|l| limits(ctx, &p.key("limits"), l));

    let network_policies = ns
        .network_policies
        .iter()
        .map(|(n, pol)| {
            network_policy(ctx, env, &p.key("network_policies").key(n.as_str()), n, pol)
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
        .map(|(n, r)| role(ctx, &p.key("roles").key(n.as_str()), n, r))
        .collect();

    let read = super::manifests::read(
        ctx,
        env.attached,
        env.schemas,
        &p.key("manifests"),
        super::manifests::Place::Namespace {
            name,
            level: pod_security,
        },
    );
    let patches = super::patches::patches(ctx, &p, &ns.patches);
    let secrets = super::secrets::secrets(ctx, env.stores, &env.broken_stores, &p, &ns.secrets);
    let here = Here {
        path: &p,
        name,
        raw: ns,
        manifests: &read.objects,
        limits: limits.as_ref(),
    };

    let role_bindings = ns
        .role_bindings
        .iter()
        .map(|(n, b)| role_binding(ctx, env, &here, n, b))
        .collect();

    let pipelines = ns
        .pipelines
        .iter()
        .map(|(n, pl)| pipeline::pipeline(ctx, env, &here, n, pl))
        .collect();

    model::Namespace {
        name: name.to_string(),
        span,
        clusters,
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
    }
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
            let Some(s) = env.config.services.get(svc) else {
                if !env.broken_services.contains(svc) {
                    ctx.unresolved_in(
                        &pp,
                        Some("service:".len()),
                        "service",
                        svc,
                        "[services]",
                        env.config.services.keys().map(String::as_str),
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

fn role(ctx: &mut Ctx<'_>, p: &Path, name: &str, r: &config::Role) -> model::Role {
    ctx.dns_label(p, name, "role name", true);
    if r.rules.is_empty() {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&p.key("rules")),
                format!("role `{name}` has no rules"),
            )
            .with_label("grants nothing"),
        );
    }
    let rules = r
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let rp = p.key("rules").index(i);
            for (key, list) in [("resources", &rule.resources), ("verbs", &rule.verbs)] {
                if list.is_empty() {
                    ctx.push(
                        Diagnostic::error(
                            codes::OUT_OF_RANGE,
                            ctx.val(&rp.key(key)),
                            format!("`{key}` is empty"),
                        )
                        .with_label("the rule grants nothing"),
                    );
                }
                for (j, item) in list.iter().enumerate() {
                    if item.trim().is_empty() || item.contains(char::is_whitespace) {
                        ctx.push(
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                ctx.val(&rp.key(key).index(j)),
                                format!("invalid entry `{item}` in `{key}`"),
                            )
                            .with_label("empty or contains spaces"),
                        );
                    }
                }
            }
            model::PolicyRule {
                api_groups: rule
                    .api_groups
                    .clone()
                    .unwrap_or_else(|| vec![String::new()]),
                resources: rule.resources.clone(),
                verbs: rule.verbs.clone(),
                resource_names: rule.resource_names.clone(),
            }
        })
        .collect();
    model::Role {
        name: name.to_string(),
        span: ctx.key(p),
        rules,
    }
}

fn role_binding(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    here: &Here<'_>,
    name: &str,
    b: &config::RoleBinding,
) -> model::RoleBinding {
    let (ns_path, ns_name, ns) = (here.path, here.name, here.raw);
    let p = ns_path.key("role_bindings").key(name);
    ctx.dns_label(&p, name, "role binding name", true);
    let (role_kind, role_name) = match (&b.role, &b.cluster_role) {
        (Some(r), None) => {
            let known = here.defines(&ns.roles, "Role", r)
                || ctx.is_pruned(&ns_path.key("roles").key(r.as_str()));
            if !known {
                ctx.unresolved(
                    &p.key("role"),
                    "role",
                    r,
                    &format!("namespace `{ns_name}`"),
                    here.names(&ns.roles, "Role"),
                );
            }
            ("Role", r.clone())
        }
        (None, Some(r)) => {
            if r.trim().is_empty() {
                ctx.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        ctx.val(&p.key("cluster_role")),
                        "`cluster_role` is empty",
                    )
                    .with_label("name a ClusterRole"),
                );
            }
            ("ClusterRole", r.clone())
        }
        (Some(_), Some(_)) => {
            ctx.push(
                Diagnostic::error(
                    codes::CONFLICTING_KEYS,
                    ctx.key(&p.key("cluster_role")),
                    "`role` and `cluster_role` are both set",
                )
                .with_label("a binding refers to one role")
                .with_related(Some(ctx.key(&p.key("role"))), "`role` set here"),
            );
            ("Role", String::new())
        }
        (None, None) => {
            ctx.push(
                Diagnostic::error(codes::CONFLICTING_KEYS, ctx.key(&p), format!("role binding `{name}` names no role"))
                    .with_label("add `role` or `cluster_role`")
                    .with_help("`role = \"NAME\"` for a role of this namespace, `cluster_role = \"view\"` for a ClusterRole"),
            );
            ("Role", String::new())
        }
    };
    if b.subjects.is_empty() {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&p.key("subjects")),
                "`subjects` is empty",
            )
            .with_label("binds nobody"),
        );
    }
    let subjects = b
        .subjects
        .iter()
        .enumerate()
        .filter_map(|(i, s)| subject(ctx, env, &p.key("subjects").index(i), ns_name, s))
        .collect();
    model::RoleBinding {
        name: name.to_string(),
        span: ctx.key(&p),
        role_kind,
        role_name,
        subjects,
    }
}

fn subject(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    p: &Path,
    ns_name: &str,
    s: &str,
) -> Option<model::Subject> {
    let invalid = |ctx: &mut Ctx<'_>| {
        ctx.push(
            Diagnostic::error(codes::INVALID_PEER, ctx.val(p), format!("invalid subject `{s}`"))
                .with_label("not a subject")
                .with_help("write `serviceaccount:NAME`, `serviceaccount:NAMESPACE/NAME`, `group:NAME` or `user:NAME`"),
        );
        None
    };
    let Some((kind, rest)) = s.split_once(':') else {
        return invalid(ctx);
    };
    if rest.trim().is_empty() {
        return invalid(ctx);
    }
    match kind {
        "serviceaccount" => {
            // Where the names start in the value: `serviceaccount:NS/NAME` or
            // `serviceaccount:NAME`.
            let ns_at = "serviceaccount:".len();
            let (ns, sa, sa_at) = match rest.split_once('/') {
                Some((ns, sa)) => (ns, sa, ns_at + ns.len() + 1),
                None => (ns_name, rest, ns_at),
            };
            if model::names::dns_label_problem(ns).is_some()
                || model::names::dns_label_problem(sa).is_some()
            {
                ctx.dns_label_in(p, sa_at, sa, "service account name");
                if rest.contains('/') {
                    ctx.dns_label_in(p, ns_at, ns, "namespace");
                } else {
                    ctx.dns_label(p, ns, "namespace", false);
                }
                return None;
            }
            if let Some(target) = env.config.namespaces.get(ns) {
                let sa_path = Path::root()
                    .key("namespaces")
                    .key(ns)
                    .key("service_accounts")
                    .key(sa);
                if !target.service_accounts.contains_key(sa) && !ctx.is_pruned(&sa_path) {
                    ctx.unresolved_in(
                        p,
                        Some(sa_at),
                        "service account",
                        sa,
                        &format!("namespace `{ns}`"),
                        target.service_accounts.keys().map(String::as_str),
                    );
                }
            } else if ns == ns_name && !env.broken_namespaces.contains(ns) {
                ctx.unresolved_in(
                    p,
                    Some(sa_at),
                    "service account",
                    sa,
                    &format!("namespace `{ns}`"),
                    std::iter::empty(),
                );
            }
            Some(model::Subject {
                kind: "ServiceAccount",
                name: sa.to_string(),
                namespace: Some(ns.to_string()),
            })
        }
        "group" => Some(model::Subject {
            kind: "Group",
            name: rest.to_string(),
            namespace: None,
        }),
        "user" => Some(model::Subject {
            kind: "User",
            name: rest.to_string(),
            namespace: None,
        }),
        _ => invalid(ctx),
    }
}
