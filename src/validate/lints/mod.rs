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

use super::context::Ctx;
use crate::model::{self, Platform};
use crate::syntax::Path;
use crate::syntax::config::{self, Config};

/// One namespace (or its copy on one cluster) as written, where, and as validated.
type Namespace<'a> = (Path, &'a config::Namespace, &'a model::Namespace);

/// Runs every lint. Lints only run on a platform without errors, so each of its namespaces is
/// one of the config's, or the copy on one cluster of one split per cluster. Each lint runs
/// over all namespaces (on all cores) before the next, so warnings come out in the same order
/// as from one thread.
pub(crate) fn lint(ctx: &mut Ctx<'_>, config: &Config, platform: &Platform) {
    let namespaces: Vec<Namespace<'_>> = platform
        .namespaces
        .iter()
        .filter_map(|ns| {
            let raw = config.namespaces.get(&ns.name)?;
            let p = Path::root().key("namespaces").key(ns.name.as_str());
            match &ns.on {
                None => Some((p, raw, ns)),
                Some(c) => Some((p.key("on").key(c.as_str()), raw.on.get(c)?, ns)),
            }
        })
        .collect();
    let lints: [fn(&mut Ctx<'_>, &Path, &config::Namespace, &model::Namespace); 6] = [
        rbac::lint,
        secrets::lint,
        network::lint,
        limits::lint,
        workloads::lint,
        pipeline::lint,
    ];
    for lint in lints {
        ctx.each(&namespaces, |ctx, (name, raw, ns)| lint(ctx, name, raw, ns));
    }
}
