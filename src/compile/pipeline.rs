//! A pipeline: its CronJob, whose Jobs and pods carry the pipeline's labels and annotations
//! and whose pod is built in [`pod`]; and what comes with it: its Kafka topic, its alerts and
//! its dashboard.

mod alerts;
mod dashboard;
pub(super) mod dolphinscheduler;
mod pod;
mod topic;

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::meta::{Wave, labels, meta};
use super::{Manifest, Object};
use crate::model::{self, Concurrency, Platform};

fn cron_job(p: &Platform, ns: &model::Namespace, pl: &model::Pipeline) -> CronJob {
    let mut own = pl.labels.clone();
    own.insert("app.kubernetes.io/name".into(), pl.name.clone());
    let run_meta = ObjectMeta {
        labels: Some(labels(p, &own)),
        annotations: (!pl.annotations.is_empty())
            .then(|| std::collections::BTreeMap::from(&pl.annotations)),
        ..Default::default()
    };
    let concurrency = match pl.concurrency {
        Concurrency::Forbid => "Forbid",
        Concurrency::Allow => "Allow",
        Concurrency::Replace => "Replace",
    };
    let seconds = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    CronJob {
        metadata: meta(
            p,
            &pl.name,
            Some(&ns.name),
            Wave::Workload,
            &model::Labels::new(),
        ),
        spec: Some(CronJobSpec {
            schedule: pl.schedule.clone(),
            time_zone: pl.time_zone.clone(),
            concurrency_policy: Some(concurrency.into()),
            successful_jobs_history_limit: pl.history_successful.map(count),
            failed_jobs_history_limit: pl.history_failed.map(count),
            starting_deadline_seconds: pl.starting_deadline.map(seconds),
            // DolphinScheduler starts the runs: the CronJob is only their template.
            suspend: if dolphinscheduler::is_dolphinscheduler(pl) {
                Some(true)
            } else {
                pl.suspend
            },
            job_template: JobTemplateSpec {
                metadata: Some(run_meta.clone()),
                spec: Some(JobSpec {
                    backoff_limit: pl.retries.map(count),
                    active_deadline_seconds: pl.deadline.map(seconds),
                    // Validation keeps it within i32.
                    ttl_seconds_after_finished: pl
                        .ttl_after_finished
                        .map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
                    template: PodTemplateSpec {
                        metadata: Some(run_meta),
                        spec: Some(pod::pod_spec(pl)),
                    },
                    ..Default::default()
                }),
            },
        }),
        ..Default::default()
    }
}

/// Compiles the pipelines of `ns` on `cluster`: the CronJob, PrometheusRule and dashboard
/// ConfigMap into `folder`, the KafkaTopic into the Kafka service's namespace on that cluster.
pub(super) fn compile(
    p: &Platform,
    ns: &model::Namespace,
    cluster: &str,
    folder: &str,
    out: &mut Vec<Object>,
) {
    dolphinscheduler::rbac(p, ns, folder, out);
    for pl in &ns.pipelines {
        out.push(Object::generated(
            folder.to_string(),
            "CronJob",
            pl.name.clone(),
            pl.span,
            Manifest::CronJob(Box::new(cron_job(p, ns, pl))),
        ));
        if let Some(t) = &pl.topic {
            out.push(Object::generated(
                format!("{cluster}/{}", t.namespace),
                "KafkaTopic",
                t.name.clone(),
                t.span,
                Manifest::KafkaTopic(Box::new(topic::kafka_topic(p, t))),
            ));
        }
        if let Some(a) = &pl.alerts {
            out.push(Object::generated(
                folder.to_string(),
                "PrometheusRule",
                alerts::rule_name(&pl.name),
                pl.span,
                Manifest::PrometheusRule(Box::new(alerts::prometheus_rule(p, &ns.name, pl, a))),
            ));
        }
        if pl.dashboard {
            out.push(Object::generated(
                folder.to_string(),
                "ConfigMap",
                dashboard::config_map_name(&pl.name),
                pl.span,
                Manifest::ConfigMap(Box::new(dashboard::config_map(p, &ns.name, pl))),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::{SourceMap, codes};
    use crate::stages::compile_text;

    const KAFKA: &str = "[platform]
name = \"p\"
[services.kafka]
namespace = \"kafka\"
ports = [9092]
strimzi_cluster = \"events\"
";

    #[test]
    fn two_pipelines_claiming_one_topic_is_an_error_at_both() {
        let toml = format!(
            "{KAFKA}[namespaces.a.pipelines.one]
schedule = \"@daily\"
image = \"app:1\"
steps = [{{ name = \"s\" }}]
topic = {{ service = \"kafka\", name = \"prices\", partitions = 1, replicas = 1 }}
[namespaces.b.pipelines.two]
schedule = \"@daily\"
image = \"app:1\"
steps = [{{ name = \"s\" }}]
topic = {{ service = \"kafka\", name = \"prices\", partitions = 1, replicas = 1 }}
"
        );
        let failed = compile_text("p.toml", "p.toml", toml, SourceMap::default())
            .err()
            .expect("a topic claimed twice must not compile");
        let dup: Vec<_> = failed
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::DUPLICATE_OBJECT)
            .collect();
        assert_eq!(dup.len(), 1, "{dup:?}");
        let d = dup[0];
        assert_eq!(
            d.message,
            "Kafka topic `prices` on cluster `default` is claimed by two pipelines"
        );
        let at = |s: crate::diag::Span| failed.sources.location(s);
        let second = d.span.map(at);
        let first: Vec<String> = d.related.iter().map(|(s, _)| at(*s)).collect();
        assert_eq!(second.as_deref(), Some("p.toml:16:1"));
        assert_eq!(first, ["p.toml:11:1"]);
    }

    #[test]
    fn one_topic_name_on_two_clusters_is_fine() {
        let toml = format!(
            "{KAFKA}[clusters.x]
[clusters.y]
[namespaces.a]
cluster = \"x\"
[namespaces.a.pipelines.one]
schedule = \"@daily\"
image = \"app:1\"
steps = [{{ name = \"s\" }}]
topic = {{ service = \"kafka\", name = \"prices\", partitions = 1, replicas = 1 }}
[namespaces.b]
cluster = \"y\"
[namespaces.b.pipelines.two]
schedule = \"@daily\"
image = \"app:1\"
steps = [{{ name = \"s\" }}]
topic = {{ service = \"kafka\", name = \"prices\", partitions = 1, replicas = 1 }}
"
        );
        let compiled = compile_text("p.toml", "p.toml", toml, SourceMap::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        assert!(compiled.tree.contains_key("x/kafka/kafkatopic-prices.yaml"));
        assert!(compiled.tree.contains_key("y/kafka/kafkatopic-prices.yaml"));
    }

    #[test]
    fn the_longest_names_keep_every_line_within_160_columns() {
        let ns = "n".repeat(63);
        let pl = "p".repeat(52);
        let toml = format!(
            "{KAFKA}[monitoring]
rule_labels = {{ release = \"kube-prometheus-stack\" }}
[namespaces.{ns}.pipelines.{pl}]
schedule = \"@daily\"
time_zone = \"America/Argentina/ComodRivadavia\"
image = \"app:1\"
steps = [{{ name = \"s\" }}]
topic = {{ service = \"kafka\", partitions = 1, replicas = 1, retention = \"7d\" }}
alerts = {{ on_failure = \"critical\", missed_after = \"26h\" }}
dashboard = true
"
        );
        let compiled = compile_text("p.toml", "p.toml", toml, SourceMap::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        let folder = format!("default/{ns}");
        for kind in ["prometheusrule", "configmap", "cronjob"] {
            assert!(
                compiled
                    .tree
                    .keys()
                    .any(|k| k.starts_with(&format!("{folder}/{kind}-"))),
                "no {kind}"
            );
        }
        for (path, bytes) in &compiled.tree {
            let text = String::from_utf8_lossy(bytes);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= 160,
                    "{path}: {} columns: {line}",
                    line.chars().count()
                );
            }
        }
    }
}
