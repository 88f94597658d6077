//! Pipeline lints: pods a namespace quota would reject ([`quota`]: E0603, E0604), unpinned
//! images (W0602), no `starting_deadline` (N0605), and a `ttl_after_finished` that deletes a
//! failed run before the failure alert could be resolved by the next one (W0606).

mod quota;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model;
use crate::syntax::Path;
use crate::syntax::config;

pub use quota::ALLOW_CONCURRENT_RUNS;

pub(super) fn lint(
    ctx: &mut Ctx<'_>,
    ns_path: &Path,
    raw_ns: &config::Namespace,
    ns: &model::Namespace,
) {
    let ns_path = ns_path.clone();
    for pl in &ns.pipelines {
        let p = ns_path.key("pipelines").key(pl.name.as_str());
        let Some(raw) = raw_ns.pipelines.get(&pl.name) else {
            continue;
        };
        images(ctx, &p, raw);
        if let Some(hard) = &ns.quota {
            quota::quota(ctx, &ns_path, ns, hard, &p, pl, raw);
        }
        ttl(ctx, &p, pl);
        alerts(ctx, &p, pl);
        if let Some(tz) = &pl.time_zone
            && let Some(d) = time_zone(tz, ctx.val(&p.key("time_zone")))
        {
            ctx.push(d);
        }
        // A DolphinScheduler pipeline's CronJob is suspended: the deadline would do nothing.
        if pl.starting_deadline.is_none()
            && pl.scheduler == model::dolphinscheduler::Scheduler::Kubernetes
        {
            ctx.push(
                Diagnostic::note(
                    codes::NO_STARTING_DEADLINE,
                    ctx.key(&p),
                    format!("pipeline `{}` has no `starting_deadline`", pl.name),
                )
                .with_label("no starting deadline")
                .with_help(
                    "add e.g. `starting_deadline = \"1h\"`: a run that cannot start within it \
                         is skipped, and the CronJob keeps scheduling after a long outage",
                ),
            );
        }
    }
}

/// W0606: the failure alert sees a failure only while its Job exists.
fn ttl(ctx: &mut Ctx<'_>, p: &Path, pl: &model::Pipeline) {
    let (Some(ttl), Some(alerts)) = (pl.ttl_after_finished, &pl.alerts) else {
        return;
    };
    if alerts.on_failure.is_none() {
        return;
    }
    let Some(gap) = model::schedule::gap_longer_than(&pl.schedule, ttl) else {
        return;
    };
    ctx.push(
        Diagnostic::warning(
            codes::TTL_HIDES_FAILURES,
            ctx.val(&p.key("ttl_after_finished")),
            format!(
                "`ttl_after_finished` deletes a failed run's Job after {}, but schedule `{}` can \
                 wait {} between runs",
                words(ttl),
                pl.schedule,
                words(gap)
            ),
        )
        .with_label("the failure alert would resolve before the next run")
        .with_related(
            Some(ctx.val(&p.key("alerts").key("on_failure"))),
            "this alert fires only while the failed Job exists",
        )
        .with_help(format!(
            "make it longer than {} plus a run (e.g. `{}`), or leave it out and let `history` \
             bound the Jobs kept",
            words(gap),
            words(gap + 86_400)
        )),
    );
}

/// `30h`, `2d`, `90m`: a number of seconds in the largest unit that divides it.
fn words(s: u64) -> String {
    if s.is_multiple_of(86_400) {
        format!("{}d", s / 86_400)
    } else if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else {
        format!("{}m", s.div_ceil(60))
    }
}

/// W0823: a missed-run alert that fires in the schedule's own gaps; N0824: one a suspend
/// keeps off.
fn alerts(ctx: &mut Ctx<'_>, p: &Path, pl: &model::Pipeline) {
    let Some((missed, _)) = pl.alerts.as_ref().and_then(|a| a.missed_after.clone()) else {
        return;
    };
    let at = ctx.val(&p.key("alerts").key("missed_after"));
    if pl.suspend == Some(true) {
        ctx.push(
            Diagnostic::note(
                codes::MISSED_ALERT_SUSPENDED,
                ctx.val(&p.key("suspend")),
                format!(
                    "pipeline `{}` is suspended, so its missed-run alert is off",
                    pl.name
                ),
            )
            .with_label("no run, and no alert about it")
            .with_related(
                Some(at),
                "this alert is silent while the CronJob is suspended",
            )
            .with_help("set `suspend = false` when it should run again"),
        );
    }
    let Some(gap) = model::schedule::gap_longer_than(&pl.schedule, missed) else {
        return;
    };
    ctx.push(
        Diagnostic::warning(
            codes::MISSED_ALERT_TOO_SOON,
            at,
            format!(
                "`missed_after` is {}, but schedule `{}` can wait {} between runs",
                words(missed),
                pl.schedule,
                words(gap)
            ),
        )
        .with_label("fires in the schedule's own gaps")
        .with_related(Some(ctx.val(&p.key("schedule"))), "the schedule")
        .with_help(format!(
            "make it longer than the longest gap plus a run, e.g. `{}`",
            words(gap + 7200)
        )),
    );
}

/// W0825 for a valid zone that is a fixed offset or a legacy name, at `at`.
pub(crate) fn time_zone(zone: &str, at: crate::diag::Span) -> Option<Diagnostic> {
    if !model::schedule::is_time_zone(zone) {
        return None;
    }
    let (what, meant) = model::zones::fixed(zone)?;
    Some(
        Diagnostic::warning(
            codes::TIME_ZONE_FIXED,
            at,
            format!("time zone `{zone}` is {what}"),
        )
        .with_label("runs an hour off when daylight saving changes")
        .with_help(format!("use the region's zone, e.g. `{meant}`")),
    )
}

/// W0602 for an unpinned image at `at`.
pub(crate) fn unpinned_image(image: &str, at: crate::diag::Span) -> Option<Diagnostic> {
    let why = unpinned(image)?;
    Some(
        Diagnostic::warning(codes::IMAGE_UNPINNED, at, format!("image `{image}` {why}"))
            .with_label("not pinned")
            .with_help(
                "pin a version (`registry.example.com/team/app:1.4.2`) or a digest \
             (`...@sha256:...`), so every run executes the same code",
            ),
    )
}

/// Why an image is not pinned: no tag and no digest, or the tag `latest`.
pub fn unpinned(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("has no tag"),
        Some((_, "latest")) => Some("is tagged `latest`"),
        Some(_) => None,
    }
}

fn images(ctx: &mut Ctx<'_>, p: &Path, raw: &config::Pipeline) {
    let mut found = Vec::new();
    // The pipeline's image only matters if a step runs it.
    if raw.steps.is_empty() || raw.steps.iter().any(|s| s.image.is_none()) {
        found.push((p.key("image"), raw.image.as_str()));
    }
    for (i, s) in raw.steps.iter().enumerate() {
        if let Some(img) = &s.image {
            found.push((p.key("steps").index(i).key("image"), img.as_str()));
        }
    }
    for (path, image) in found {
        if let Some(d) = unpinned_image(image, ctx.val(&path)) {
            ctx.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Severity, SourceMap};
    use crate::stages::compile_text;

    /// (code, `line:col`) of every diagnostic of `toml`, with errors or not.
    pub(super) fn found(toml: &str) -> Vec<(String, String)> {
        let (diags, sources) =
            match compile_text("p.toml", "p.toml", toml.into(), SourceMap::default()) {
                Ok(c) => (c.diagnostics, c.sources),
                Err(f) => (f.diagnostics, f.sources),
            };
        diags
            .iter()
            .map(|d| {
                let at = d.span.map(|s| {
                    let (l, c) = sources.line_col(s.file, s.range().start);
                    format!("{l}:{c}")
                });
                (d.code.to_string(), at.unwrap_or_default())
            })
            .collect()
    }

    /// Where the diagnostics of `code` are.
    pub(super) fn with(toml: &str, code: Code) -> Vec<String> {
        found(toml)
            .into_iter()
            .filter(|(c, _)| c == code.as_str())
            .map(|(_, at)| at)
            .collect()
    }

    pub(super) const HEAD: &str = "[platform]\nname = \"p\"\n";

    #[test]
    fn unpinned_images() {
        assert_eq!(unpinned("registry.example.com/app"), Some("has no tag"));
        assert_eq!(unpinned("app:latest"), Some("is tagged `latest`"));
        assert_eq!(
            unpinned("registry.example.com:5000/app"),
            Some("has no tag")
        );
        assert_eq!(unpinned("registry.example.com:5000/app:1.2"), None);
        assert_eq!(unpinned("app@sha256:0123"), None);
        assert_eq!(unpinned("app:1.4.2"), None);
    }

    #[test]
    fn pipeline_and_step_images_without_a_pinned_tag_warn_at_the_image() {
        let sha = "0f".repeat(32);
        let toml = format!(
            "{HEAD}[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"registry.example.com/app\"
steps = [
  {{ name = \"one\" }},
  {{ name = \"two\", image = \"registry.example.com/tool:latest\" }},
  {{ name = \"three\", image = \"registry.example.com/tool@sha256:{sha}\" }},
]
"
        );
        assert_eq!(with(&toml, codes::IMAGE_UNPINNED), ["6:9", "9:27"]);
        let diags = compile_text("p.toml", "p.toml", toml, SourceMap::default())
            .ok()
            .map(|c| c.diagnostics)
            .unwrap_or_default();
        assert!(diags.iter().all(|d| d.severity == Severity::Warning));
    }

    #[test]
    fn an_unused_pipeline_image_is_not_linted() {
        let toml = format!(
            "{HEAD}[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"unused\"
steps = [{{ name = \"one\", image = \"app:1\" }}]
"
        );
        assert!(found(&toml).is_empty(), "{:?}", found(&toml));
    }

    #[test]
    fn a_ttl_shorter_than_the_wait_between_runs_warns_when_failures_alert() {
        let pipeline = |schedule: &str, ttl: &str, alerts: &str| {
            format!(
                "{HEAD}[namespaces.a.pipelines.job]
schedule = \"{schedule}\"
starting_deadline = \"1h\"
image = \"app:1\"
steps = [{{ name = \"one\" }}]
ttl_after_finished = \"{ttl}\"
alerts = {alerts}
"
            )
        };
        let failure = "{ on_failure = \"critical\" }";
        // Weekdays at 06:00: Friday's failed Job would be gone before Monday's run.
        assert_eq!(
            with(
                &pipeline("0 6 * * 1-5", "1d", failure),
                codes::TTL_HIDES_FAILURES
            ),
            ["8:22"]
        );
        assert!(found(&pipeline("0 6 * * 1-5", "4d", failure)).is_empty());
        assert!(found(&pipeline("@hourly", "1d", failure)).is_empty());
        // Without a failure alert nothing depends on the failed Job.
        let missed = "{ missed_after = \"26h\" }";
        assert!(found(&pipeline("@daily", "1h", missed)).is_empty());
    }

    #[test]
    fn no_starting_deadline_is_a_note_at_the_pipeline() {
        let toml = format!(
            "{HEAD}[namespaces.a.pipelines.job]
schedule = \"@daily\"
image = \"app:1\"
steps = [{{ name = \"one\" }}]
"
        );
        assert_eq!(with(&toml, codes::NO_STARTING_DEADLINE), ["3:25"]);
    }
}
