//! Secrets: a pipeline mounting a secret its namespace does not declare (W0407: it may be
//! made outside platc), a declared secret nothing mounts (N0408), and a role that lets a
//! pipeline's service account read secrets its pipelines never mount (W0406).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::model;
use crate::syntax::Path;
use crate::syntax::config;

pub(super) fn lint(
    ctx: &mut Ctx<'_>,
    np: &Path,
    raw: &config::Namespace,
    model_ns: &model::Namespace,
) {
    let ns = model_ns.name.as_str();
    let declared: BTreeSet<&str> = model_ns.secrets.iter().map(|s| s.name.as_str()).collect();
    for pl in &model_ns.pipelines {
        for (i, secret) in pl.secrets.iter().enumerate() {
            if declared.contains(secret.as_str()) {
                continue;
            }
            let at = np
                .key("pipelines")
                .key(pl.name.as_str())
                .key("secrets")
                .index(i);
            let help = did_you_mean(secret, declared.iter().copied()).unwrap_or_else(|| {
                format!(
                    "declare it as `[namespaces.{ns}.secrets.{secret}]` (an ExternalSecret from a store), or make sure something else creates it"
                )
            });
            ctx.push(
                Diagnostic::warning(codes::UNDECLARED_SECRET, ctx.val(&at), format!("pipeline `{}` mounts secret `{secret}`, which namespace `{ns}` does not declare", pl.name))
                    .with_label("not declared here")
                    .with_help(help),
            );
        }
    }
    let mut used: BTreeSet<String> = model_ns
        .pipelines
        .iter()
        .flat_map(|p| p.secrets.iter().cloned())
        .collect();
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
                .extend(pl.secrets.iter().map(String::as_str));
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
                        .with_help(format!("add `resource_names = [{}]`", needed.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "))),
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
