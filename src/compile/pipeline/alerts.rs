//! A pipeline's `PrometheusRule`: one alert when a run fails, one when no run has succeeded
//! for `missed_after`. Both read kube-state-metrics series only, matched to this CronJob.

use std::collections::BTreeMap;

use super::super::crd::prometheus::{AlertRule, PrometheusRule, PrometheusRuleSpec, RuleGroup};
use super::super::meta::{Wave, meta};
use crate::model::{Alerts, Labels, Pipeline, Platform};

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

/// PromQL that returns one series (labels `namespace`, `owner_name`) while the newest failed
/// Job of CronJob `name` started after the CronJob's last success (or it never succeeded).
/// It resolves with the next successful run, not when the failed Job leaves the history.
/// `kube_job_failed{condition="true"}` is the Job's `Failed` condition: a run that failed a
/// pod and then succeeded on a retry never fires.
pub(super) fn failure_expr(namespace: &str, name: &str) -> String {
    let ns = ("namespace", namespace);
    let cronjob = [ns, ("cronjob", name)];
    format!(
        r#"max by (namespace, owner_name) (
  {start}
  * on (namespace, job_name) group_left (owner_name)
    {owner}
  and on (namespace, job_name)
    {failed} == 1
)
> on (namespace)
max by (namespace) (
  {last_success}
  or
  {created} * 0
)
"#,
        start = selector("kube_job_status_start_time", &[ns], 2),
        owner = selector(
            "kube_job_owner",
            &[ns, ("owner_kind", "CronJob"), ("owner_name", name)],
            4
        ),
        failed = selector("kube_job_failed", &[ns, ("condition", "true")], 4),
        last_success = selector("kube_cronjob_status_last_successful_time", &cronjob, 2),
        created = selector("kube_cronjob_created", &cronjob, 2),
    )
}

/// PromQL that returns one series (labels `namespace`, `cronjob`) when CronJob `name` has not
/// succeeded for more than `seconds`: counted from its last success, or from its creation when
/// it never succeeded. Silent while the CronJob is suspended.
pub(super) fn missed_expr(namespace: &str, name: &str, seconds: u64) -> String {
    let cronjob = [("namespace", namespace), ("cronjob", name)];
    format!(
        r#"(
  time()
  - max by (namespace, cronjob) (
    {last_success}
    or
    {created}
  )
) > {seconds}
unless on (namespace, cronjob)
  {suspended} == 1
"#,
        last_success = selector("kube_cronjob_status_last_successful_time", &cronjob, 4),
        created = selector("kube_cronjob_created", &cronjob, 4),
        suspended = selector("kube_cronjob_spec_suspend", &cronjob, 2),
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
    match &pl.time_zone {
        Some(tz) => format!("`{}` {tz}", pl.schedule),
        None => format!("`{}`", pl.schedule),
    }
}

/// The PrometheusRule of a pipeline with `alerts`, labelled with `[monitoring] rule_labels`
/// and `alerts.labels` so a Prometheus `ruleSelector` picks it up.
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
                         its latest run failed, and no run has succeeded since."
                    ),
                ),
            ]),
        });
    }
    if let Some((seconds, text)) = &alerts.missed_after {
        rules.push(AlertRule {
            alert: "PipelineRunMissed".into(),
            expr: missed_expr(namespace, name, *seconds),
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
    let mut own: Labels = p.rule_labels.clone();
    own.extend(alerts.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    PrometheusRule::new(
        meta(p, &rule_name(name), Some(namespace), Wave::Workload, &own),
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
    fn failure_expr_matches_this_cronjobs_jobs_only() {
        let e = failure_expr("production", "commodity-prices");
        assert!(e.contains(
            r#"kube_job_owner{namespace="production", owner_kind="CronJob", owner_name="commodity-prices"}"#
        ));
        assert!(e.contains(r#"kube_job_failed{namespace="production", condition="true"} == 1"#));
        assert!(e.contains(
            r#"kube_cronjob_status_last_successful_time{namespace="production", cronjob="commodity-prices"}"#
        ));
        // Never succeeded: the creation time times zero stands in for the last success.
        assert!(e.contains(
            r#"kube_cronjob_created{namespace="production", cronjob="commodity-prices"} * 0"#
        ));
        assert_balanced(&e);
    }

    #[test]
    fn missed_expr_uses_missed_after_in_seconds_and_covers_never_succeeded() {
        let e = missed_expr("production", "commodity-prices", 26 * 3600);
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
