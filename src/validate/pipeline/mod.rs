//! Semantic checks of one pipeline: name, schedule, time zone, image, service account and
//! durations here; its steps and their resources, its environment, its pod's settings (files,
//! placement, labels, scratch size), its topic and its alerts each in their own file.

mod alerts;
mod files;
mod pod;
mod scheduler;
mod steps;
mod topic;
mod variables;

pub(crate) mod dolphinscheduler;

use super::context::Ctx;
use super::env::{Env, Here};
use crate::diag::{Diagnostic, codes};
use crate::model::{self, duration, names, schedule};
use crate::syntax::Path;
use crate::syntax::config;

/// The CronJob controller appends 11 characters to name Jobs, which are DNS labels (≤ 63).
const MAX_PIPELINE_NAME: usize = 52;

/// The shortest `starting_deadline`: below it a run the controller starts a little late (it
/// wakes shortly after the scheduled time, later under load) counts as missed and is skipped.
/// Kubernetes' own documentation long warned against values under 10 seconds.
const MIN_STARTING_DEADLINE: u64 = 10;

pub(crate) fn pipeline(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    here: &Here<'_>,
    name: &str,
    pl: &config::Pipeline,
) -> model::Pipeline {
    let (ns_path, ns_name, ns) = (here.path, here.name, here.raw);
    let p = ns_path.key("pipelines").key(name);
    if name.len() > MAX_PIPELINE_NAME
        && names::dns_label_problem(name).is_none_or(|_| name.len() <= 63)
    {
        ctx.push(
            Diagnostic::error(
                codes::NAME_TOO_LONG,
                ctx.key(&p),
                format!("pipeline name `{name}` is {} characters long; the limit is {MAX_PIPELINE_NAME}", name.len()),
            )
            .with_label("too long for a CronJob")
            .with_help("the CronJob controller adds 11 characters to name each Job, and Job names are at most 63"),
        );
    } else {
        ctx.dns_label(&p, name, "pipeline name", true);
    }

    if let Some(text) = &pl.schedule
        && let Some(problem) = schedule::schedule_problem(text)
    {
        let d = Diagnostic::error(codes::INVALID_SCHEDULE, ctx.val(&p.key("schedule")), format!("invalid schedule `{text}`: {problem}"))
            .with_label("not a CronJob schedule")
            .with_help("five fields `minute hour day-of-month month day-of-week` (e.g. `0 2 * * *`), or @hourly, @daily, @weekly, @monthly, @yearly");
        ctx.push(match schedule::faulty_field(text) {
            Some(field) => d.with_part(field),
            None => d,
        });
    }
    let scheduler = scheduler::scheduler(ctx, env, &p, ns_name, pl);
    if let Some(tz) = &pl.time_zone
        && !schedule::is_time_zone(tz)
    {
        let similar = schedule::similar_time_zones(tz);
        let help = if let Some(meant) = model::zones::abbreviation(tz) {
            format!(
                "`{tz}` is an abbreviation, not a zone; use the region's zone, e.g. `{meant}`, which follows daylight saving"
            )
        } else if similar.is_empty() {
            "use an IANA time zone name such as `Etc/UTC` or `Europe/London`".to_string()
        } else {
            format!(
                "did you mean {}?",
                similar
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        ctx.push(
            Diagnostic::error(
                codes::INVALID_TIME_ZONE,
                ctx.val(&p.key("time_zone")),
                format!("unknown time zone `{tz}`"),
            )
            .with_label("not an IANA time zone")
            .with_help(help),
        );
    }

    if let Some(sa) = &pl.service_account {
        let sa_path = ns_path.key("service_accounts").key(sa.as_str());
        if !here.defines(&ns.service_accounts, "ServiceAccount", sa) && !ctx.is_pruned(&sa_path) {
            ctx.unresolved(
                &p.key("service_account"),
                "service account",
                sa,
                &format!("namespace `{ns_name}`"),
                here.names(&ns.service_accounts, "ServiceAccount"),
            );
        }
    }

    image(ctx, &p.key("image"), &pl.image);
    let steps = steps::steps(ctx, &p, pl);
    let variables = variables::env(ctx, &p, pl);
    pod::names(ctx, &p.key("secrets"), &pl.secrets, "secret");
    pod::names(ctx, &p.key("config_maps"), &pl.config_maps, "config map");
    pod::names(
        ctx,
        &p.key("image_pull_secrets"),
        &pl.image_pull_secrets,
        "image pull secret",
    );
    let files = files::files(ctx, &p.key("files"), &pl.files);
    let scratch = pod::scratch(ctx, here, &p, pl, &steps);
    ctx.labels(&p.key("node_selector"), &pl.node_selector);
    let tolerations = pod::tolerations(ctx, &p.key("tolerations"), &pl.tolerations);
    pod::labels(ctx, &p, pl);

    let deadline = pl
        .deadline
        .as_ref()
        .and_then(|d| seconds(ctx, &p.key("deadline"), d));
    let starting_deadline = pl
        .starting_deadline
        .as_ref()
        .and_then(|d| seconds(ctx, &p.key("starting_deadline"), d));
    if let Some(s) = starting_deadline
        && s < MIN_STARTING_DEADLINE
    {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&p.key("starting_deadline")),
                format!("`starting_deadline` of {s}s is shorter than {MIN_STARTING_DEADLINE}s"),
            )
            .with_label("runs would be skipped as missed")
            .with_help(format!(
                "the CronJob controller creates a run a little after its time, later when it \
                 is busy or restarting, and skips a run it starts after the deadline with only \
                 an event; use at least `{MIN_STARTING_DEADLINE}s` (e.g. `10m`)"
            )),
        );
    }
    let ttl_after_finished = pl
        .ttl_after_finished
        .as_ref()
        .and_then(|d| seconds(ctx, &p.key("ttl_after_finished"), d))
        .filter(|s| {
            let fits = i32::try_from(*s).is_ok();
            if !fits {
                ctx.push(
                    Diagnostic::error(
                        codes::OUT_OF_RANGE,
                        ctx.val(&p.key("ttl_after_finished")),
                        format!("`ttl_after_finished` is {s} seconds; Kubernetes takes at most {}", i32::MAX),
                    )
                    .with_label("too long")
                    .with_help("use at most `24855d` (68 years), or leave it out to keep finished Jobs until `history` removes them"),
                );
            }
            fits
        });
    let topic = pl
        .topic
        .as_ref()
        .and_then(|t| topic::topic(ctx, env, here.cluster, &p.key("topic"), name, t));
    let alerts = pl.alerts.as_ref().map(|a| {
        let severities = env
            .config
            .monitoring
            .as_ref()
            .and_then(|m| m.severities.as_deref());
        alerts::alerts(ctx, &p.key("alerts"), a, severities)
    });

    model::Pipeline {
        name: name.to_string(),
        span: ctx.key(&p),
        scheduler,
        // A follower's is its chain head's, set once the chains are known.
        schedule: pl
            .schedule
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_string(),
        time_zone: pl.time_zone.clone(),
        concurrency: pl.concurrency.unwrap_or(model::Concurrency::Forbid),
        history_successful: pl.history.as_ref().and_then(|h| h.successful),
        history_failed: pl.history.as_ref().and_then(|h| h.failed),
        retries: pl.retries,
        service_account: pl.service_account.clone(),
        // Decided once every namespace's bindings are known (`super::tokens`).
        mount_token: true,
        image_pull_secrets: pl.image_pull_secrets.clone(),
        scratch,
        env: variables,
        secrets: pl.secrets.clone(),
        config_maps: pl.config_maps.clone(),
        files,
        steps,
        node_selector: pl.node_selector.clone(),
        tolerations,
        labels: pl.labels.clone(),
        annotations: pl.annotations.clone(),
        deadline,
        starting_deadline,
        ttl_after_finished,
        suspend: pl.suspend,
        topic,
        alerts,
        dashboard: pl.dashboard.unwrap_or(false),
    }
}

fn image(ctx: &mut Ctx<'_>, p: &Path, image: &str) {
    if let Some((problem, part)) = model::image::problem(image) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_IMAGE,
                ctx.val(p),
                format!("invalid image `{image}`: {problem}"),
            )
            .with_label("not an image reference")
            .with_help("e.g. `registry.example.com/team/app:1.4.2`")
            .with_part(part),
        );
    }
}

fn seconds(ctx: &mut Ctx<'_>, p: &Path, text: &str) -> Option<u64> {
    match duration::parse_seconds(text) {
        Ok(s) => Some(s),
        Err(problem) => {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_DURATION,
                    ctx.val(p),
                    format!("invalid duration `{text}`: {problem}"),
                )
                .with_label("not a duration")
                .with_help("e.g. `30s`, `10m`, `26h`, `7d`"),
            );
            None
        }
    }
}
