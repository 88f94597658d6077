//! The Pod Security admission labels of a Namespace. `pod_security` sets the level the namespace
//! enforces; platc adds `warn` and `audit` at the same level and pins all three to the
//! Kubernetes version whose rules it checks pods with, so a workload whose pods the namespace
//! would refuse is also shown to whoever runs `kubectl apply` (enforce alone refuses the pods,
//! silently, long after the Deployment was accepted) and lands in the audit log.
//!
//! The user's own labels may set `warn` and `audit` (and their versions) to something else,
//! e.g. `restricted` while `baseline` is enforced, which is how Kubernetes suggests preparing a
//! move to a stricter level. `enforce` and `enforce-version` belong to `pod_security`: a label
//! that sets them to another value is an error, since platc would check the pods against one
//! level and the cluster against another. Any other key under the prefix is a typo the
//! admission controller would ignore, so it is an error too.

use super::context::Ctx;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::model::pod_security::{STANDARD_VERSION, level_name};
use crate::model::{Labels, PodSecurity};
use crate::syntax::Path;

const PREFIX: &str = "pod-security.kubernetes.io/";
const MODES: [&str; 3] = ["enforce", "warn", "audit"];
const LEVELS: [&str; 3] = ["privileged", "baseline", "restricted"];

/// Checks the Pod Security labels among `labels` (the namespace at `ns` wrote them) and adds
/// the ones it did not set: all six for a namespace without any.
pub(super) fn labels(ctx: &mut Ctx<'_>, ns: &Path, level: PodSecurity, labels: &mut Labels) {
    let level = level_name(level);
    let written: Vec<(String, String)> = labels
        .iter()
        .filter(|(k, _)| k.starts_with(PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, value) in &written {
        check(ctx, ns, level, key, value);
    }
    for mode in MODES {
        labels.get_or_insert_with(format!("{PREFIX}{mode}"), || level.into());
        labels.get_or_insert_with(format!("{PREFIX}{mode}-version"), || {
            STANDARD_VERSION.into()
        });
    }
}

fn check(ctx: &mut Ctx<'_>, ns: &Path, level: &str, key: &str, value: &str) {
    let at = ns.key("labels").key(key);
    let name = &key[PREFIX.len()..];
    match name {
        "enforce" | "enforce-version" => {
            let ours = if name == "enforce" {
                level
            } else {
                STANDARD_VERSION
            };
            if value == ours {
                return;
            }
            let help = if name == "enforce" && LEVELS.contains(&value) {
                format!("remove the label and set `pod_security = \"{value}\"` on the namespace")
            } else if name == "enforce" {
                "remove the label; `pod_security` sets it (restricted, baseline or privileged)"
                    .into()
            } else {
                format!(
                    "remove the label: platc checks pods against the Pod Security Standards of Kubernetes {STANDARD_VERSION}, and pins the namespace to the same"
                )
            };
            let pod_security = ns.key("pod_security");
            let related = ctx.node(&pod_security).map(|_| ctx.val(&pod_security));
            ctx.push(
                Diagnostic::error(
                    codes::CONFLICTING_KEYS,
                    ctx.val(&at),
                    format!("label `{key}` is `{value}`, but `pod_security` sets it to `{ours}`"),
                )
                .with_label("conflicts with `pod_security`")
                .with_related(related, "`pod_security` set here")
                .with_help(help),
            );
        }
        "warn" | "audit" if !LEVELS.contains(&value) => {
            let help = did_you_mean(&value.to_lowercase(), LEVELS).map_or_else(
                || "valid levels: privileged, baseline, restricted".to_string(),
                |h| format!("{h} (valid levels: privileged, baseline, restricted)"),
            );
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_LABEL,
                    ctx.val(&at),
                    format!("invalid Pod Security level `{value}` for label `{key}`"),
                )
                .with_label("not a Pod Security level")
                .with_help(help),
            );
        }
        "warn-version" | "audit-version" if !is_version(value) => {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_LABEL,
                    ctx.val(&at),
                    format!("invalid Pod Security version `{value}` for label `{key}`"),
                )
                .with_label("not a Kubernetes version")
                .with_help(format!(
                    "`latest` or a Kubernetes minor such as `{STANDARD_VERSION}`"
                )),
            );
        }
        "warn" | "audit" | "warn-version" | "audit-version" => {}
        _ => {
            let known: Vec<String> = MODES
                .iter()
                .flat_map(|m| [format!("{PREFIX}{m}"), format!("{PREFIX}{m}-version")])
                .collect();
            let help = did_you_mean(key, known.iter().map(String::as_str))
                .unwrap_or_else(|| format!("Pod Security labels are {}", known.join(", ")));
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_LABEL,
                    ctx.key(&at),
                    format!("unknown Pod Security label `{key}`"),
                )
                .with_label("Kubernetes ignores this label")
                .with_help(help),
            );
        }
    }
}

/// `latest` or `vMAJOR.MINOR`, as the admission controller reads a `*-version` label.
fn is_version(v: &str) -> bool {
    v == "latest"
        || v.strip_prefix('v')
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(major, minor)| {
                [major, minor]
                    .iter()
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
}

#[cfg(test)]
mod tests {
    use super::is_version;

    #[test]
    fn versions_are_latest_or_a_minor() {
        for ok in ["latest", "v1.33", "v1.0", "v2.10"] {
            assert!(is_version(ok), "{ok}");
        }
        for bad in ["", "1.33", "v1", "v1.", "v1.33.1", "Latest", "v1.x"] {
            assert!(!is_version(bad), "{bad}");
        }
    }
}
