//! RBAC lints: grants that read every secret, wildcards, escalation verbs, shells in pods and
//! token minting. Each warning points at the verb or resource that makes the grant dangerous,
//! in platform.toml or in a manifest's YAML.

use super::super::context::Ctx;
use crate::diag::{Code, Diagnostic, Span, codes};
use crate::model;
use crate::syntax::Path;
use crate::syntax::config;
use crate::yaml;

pub(super) fn lint(
    ctx: &mut Ctx<'_>,
    np: &Path,
    namespace: &config::Namespace,
    _: &model::Namespace,
) {
    for (role, r) in &namespace.roles {
        let rp = np.key("roles").key(role.as_str()).key("rules");
        for (i, rule) in r.rules.iter().enumerate() {
            let view = RuleView {
                api_groups: rule.api_groups.as_deref(),
                resources: &rule.resources,
                verbs: &rule.verbs,
            };
            let p = rp.index(i);
            for f in findings(role, &view) {
                let span = ctx.val(&p.key(f.key).index(f.index));
                push(ctx, span, f);
            }
        }
    }
}

/// The same lints on a Role or ClusterRole of a manifest, at its YAML lines.
pub(crate) fn manifest(ctx: &mut Ctx<'_>, node: &yaml::Node, role: &str) {
    let Some(yaml::Value::Seq(rules)) = node.get("rules").map(|r| &r.value) else {
        return;
    };
    let strings = |rule: &yaml::Node, key: &str| -> Option<Vec<String>> {
        match &rule.get(key)?.value {
            yaml::Value::Seq(items) => Some(
                items
                    .iter()
                    .map(|i| i.as_str().unwrap_or_default().to_string())
                    .collect(),
            ),
            _ => None,
        }
    };
    for rule in rules {
        let api_groups = strings(rule, "apiGroups");
        let resources = strings(rule, "resources").unwrap_or_default();
        let verbs = strings(rule, "verbs").unwrap_or_default();
        let view = RuleView {
            api_groups: Some(api_groups.as_deref().unwrap_or(&[])),
            resources: &resources,
            verbs: &verbs,
        };
        for f in findings(role, &view) {
            let key = if f.key == "api_groups" {
                "apiGroups"
            } else {
                f.key
            };
            let span = rule.span_at(
                &[yaml::Step::Key(key.into()), yaml::Step::Index(f.index)],
                false,
            );
            push(ctx, span, f);
        }
    }
}

/// One rule's lists.
struct RuleView<'a> {
    /// `None`: not written (the core group).
    api_groups: Option<&'a [String]>,
    resources: &'a [String],
    verbs: &'a [String],
}

/// A dangerous grant: which list and item, and what to say.
struct Finding {
    code: Code,
    key: &'static str,
    index: usize,
    message: String,
    label: &'static str,
    help: &'static str,
}

fn push(ctx: &mut Ctx<'_>, span: Span, f: Finding) {
    let d = Diagnostic::warning(f.code, span, f.message)
        .with_label(f.label)
        .with_help(f.help);
    ctx.push(d);
}

fn findings(role: &str, rule: &RuleView<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let has = |list: &[String], item: &str| list.iter().any(|x| x == item);
    let core = rule.api_groups.is_none_or(|g| has(g, "") || has(g, "*"));
    for (key, list) in [
        ("verbs", rule.verbs),
        ("resources", rule.resources),
        ("api_groups", rule.api_groups.unwrap_or_default()),
    ] {
        for (j, item) in list.iter().enumerate() {
            if item == "*" {
                out.push(Finding {
                    code: codes::RBAC_WILDCARD,
                    key,
                    index: j,
                    message: format!("role `{role}` grants `*` in `{key}`"),
                    label: "wildcard",
                    help: "list exactly the verbs, resources and API groups needed; `*` also grants what is added later",
                });
            }
        }
    }
    for (j, verb) in rule.verbs.iter().enumerate() {
        if core && (verb == "list" || verb == "watch") && has(rule.resources, "secrets") {
            out.push(Finding {
                code: codes::RBAC_SECRETS_READ,
                key: "verbs",
                index: j,
                message: format!("role `{role}` can `{verb}` secrets, which returns every secret's value"),
                label: "reads every secret",
                help: "grant `get` on secrets with `resource_names = [...]` naming the secrets needed",
            });
        }
        if matches!(verb.as_str(), "escalate" | "bind" | "impersonate") {
            out.push(Finding {
                code: codes::RBAC_ESCALATION,
                key: "verbs",
                index: j,
                message: format!(
                    "role `{role}` grants `{verb}`, which lets it gain permissions it does not have"
                ),
                label: "privilege escalation",
                help: "keep `escalate`, `bind` and `impersonate` to cluster administrators",
            });
        }
    }
    let mints = has(rule.verbs, "create") || has(rule.verbs, "*");
    for (j, resource) in rule.resources.iter().enumerate() {
        if core && matches!(resource.as_str(), "pods/exec" | "pods/attach") {
            out.push(Finding {
                code: codes::RBAC_POD_EXEC,
                key: "resources",
                index: j,
                message: format!("role `{role}` grants `{resource}`: a shell in every pod of the namespace"),
                label: "shell in pods",
                help: "use `pods/log` to read output; grant exec to people through a separate, audited role",
            });
        }
        if core && resource == "serviceaccounts/token" && mints {
            out.push(Finding {
                code: codes::RBAC_TOKEN_CREATE,
                key: "resources",
                index: j,
                message: format!(
                    "role `{role}` can create tokens for every service account of the namespace"
                ),
                label: "mints tokens",
                help: "let pods mount their own token (projected volume) instead of minting others'",
            });
        }
    }
    out
}
