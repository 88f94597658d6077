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

use super::Written;
use super::context::Ctx;
use crate::model::{self, Platform};
use crate::syntax::Path;
use crate::syntax::config;

/// Runs every lint. Lints only run on a platform without errors, so each of its namespaces is
/// one of the config's, or the copy on one cluster of one split per cluster. Each lint runs
/// over all namespaces (on all cores) before the next, so warnings come out in the same order
/// as from one thread.
pub(crate) fn lint(ctx: &mut Ctx<'_>, platform: &Platform, namespaces: &[Written<'_>]) {
    ctx.each(namespaces, |ctx, w| rbac::lint(ctx, &w.path, w.raw, w.ns));
    // The DolphinScheduler gateway token is read by the submit Job platc writes: a use, on
    // every cluster its namespace is on.
    let token = platform
        .dolphinscheduler
        .as_ref()
        .map(|ds| (ds.namespace.as_str(), ds.token_secret.as_str()));
    ctx.each(namespaces, |ctx, w| {
        secrets::lint(ctx, &w.path, w.raw, w.ns, token)
    });
    let lints: [fn(&mut Ctx<'_>, &Path, &config::Namespace, &model::Namespace); 3] =
        [limits::lint, workloads::lint, pipeline::lint];
    for lint in lints {
        ctx.each(namespaces, |ctx, w| lint(ctx, &w.path, w.raw, w.ns));
    }
    ctx.each(namespaces, |ctx, w| network::lint(ctx, w));
}
