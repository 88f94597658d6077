//! A pipeline's run against its namespace's quota: pods the quota would reject because a
//! container states no amount of something it counts (E0603), and runs that need more than the
//! quota allows when they overlap (E0604), beside what the namespace's manifests run all the
//! time ([`super::super::workloads`]).
//!
//! A run is one pod whose steps are init containers and one main container (the last step), so
//! Kubernetes charges it, per resource, the larger of its largest init container and its main
//! container: the largest step. Each step gets its own amounts, else the pipeline's, else the
//! namespace's LimitRange defaults, as the API server sets them.

use super::super::super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, Concurrency, Quantity, ResourceList};
use crate::syntax::Path;
use crate::syntax::config;

/// Runs that may exist at once under `concurrency = "allow"`. Kubernetes sets no bound; a run
/// that overruns into the next schedule is the realistic case, so the lint assumes two.
pub const ALLOW_CONCURRENT_RUNS: u32 = 2;

/// Resources a quota can count per container, in the order they are reported.
const RESOURCES: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];

/// What one container of the pipeline gets for one resource, and where that was written.
struct Amount {
    quantity: Quantity,
    from: Path,
    /// Written in the pipeline (else a LimitRange default).
    own: bool,
    /// The step whose own `resources` set it, if one did.
    step: Option<String>,
}

fn first(candidates: Vec<(Option<&Quantity>, Path, bool)>) -> Option<Amount> {
    candidates.into_iter().find_map(|(q, from, own)| {
        q.map(|q| Amount {
            quantity: q.clone(),
            from,
            own,
            step: None,
        })
    })
}

/// The amount of `res` a `resources` table sets.
fn amount_of<'r>(r: &'r config::Resources, res: &str) -> Option<&'r String> {
    match res {
        "cpu" => r.cpu.as_ref(),
        "memory" => r.memory.as_ref(),
        _ => r.ephemeral_storage.as_ref(),
    }
}

/// Where the `kind` (`requests`/`limits`) amount of `res` of step `i` is written: in the
/// step's own `resources`, else in the pipeline's.
fn written(p: &Path, raw: &config::Pipeline, i: usize, kind: &str, res: &str) -> Path {
    let in_step = raw
        .steps
        .get(i)
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| match kind {
            "requests" => r.requests.as_ref(),
            _ => r.limits.as_ref(),
        })
        .and_then(|r| amount_of(r, res))
        .is_some();
    let table = if in_step {
        p.key("steps").index(i).key("resources")
    } else {
        p.key("resources")
    };
    table.key(kind).key(res)
}

/// The request and the limit step `i` of `pl` ends up with for `res`, as the API server
/// computes them: its own values (a limit alone also sets the request), else the LimitRange's
/// defaults (with Kubernetes' own defaulting: `default` falls back to `max`, `default_request`
/// to `default`, then `min`).
fn effective(
    ns_path: &Path,
    ns: &model::Namespace,
    p: &Path,
    raw: &config::Pipeline,
    i: usize,
    step: &model::Step,
    res: &str,
) -> (Option<Amount>, Option<Amount>) {
    let lr = ns_path.key("limits");
    let empty = ResourceList::new();
    let limits = ns.limits.as_ref();
    let get = |f: fn(&model::Limits) -> &ResourceList| limits.map_or(&empty, f).get(res);
    let request_at = written(p, raw, i, "requests", res);
    let limit_at = written(p, raw, i, "limits", res);
    let default_limit = vec![
        (get(|l| &l.default), lr.key("default").key(res), false),
        (get(|l| &l.max), lr.key("max").key(res), false),
    ];
    let mut request = vec![
        (step.requests.get(res), request_at, true),
        (step.limits.get(res), limit_at.clone(), true),
        (
            get(|l| &l.default_request),
            lr.key("default_request").key(res),
            false,
        ),
    ];
    request.extend(default_limit.iter().cloned());
    request.push((get(|l| &l.min), lr.key("min").key(res), false));
    let mut limit = vec![(step.limits.get(res), limit_at, true)];
    limit.extend(default_limit);
    let steps = p.key("steps");
    let mark = |a: Option<Amount>| {
        a.map(|mut a| {
            if a.from.segs().starts_with(steps.segs()) {
                a.step = Some(step.name.clone());
            }
            a
        })
    };
    (mark(first(request)), mark(first(limit)))
}

/// An example `resources` table with amounts of the resources `missing` names
/// (`requests.cpu`, ...).
fn example(missing: &[String]) -> String {
    let sample = |kind: &str, res: &str| match (kind, res) {
        ("requests", "cpu") => "500m",
        ("limits", "cpu") => "1",
        ("requests", "memory") => "512Mi",
        ("limits", "memory") => "1Gi",
        ("requests", _) => "1Gi",
        _ => "2Gi",
    };
    let table = |kind: &str| {
        let amounts: Vec<String> = RESOURCES
            .iter()
            .filter(|res| missing.iter().any(|m| *m == format!("{kind}.{res}")))
            .map(|res| format!("{res} = \"{}\"", sample(kind, res)))
            .collect();
        (!amounts.is_empty()).then(|| format!("{kind} = {{ {} }}", amounts.join(", ")))
    };
    let tables: Vec<String> = ["requests", "limits"]
        .iter()
        .filter_map(|k| table(k))
        .collect();
    format!("resources = {{ {} }}", tables.join(", "))
}

pub(super) fn quota(
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
    let running = super::super::workloads::running(ns);
    let qp = ns_path.key("quota");
    let at = if raw.resources.is_some() {
        ctx.val(&p.key("resources"))
    } else {
        ctx.key(p)
    };
    // (quota key, where the quota sets it, the steps that state nothing for it)
    let mut missing: Vec<(String, Path, Vec<usize>)> = Vec::new();
    for res in RESOURCES {
        let amounts: Vec<(Option<Amount>, Option<Amount>)> = pl
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| effective(ns_path, ns, p, raw, i, step, res))
            .collect();
        for kind in ["requests", "limits"] {
            let key = format!("{kind}.{res}");
            let Some(max) = hard.get(&key) else {
                continue;
            };
            let quota_value = qp.key(kind).key(res);
            let mut lacking = Vec::new();
            let mut largest: Option<&Amount> = None;
            for (i, (request, limit)) in amounts.iter().enumerate() {
                match if kind == "requests" { request } else { limit } {
                    None => lacking.push(i),
                    Some(a) if largest.is_none_or(|l| a.quantity > l.quantity) => {
                        largest = Some(a);
                    }
                    Some(_) => {}
                }
            }
            if !lacking.is_empty() {
                missing.push((key, quota_value, lacking));
                continue;
            }
            let Some(amount) = largest else {
                continue;
            };
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
            let per_run = match &amount.step {
                Some(step) => format!("{res} {what} {} (step `{step}`)", amount.quantity),
                None => format!("{res} {what} {}", amount.quantity),
            };
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
    pods(ctx, p, pl, raw, hard, runs, running.pods, &qp);
    missing_resources(ctx, ns, p, pl, at, &missing);
}

/// E0604 for the pods a run needs beside those of the workloads.
#[allow(clippy::too_many_arguments)]
fn pods(
    ctx: &mut Ctx<'_>,
    p: &Path,
    pl: &model::Pipeline,
    raw: &config::Pipeline,
    hard: &ResourceList,
    runs: u32,
    running: u32,
    qp: &Path,
) {
    let Some(pods) = hard.get("pods") else {
        return;
    };
    if !Quantity::parse(&(runs + running).to_string()).is_ok_and(|r| r > *pods) {
        return;
    }
    let span = if raw.concurrency.is_some() {
        ctx.val(&p.key("concurrency"))
    } else {
        ctx.key(p)
    };
    ctx.push(
        Diagnostic::error(
            codes::QUOTA_EXCEEDED,
            span,
            if running == 0 {
                format!(
                    "pipeline `{}` can run {runs} pods at once, above the quota's pods of {pods}",
                    pl.name
                )
            } else {
                format!(
                    "pipeline `{}` can run {runs} pods at once; beside the {running} pods the namespace's workloads run, that is above the quota's pods of {pods}",
                    pl.name
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

/// E0603 for the quota keys some steps state no amount for: at the pipeline's `resources` when
/// some key is missing from every step, else at the first step that lacks one.
fn missing_resources(
    ctx: &mut Ctx<'_>,
    ns: &model::Namespace,
    p: &Path,
    pl: &model::Pipeline,
    at: crate::diag::Span,
    missing: &[(String, Path, Vec<usize>)],
) {
    let Some((_, first_quota, _)) = missing.first() else {
        return;
    };
    let steps = pl.steps.len();
    let all_lack = missing.iter().any(|(_, _, lacking)| lacking.len() == steps);
    let step_names = |lacking: &[usize]| {
        let names: Vec<String> = lacking
            .iter()
            .map(|i| format!("`{}`", pl.steps[*i].name))
            .collect();
        let s = if names.len() == 1 { "" } else { "s" };
        format!("step{s} {}", names.join(", "))
    };
    let same_steps = missing.iter().all(|(_, _, l)| *l == missing[0].2);
    let keys: Vec<String> = missing
        .iter()
        .map(|(key, _, lacking)| {
            if lacking.len() == steps || same_steps {
                key.clone()
            } else {
                format!("{key} ({})", step_names(lacking))
            }
        })
        .collect();
    let who = if same_steps && !all_lack {
        let verb = if missing[0].2.len() == 1 {
            "sets"
        } else {
            "set"
        };
        format!(
            "{} of pipeline `{}` {verb}",
            step_names(&missing[0].2),
            pl.name
        )
    } else {
        format!("pipeline `{}` sets", pl.name)
    };
    let span = if all_lack {
        at
    } else {
        let i = missing
            .iter()
            .filter_map(|(_, _, lacking)| lacking.first())
            .min()
            .copied()
            .unwrap_or(0);
        ctx.val(&p.key("steps").index(i))
    };
    let names: Vec<String> = missing.iter().map(|(k, _, _)| k.clone()).collect();
    let mut resources: Vec<&str> = missing
        .iter()
        .filter_map(|(k, _, _)| k.split_once('.').map(|(_, r)| r))
        .collect();
    resources.dedup();
    ctx.push(
        Diagnostic::error(
            codes::MISSING_RESOURCES,
            span,
            format!(
                "{who} no {}, and namespace `{}` has no LimitRange default for {}",
                keys.join(", "),
                ns.name,
                if keys.len() == 1 { "it" } else { "them" },
            ),
        )
        .with_label("pods would be rejected by the quota")
        .with_related(Some(ctx.val(first_quota)), "the quota counts it")
        .with_help(format!(
            "set them in the pipeline's (or each step's) resources, e.g. `{}`, or give \
             [namespaces.{}.limits] a `default_request` and `default` for {}",
            example(&names),
            ns.name,
            resources.join(" and ")
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::super::tests::{HEAD, found, with};
    use crate::diag::{SourceMap, codes};
    use crate::stages::compile_text;

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
