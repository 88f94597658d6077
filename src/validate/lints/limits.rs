//! LimitRange lints: defaults that contradict each other or the bounds, so a pod that takes
//! them is rejected. Each warning points at the default value at fault.

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, Quantity};
use crate::syntax::Path;
use crate::syntax::config::{self, Resources};

const RESOURCES: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];

fn amount(r: Option<&Resources>, name: &str) -> Option<Quantity> {
    let r = r?;
    let text = match name {
        "cpu" => r.cpu.as_deref(),
        "memory" => r.memory.as_deref(),
        _ => r.ephemeral_storage.as_deref(),
    }?;
    // An invalid quantity is already an error of its own.
    Quantity::parse(text).ok()
}

pub(super) fn lint(
    ctx: &mut Ctx<'_>,
    np: &Path,
    namespace: &config::Namespace,
    _: &model::Namespace,
) {
    let Some(l) = &namespace.limits else { return };
    let lp = np.key("limits");
    for name in RESOURCES {
        let default = amount(l.default.as_ref(), name);
        let request = amount(l.default_request.as_ref(), name);
        let min = amount(l.min.as_ref(), name);
        let max = amount(l.max.as_ref(), name);
        let at = |key: &str| lp.key(key).key(name);
        if let (Some(d), Some(r)) = (&default, &request)
            && d < r
        {
            let related = ctx.val(&at("default_request"));
            ctx.push(
                Diagnostic::warning(
                    codes::LIMITS_INCONSISTENT,
                    ctx.val(&at("default")),
                    format!("default {name} limit {d} is below the default request {r}"),
                )
                .with_label("below the default request")
                .with_related(Some(related), "default request set here")
                .with_help(format!(
                    "raise the default to at least {r} or lower the default request"
                )),
            );
        }
        for (key, value) in [("default", &default), ("default_request", &request)] {
            let Some(v) = value else { continue };
            for (bound, b, outside) in [
                ("min", &min, min.as_ref().is_some_and(|m| v < m)),
                ("max", &max, max.as_ref().is_some_and(|m| v > m)),
            ] {
                let Some(b) = b.as_ref().filter(|_| outside) else {
                    continue;
                };
                let related = ctx.val(&at(bound));
                let side = if bound == "min" { "below" } else { "above" };
                ctx.push(
                    Diagnostic::warning(
                        codes::LIMITS_INCONSISTENT,
                        ctx.val(&at(key)),
                        format!("`{key}` {name} {v} is {side} the {bound} {b}"),
                    )
                    .with_label(format!("{side} {bound}"))
                    .with_related(Some(related), format!("{bound} set here"))
                    .with_help(format!("keep `{key}` between `min` and `max`")),
                );
            }
        }
    }
}
