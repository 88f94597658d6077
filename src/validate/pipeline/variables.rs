//! A pipeline's environment: variable names, values taken from Secret and ConfigMap keys, and
//! `$(NAME)` references, put in the order Kubernetes needs to expand them
//! ([`crate::model::expansion`]).
//!
//! A reference to a name `env` does not define is an error, unless the pipeline has `secrets`
//! or `config_maps` (envFrom), whose keys platc cannot see and which Kubernetes defines before
//! every `env` variable, or the name is one the kubelet defines for a Service
//! (`KAFKA_SERVICE_HOST`). For the same reason a variable may refer to itself only when there
//! is an envFrom source: it then extends the value that source gives it.

use std::collections::BTreeSet;

use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::model::expansion::{self, Cycles};
use crate::model::{self, EnvValue, names};
use crate::syntax::Path;
use crate::syntax::config::{self, EnvSource};
use crate::validate::context::Ctx;

pub(super) fn env(ctx: &mut Ctx<'_>, p: &Path, pl: &config::Pipeline) -> Vec<model::EnvVar> {
    let ep = p.key("env");
    let mut vars: Vec<(&str, Option<EnvValue>)> = Vec::new();
    for (name, value) in &pl.env {
        let vp = ep.key(name.as_str());
        if !names::is_env_name(name) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.key(&vp),
                    format!("invalid environment variable name `{name}`"),
                )
                .with_label("not a variable name")
                .with_help(
                    "use letters, digits and `_`, not starting with a digit (e.g. `SOURCE_URL`)",
                ),
            );
        }
        let value = match value {
            config::EnvValue::Text(text) => Some(EnvValue::Text(text.clone())),
            config::EnvValue::From(source) => from(ctx, &vp, source),
        };
        vars.push((name.as_str(), value));
    }

    let env_from = !pl.secrets.is_empty() || !pl.config_maps.is_empty();
    let defined: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
    let refers = |name: &str| match vars.iter().find(|(n, _)| *n == name) {
        Some((_, Some(EnvValue::Text(text)))) => expansion::references(text)
            .into_iter()
            .filter(|r| !(env_from && *r == name))
            .collect(),
        _ => Vec::new(),
    };
    for &name in &defined {
        for r in refers(name) {
            if defined.contains(&r) || env_from || expansion::is_service_link(r) {
                continue;
            }
            undefined(ctx, &ep, name, r, &defined);
        }
    }
    let order = match expansion::order(&defined, refers) {
        Ok(order) => order,
        Err(Cycles(cycles)) => {
            for cycle in cycles {
                cyclic(ctx, &ep, &cycle, env_from);
            }
            return Vec::new();
        }
    };
    order
        .into_iter()
        .filter_map(|name| {
            let value = vars.iter().find(|(n, _)| *n == name)?.1.clone()?;
            Some(model::EnvVar {
                name: name.to_string(),
                value,
            })
        })
        .collect()
}

/// `{ secret = "NAME", key = "KEY" }` or `{ config_map = "NAME", key = "KEY" }` at `vp`.
fn from(ctx: &mut Ctx<'_>, vp: &Path, source: &EnvSource) -> Option<EnvValue> {
    let (kind, name) = match (&source.secret, &source.config_map) {
        (Some(s), None) => ("secret", s),
        (None, Some(c)) => ("config_map", c),
        (Some(_), Some(_)) => {
            ctx.push(
                Diagnostic::error(
                    codes::CONFLICTING_KEYS,
                    ctx.key(&vp.key("config_map")),
                    "`secret` and `config_map` are both set",
                )
                .with_label("a variable takes one key of one object")
                .with_related(Some(ctx.key(&vp.key("secret"))), "`secret` set here")
                .with_help("keep one of them: `{ secret = \"NAME\", key = \"KEY\" }` or `{ config_map = \"NAME\", key = \"KEY\" }`"),
            );
            return None;
        }
        (None, None) => {
            ctx.push(
                Diagnostic::error(
                    codes::MISSING_KEY,
                    ctx.val(vp),
                    "the value names no Secret or ConfigMap",
                )
                .with_label("add `secret` or `config_map`")
                .with_help("`{ secret = \"NAME\", key = \"KEY\" }` or `{ config_map = \"NAME\", key = \"KEY\" }`"),
            );
            return None;
        }
    };
    let what = if kind == "secret" {
        "secret"
    } else {
        "config map"
    };
    let mut ok = true;
    if !names::is_dns_subdomain(name) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_NAME,
                ctx.val(&vp.key(kind)),
                format!("invalid {what} name `{name}`"),
            )
            .with_label("not a DNS-1123 subdomain")
            .with_help(format!(
                "{what} names are lower-case letters, digits, `-` and `.`"
            )),
        );
        ok = false;
    }
    if let Some(problem) = names::config_key_problem(&source.key) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                ctx.val(&vp.key("key")),
                format!("invalid {what} key `{}`: {problem}", source.key),
            )
            .with_label("not a key")
            .with_help("keys are at most 253 of letters, digits, `-`, `_` and `.`, e.g. `API_KEY`"),
        );
        ok = false;
    }
    ok.then(|| match kind {
        "secret" => EnvValue::SecretKey {
            secret: name.clone(),
            key: source.key.clone(),
        },
        _ => EnvValue::ConfigMapKey {
            config_map: name.clone(),
            key: source.key.clone(),
        },
    })
}

fn undefined(ctx: &mut Ctx<'_>, ep: &Path, name: &str, reference: &str, defined: &[&str]) {
    let others = defined.iter().copied().filter(|d| *d != name);
    let mut help = format!(
        "define `{reference}` in `env` (or take it from `secrets` or `config_maps`), or write \
         `$$({reference})` for the literal text `$({reference})`"
    );
    if let Some(hint) = did_you_mean(reference, others) {
        help = format!("{hint} Otherwise {help}");
    }
    ctx.push(
        Diagnostic::error(
            codes::ENV_REFERENCE,
            ctx.val(&ep.key(name)),
            format!("`{name}` refers to `$({reference})`, which no variable defines"),
        )
        .with_label(format!("`$({reference})` would stay as it is"))
        .with_help(help),
    );
}

fn cyclic(ctx: &mut Ctx<'_>, ep: &Path, cycle: &[String], env_from: bool) {
    let steps: Vec<String> = cycle
        .windows(2)
        .map(|w| format!("`{}` uses `$({})`", w[0], w[1]))
        .collect();
    let first = &cycle[0];
    let (message, help) = if cycle.len() == 2 {
        (
            format!("`{first}` refers to itself (`$({first})`)"),
            format!(
                "Kubernetes expands `$({first})` only from a variable defined before it, and \
                 this pipeline has no `secrets` or `config_maps` that could define `{first}`: \
                 write its value, or `$$({first})` for the literal text"
            ),
        )
    } else {
        let names: BTreeSet<&str> = cycle.iter().map(String::as_str).collect();
        (
            format!(
                "environment variables {} refer to each other in a cycle: {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                steps.join(", ")
            ),
            "Kubernetes expands `$(NAME)` only from variables defined before it, so no order of \
             these works: write one of the values out, or `$$(NAME)` for the literal text"
                .to_string(),
        )
    };
    debug_assert!(cycle.len() > 2 || !env_from);
    let label = if cycle.len() == 2 {
        "refers to itself"
    } else {
        "part of a cycle"
    };
    let mut d = Diagnostic::error(
        codes::ENV_REFERENCE,
        ctx.val(&ep.key(first.as_str())),
        message,
    )
    .with_label(label)
    .with_help(help);
    for name in cycle.iter().skip(1).take(cycle.len().saturating_sub(2)) {
        d = d.with_related(
            Some(ctx.val(&ep.key(name.as_str()))),
            format!("`{name}` is part of it"),
        );
    }
    ctx.push(d);
}
