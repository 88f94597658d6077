//! Lints: warnings (and a few errors) about configs that compile but would make a cluster less
//! safe or reject pods. Each lint has a stable code in `diag::codes` and an explanation for
//! `platc explain`. They run after the model is built, with the raw config for spans.

mod limits;
mod network;
mod pipeline;
mod rbac;

use super::context::Ctx;
use crate::model::Platform;
use crate::syntax::config::Config;

/// Runs every lint.
pub(crate) fn lint(ctx: &mut Ctx<'_>, config: &Config, platform: &Platform) {
    rbac::lint(ctx, config, platform);
    network::lint(ctx, config, platform);
    limits::lint(ctx, config, platform);
    pipeline::lint(ctx, config, platform);
}
