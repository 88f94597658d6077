//! A pipeline's Grafana dashboard: a ConfigMap labelled `grafana_dashboard: "1"` (what the
//! Grafana sidecar of kube-prometheus-stack and the grafana chart loads) holding one dashboard
//! JSON, pretty-printed with keys in a fixed order and a uid derived from namespace and name.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::{Value, json};

use super::super::meta::{Wave, meta};
use crate::model::{Labels, Pipeline, Platform};

/// Name of the dashboard ConfigMap of pipeline `name`.
pub(super) fn config_map_name(pipeline: &str) -> String {
    format!("{pipeline}-dashboard")
}

/// 64-bit FNV-1a: tiny, specified, and the same on every platform and Rust version (unlike
/// `std`'s hashers), so a dashboard keeps its uid, and its URL, forever.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The dashboard uid of pipeline `name` in `namespace`: `platc-` and 16 hex digits (22
/// characters; Grafana allows 40).
pub(super) fn uid(namespace: &str, name: &str) -> String {
    format!(
        "platc-{:016x}",
        fnv1a64(format!("{namespace}/{name}").as_bytes())
    )
}

fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": "${datasource}" })
}

fn target(expr: String, legend: &str) -> Value {
    json!({
        "datasource": datasource(),
        "expr": expr,
        "legendFormat": legend,
        "refId": "A"
    })
}

fn grid(x: u32, y: u32, w: u32, h: u32) -> Value {
    json!({ "h": h, "w": w, "x": x, "y": y })
}

/// The series of this CronJob's Jobs: the CronJob controller names each Job
/// `<cronjob>-<scheduled time in minutes>`, so the digits keep `x-load` Jobs out of `x`.
const JOBS: &str = r#"namespace="$namespace", job_name=~"$cronjob-[0-9]+""#;
/// The series of this CronJob.
const CRONJOB: &str = r#"namespace="$namespace", cronjob="$cronjob""#;

/// A hidden constant variable, so queries stay short whatever the names' lengths.
fn constant(name: &str, value: &str) -> Value {
    json!({ "name": name, "type": "constant", "query": value, "hide": 2 })
}

/// The dashboard JSON: time since last success, next run, schedule, failed runs, durations.
pub(super) fn dashboard(namespace: &str, pl: &Pipeline) -> Value {
    let name = &pl.name;
    let mut last_success_steps = vec![json!({ "color": "green", "value": null })];
    if let Some((seconds, _)) = pl.alerts.as_ref().and_then(|a| a.missed_after.as_ref()) {
        last_success_steps.push(json!({ "color": "red", "value": seconds }));
    }
    json!({
        "uid": uid(namespace, name),
        "title": format!("Pipeline {namespace}/{name}"),
        "tags": ["platc", "pipeline"],
        "editable": false,
        "schemaVersion": 39,
        "version": 1,
        "time": { "from": "now-7d", "to": "now" },
        "refresh": "5m",
        "timezone": "",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0
                },
                constant("namespace", namespace),
                constant("cronjob", name)
            ]
        },
        "panels": [
            {
                "id": 1,
                "type": "stat",
                "title": "Time since last success",
                "datasource": datasource(),
                "gridPos": grid(0, 0, 6, 5),
                "fieldConfig": {
                    "defaults": {
                        "unit": "s",
                        "noValue": "never succeeded",
                        "thresholds": { "mode": "absolute", "steps": last_success_steps }
                    },
                    "overrides": []
                },
                "targets": [target(
                    format!("time() - max(kube_cronjob_status_last_successful_time{{{CRONJOB}}})"),
                    "last success",
                )]
            },
            {
                "id": 2,
                "type": "stat",
                "title": "Schedule",
                "datasource": datasource(),
                "gridPos": grid(6, 0, 9, 5),
                "options": { "textMode": "name", "colorMode": "none", "graphMode": "none" },
                "targets": [target(
                    format!("max by (schedule, timezone) (kube_cronjob_info{{{CRONJOB}}})"),
                    "{{schedule}} {{timezone}}",
                )]
            },
            {
                "id": 3,
                "type": "stat",
                "title": "Next run",
                "datasource": datasource(),
                "gridPos": grid(15, 0, 9, 5),
                "fieldConfig": {
                    "defaults": { "unit": "dateTimeFromNow" },
                    "overrides": []
                },
                "targets": [target(
                    format!("max(kube_cronjob_next_schedule_time{{{CRONJOB}}}) * 1000"),
                    "next run",
                )]
            },
            {
                "id": 4,
                "type": "timeseries",
                "title": "Failed runs (Jobs in history)",
                "datasource": datasource(),
                "gridPos": grid(0, 5, 12, 9),
                "fieldConfig": {
                    "defaults": { "unit": "short", "decimals": 0, "min": 0 },
                    "overrides": []
                },
                "targets": [target(
                    format!(
                        "count(kube_job_failed{{{JOBS}, condition=\"true\"}} == 1) or vector(0)"
                    ),
                    "failed runs",
                )]
            },
            {
                "id": 5,
                "type": "timeseries",
                "title": "Run durations (successful runs)",
                "datasource": datasource(),
                "gridPos": grid(12, 5, 12, 9),
                "fieldConfig": {
                    "defaults": { "unit": "s", "min": 0 },
                    "overrides": []
                },
                "targets": [target(
                    format!(
                        "kube_job_status_completion_time{{{JOBS}}} - kube_job_status_start_time"
                    ),
                    "{{job_name}}",
                )]
            }
        ]
    })
}

/// The ConfigMap holding the dashboard, under the key `<namespace>-<pipeline>.json` (unique
/// even when the sidecar collects dashboards from every namespace into one folder).
pub(super) fn config_map(p: &Platform, namespace: &str, pl: &Pipeline) -> ConfigMap {
    let own = Labels::from([("grafana_dashboard".to_string(), "1".to_string())]);
    let mut text = serde_json::to_string_pretty(&dashboard(namespace, pl))
        .unwrap_or_else(|e| panic!("a json! value always serialises: {e}"));
    text.push('\n');
    ConfigMap {
        metadata: meta(
            p,
            &config_map_name(&pl.name),
            Some(namespace),
            Wave::Workload,
            &own,
        ),
        data: Some(BTreeMap::from([(
            format!("{namespace}-{}.json", pl.name),
            text,
        )])),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn uid_is_stable_short_and_distinct() {
        let u = uid("production", "commodity-prices");
        assert_eq!(u, uid("production", "commodity-prices"));
        assert!(u.len() <= 40 && u.starts_with("platc-"), "{u}");
        assert!(u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert_ne!(u, uid("staging", "commodity-prices"));
        assert_ne!(u, uid("production", "commodity-prices-load"));
        // The separator keeps `a-b`/`c` and `a`/`b-c` apart.
        assert_ne!(uid("a-b", "c"), uid("a", "b-c"));
        // Pinned: changing the derivation would break every bookmarked dashboard URL.
        assert_eq!(
            u,
            format!("platc-{:016x}", fnv1a64(b"production/commodity-prices"))
        );
    }
}
