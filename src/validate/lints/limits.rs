//! limits lints.

use super::super::context::Ctx;
use crate::model::Platform;
use crate::syntax::config::Config;

pub(super) fn lint(_ctx: &mut Ctx<'_>, _config: &Config, _platform: &Platform) {}
