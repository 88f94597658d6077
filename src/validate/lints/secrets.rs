//! Secrets: a declared secret nothing uses (N0408), and a role that lets a pipeline's service
//! account read secrets its pipelines never use (W0406). A use is a pipeline's `secrets`
//! (envFrom), `env` key or `files`; a workload's volume, `envFrom` or `secretKeyRef`; and the
//! DolphinScheduler gateway token, which the submit Job reads. (A pipeline mounting a secret
//! its namespace does not declare, W0407, is checked with the namespace's other objects in
//! `validate::whole`.)

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model;
use crate::syntax::Path;
use crate::syntax::config;

pub(super) fn lint(
    ctx: &mut Ctx<'_>,
    np: &Path,
    raw: &config::Namespace,
    model_ns: &model::Namespace,
    gateway_token: Option<(&str, &str)>,
) {
    let ns = model_ns.name.as_str();
    let mut used: BTreeSet<String> = model_ns
        .pipelines
        .iter()
        .flat_map(|p| p.secrets_used().map(str::to_string))
        .collect();
    // The submit Job platc writes beside DolphinScheduler reads the gateway token.
    if let Some((_, token)) = gateway_token.filter(|(home, _)| *home == ns) {
        used.insert(token.to_string());
    }
    for m in &model_ns.manifests {
        secrets_named(&m.body, &mut used);
    }
    for s in &model_ns.secrets {
        if !used.contains(&s.name) {
            ctx.push(
                Diagnostic::note(codes::UNUSED_SECRET, s.span, format!("secret `{}` is declared, but no pipeline or workload of namespace `{ns}` mounts it", s.name))
                    .with_label("unused")
                    .with_help("remove it, or add it to the `secrets` of the pipeline that needs it"),
            );
        }
    }
    unused_grants(ctx, np, raw, model_ns);
}

/// Secret names a manifest's pods mount: `secretName` of volumes, `secretRef` of envFrom and
/// `secretKeyRef` of env.
fn secrets_named(json: &Json, out: &mut BTreeSet<String>) {
    match json {
        Json::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("secretName", Json::String(name)) => {
                        out.insert(name.clone());
                    }
                    ("secretRef" | "secretKeyRef", Json::Object(r)) => {
                        if let Some(Json::String(name)) = r.get("name") {
                            out.insert(name.clone());
                        }
                    }
                    _ => secrets_named(v, out),
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|i| secrets_named(i, out)),
        _ => {}
    }
}

/// Roles bound to a service account that runs pipelines, granting reads of secrets those
/// pipelines never mount.
fn unused_grants(ctx: &mut Ctx<'_>, np: &Path, raw: &config::Namespace, ns: &model::Namespace) {
    // What each service account's pipelines mount.
    let mut mounts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for pl in &ns.pipelines {
        if let Some(sa) = &pl.service_account {
            mounts
                .entry(sa.as_str())
                .or_default()
                .extend(pl.secrets_used());
        }
    }
    // Each role of the namespace, with the pipeline accounts bound to it.
    let mut bound: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for b in ns.role_bindings.iter().filter(|b| b.role_kind == "Role") {
        for s in &b.subjects {
            let here = s.namespace.as_deref().is_none_or(|n| n == ns.name);
            if s.kind == "ServiceAccount" && here && mounts.contains_key(s.name.as_str()) {
                bound
                    .entry(b.role_name.as_str())
                    .or_default()
                    .insert(s.name.as_str());
            }
        }
    }
    for (role, accounts) in bound {
        let Some(r) = raw.roles.get(role) else {
            continue;
        };
        let needed: BTreeSet<&str> = accounts
            .iter()
            .flat_map(|a| mounts.get(a).into_iter().flatten().copied())
            .collect();
        let who = accounts
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let shown = if needed.is_empty() {
            "none".to_string()
        } else {
            needed
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (i, rule) in r.rules.iter().enumerate() {
            let core = rule
                .api_groups
                .as_deref()
                .is_none_or(|g| g.iter().any(|x| x.is_empty() || x == "*"));
            let reads = rule
                .verbs
                .iter()
                .any(|v| matches!(v.as_str(), "get" | "list" | "watch" | "*"));
            let Some(j) = rule
                .resources
                .iter()
                .position(|x| x == "secrets" || x == "*")
            else {
                continue;
            };
            if !(core && reads) {
                continue;
            }
            let rp = np.key("roles").key(role).key("rules").index(i);
            match &rule.resource_names {
                None => ctx.push(
                    Diagnostic::warning(codes::RBAC_UNUSED_SECRETS, ctx.val(&rp.key("resources").index(j)), format!("role `{role}` lets {who} read every secret, but its pipelines mount {shown}"))
                        .with_label("every secret")
                        .with_help(if needed.is_empty() {
                            // `resource_names = []` would grant every secret: RBAC reads an
                            // empty list as no restriction.
                            "its pipelines use no secret: remove `secrets` from this rule (or the rule)".to_string()
                        } else {
                            format!("add `resource_names = [{}]`", needed.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "))
                        }),
                ),
                Some(names) => {
                    for (k, name) in names.iter().enumerate() {
                        if !needed.contains(name.as_str()) {
                            ctx.push(
                                Diagnostic::warning(codes::RBAC_UNUSED_SECRETS, ctx.val(&rp.key("resource_names").index(k)), format!("role `{role}` lets {who} read secret `{name}`, which its pipelines never mount (they mount {shown})"))
                                    .with_label("not mounted")
                                    .with_help("remove it from `resource_names`, or mount it in the pipeline that needs it"),
                            );
                        }
                    }
                }
            }
        }
    }
}
