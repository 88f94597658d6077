//! The alerts and dashboard queries platc generates for a pipeline, proven in Prometheus' own
//! engine: each case compiles a config in-process, takes the PrometheusRule's `spec.groups`,
//! and runs `promtool test rules` with the series kube-state-metrics v2 exports for a
//! simulated history of CronJob runs (`tests/cluster/`), asserting when each alert fires,
//! with exactly which labels and annotations, and when it stays quiet.
//!
//! Time is minutes since the epoch (promtool's clock); a nightly `0 2 * * *` run is at minute
//! 120 on day 0 and 1560 on day 1. Without promtool the promtool cases are skipped with a
//! message, or fail when `CI` is set.

mod cluster;
mod common;
mod promtool;

use cluster::{CronJob, Run};
use common::compiled;
use platc::app::Compiled;
use serde_json::{Value, json};

const NS: &str = "production";

/// The generated object of `kind` named `name`, parsed back from its file.
fn object(c: &Compiled, kind: &str, name: &str) -> Value {
    let o = c
        .objects
        .iter()
        .find(|o| o.kind == kind && o.name == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"));
    let text = std::str::from_utf8(&c.tree[&o.path()]).unwrap();
    serde_saphyr::from_str(text).unwrap()
}

/// The rule groups of every PrometheusRule in the tree.
fn rule_groups(c: &Compiled) -> Vec<Value> {
    let groups: Vec<Value> = c
        .objects
        .iter()
        .filter(|o| o.kind == "PrometheusRule")
        .flat_map(|o| {
            let rule = object(c, "PrometheusRule", &o.name);
            rule["spec"]["groups"].as_array().unwrap().clone()
        })
        .collect();
    assert!(!groups.is_empty(), "no PrometheusRule generated");
    groups
}

/// The PromQL of the dashboard panel titled `title` of `pipeline`, with the dashboard's
/// constant variables (`$namespace`, `$cronjob`) replaced by their values, as Grafana does.
fn panel_query(c: &Compiled, pipeline: &str, title: &str) -> String {
    let cm = object(c, "ConfigMap", &format!("{pipeline}-dashboard"));
    let (_, text) = cm["data"].as_object().unwrap().iter().next().unwrap();
    let dashboard: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    let panel = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == title)
        .unwrap_or_else(|| panic!("no panel {title:?}"));
    let mut expr = panel["targets"][0]["expr"].as_str().unwrap().to_string();
    for var in dashboard["templating"]["list"].as_array().unwrap() {
        if var["type"] == "constant" {
            let (name, value) = (
                var["name"].as_str().unwrap(),
                var["query"].as_str().unwrap(),
            );
            expr = expr.replace(&format!("${{{name}}}"), value);
            expr = expr.replace(&format!("${name}"), value);
        }
    }
    assert!(!expr.contains('$'), "variable left in {expr}");
    expr
}

/// `alert_rule_test`: at minute `m`, alert `name` fires for exactly `alerts`.
fn at(m: u64, name: &str, alerts: &[Value]) -> Value {
    json!({ "eval_time": format!("{m}m"), "alertname": name, "exp_alerts": alerts })
}

/// `promql_expr_test`: at minute `m`, `expr` returns exactly `samples` (`[labels, value]`).
fn query(m: u64, expr: &str, samples: &[(&str, f64)]) -> Value {
    let samples: Vec<Value> = samples
        .iter()
        .map(|(labels, value)| json!({ "labels": labels, "value": value }))
        .collect();
    json!({ "eval_time": format!("{m}m"), "expr": expr, "exp_samples": samples })
}

/// One expected alert: its labels (besides `alertname`) and annotations.
fn alert(labels: &[(&str, &str)], annotations: &[(&str, String)]) -> Value {
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let annotations: serde_json::Map<String, Value> = annotations
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({ "exp_labels": labels, "exp_annotations": annotations })
}

/// Runs promtool on `config`'s rules with `cronjobs`' history up to minute `minutes`.
fn prove(config: &str, cronjobs: &[CronJob], minutes: u64, alerts: &[Value], queries: &[Value]) {
    let Some(promtool) = promtool::find() else {
        return;
    };
    let c = compiled(config);
    let group = json!({
        "input_series": cluster::series(NS, cronjobs, minutes).input_series(),
        "alert_rule_test": alerts,
        "promql_expr_test": queries,
    });
    if let Err(report) = promtool::test_rules(&promtool, &rule_groups(&c), group) {
        panic!("{report}");
    }
}

/// A nightly pipeline with both alerts, the `[defaults]` team and a team of its alerts' own.
const NIGHTLY: &str = r#"
[platform]
name = "alerts"

[defaults]
labels = { team = "data-platform" }

[monitoring]
rule_labels = { release = "kube-prometheus-stack" }

[namespaces.production.pipelines.prices]
schedule = "0 2 * * *"
image = "registry.example.com/etl:1.0"
retries = 2
steps = [{ name = "run" }]
alerts = { on_failure = "critical", missed_after = "26h", labels = { team = "data-eng" } }
"#;

const FAILED: &str = "PipelineRunFailed";
const MISSED: &str = "PipelineRunMissed";

/// The failure alert of `cronjob` with `labels` besides `namespace` and `cronjob`.
fn failed(cronjob: &str, labels: &[(&str, &str)]) -> Value {
    let mut all = vec![("namespace", NS), ("cronjob", cronjob)];
    all.extend_from_slice(labels);
    alert(
        &all,
        &[
            ("summary", format!("Pipeline {NS}/{cronjob} failed")),
            (
                "description",
                format!(
                    "CronJob {cronjob} in namespace {NS}:\n\
                     a run failed, and no run started after it has succeeded yet."
                ),
            ),
        ],
    )
}

/// The missed-run alert of `cronjob` (`missed_after` as written, the schedule as shown).
fn missed(cronjob: &str, labels: &[(&str, &str)], after: &str, schedule: &str) -> Value {
    let mut all = vec![("namespace", NS), ("cronjob", cronjob)];
    all.extend_from_slice(labels);
    alert(
        &all,
        &[
            (
                "summary",
                format!("{NS}/{cronjob} has not succeeded in {after}"),
            ),
            (
                "description",
                format!(
                    "CronJob {cronjob} in namespace {NS}:\n\
                     no run has succeeded in the last {after}\n\
                     (counted from its creation if it never succeeded).\n\
                     Schedule: {schedule}"
                ),
            ),
        ],
    )
}

const PRICES: [(&str, &str); 2] = [("severity", "critical"), ("team", "data-eng")];

#[test]
fn failure_fires_after_a_failed_run_and_clears_after_a_later_success() {
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .run(
            Run::at(120)
                .pod_fails_at(125)
                .pod_fails_at(128)
                .fails_at(134),
        )
        .run(Run::at(1560).succeeds_at(1575));
    let firing = [failed("prices", &PRICES)];
    prove(
        NIGHTLY,
        &[prices],
        1580,
        &[
            at(133, FAILED, &[]),
            at(134, FAILED, &firing),
            at(1000, FAILED, &firing),
            at(1574, FAILED, &firing),
            at(1575, FAILED, &[]),
            at(1580, FAILED, &[]),
        ],
        &[],
    );
}

#[test]
fn without_successful_jobs_in_the_history_the_last_success_time_clears_the_failure() {
    // `history.successful = 0`: the controller deletes a successful Job as soon as it ends,
    // so only the CronJob's last success time says that day 1's run succeeded.
    let config = NIGHTLY.replace(
        "retries = 2",
        "retries = 2\nhistory = { successful = 0, failed = 1 }",
    );
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .run(Run::at(120).fails_at(134))
        .run(Run::at(1560).succeeds_at(1575).removed_at(1576));
    prove(
        &config,
        &[prices],
        1600,
        &[
            at(1574, FAILED, &[failed("prices", &PRICES)]),
            at(1575, FAILED, &[]),
            at(1600, FAILED, &[]),
        ],
        &[query(
            1600,
            r#"count(kube_job_owner{owner_name="prices"})"#,
            &[("{}", 1.0)],
        )],
    );
}

#[test]
fn a_run_that_succeeds_on_a_retry_does_not_fire() {
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .run(Run::at(120).pod_fails_at(125).succeeds_at(131));
    prove(
        NIGHTLY,
        &[prices],
        300,
        &[
            at(126, FAILED, &[]),
            at(131, FAILED, &[]),
            at(300, FAILED, &[]),
        ],
        // The input does hold the failed pod: a rule on `kube_job_status_failed` would fire.
        &[query(
            300,
            r#"sum(kube_job_status_failed{namespace="production", job_name="prices-120"})"#,
            &[("{}", 1.0)],
        )],
    );
}

#[test]
fn missed_run_fires_once_missed_after_has_passed_since_the_last_success() {
    // Day 1's run hangs: no success after minute 130; 26h later is minute 1690.
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .run(Run::at(120).succeeds_at(130))
        .run(Run::at(1560));
    let firing = [missed("prices", &PRICES, "26h", "`0 2 * * *`")];
    prove(
        NIGHTLY,
        &[prices],
        1700,
        &[
            at(131, MISSED, &[]),
            at(1600, MISSED, &[]),
            at(1690, MISSED, &[]),
            at(1691, MISSED, &firing),
            at(1700, MISSED, &firing),
            at(1700, FAILED, &[]),
        ],
        &[],
    );
}

#[test]
fn missed_run_counts_from_creation_when_the_cronjob_never_succeeded() {
    // Created at minute 30: 26h later is minute 1590 (from the epoch it would be 1560).
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .run(Run::at(120).fails_at(134))
        .run(Run::at(1560).fails_at(1580));
    prove(
        NIGHTLY,
        &[prices],
        1600,
        &[
            at(1565, MISSED, &[]),
            at(1590, MISSED, &[]),
            at(
                1591,
                MISSED,
                &[missed("prices", &PRICES, "26h", "`0 2 * * *`")],
            ),
            at(1591, FAILED, &[failed("prices", &PRICES)]),
        ],
        &[],
    );
}

#[test]
fn missed_run_never_fires_while_the_cronjob_is_suspended() {
    // Last success at minute 130, due by 1690; suspended from 1000 to 2000.
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .run(Run::at(120).succeeds_at(130))
        .suspended(1000, 2000);
    prove(
        NIGHTLY,
        &[prices],
        2005,
        &[
            at(1691, MISSED, &[]),
            at(1999, MISSED, &[]),
            at(
                2000,
                MISSED,
                &[missed("prices", &PRICES, "26h", "`0 2 * * *`")],
            ),
        ],
        &[],
    );
}

/// The nightly pipeline run by DolphinScheduler: its CronJob is always suspended, and each run
/// is a Job a workflow task creates from it (`NAME-<seconds since the epoch>`).
const NIGHTLY_DOLPHINSCHEDULER: &str = r#"
[platform]
name = "alerts"

[defaults]
labels = { team = "data-platform" }

[monitoring]
rule_labels = { release = "kube-prometheus-stack" }

[dolphinscheduler]
project = "p"
tenant = "t"
namespace = "dolphinscheduler"
worker_service_account = "worker"
gateway = { address = "api", port = 25333, token_secret = "gateway" }
submit_image = "registry.example.com/pyds:4.1.0"

[secret_stores.vault]

[namespaces.dolphinscheduler.secrets.gateway]
store = "vault"
data_from = "ds/gateway"

[namespaces.production.pipelines.prices]
scheduler = "dolphinscheduler"
schedule = "0 2 * * *"
image = "registry.example.com/etl:1.0"
retries = 2
steps = [{ name = "run" }]
alerts = { on_failure = "critical", missed_after = "26h", labels = { team = "data-eng" } }
"#;

#[test]
fn dolphinscheduler_runs_of_the_suspended_cronjob_fire_the_failure_alert() {
    // Every run is a Job created from the CronJob, which stays suspended all along.
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .suspended(30, 3000)
        .run(Run::created_from_cronjob_at(120).fails_at(134))
        .run(Run::created_from_cronjob_at(1560).succeeds_at(1570));
    let firing = [failed("prices", &PRICES)];
    prove(
        NIGHTLY_DOLPHINSCHEDULER,
        &[prices],
        1600,
        &[
            at(133, FAILED, &[]),
            at(134, FAILED, &firing),
            at(1569, FAILED, &firing),
            at(1570, FAILED, &[]),
        ],
        &[],
    );
}

#[test]
fn dolphinscheduler_missed_run_fires_though_the_cronjob_is_suspended() {
    // Last success at minute 130; the next run, created at 1560, hangs: 26h later is 1690.
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .suspended(30, 3000)
        .run(Run::created_from_cronjob_at(120).succeeds_at(130))
        .run(Run::created_from_cronjob_at(1560));
    let firing = [missed(
        "prices",
        &PRICES,
        "26h",
        "`0 2 * * *`, by DolphinScheduler",
    )];
    prove(
        NIGHTLY_DOLPHINSCHEDULER,
        &[prices],
        1700,
        &[
            at(1690, MISSED, &[]),
            at(1691, MISSED, &firing),
            at(1700, MISSED, &firing),
        ],
        &[],
    );
}

/// Three pipelines, one per way of setting the severity.
const SEVERITIES: &str = r#"
[platform]
name = "alerts"

[defaults]
labels = { team = "data-platform" }

[namespaces.production.pipelines.a]
schedule = "0 2 * * *"
image = "registry.example.com/etl:1.0"
steps = [{ name = "run" }]
alerts = { on_failure = "critical", missed_after = "2h", labels = { team = "data-eng", page = "true" } }

[namespaces.production.pipelines.b]
schedule = "0 2 * * *"
image = "registry.example.com/etl:1.0"
steps = [{ name = "run" }]
alerts = { missed_after = "2h", labels = { severity = "info" } }

[namespaces.production.pipelines.c]
schedule = "0 2 * * *"
image = "registry.example.com/etl:1.0"
steps = [{ name = "run" }]
alerts = { missed_after = "2h" }
"#;

#[test]
fn each_alert_has_exactly_the_configured_labels_and_its_annotations() {
    // None ever succeeds; `a`'s first run fails. Created at minute 0: due by 120.
    let a = CronJob::new("a", "0 2 * * *", 0).run(Run::at(120).fails_at(125));
    let b = CronJob::new("b", "0 2 * * *", 0);
    let c = CronJob::new("c", "0 2 * * *", 0);
    let a_labels = [
        ("severity", "critical"),
        ("team", "data-eng"),
        ("page", "true"),
    ];
    let schedule = "`0 2 * * *`";
    prove(
        SEVERITIES,
        &[a, b, c],
        130,
        &[
            at(120, MISSED, &[]),
            at(
                121,
                MISSED,
                &[
                    missed("a", &a_labels, "2h", schedule),
                    missed("b", &[("severity", "info")], "2h", schedule),
                    missed("c", &[("severity", "warning")], "2h", schedule),
                ],
            ),
            at(124, FAILED, &[]),
            at(125, FAILED, &[failed("a", &a_labels)]),
        ],
        &[],
    );
}

#[test]
fn alert_labels_stay_on_the_rules_and_off_the_rule_object() {
    let c = compiled(NIGHTLY);
    let rule = object(&c, "PrometheusRule", "prices-alerts");
    let labels = &rule["metadata"]["labels"];
    assert_eq!(
        labels["team"], "data-platform",
        "[defaults] keeps its team: {labels}"
    );
    assert_eq!(labels["release"], "kube-prometheus-stack", "{labels}");
    for r in rule["spec"]["groups"][0]["rules"].as_array().unwrap() {
        assert_eq!(r["labels"]["team"], "data-eng", "{r}");
    }
}

#[test]
fn a_time_zone_other_than_utc_behaves_the_same() {
    let config = NIGHTLY.replace(
        "schedule = \"0 2 * * *\"",
        "schedule = \"0 2 * * *\"\ntime_zone = \"America/New_York\"",
    );
    // The same expressions as in UTC: they read timestamps, never wall-clock time.
    let exprs = |c: &Compiled| -> Vec<Value> {
        rule_groups(c)[0]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["expr"].clone())
            .collect()
    };
    assert_eq!(exprs(&compiled(&config)), exprs(&compiled(NIGHTLY)));
    // 02:00 in New York in January is 07:00 UTC: minute 420, then 1860. Job names count UTC
    // minutes whatever the zone.
    let prices = CronJob::new("prices", "0 2 * * *", 30)
        .time_zone("America/New_York")
        .run(Run::at(420).fails_at(440))
        .run(Run::at(1860).succeeds_at(1880));
    let schedule = "`0 2 * * *` America/New_York";
    prove(
        &config,
        &[prices],
        1885,
        &[
            at(439, FAILED, &[]),
            at(440, FAILED, &[failed("prices", &PRICES)]),
            at(1590, MISSED, &[]),
            at(1591, MISSED, &[missed("prices", &PRICES, "26h", schedule)]),
            at(1879, FAILED, &[failed("prices", &PRICES)]),
            at(1880, FAILED, &[]),
            at(1880, MISSED, &[]),
        ],
        &[],
    );
}

const HOURLY_ALLOW: &str = r#"
[platform]
name = "alerts"

[namespaces.production.pipelines.prices]
schedule = "0 * * * *"
concurrency = "allow"
image = "registry.example.com/etl:1.0"
steps = [{ name = "run" }]
alerts = { on_failure = "warning", missed_after = "3h" }
"#;

#[test]
fn overlapping_runs_fire_while_a_failed_run_has_no_later_started_success() {
    let prices = CronJob::new("prices", "0 * * * *", 30)
        .allow_concurrent()
        // The older run succeeds while the newer one runs; then the newer one fails. (The
        // first version of the rule compared with the last success's *completion* time and
        // never fired here.)
        .run(Run::at(60).succeeds_at(150))
        .run(Run::at(120).fails_at(160))
        .run(Run::at(180).succeeds_at(190))
        // The older run fails after a newer one succeeded: nothing to report.
        .run(Run::at(240).fails_at(330))
        .run(Run::at(300).succeeds_at(310))
        // The newer run fails first; the older one's later success does not clear it.
        .run(Run::at(360).succeeds_at(450))
        .run(Run::at(420).fails_at(430))
        .run(Run::at(480).succeeds_at(490));
    let firing = [failed("prices", &[("severity", "warning")])];
    prove(
        HOURLY_ALLOW,
        &[prices],
        495,
        &[
            at(159, FAILED, &[]),
            at(160, FAILED, &firing),
            at(189, FAILED, &firing),
            at(190, FAILED, &[]),
            at(331, FAILED, &[]),
            at(430, FAILED, &firing),
            at(450, FAILED, &firing),
            at(489, FAILED, &firing),
            at(490, FAILED, &[]),
            at(490, MISSED, &[]),
        ],
        &[],
    );
}

const PREFIX: &str = r#"
[platform]
name = "alerts"

[namespaces.production.pipelines.x]
schedule = "0 2 * * *"
image = "registry.example.com/etl:1.0"
steps = [{ name = "run" }]
alerts = { on_failure = "critical", missed_after = "26h" }
dashboard = true

[namespaces.production.pipelines.x-load]
schedule = "30 2 * * *"
image = "registry.example.com/etl:1.0"
steps = [{ name = "run" }]
alerts = { on_failure = "critical", missed_after = "26h" }
dashboard = true
"#;

#[test]
fn a_cronjob_whose_name_extends_another_never_triggers_its_alerts_or_panels() {
    // Day 0: x fails, x-load succeeds. Day 1: x succeeds, x-load fails, and x-load's last
    // success (minute 160) is 26h old at minute 1720.
    let x = CronJob::new("x", "0 2 * * *", 30)
        .run(Run::at(120).fails_at(134))
        .run(Run::at(1560).succeeds_at(1570));
    let load = CronJob::new("x-load", "30 2 * * *", 30)
        .run(Run::at(150).succeeds_at(160))
        .run(Run::at(1590).fails_at(1600));
    let sev = [("severity", "critical")];
    let c = compiled(PREFIX);
    let failed_runs = |p| panel_query(&c, p, "Failed runs (Jobs in history)");
    let durations = |p| panel_query(&c, p, "Run durations (successful runs)");
    let since = |p| panel_query(&c, p, "Time since last success");
    let schedule = |p| panel_query(&c, p, "Schedule");
    let job = |name: &str| cluster::labels(&[("namespace", NS), ("job_name", name)]);
    prove(
        PREFIX,
        &[x, load],
        1725,
        &[
            at(140, FAILED, &[failed("x", &sev)]),
            at(1600, FAILED, &[failed("x-load", &sev)]),
            at(1720, MISSED, &[]),
            at(
                1721,
                MISSED,
                &[missed("x-load", &sev, "26h", "`30 2 * * *`")],
            ),
        ],
        &[
            query(1600, &failed_runs("x"), &[("{}", 1.0)]),
            query(1600, &failed_runs("x-load"), &[("{}", 1.0)]),
            query(1600, &durations("x"), &[(&job("x-1560"), 599.0)]),
            query(1600, &durations("x-load"), &[(&job("x-load-150"), 599.0)]),
            query(1600, &since("x"), &[("{}", 1800.0)]),
            query(1600, &since("x-load"), &[("{}", 86_400.0)]),
            query(
                1600,
                &schedule("x"),
                &[(r#"{schedule="0 2 * * *", timezone="local"}"#, 1.0)],
            ),
        ],
    );
}
