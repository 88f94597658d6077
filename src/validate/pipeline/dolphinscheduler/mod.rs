//! `[dolphinscheduler]` checked once every namespace is known: its names, image, namespace and
//! gateway token Secret; the chains of `dolphinscheduler` pipelines and their workflows are in
//! `chains`.

mod chains;
mod graph;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model::dolphinscheduler::DolphinScheduler;
use crate::syntax::Path;
use crate::syntax::config::{self, Config};
pub(crate) use chains::chains;

/// The time zone a workflow gets when its head sets none: pydolphinscheduler's own default is
/// `Asia/Shanghai`, so one is always written.
pub const DEFAULT_TIME_ZONE: &str = "Etc/UTC";

/// The worker group when `[dolphinscheduler]` names none: DolphinScheduler's own.
const DEFAULT_WORKER_GROUP: &str = "default";

/// The Secret key of the gateway token when `token_key` is not set.
const DEFAULT_TOKEN_KEY: &str = "token";

/// `[dolphinscheduler]`, checked: names, image, and that its namespace and token Secret are
/// declared.
pub(crate) fn settings(ctx: &mut Ctx<'_>, config: &Config) -> Option<DolphinScheduler> {
    let ds = config.dolphinscheduler.as_ref()?;
    let p = Path::root().key("dolphinscheduler");
    for (key, value) in [
        ("project", &ds.project),
        ("tenant", &ds.tenant),
        (
            "worker_group",
            ds.worker_group.as_ref().unwrap_or(&String::new()),
        ),
    ] {
        let written = key != "worker_group" || ds.worker_group.is_some();
        if written && (value.trim().is_empty() || value.trim() != value) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.val(&p.key(key)),
                    format!("`{key}` must be a name without surrounding spaces"),
                )
                .with_label("empty or padded"),
            );
        }
    }
    ctx.dns_label(&p.key("namespace"), &ds.namespace, "namespace", false);
    ctx.dns_label(
        &p.key("worker_service_account"),
        &ds.worker_service_account,
        "service account name",
        false,
    );
    let g = p.key("gateway");
    if ds.gateway.address.is_empty() || ds.gateway.address.contains(char::is_whitespace) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                ctx.val(&g.key("address")),
                "`address` must be a host name",
            )
            .with_label("not a host")
            .with_help("the gateway's Service, e.g. `dolphinscheduler-api`"),
        );
    }
    if ds.gateway.port == 0 {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&g.key("port")),
                "port 0 is not a port",
            )
            .with_label("must be 1-65535"),
        );
    }
    super::image(ctx, &p.key("submit_image"), &ds.submit_image);
    let token_key = ds
        .gateway
        .token_key
        .clone()
        .unwrap_or_else(|| DEFAULT_TOKEN_KEY.into());
    declared(ctx, config, ds, &token_key);
    Some(DolphinScheduler {
        project: ds.project.clone(),
        tenant: ds.tenant.clone(),
        namespace: ds.namespace.clone(),
        worker_service_account: ds.worker_service_account.clone(),
        gateway_address: ds.gateway.address.clone(),
        gateway_port: ds.gateway.port,
        token_secret: ds.gateway.token_secret.clone(),
        token_key,
        submit_image: ds.submit_image.clone(),
        worker_group: ds
            .worker_group
            .clone()
            .unwrap_or_else(|| DEFAULT_WORKER_GROUP.into()),
        span: ctx.key(&p),
    })
}

/// DolphinScheduler's namespace is in the config and declares the token Secret (with the
/// token's key, when its `data` lists keys).
fn declared(ctx: &mut Ctx<'_>, config: &Config, ds: &config::DolphinScheduler, token_key: &str) {
    let p = Path::root().key("dolphinscheduler");
    let Some(ns) = config.namespaces.get(&ds.namespace) else {
        if !ctx.is_pruned(&Path::root().key("namespaces").key(ds.namespace.as_str())) {
            let known = config.namespaces.keys().map(String::as_str);
            let help = crate::diag::did_you_mean(&ds.namespace, known).unwrap_or_else(|| {
                format!(
                    "declare it: `[namespaces.{}]` (with `managed = false` when \
                     DolphinScheduler's installation owns it), and the gateway token under \
                     its `secrets`",
                    ds.namespace
                )
            });
            ctx.push(
                Diagnostic::error(
                    codes::DOLPHINSCHEDULER_NAMESPACE,
                    ctx.val(&p.key("namespace")),
                    format!(
                        "DolphinScheduler's namespace `{}` is not a namespace of the config",
                        ds.namespace
                    ),
                )
                .with_label("not declared")
                .with_help(help),
            );
        }
        return;
    };
    let np = Path::root().key("namespaces").key(ds.namespace.as_str());
    // A namespace split per cluster declares its Secrets in each copy: each must hold the token.
    let copies: Vec<(Path, &config::Namespace, Option<&str>)> = if ns.on.is_empty() {
        vec![(np, ns, None)]
    } else {
        ns.on
            .iter()
            .map(|(c, copy)| (np.key("on").key(c.as_str()), copy, Some(c.as_str())))
            .collect()
    };
    // Found alike in every copy: said once; else said for each cluster where it is.
    let found: Vec<Vec<Diagnostic>> = copies
        .iter()
        .map(|(np, ns, _)| {
            let mut fork = ctx.fork();
            token_declared(&mut fork, ds, token_key, np, ns, None);
            fork.diags
        })
        .collect();
    if found.iter().all(|d| {
        d.iter()
            .map(|d| &d.message)
            .eq(found[0].iter().map(|d| &d.message))
    }) {
        ctx.diags
            .extend(found.into_iter().next().unwrap_or_default());
        return;
    }
    for (np, ns, cluster) in copies {
        token_declared(ctx, ds, token_key, &np, ns, cluster);
    }
}

/// The gateway token Secret in DolphinScheduler's namespace (or its copy on `cluster`), with
/// the token's key when its `data` lists keys.
fn token_declared(
    ctx: &mut Ctx<'_>,
    ds: &config::DolphinScheduler,
    token_key: &str,
    np: &Path,
    ns: &config::Namespace,
    cluster: Option<&str>,
) {
    let p = Path::root().key("dolphinscheduler");
    let on = cluster
        .map(|c| format!(" on cluster `{c}`"))
        .unwrap_or_default();
    let secret_path = np.key("secrets").key(ds.gateway.token_secret.as_str());
    let Some(secret) = ns.secrets.get(&ds.gateway.token_secret) else {
        if !ctx.is_pruned(&secret_path) {
            let known = ns.secrets.keys().map(String::as_str);
            let help =
                crate::diag::did_you_mean(&ds.gateway.token_secret, known).unwrap_or_else(|| {
                    format!(
                        "declare it: `[namespaces.{}.secrets.{}]` with `store` and `data = {{ \
                         {token_key} = \"remote/key#property\" }}`",
                        ds.namespace, ds.gateway.token_secret
                    )
                });
            ctx.push(
                Diagnostic::error(
                    codes::GATEWAY_TOKEN,
                    ctx.val(&p.key("gateway").key("token_secret")),
                    format!(
                        "the gateway token Secret `{}` is not declared in namespace `{}`{on}",
                        ds.gateway.token_secret, ds.namespace
                    ),
                )
                .with_label("no such secret")
                .with_help(help),
            );
        }
        return;
    };
    if let Some(data) = &secret.data
        && !data.contains_key(token_key)
    {
        let at = if ds.gateway.token_key.is_some() {
            ctx.val(&p.key("gateway").key("token_key"))
        } else {
            ctx.val(&p.key("gateway").key("token_secret"))
        };
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        let help = crate::diag::did_you_mean(token_key, keys.iter().copied())
            .map(|d| format!("{d} (set `token_key`)"))
            .unwrap_or_else(|| {
                format!(
                    "set `token_key` to one of its keys ({}), or add `{token_key}` to its `data`",
                    keys.join(", ")
                )
            });
        ctx.push(
            Diagnostic::error(
                codes::GATEWAY_TOKEN,
                at,
                format!(
                    "Secret `{}` has no key `{token_key}` for the gateway token{on}",
                    ds.gateway.token_secret
                ),
            )
            .with_label("no such key")
            .with_related(Some(ctx.key(&secret_path.key("data"))), "its keys")
            .with_help(help),
        );
    }
}
