//! A pipeline's `PrometheusRule`: one alert when a run fails, one when no run has succeeded
//! for `missed_after`. Both read kube-state-metrics series only, matched to this CronJob.

use std::collections::BTreeMap;

use super::super::crd::prometheus::{AlertRule, PrometheusRule, PrometheusRuleSpec, RuleGroup};
use super::super::meta::{Wave, meta};
use crate::model::{Alerts, Pipeline, Platform};

/// Severity of the missed-run alert when `on_failure` sets none.
const DEFAULT_SEVERITY: &str = "warning";

/// Name of the PrometheusRule of pipeline `name`.
pub(super) fn rule_name(pipeline: &str) -> String {
    format!("{pipeline}-alerts")
}

/// Longest selector kept on one line; longer ones (long namespace and pipeline names) get one
/// matcher per line, so generated files stay within the 160 columns yamllint allows.
const SELECTOR_WIDTH: usize = 96;

/// `metric{k="v", ...}`, indented by `indent` spaces when broken over lines.
fn selector(metric: &str, matchers: &[(&str, &str)], indent: usize) -> String {
    let parts: Vec<String> = matchers
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    let one_line = format!("{metric}{{{}}}", parts.join(", "));
    if one_line.len() <= SELECTOR_WIDTH {
        return one_line;
    }
    let pad = " ".repeat(indent + 2);
    let inner: Vec<String> = parts.iter().map(|m| format!("{pad}{m}")).collect();
    format!(
        "{metric}{{\n{}\n{}}}",
        inner.join(",\n"),
        " ".repeat(indent)
    )
}

/// How a run of a CronJob ended, as its Job's series say.
#[derive(Clone, Copy)]
enum Outcome {
    /// The Job's `Failed` condition is true: its retries are used up (or its deadline passed).
    Failed,
    /// The Job has a completion time, which Kubernetes sets when it succeeds and only then.
    Succeeded,
}

/// The start time of the newest Job of CronJob `name` that ended with `outcome`: one series,
/// label `namespace`. Lines after the first are indented by `indent` spaces.
fn newest_run(namespace: &str, name: &str, outcome: Outcome, indent: usize) -> String {
    let ns = ("namespace", namespace);
    let inner = indent + 4;
    let ended = match outcome {
        Outcome::Failed => format!(
            "{} == 1",
            selector("kube_job_failed", &[ns, ("condition", "true")], inner)
        ),
        Outcome::Succeeded => selector("kube_job_status_completion_time", &[ns], inner),
    };
    let pad = " ".repeat(indent);
    format!(
        "max by (namespace) (\n\
         {pad}  {start}\n\
         {pad}  and on (namespace, job_name)\n\
         {pad}    {owner}\n\
         {pad}  and on (namespace, job_name)\n\
         {pad}    {ended}\n\
         {pad})",
        start = selector("kube_job_status_start_time", &[ns], indent + 2),
        owner = selector(
            "kube_job_owner",
            &[ns, ("owner_kind", "CronJob"), ("owner_name", name)],
            inner
        ),
    )
}

/// PromQL that returns one series (label `namespace`) while the newest failed run of CronJob
/// `name` started after its newest successful run, or it never succeeded.
///
/// Runs are ordered by when they started (the order the CronJob controller created them), so
/// with `concurrency = "allow"` an older run that succeeds after a newer one started does not
/// hide the newer one's failure. The newest successful run is the newest Job with a completion
/// time (Kubernetes sets it on success only). Without one in the history
/// (`history.successful = 0`), the CronJob's last success time stands in, then its creation.
/// It resolves with the next run that succeeds, not when the failed Job leaves the history.
/// `kube_job_failed{condition="true"}` is the Job's `Failed` condition: a run that failed a
/// pod and then succeeded on a retry never fires.
pub(super) fn failure_expr(namespace: &str, name: &str) -> String {
    let cronjob = [("namespace", namespace), ("cronjob", name)];
    format!(
        r#"{newest_failed}
> on (namespace)
(
  {newest_succeeded}
  or
  max by (namespace) (
    {last_success}
  )
  or
  max by (namespace) (
    {created}
  ) * 0
)
"#,
        newest_failed = newest_run(namespace, name, Outcome::Failed, 0),
        newest_succeeded = newest_run(namespace, name, Outcome::Succeeded, 2),
        last_success = selector("kube_cronjob_status_last_successful_time", &cronjob, 4),
        created = selector("kube_cronjob_created", &cronjob, 4),
    )
}

/// PromQL that returns one series (labels `namespace`, `cronjob`) when CronJob `name` has not
/// succeeded for more than `seconds`: counted from its last success, or from its creation when
/// it never succeeded. Silent while the CronJob is suspended, unless `always_suspended`: a
/// DolphinScheduler pipeline's CronJob is suspended for good, and its runs (Jobs created from
/// it) still set its last success time, as the CronJob controller records a finished Job it
/// owns whether or not the CronJob is suspended.
pub(super) fn missed_expr(
    namespace: &str,
    name: &str,
    seconds: u64,
    always_suspended: bool,
) -> String {
    let cronjob = [("namespace", namespace), ("cronjob", name)];
    let unless_suspended = if always_suspended {
        String::new()
    } else {
        format!(
            "unless on (namespace, cronjob)\n  {} == 1\n",
            selector("kube_cronjob_spec_suspend", &cronjob, 2)
        )
    };
    format!(
        r#"(
  time()
  - max by (namespace, cronjob) (
    {last_success}
    or
    {created}
  )
) > {seconds}
{unless_suspended}"#,
        last_success = selector("kube_cronjob_status_last_successful_time", &cronjob, 4),
        created = selector("kube_cronjob_created", &cronjob, 4),
    )
}

/// The alerts' labels: `alerts.labels`, `cronjob`, and `severity` (`on_failure`; else the
/// user's `severity` label; else `warning`).
fn alert_labels(pl: &Pipeline, alerts: &Alerts) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from(&alerts.labels);
    labels.insert("cronjob".into(), pl.name.clone());
    match &alerts.on_failure {
        Some(severity) => {
            labels.insert("severity".into(), severity.clone());
        }
        None => {
            labels
                .entry("severity".into())
                .or_insert_with(|| DEFAULT_SEVERITY.into());
        }
    }
    labels
}

fn schedule_text(pl: &Pipeline) -> String {
    let by = if super::dolphinscheduler::is_dolphinscheduler(pl) {
        ", by DolphinScheduler"
    } else {
        ""
    };
    match &pl.time_zone {
        Some(tz) => format!("`{}` {tz}{by}", pl.schedule),
        None => format!("`{}`{by}", pl.schedule),
    }
}

/// The PrometheusRule of a pipeline with `alerts`, labelled with `[monitoring] rule_labels` so
/// a Prometheus `ruleSelector` picks it up. `alerts.labels` go on the alerts only: on the object
/// they would replace its `[defaults]` labels (a `team` label, say) for no reader's benefit.
pub(super) fn prometheus_rule(
    p: &Platform,
    namespace: &str,
    pl: &Pipeline,
    alerts: &Alerts,
) -> PrometheusRule {
    let labels = alert_labels(pl, alerts);
    let name = &pl.name;
    let mut rules = Vec::new();
    if alerts.on_failure.is_some() {
        rules.push(AlertRule {
            alert: "PipelineRunFailed".into(),
            expr: failure_expr(namespace, name),
            labels: labels.clone(),
            annotations: BTreeMap::from([
                (
                    "summary".to_string(),
                    format!("Pipeline {namespace}/{name} failed"),
                ),
                (
                    "description".to_string(),
                    format!(
                        "CronJob {name} in namespace {namespace}:\n\
                         a run failed, and no run started after it has succeeded yet."
                    ),
                ),
            ]),
        });
    }
    if let Some((seconds, text)) = &alerts.missed_after {
        rules.push(AlertRule {
            alert: "PipelineRunMissed".into(),
            expr: missed_expr(
                namespace,
                name,
                *seconds,
                super::dolphinscheduler::is_dolphinscheduler(pl),
            ),
            labels,
            annotations: BTreeMap::from([
                (
                    "summary".to_string(),
                    format!("{namespace}/{name} has not succeeded in {text}"),
                ),
                (
                    "description".to_string(),
                    format!(
                        "CronJob {name} in namespace {namespace}:\n\
                         no run has succeeded in the last {text}\n\
                         (counted from its creation if it never succeeded).\n\
                         Schedule: {}",
                        schedule_text(pl)
                    ),
                ),
            ]),
        });
    }
    PrometheusRule::new(
        meta(
            p,
            &rule_name(name),
            Some(namespace),
            Wave::Workload,
            &p.rule_labels,
        ),
        PrometheusRuleSpec {
            groups: vec![RuleGroup {
                name: format!("pipeline-{name}"),
                rules,
            }],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_expr_compares_the_newest_failed_and_succeeded_runs_of_this_cronjob() {
        let e = failure_expr("production", "commodity-prices");
        let owner = r#"kube_job_owner{namespace="production", owner_kind="CronJob", owner_name="commodity-prices"}"#;
        assert_eq!(e.matches(owner).count(), 2, "both sides: {e}");
        assert!(e.contains(r#"kube_job_failed{namespace="production", condition="true"} == 1"#));
        assert!(e.contains(r#"kube_job_status_completion_time{namespace="production"}"#));
        assert!(e.contains(
            r#"kube_cronjob_status_last_successful_time{namespace="production", cronjob="commodity-prices"}"#
        ));
        // Never succeeded: the creation time times zero stands in for the last success.
        assert!(e.contains(
            r#"kube_cronjob_created{namespace="production", cronjob="commodity-prices"}
  ) * 0"#
        ));
        // One label, `namespace`: the rule adds `cronjob`, as on the missed-run alert.
        assert!(!e.contains("group_left"), "{e}");
        assert_balanced(&e);
    }

    #[test]
    fn long_names_break_selectors_but_keep_them_balanced() {
        let name = "p".repeat(52);
        let namespace = "n".repeat(63);
        let e = failure_expr(&namespace, &name);
        assert!(e.lines().all(|l| l.len() <= SELECTOR_WIDTH + 8), "{e}");
        assert_balanced(&e);
        assert_balanced(&missed_expr(&namespace, &name, 60, false));
    }

    #[test]
    fn missed_expr_uses_missed_after_in_seconds_and_covers_never_succeeded() {
        let e = missed_expr("production", "commodity-prices", 26 * 3600, false);
        assert!(e.contains(") > 93600\n"), "{e}");
        assert!(e.contains(
            r#"kube_cronjob_created{namespace="production", cronjob="commodity-prices"}"#
        ));
        assert!(
            !e.contains("* 0"),
            "creation time is the fallback, not zero: {e}"
        );
        assert!(e.contains(
            r#"kube_cronjob_spec_suspend{namespace="production", cronjob="commodity-prices"} == 1"#
        ));
        assert_balanced(&e);
        let always = missed_expr("production", "commodity-prices", 60, true);
        assert!(!always.contains("suspend"), "{always}");
        assert_balanced(&always);
    }

    fn assert_balanced(e: &str) {
        for (open, close) in [('(', ')'), ('{', '}')] {
            let mut depth = 0i32;
            for c in e.chars() {
                if c == open {
                    depth += 1;
                } else if c == close {
                    depth -= 1;
                }
                assert!(depth >= 0, "unbalanced {open}{close} in {e}");
            }
            assert_eq!(depth, 0, "unbalanced {open}{close} in {e}");
        }
        assert_eq!(e.matches('"').count() % 2, 0, "unbalanced quotes in {e}");
    }
}
