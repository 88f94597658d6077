//! Secrets as the pods use them: a pipeline mounting a Secret the namespace does not declare
//! (W0407), and an environment variable taking a key (`secretKeyRef`, from a pipeline's `env`
//! or a manifest's container) that the Secret will not have (W0822) or from a Secret nothing
//! declares (W0407). Declared are the namespace's `[namespaces.NAME.secrets]`, the
//! ExternalSecrets and Secrets of its manifests, cert-manager Certificates' `secretName` and
//! the `tls` Secrets of its Ingresses.

use super::index::Index;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::syntax::Path;
use crate::syntax::config;
use crate::validate::context::Ctx;

pub(super) fn check(ctx: &mut Ctx<'_>, index: &Index<'_>, np: &Path, raw: &config::Namespace) {
    let ns = &index.ns.name;
    let mut names: Vec<&str> = index.secrets.keys().copied().collect();
    names.sort_unstable();
    let undeclared = |secret: &str, what: String| {
        let help = did_you_mean(secret, names.iter().copied()).unwrap_or_else(|| {
            format!(
                "declare it as `[namespaces.{ns}.secrets.{secret}]` (an ExternalSecret from a store), or make sure something else creates it"
            )
        });
        Diagnostic::warning(
            codes::UNDECLARED_SECRET,
            None,
            format!("{what} secret `{secret}`, which namespace `{ns}` does not declare"),
        )
        .with_label("not declared here")
        .with_help(help)
    };
    // In a namespace platc does not manage, its owner may make any Secret.
    let owned = index.ns.managed;
    for (name, pl) in raw.pipelines.iter().filter(|_| owned) {
        for (i, secret) in pl.secrets.iter().enumerate() {
            if index.secrets.contains_key(secret.as_str()) {
                continue;
            }
            let at = np
                .key("pipelines")
                .key(name.as_str())
                .key("secrets")
                .index(i);
            let mut d = undeclared(secret, format!("pipeline `{name}` mounts"));
            d.span = Some(ctx.val(&at));
            ctx.push(d);
        }
    }
    let pipelines = index.ns.pipelines.len();
    for (n, t) in index.templates.iter().enumerate() {
        // Pipelines come first in the index; a manifest's pods are judged only where platc
        // sees every Secret the namespace will hold.
        let from_pipeline = n < pipelines;
        if index.containers_unsure(t) {
            continue;
        }
        let who = if from_pipeline {
            format!("pipeline `{}`", t.name)
        } else {
            format!("{} `{}`", t.kind, t.name)
        };
        for r in t.containers.iter().flat_map(|c| c.secret_refs.iter()) {
            match index.secrets.get(r.secret.as_str()) {
                None => {
                    if r.optional || !owned || !(from_pipeline || index.complete) {
                        continue;
                    }
                    let mut d = undeclared(
                        &r.secret,
                        format!("{who} takes an environment variable from"),
                    );
                    d.span = Some(r.secret_span);
                    ctx.push(d);
                }
                Some(declared) => {
                    let Some(keys) = &declared.keys else { continue };
                    if keys.iter().any(|(k, _)| *k == r.key) {
                        continue;
                    }
                    let listed: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
                    let help = did_you_mean(&r.key, listed.iter().copied()).unwrap_or_else(|| {
                        if listed.is_empty() {
                            format!("Secret `{}` declares no key", r.secret)
                        } else {
                            format!("Secret `{}` will have {}", r.secret, listed.join(", "))
                        }
                    });
                    ctx.push(
                        Diagnostic::warning(
                            codes::SECRET_KEY_MISSING,
                            r.key_span,
                            format!(
                                "{who} takes key `{}` of Secret `{}`, which declares no such key",
                                r.key, r.secret
                            ),
                        )
                        .with_label("the pod would not start (CreateContainerConfigError)")
                        .with_related(Some(declared.span), "the Secret is declared here")
                        .with_help(help),
                    );
                }
            }
        }
    }
}
