//! RBAC lints: grants that read every secret, wildcards, escalation verbs, shells in pods and
//! token minting. Each warning points at the verb or resource that makes the grant dangerous.

use super::super::context::Ctx;
use crate::diag::{Code, Diagnostic, codes};
use crate::model;
use crate::syntax::Path;
use crate::syntax::config::{self, Rule};

pub(super) fn lint(
    ctx: &mut Ctx<'_>,
    ns: &str,
    namespace: &config::Namespace,
    _: &model::Namespace,
) {
    for (role, r) in &namespace.roles {
        let rp = Path::root()
            .key("namespaces")
            .key(ns)
            .key("roles")
            .key(role.as_str())
            .key("rules");
        for (i, rule) in r.rules.iter().enumerate() {
            lint_rule(ctx, &rp.index(i), role, rule);
        }
    }
}

fn warn(ctx: &mut Ctx<'_>, code: Code, at: &Path, message: String, label: &str, help: &str) {
    let d = Diagnostic::warning(code, ctx.val(at), message)
        .with_label(label)
        .with_help(help);
    ctx.push(d);
}

fn lint_rule(ctx: &mut Ctx<'_>, p: &Path, role: &str, rule: &Rule) {
    let has = |list: &[String], item: &str| list.iter().any(|x| x == item);
    let core = rule
        .api_groups
        .as_deref()
        .is_none_or(|g| has(g, "") || has(g, "*"));

    for (key, list) in [
        ("verbs", &rule.verbs),
        ("resources", &rule.resources),
        (
            "api_groups",
            rule.api_groups.as_ref().unwrap_or(&Vec::new()),
        ),
    ] {
        for (j, item) in list.iter().enumerate() {
            if item == "*" {
                warn(
                    ctx,
                    codes::RBAC_WILDCARD,
                    &p.key(key).index(j),
                    format!("role `{role}` grants `*` in `{key}`"),
                    "wildcard",
                    "list exactly the verbs, resources and API groups needed; `*` also grants what is added later",
                );
            }
        }
    }

    for (j, verb) in rule.verbs.iter().enumerate() {
        let at = p.key("verbs").index(j);
        if core && (verb == "list" || verb == "watch") && has(&rule.resources, "secrets") {
            warn(
                ctx,
                codes::RBAC_SECRETS_READ,
                &at,
                format!("role `{role}` can `{verb}` secrets, which returns every secret's value"),
                "reads every secret",
                "grant `get` on secrets with `resource_names = [...]` naming the secrets needed",
            );
        }
        if matches!(verb.as_str(), "escalate" | "bind" | "impersonate") {
            warn(
                ctx,
                codes::RBAC_ESCALATION,
                &at,
                format!(
                    "role `{role}` grants `{verb}`, which lets it gain permissions it does not have"
                ),
                "privilege escalation",
                "keep `escalate`, `bind` and `impersonate` to cluster administrators",
            );
        }
    }

    let mints = has(&rule.verbs, "create") || has(&rule.verbs, "*");
    for (j, resource) in rule.resources.iter().enumerate() {
        let at = p.key("resources").index(j);
        if core && matches!(resource.as_str(), "pods/exec" | "pods/attach") {
            warn(
                ctx,
                codes::RBAC_POD_EXEC,
                &at,
                format!("role `{role}` grants `{resource}`: a shell in every pod of the namespace"),
                "shell in pods",
                "use `pods/log` to read output; grant exec to people through a separate, audited role",
            );
        }
        if core && resource == "serviceaccounts/token" && mints {
            warn(
                ctx,
                codes::RBAC_TOKEN_CREATE,
                &at,
                format!(
                    "role `{role}` can create tokens for every service account of the namespace"
                ),
                "mints tokens",
                "let pods mount their own token (projected volume) instead of minting others'",
            );
        }
    }
}
