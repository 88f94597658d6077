//! Semantic checks of a namespace's RBAC: its roles (rules, verbs, resources) and role
//! bindings (the role they name, their subjects).

use super::context::Ctx;
use super::env::{Env, Here};
use crate::diag::{Diagnostic, codes};
use crate::model;
use crate::syntax::Path;
use crate::syntax::config;

pub(super) fn role(ctx: &mut Ctx<'_>, p: &Path, name: &str, r: &config::Role) -> model::Role {
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
            if rule.resource_names.as_ref().is_some_and(Vec::is_empty) {
                ctx.push(empty_resource_names(
                    ctx.val(&rp.key("resource_names")),
                    name,
                ));
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

/// E0803: an empty `resource_names` / `resourceNames` list, which RBAC reads as "every name".
pub(crate) fn empty_resource_names(at: crate::diag::Span, role: &str) -> Diagnostic {
    Diagnostic::error(
        codes::EMPTY_RESOURCE_NAMES,
        at,
        format!("role `{role}` has a rule with an empty list of resource names"),
    )
    .with_label("RBAC reads an empty list as every name")
    .with_help("name the objects the rule is for (`[\"commodity-api\"]`), or remove the rule if it should grant nothing")
}

pub(super) fn role_binding(
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
        .filter_map(|(i, s)| {
            subject(
                ctx,
                env,
                &p.key("subjects").index(i),
                (ns_name, here.cluster),
                s,
            )
        })
        .collect();
    model::RoleBinding {
        name: name.to_string(),
        span: ctx.key(&p),
        role_kind,
        role_name,
        subjects,
    }
}

/// A subject of a binding in namespace `ns_name` (on `cluster`, when it is on one).
fn subject(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    p: &Path,
    (ns_name, cluster): (&str, Option<&str>),
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
            if let Some((target_path, target)) = env.namespace(ns, cluster) {
                let sa_path = target_path.key("service_accounts").key(sa);
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
