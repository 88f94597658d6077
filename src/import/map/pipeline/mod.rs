//! CronJobs as pipelines ([`job`]: the schedule and the Job; [`pod`]: where and how its pods
//! run; [`steps`]: the containers as steps), and what platc generates with a pipeline: its
//! alerts (PrometheusRule), dashboard (ConfigMap) and Kafka topic (KafkaTopic).

mod job;
mod pod;
mod steps;

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value as Json;

use super::super::draft::{Draft, Entry, Id, Namespace, Service};
use super::super::toml::V;
use super::Cx;
use crate::import::read::Pointer;
pub(super) use job::{cron_job, duration};

/// Whether `draft` has pipeline `name`.
fn has_pipeline(draft: &Namespace, name: &str) -> bool {
    draft.has(&["pipelines", name])
}

/// A PrometheusRule platc would write for a pipeline: its `alerts`.
pub(super) fn alerts(cx: &mut Cx<'_>, draft: &mut Namespace, id: Id) -> Result<(), String> {
    let o = &cx.objects[id];
    let pl = o
        .name
        .strip_suffix("-alerts")
        .filter(|p| has_pipeline(draft, p))
        .ok_or("not the alerts of a pipeline")?;
    let groups = o
        .json
        .at("/spec/groups")
        .and_then(Json::as_array)
        .ok_or("no groups")?;
    let [group] = groups.as_slice() else {
        return Err("not one rule group".into());
    };
    if group.get("name").and_then(Json::as_str) != Some(&format!("pipeline-{pl}")) {
        return Err("not platc's rule group".into());
    }
    let mut t = Vec::new();
    let mut labels = Vec::new();
    for rule in group
        .get("rules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let rule_labels = super::super::read::string_map(rule.get("labels"));
        let severity = rule_labels
            .iter()
            .find(|(k, _)| k == "severity")
            .map(|(_, v)| v.clone());
        labels = rule_labels
            .into_iter()
            .filter(|(k, _)| k != "severity" && k != "cronjob")
            .collect();
        match rule.get("alert").and_then(Json::as_str) {
            Some("PipelineRunFailed") => {
                t.push((
                    "on_failure".to_string(),
                    V::s(severity.ok_or("no severity")?),
                ));
            }
            Some("PipelineRunMissed") => {
                let summary = rule
                    .at("/annotations/summary")
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                let after = summary
                    .rsplit_once("has not succeeded in ")
                    .map(|(_, d)| d)
                    .ok_or("not platc's summary")?;
                t.push(("missed_after".to_string(), V::s(after)));
                if !t.iter().any(|(k, _)| k == "on_failure")
                    && let Some(s) = severity.filter(|s| s != "warning")
                {
                    labels.push(("severity".into(), s));
                }
            }
            _ => return Err("an alert platc does not write".into()),
        }
    }
    if !labels.is_empty() {
        t.push((
            "labels".to_string(),
            V::map(labels.iter().map(|(k, v)| (k, v))),
        ));
    }
    let own = cx.own_labels(id);
    if cx.draft.rule_labels.is_empty() {
        cx.draft.rule_labels = own;
    }
    draft.set(&["pipelines", pl, "alerts"], V::Inline(t), &[id]);
    Ok(())
}

/// A dashboard ConfigMap platc would write for a pipeline.
pub(super) fn dashboard(cx: &mut Cx<'_>, draft: &mut Namespace, id: Id) -> Result<(), String> {
    let o = &cx.objects[id];
    let pl = o
        .name
        .strip_suffix("-dashboard")
        .filter(|p| has_pipeline(draft, p));
    let labelled = o
        .labels()
        .iter()
        .any(|(k, v)| k == "grafana_dashboard" && v == "1");
    match pl {
        Some(pl) if labelled => {
            draft.set(&["pipelines", pl, "dashboard"], V::Bool(true), &[id]);
            Ok(())
        }
        _ => Err("platc does not model this ConfigMap".into()),
    }
}

/// A KafkaTopic: the `topic` of the pipeline that produces to it (named like it, or naming
/// it in its arguments), else kept as a manifest of its namespace.
pub(super) fn topic(cx: &mut Cx<'_>, producers: &mut Producers, id: Id) {
    let objects = cx.objects;
    let o = &objects[id];
    let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
    let found = cx.may_map(id).then(|| producers.take(&o.name)).flatten();
    let Some((owner_ns, pl)) = found else {
        if *cx.outcome(id) == super::Outcome::Mapped {
            cx.keep(id, "no pipeline produces to it");
        }
        cx.draft.namespaces.entry(ns).or_default().kept.push(id);
        return;
    };
    let cluster = o
        .labels()
        .into_iter()
        .find(|(k, _)| k == "strimzi.io/cluster")
        .map(|(_, v)| v);
    let service = super::network::declare(
        cx.draft,
        Service {
            namespace: ns,
            selector: None,
            strimzi_cluster: cluster,
        },
    );
    let spec = o.json.get("spec").unwrap_or(&Json::Null);
    let mut t = vec![("service".to_string(), V::s(service))];
    if o.name != pl {
        t.push(("name".to_string(), V::s(o.name.clone())));
    }
    for key in ["partitions", "replicas"] {
        t.push((
            key.to_string(),
            V::Int(spec.get(key).and_then(Json::as_i64).unwrap_or(1)),
        ));
    }
    let mut config = Vec::new();
    for (k, v) in spec
        .get("config")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        let ms = v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
        match (k.as_str(), ms) {
            ("retention.ms", Some(ms)) if ms % 1000 == 0 && ms > 0 => {
                t.push(("retention".to_string(), V::s(duration(ms / 1000))));
            }
            _ => config.push((
                k.clone(),
                match v {
                    Json::String(s) => V::s(s.clone()),
                    Json::Number(n) => V::number(n),
                    Json::Bool(b) => V::Bool(*b),
                    other => V::s(other.to_string()),
                },
            )),
        }
    }
    if !config.is_empty() {
        t.push(("config".to_string(), V::Inline(config)));
    }
    if let Some(d) = cx.draft.namespaces.get_mut(&owner_ns) {
        d.entries.push(Entry {
            path: vec!["pipelines".into(), pl, "topic".into()],
            value: V::Inline(t),
            owners: vec![id],
        });
    }
}

/// The pipelines that may take a topic, found by the topic's name: the pipelines named like it,
/// then those naming it in their arguments, each in namespace order. A pipeline that takes a
/// topic is taken for the rest. Built once, so placing every topic stays linear.
#[derive(Default)]
pub(super) struct Producers {
    by_name: HashMap<String, Vec<(String, String)>>,
    by_arg: HashMap<String, Vec<(String, String)>>,
    taken: HashSet<(String, String)>,
}

impl Producers {
    /// The pipelines of `draft` without a topic.
    pub(super) fn new(draft: &Draft) -> Self {
        let mut out = Self::default();
        for (ns, d) in &draft.namespaces {
            let with_topic: HashSet<&str> = d
                .entries
                .iter()
                .filter_map(|e| match e.path.as_slice() {
                    [p, pl, t] if p == "pipelines" && t == "topic" => Some(pl.as_str()),
                    _ => None,
                })
                .collect();
            for e in &d.entries {
                let [p, pl] = e.path.as_slice() else { continue };
                if p != "pipelines" || with_topic.contains(pl.as_str()) {
                    continue;
                }
                let at = (ns.clone(), pl.clone());
                out.by_name.entry(pl.clone()).or_default().push(at.clone());
                let V::Table(t) = &e.value else { continue };
                // Each argument once per pipeline, however many steps name it.
                let args: BTreeSet<&str> = t
                    .iter()
                    .filter(|(k, _)| k == "steps")
                    .flat_map(|(_, v)| step_args(v))
                    .collect();
                for arg in args {
                    out.by_arg
                        .entry(arg.to_string())
                        .or_default()
                        .push(at.clone());
                }
            }
        }
        out
    }

    /// The namespace and pipeline that produce to topic `name`, taken.
    fn take(&mut self, name: &str) -> Option<(String, String)> {
        let free = |list: Option<&Vec<(String, String)>>| {
            list.into_iter()
                .flatten()
                .find(|at| !self.taken.contains(*at))
                .cloned()
        };
        let found = free(self.by_name.get(name)).or_else(|| free(self.by_arg.get(name)))?;
        self.taken.insert(found.clone());
        Some(found)
    }
}

/// Every argument of every step of `steps`.
fn step_args(steps: &V) -> impl Iterator<Item = &str> {
    let steps = match steps {
        V::Arr(steps) => steps.as_slice(),
        _ => &[],
    };
    steps
        .iter()
        .flat_map(|s| {
            let fields = match s {
                V::Inline(fields) => fields.as_slice(),
                _ => &[],
            };
            fields.iter().flat_map(|(k, v)| match v {
                V::Arr(args) if k == "args" => args.as_slice(),
                _ => &[],
            })
        })
        .filter_map(|a| match a {
            V::Str(s) => Some(s.as_str()),
            _ => None,
        })
}
