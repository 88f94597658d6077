//! A pipeline's `scheduler` and `after`, checked on their own: what a `dolphinscheduler`
//! pipeline may not set, what `after` may name, and whether its schedule has a Quartz
//! equivalent. How chains of pipelines fit together is checked in `dolphinscheduler`, once
//! every namespace is known.

use super::super::context::Ctx;
use super::super::env::Env;
use crate::diag::{Diagnostic, codes};
use crate::model::dolphinscheduler::{Predecessor, Scheduler};
use crate::model::{quartz, schedule};
use crate::syntax::Path;
use crate::syntax::config::{self, Concurrency};

/// The pipeline's scheduler, its `after` entries resolved to names (not yet to pipelines).
pub(super) fn scheduler(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    p: &Path,
    namespace: &str,
    pl: &config::Pipeline,
) -> Scheduler {
    if pl.scheduler != Some(config::Scheduler::Dolphinscheduler) {
        if pl.after.is_some() {
            ctx.push(
                Diagnostic::error(
                    codes::AFTER_KUBERNETES,
                    ctx.key(&p.key("after")),
                    "`after` on a pipeline that its CronJob schedules",
                )
                .with_label("the CronJob controller knows no dependencies")
                .with_help(
                    "set `scheduler = \"dolphinscheduler\"` here and on the pipelines it names, \
                     so one DolphinScheduler workflow runs them in order; or remove `after`",
                ),
            );
        }
        return Scheduler::Kubernetes;
    }
    if env.config.dolphinscheduler.is_none()
        && !ctx.is_pruned(&Path::root().key("dolphinscheduler"))
    {
        ctx.push(
            Diagnostic::error(
                codes::DOLPHINSCHEDULER_MISSING,
                ctx.val(&p.key("scheduler")),
                "`scheduler = \"dolphinscheduler\"` but the config has no `[dolphinscheduler]`",
            )
            .with_label("which DolphinScheduler?")
            .with_help(
                "add `[dolphinscheduler]` with `project`, `tenant`, `namespace`, \
                 `worker_service_account`, `gateway` and `submit_image` \
                 (docs/dolphinscheduler.md)",
            ),
        );
    }
    if pl.concurrency == Some(Concurrency::Replace) {
        ctx.push(
            Diagnostic::error(
                codes::DOLPHINSCHEDULER_CONCURRENCY,
                ctx.val(&p.key("concurrency")),
                "`concurrency = \"replace\"` has no DolphinScheduler equivalent",
            )
            .with_label("not a workflow execution type")
            .with_help(
                "DolphinScheduler cannot stop a running instance for a new one; use `forbid` \
                 (SERIAL_DISCARD: a new instance is dropped while one runs) or `allow` \
                 (PARALLEL)",
            ),
        );
    }
    for (key, set) in [
        ("suspend", pl.suspend.is_some()),
        ("starting_deadline", pl.starting_deadline.is_some()),
    ] {
        if set {
            ctx.push(
                Diagnostic::error(
                    codes::DOLPHINSCHEDULER_KEY,
                    ctx.key(&p.key(key)),
                    format!("`{key}` does nothing on a `dolphinscheduler` pipeline"),
                )
                .with_label("only the CronJob controller reads it")
                .with_help(
                    "its CronJob is always suspended and DolphinScheduler starts its runs; \
                     remove the key (to pause the pipeline, set its workflow offline)",
                ),
            );
        }
    }
    let after = pl
        .after
        .as_deref()
        .map(|after| entries(ctx, &p.key("after"), namespace, after))
        .unwrap_or_default();
    if after.is_empty() {
        if let Some(s) = &pl.schedule
            && schedule::schedule_problem(s).is_none()
            && let Err(e) = quartz::to_quartz(s)
        {
            ctx.push(
                Diagnostic::error(
                    codes::QUARTZ_INEXPRESSIBLE,
                    ctx.val(&p.key("schedule")),
                    format!(
                        "schedule `{}` restricts both the day of the month (`{}`) and the day of \
                         the week (`{}`), which DolphinScheduler cannot express",
                        s.trim(),
                        e.day_of_month,
                        e.day_of_week
                    ),
                )
                .with_label("cron runs on either day; Quartz needs `?` in one of them")
                .with_help(
                    "write `*` in one of the two fields, or split the pipeline into two with \
                     one field each",
                ),
            );
        }
    } else {
        for key in ["schedule", "time_zone"] {
            let set = match key {
                "schedule" => pl.schedule.is_some(),
                _ => pl.time_zone.is_some(),
            };
            if set {
                ctx.push(
                    Diagnostic::error(
                        codes::FOLLOWER_SCHEDULE,
                        ctx.key(&p.key(key)),
                        format!("a pipeline that runs `after` others has its own `{key}`"),
                    )
                    .with_label("a follower runs in its chain head's workflow")
                    .with_related(Some(ctx.key(&p.key("after"))), "it follows these")
                    .with_help(format!(
                        "remove `{key}`: the workflow's schedule and time zone are the chain \
                         head's; or remove `after` to schedule it on its own"
                    )),
                );
            }
        }
    }
    Scheduler::DolphinScheduler { after }
}

/// The pipelines `after` names: `NAME` (of `namespace`) or `NAMESPACE/NAME`, each once.
fn entries(ctx: &mut Ctx<'_>, p: &Path, namespace: &str, after: &[String]) -> Vec<Predecessor> {
    let mut out: Vec<Predecessor> = Vec::new();
    for (i, entry) in after.iter().enumerate() {
        let ep = p.index(i);
        let (ns, name, offset) = match entry.split_once('/') {
            Some((ns, name)) => {
                if !ctx.dns_label_in(&ep, 0, ns, "namespace") {
                    continue;
                }
                (ns, name, ns.len() + 1)
            }
            None => (namespace, entry.as_str(), 0),
        };
        if !ctx.dns_label_in(&ep, offset, name, "pipeline name") {
            continue;
        }
        let predecessor = Predecessor {
            namespace: ns.to_string(),
            name: name.to_string(),
        };
        if out.contains(&predecessor) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.val(&ep),
                    format!("`{entry}` is listed twice in `after`"),
                )
                .with_label("duplicate"),
            );
            continue;
        }
        out.push(predecessor);
    }
    out
}
