//! Pipeline lints: pods a namespace quota would reject (no resources and no LimitRange
//! defaults: E0603; more than the quota allows when runs overlap: E0604), unpinned images
//! (W0602), and no `starting_deadline` (N0605). A run must fit beside what the namespace's
//! manifests run all the time ([`super::workloads`]).

use super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, Concurrency, Quantity, ResourceList};
use crate::syntax::Path;
use crate::syntax::config;

/// Runs that may exist at once under `concurrency = "allow"`. Kubernetes sets no bound; a run
/// that overruns into the next schedule is the realistic case, so the lint assumes two.
pub const ALLOW_CONCURRENT_RUNS: u32 = 2;

/// Resources a quota can count per container, in the order they are reported.
const RESOURCES: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];

pub(super) fn lint(ctx: &mut Ctx<'_>, _: &str, raw_ns: &config::Namespace, ns: &model::Namespace) {
    let ns_path = Path::root().key("namespaces").key(ns.name.as_str());
    for pl in &ns.pipelines {
        let p = ns_path.key("pipelines").key(pl.name.as_str());
        let Some(raw) = raw_ns.pipelines.get(&pl.name) else {
            continue;
        };
        images(ctx, &p, raw);
        if let Some(hard) = &ns.quota {
            quota(ctx, &ns_path, ns, hard, &p, pl, raw);
        }
        if pl.starting_deadline.is_none() {
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
        if let Some(why) = unpinned(image) {
            ctx.push(
                Diagnostic::warning(
                    codes::IMAGE_UNPINNED,
                    ctx.val(&path),
                    format!("image `{image}` {why}"),
                )
                .with_label("not pinned")
                .with_help(
                    "pin a version (`registry.example.com/team/app:1.4.2`) or a digest \
                     (`...@sha256:...`), so every run executes the same code",
                ),
            );
        }
    }
}

/// What one container of the pipeline gets for one resource, and where that was written.
struct Amount {
    quantity: Quantity,
    from: Path,
    /// Written in the pipeline (else a LimitRange default).
    own: bool,
}

fn first(candidates: Vec<(Option<&Quantity>, Path, bool)>) -> Option<Amount> {
    candidates.into_iter().find_map(|(q, from, own)| {
        q.map(|q| Amount {
            quantity: q.clone(),
            from,
            own,
        })
    })
}

/// The request and the limit a container of `pl` ends up with for `res`, as the API server
/// computes them: its own values (a limit alone also sets the request), else the LimitRange's
/// defaults (with Kubernetes' own defaulting: `default` falls back to `max`, `default_request`
/// to `default`, then `min`).
fn effective(
    ns_path: &Path,
    ns: &model::Namespace,
    p: &Path,
    pl: &model::Pipeline,
    res: &str,
) -> (Option<Amount>, Option<Amount>) {
    let own = p.key("resources");
    let lr = ns_path.key("limits");
    let empty = ResourceList::new();
    let limits = ns.limits.as_ref();
    let get = |f: fn(&model::Limits) -> &ResourceList| limits.map_or(&empty, f).get(res);
    let default_limit = vec![
        (get(|l| &l.default), lr.key("default").key(res), false),
        (get(|l| &l.max), lr.key("max").key(res), false),
    ];
    let mut request = vec![
        (pl.requests.get(res), own.key("requests").key(res), true),
        (pl.limits.get(res), own.key("limits").key(res), true),
        (
            get(|l| &l.default_request),
            lr.key("default_request").key(res),
            false,
        ),
    ];
    request.extend(default_limit.iter().cloned());
    request.push((get(|l| &l.min), lr.key("min").key(res), false));
    let mut limit = vec![(pl.limits.get(res), own.key("limits").key(res), true)];
    limit.extend(default_limit);
    (first(request), first(limit))
}

fn quota(
    ctx: &mut Ctx<'_>,
    ns_path: &Path,
    ns: &model::Namespace,
    hard: &ResourceList,
    p: &Path,
    pl: &model::Pipeline,
    raw: &config::Pipeline,
) {
    let runs = match pl.concurrency {
        Concurrency::Allow => ALLOW_CONCURRENT_RUNS,
        Concurrency::Forbid | Concurrency::Replace => 1,
    };
    let running = super::workloads::running(ns);
    let qp = ns_path.key("quota");
    let at = if raw.resources.is_some() {
        ctx.val(&p.key("resources"))
    } else {
        ctx.key(p)
    };
    let mut missing = Vec::new();
    for res in RESOURCES {
        let (request, limit) = effective(ns_path, ns, p, pl, res);
        for (kind, amount) in [("requests", request), ("limits", limit)] {
            let Some(max) = hard.get(&format!("{kind}.{res}")) else {
                continue;
            };
            let quota_value = qp.key(kind).key(res);
            let Some(amount) = amount else {
                missing.push((format!("{kind}.{res}"), quota_value));
                continue;
            };
            let key = format!("{kind}.{res}");
            let base = running.totals.get(&key);
            if base.is_some_and(|b| b > max) {
                // The workloads alone do not fit: `workloads` reports that once.
                continue;
            }
            let own = amount.quantity.times(runs);
            let total = base.map_or_else(|| own.clone(), |b| b.plus(&own));
            if total <= *max {
                continue;
            }
            let what = if kind == "requests" {
                "request"
            } else {
                "limit"
            };
            let per_run = format!("{res} {what} {}", amount.quantity);
            let beside = match base {
                Some(b) => format!(
                    "; beside the {b} the namespace's workloads hold ({}) that is {total},",
                    running.who.join(", ")
                ),
                None => ",".into(),
            };
            let message = if runs == 1 {
                format!(
                    "pipeline `{}` has a {per_run}{beside} above the quota's {kind}.{res} of {max}",
                    pl.name
                )
            } else {
                format!(
                    "pipeline `{}` has a {per_run} per run; {runs} runs at once (concurrency \
                     `allow`) need {own}{beside} above the quota's {kind}.{res} of {max}",
                    pl.name
                )
            };
            let (span, related) = if amount.own {
                (ctx.val(&amount.from), None)
            } else {
                (at, Some(ctx.val(&amount.from)))
            };
            let help = if runs == 1 {
                format!("lower the {what} or raise the quota")
            } else {
                format!(
                    "lower the {what}, raise the quota, or set `concurrency = \"forbid\"`; \
                     with `allow` platc assumes {ALLOW_CONCURRENT_RUNS} overlapping runs"
                )
            };
            ctx.push(
                Diagnostic::error(codes::QUOTA_EXCEEDED, span, message)
                    .with_label("exceeds the namespace quota")
                    .with_related(related, "the LimitRange default it gets")
                    .with_related(Some(ctx.val(&quota_value)), "quota set here")
                    .with_help(help),
            );
        }
    }
    if let Some(pods) = hard.get("pods")
        && Quantity::parse(&(runs + running.pods).to_string()).is_ok_and(|r| r > *pods)
    {
        let span = if raw.concurrency.is_some() {
            ctx.val(&p.key("concurrency"))
        } else {
            ctx.key(p)
        };
        ctx.push(
            Diagnostic::error(
                codes::QUOTA_EXCEEDED,
                span,
                if running.pods == 0 {
                    format!(
                        "pipeline `{}` can run {runs} pods at once, above the quota's pods of {pods}",
                        pl.name
                    )
                } else {
                    format!(
                        "pipeline `{}` can run {runs} pods at once; beside the {} pods the namespace's workloads run, that is above the quota's pods of {pods}",
                        pl.name, running.pods
                    )
                },
            )
            .with_label("exceeds the namespace quota")
            .with_related(Some(ctx.val(&qp.key("pods"))), "quota set here")
            .with_help(if runs > 1 {
                "raise the quota's `pods` or set `concurrency = \"forbid\"`"
            } else {
                "raise the quota's `pods`, or run fewer replicas of the namespace's workloads"
            }),
        );
    }
    if let Some((_, first_quota)) = missing.first() {
        let keys: Vec<&str> = missing.iter().map(|(k, _)| k.as_str()).collect();
        ctx.push(
            Diagnostic::error(
                codes::MISSING_RESOURCES,
                at,
                format!(
                    "pipeline `{}` sets no {}, and namespace `{}` has no LimitRange default for {}",
                    pl.name,
                    keys.join(", "),
                    ns.name,
                    if keys.len() == 1 { "it" } else { "them" },
                ),
            )
            .with_label("pods would be rejected by the quota")
            .with_related(Some(ctx.val(first_quota)), "the quota counts it")
            .with_help(format!(
                "add `resources = {{ requests = {{ cpu = \"500m\", memory = \"512Mi\" }}, \
                 limits = {{ cpu = \"1\", memory = \"1Gi\" }} }}` to the pipeline, or \
                 `default_request` and `default` to [namespaces.{}.limits]",
                ns.name
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::compile_text;
    use crate::diag::{Code, Severity, SourceMap};

    /// (code, `line:col`) of every diagnostic of `toml`, with errors or not.
    fn found(toml: &str) -> Vec<(String, String)> {
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

    fn with(toml: &str, code: Code) -> Vec<String> {
        found(toml)
            .into_iter()
            .filter(|(c, _)| c == code.as_str())
            .map(|(_, at)| at)
            .collect()
    }

    const HEAD: &str = "[platform]\nname = \"p\"\n";

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
        let toml = format!(
            "{HEAD}[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"registry.example.com/app\"
steps = [
  {{ name = \"one\" }},
  {{ name = \"two\", image = \"registry.example.com/tool:latest\" }},
  {{ name = \"three\", image = \"registry.example.com/tool@sha256:00ff\" }},
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

    const QUOTA: &str = "[namespaces.a.quota]
requests = { cpu = \"1\", memory = \"1Gi\" }
limits = { cpu = \"2\", memory = \"2Gi\" }
pods = 1
";

    #[test]
    fn a_quota_without_limit_range_defaults_needs_pipeline_resources() {
        let toml = format!(
            "{HEAD}{QUOTA}[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"app:1\"
steps = [{{ name = \"one\" }}]
"
        );
        assert_eq!(with(&toml, codes::MISSING_RESOURCES), ["7:25"]);
        // Limits alone are enough: the API server copies them into the requests.
        let toml = format!(
            "{HEAD}{QUOTA}[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"app:1\"
resources = {{ limits = {{ cpu = \"500m\" }} }}
steps = [{{ name = \"one\" }}]
"
        );
        assert_eq!(with(&toml, codes::MISSING_RESOURCES), ["11:13"]);
        let d = compile_text("p.toml", "p.toml", toml, SourceMap::default())
            .err()
            .map(|f| f.diagnostics)
            .unwrap_or_default();
        let m = d.iter().find(|d| d.code == codes::MISSING_RESOURCES);
        assert!(
            m.is_some_and(|m| m.message.contains("requests.memory, limits.memory")
                && !m.message.contains("cpu")),
            "{m:?}"
        );
    }

    #[test]
    fn limit_range_defaults_satisfy_the_quota() {
        let toml = format!(
            "{HEAD}{QUOTA}[namespaces.a.limits]
default = {{ cpu = \"500m\", memory = \"512Mi\" }}
[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"app:1\"
steps = [{{ name = \"one\" }}]
"
        );
        assert!(found(&toml).is_empty(), "{:?}", found(&toml));
    }

    #[test]
    fn requests_times_concurrent_runs_above_the_quota_are_errors() {
        let pipeline = |concurrency: &str| {
            format!(
                "{HEAD}{QUOTA}[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
concurrency = \"{concurrency}\"
image = \"app:1\"
resources = {{ requests = {{ cpu = \"600m\", memory = \"1Gi\" }}, limits = {{ cpu = \"1\", memory = \"1Gi\" }} }}
steps = [{{ name = \"one\" }}]
"
            )
        };
        assert!(found(&pipeline("forbid")).is_empty());
        assert!(found(&pipeline("replace")).is_empty());
        // allow: two runs, so 2 pods (at `concurrency`), 1200m cpu and 2Gi memory requested (at
        // each request); the limits, 2 and 2Gi, fit exactly.
        assert_eq!(
            with(&pipeline("allow"), codes::QUOTA_EXCEEDED),
            ["10:15", "12:34", "12:51"]
        );
    }

    #[test]
    fn a_limit_range_default_above_the_quota_points_at_the_pipeline() {
        let toml = format!(
            "{HEAD}{QUOTA}[namespaces.a.limits]
default = {{ cpu = \"4\", memory = \"512Mi\" }}
[namespaces.a.pipelines.job]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"app:1\"
steps = [{{ name = \"one\" }}]
"
        );
        // Both the defaulted request (4 > 1) and limit (4 > 2) exceed the cpu quota.
        assert_eq!(with(&toml, codes::QUOTA_EXCEEDED), ["9:25", "9:25"]);
    }
}
