//! Lints: warnings (and a few errors) about configs that compile but would make a cluster less
//! safe or reject pods. Each lint has a stable code in `diag::codes` and an explanation for
//! `platc explain`. They run after the model is built, with the raw config for spans.

mod limits;
pub(crate) mod network;
mod pipeline;
pub(crate) mod rbac;
mod secrets;
mod workloads;

pub(crate) use pipeline::ALLOW_CONCURRENT_RUNS;
pub(crate) use pipeline::{time_zone, unpinned_image};

use super::context::Ctx;
use crate::model::{self, Platform};
use crate::syntax::config::{self, Config};

/// One namespace as written and as validated.
type Namespace<'a> = (&'a str, &'a config::Namespace, &'a model::Namespace);

/// Runs every lint. Lints only run on a platform without errors, so its namespaces are the
/// config's, in the same order. Each lint runs over all namespaces (on all cores) before the
/// next, so warnings come out in the same order as from one thread.
pub(crate) fn lint(ctx: &mut Ctx<'_>, config: &Config, platform: &Platform) {
    let namespaces: Vec<Namespace<'_>> = config
        .namespaces
        .iter()
        .zip(&platform.namespaces)
        .map(|((name, raw), ns)| (name.as_str(), raw, ns))
        .collect();
    debug_assert!(namespaces.iter().all(|(name, _, ns)| *name == ns.name));
    let lints: [fn(&mut Ctx<'_>, &str, &config::Namespace, &model::Namespace); 5] = [
        rbac::lint,
        secrets::lint,
        limits::lint,
        workloads::lint,
        pipeline::lint,
    ];
    for lint in lints {
        ctx.each(&namespaces, |ctx, (name, raw, ns)| lint(ctx, name, raw, ns));
    }
    ctx.each(&namespaces, |ctx, (name, raw, ns)| {
        network::lint(ctx, name, raw, ns, &config.services);
    });
}
