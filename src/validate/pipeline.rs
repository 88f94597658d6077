//! Semantic checks of one pipeline: name, schedule, time zone, image, resources, steps,
//! references, and its topic and alerts.

use std::collections::BTreeSet;

use super::context::Ctx;
use super::env::{Env, Here};
use crate::diag::{Diagnostic, codes};
use crate::model::{self, ConfigValue, duration, names, schedule};
use crate::syntax::Path;
use crate::syntax::config;

/// The CronJob controller appends 11 characters to name Jobs, which are DNS labels (≤ 63).
const MAX_PIPELINE_NAME: usize = 52;

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

    if let Some(problem) = schedule::schedule_problem(&pl.schedule) {
        let d = Diagnostic::error(codes::INVALID_SCHEDULE, ctx.val(&p.key("schedule")), format!("invalid schedule `{}`: {problem}", pl.schedule))
            .with_label("not a CronJob schedule")
            .with_help("five fields `minute hour day-of-month month day-of-week` (e.g. `0 2 * * *`), or @hourly, @daily, @weekly, @monthly, @yearly");
        ctx.push(match schedule::faulty_field(&pl.schedule) {
            Some(field) => d.with_part(field),
            None => d,
        });
    }
    if let Some(tz) = &pl.time_zone
        && !schedule::is_time_zone(tz)
    {
        let similar = schedule::similar_time_zones(tz);
        let help = if similar.is_empty() {
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

    let (requests, limits) = match &pl.resources {
        Some(r) => {
            let rp = p.key("resources");
            let requests = r
                .requests
                .as_ref()
                .map(|x| ctx.resources(&rp.key("requests"), x))
                .unwrap_or_default();
            let limits = r
                .limits
                .as_ref()
                .map(|x| ctx.resources(&rp.key("limits"), x))
                .unwrap_or_default();
            ctx.limit_at_least_request(&rp, "requests", "limits", &requests, &limits);
            (requests, limits)
        }
        None => Default::default(),
    };

    for key in pl.env.keys() {
        if !names::is_env_name(key) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.key(&p.key("env").key(key.as_str())),
                    format!("invalid environment variable name `{key}`"),
                )
                .with_label("not a variable name")
                .with_help(
                    "use letters, digits and `_`, not starting with a digit (e.g. `SOURCE_URL`)",
                ),
            );
        }
    }
    for (key, list, what) in [
        ("secrets", &pl.secrets, "secret"),
        ("config_maps", &pl.config_maps, "config map"),
    ] {
        let mut seen = BTreeSet::new();
        for (i, n) in list.iter().enumerate() {
            let ip = p.key(key).index(i);
            if !names::is_dns_subdomain(n) {
                ctx.push(
                    Diagnostic::error(
                        codes::INVALID_NAME,
                        ctx.val(&ip),
                        format!("invalid {what} name `{n}`"),
                    )
                    .with_label("not a DNS-1123 subdomain")
                    .with_help(format!(
                        "{what} names are lower-case letters, digits, `-` and `.`"
                    )),
                );
            } else if !seen.insert(n) {
                ctx.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        ctx.val(&ip),
                        format!("{what} `{n}` is listed twice"),
                    )
                    .with_label("duplicate"),
                );
            }
        }
    }

    let steps = steps(ctx, &p, pl);
    let deadline = pl
        .deadline
        .as_ref()
        .and_then(|d| seconds(ctx, &p.key("deadline"), d));
    let starting_deadline = pl
        .starting_deadline
        .as_ref()
        .and_then(|d| seconds(ctx, &p.key("starting_deadline"), d));
    let topic = pl
        .topic
        .as_ref()
        .and_then(|t| topic(ctx, env, &p.key("topic"), name, t));
    let alerts = pl.alerts.as_ref().map(|a| alerts(ctx, &p.key("alerts"), a));

    model::Pipeline {
        name: name.to_string(),
        span: ctx.key(&p),
        schedule: pl.schedule.trim().to_string(),
        time_zone: pl.time_zone.clone(),
        concurrency: pl.concurrency.unwrap_or(model::Concurrency::Forbid),
        history_successful: pl.history.as_ref().and_then(|h| h.successful),
        history_failed: pl.history.as_ref().and_then(|h| h.failed),
        retries: pl.retries,
        service_account: pl.service_account.clone(),
        requests,
        limits,
        env: pl.env.clone(),
        secrets: pl.secrets.clone(),
        config_maps: pl.config_maps.clone(),
        steps,
        deadline,
        starting_deadline,
        suspend: pl.suspend,
        topic,
        alerts,
        dashboard: pl.dashboard.unwrap_or(false),
    }
}

fn steps(ctx: &mut Ctx<'_>, p: &Path, pl: &config::Pipeline) -> Vec<model::Step> {
    if pl.steps.is_empty() {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&p.key("steps")),
                "a pipeline needs at least one step",
            )
            .with_label("no steps")
            .with_help("e.g. `steps = [{ name = \"run\", args = [\"run\"] }]`"),
        );
    }
    let mut seen = BTreeSet::new();
    pl.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sp = p.key("steps").index(i);
            if ctx.dns_label(&sp.key("name"), &s.name, "step name", false)
                && !seen.insert(s.name.as_str())
            {
                ctx.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        ctx.val(&sp.key("name")),
                        format!("step name `{}` is used twice", s.name),
                    )
                    .with_label("duplicate step name")
                    .with_help("each step is a container; container names are unique within a pod"),
                );
            }
            if let Some(img) = &s.image {
                image(ctx, &sp.key("image"), img);
            }
            if let Some(cmd) = &s.command
                && cmd.is_empty()
            {
                ctx.push(
                    Diagnostic::error(
                        codes::OUT_OF_RANGE,
                        ctx.val(&sp.key("command")),
                        "`command` is empty",
                    )
                    .with_label("omit it to use the image's entrypoint"),
                );
            }
            model::Step {
                name: s.name.clone(),
                image: s.image.clone().unwrap_or_else(|| pl.image.clone()),
                command: s.command.clone(),
                args: s.args.clone(),
            }
        })
        .collect()
}

fn image(ctx: &mut Ctx<'_>, p: &Path, image: &str) {
    // The problem, and the bytes of the value it is about.
    let problem = if image.is_empty() {
        Some(("is empty", 0..0))
    } else if image.contains(char::is_whitespace) {
        Some(("contains whitespace", 0..image.len()))
    } else {
        let without_digest = image.split('@').next().unwrap_or(image);
        let repo = match without_digest.rsplit_once(':') {
            Some((r, tag)) if !tag.contains('/') => r,
            _ => without_digest,
        };
        let upper = repo.find(|c: char| c.is_ascii_uppercase());
        if repo.is_empty() {
            Some(("has no repository", 0..image.len()))
        } else {
            upper.map(|first| {
                let last = repo
                    .rfind(|c: char| c.is_ascii_uppercase())
                    .unwrap_or(first);
                ("has upper-case letters in its repository", first..last + 1)
            })
        }
    };
    if let Some((problem, part)) = problem {
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

fn topic(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    p: &Path,
    pipeline: &str,
    t: &config::Topic,
) -> Option<model::Topic> {
    let name = t.name.clone().unwrap_or_else(|| pipeline.to_string());
    if t.name.is_some() && !names::is_dns_subdomain(&name) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_NAME,
                ctx.val(&p.key("name")),
                format!("invalid topic name `{name}`"),
            )
            .with_label("not a DNS-1123 subdomain")
            .with_help("KafkaTopic names are lower-case letters, digits, `-` and `.`"),
        );
    }
    for (key, n) in [("partitions", t.partitions), ("replicas", t.replicas)] {
        if n == 0 {
            ctx.push(
                Diagnostic::error(
                    codes::OUT_OF_RANGE,
                    ctx.val(&p.key(key)),
                    format!("`{key}` must be at least 1"),
                )
                .with_label("must be at least 1"),
            );
        }
    }
    let mut config = t.config.clone();
    if let Some(r) = &t.retention
        && let Some(s) = seconds(ctx, &p.key("retention"), r)
    {
        if config.contains_key("retention.ms") {
            ctx.push(
                Diagnostic::error(
                    codes::CONFLICTING_KEYS,
                    ctx.key(&p.key("config").key("retention.ms")),
                    "`retention.ms` is set twice",
                )
                .with_label("also set by `retention`")
                .with_related(Some(ctx.val(&p.key("retention"))), "`retention` set here"),
            );
        }
        config.insert(
            "retention.ms".into(),
            ConfigValue::Integer(i64::try_from(s * 1000).unwrap_or(i64::MAX)),
        );
    }
    let service_path = p.key("service");
    let Some(service) = env.config.services.get(&t.service) else {
        if !env.broken_services.contains(&t.service) {
            ctx.unresolved(
                &service_path,
                "service",
                &t.service,
                "[services]",
                env.config.services.keys().map(String::as_str),
            );
        }
        return None;
    };
    let Some(cluster) = &service.strimzi_cluster else {
        ctx.push(
            Diagnostic::error(
                codes::UNRESOLVED_REFERENCE,
                ctx.val(&service_path),
                format!("service `{}` has no `strimzi_cluster`", t.service),
            )
            .with_label("not a Strimzi Kafka service")
            .with_related(
                Some(ctx.key(&Path::root().key("services").key(t.service.as_str()))),
                "defined here",
            )
            .with_help(format!(
                "add `strimzi_cluster = \"NAME\"` to [services.{}]",
                t.service
            )),
        );
        return None;
    };
    Some(model::Topic {
        name,
        span: ctx.key(p),
        namespace: service.namespace.clone(),
        strimzi_cluster: cluster.clone(),
        partitions: t.partitions,
        replicas: t.replicas,
        config,
    })
}

fn alerts(ctx: &mut Ctx<'_>, p: &Path, a: &config::Alerts) -> model::Alerts {
    if let Some(sev) = &a.on_failure
        && (sev.is_empty() || names::label_value_problem(sev).is_some())
    {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                ctx.val(&p.key("on_failure")),
                format!("invalid severity `{sev}`"),
            )
            .with_label("not a label value")
            .with_help(
                "use a severity your Alertmanager routes, e.g. `critical`, `warning` or `info`",
            ),
        );
    }
    ctx.labels(&p.key("labels"), &a.labels);
    if let (Some(sev), Some(label)) = (&a.on_failure, a.labels.get("severity"))
        && sev != label
    {
        ctx.push(
            Diagnostic::error(
                codes::CONFLICTING_KEYS,
                ctx.key(&p.key("labels").key("severity")),
                format!("`severity` is set twice: `{sev}` by `on_failure`, `{label}` here"),
            )
            .with_label("conflicts with `on_failure`")
            .with_related(Some(ctx.val(&p.key("on_failure"))), "`on_failure` sets `severity` here")
            .with_help("drop one of them: `on_failure` already sets the severity of both alerts, so remove `severity` from `labels`"),
        );
    }
    let missed_after = a
        .missed_after
        .as_ref()
        .and_then(|m| seconds(ctx, &p.key("missed_after"), m).map(|s| (s, m.clone())));
    if a.on_failure.is_none() && a.missed_after.is_none() {
        ctx.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                ctx.key(p),
                "`alerts` sets neither `on_failure` nor `missed_after`",
            )
            .with_label("no alert would fire")
            .with_help("e.g. `alerts = { on_failure = \"critical\", missed_after = \"26h\" }`"),
        );
    }
    model::Alerts {
        on_failure: a.on_failure.clone(),
        missed_after,
        labels: a.labels.clone(),
    }
}
