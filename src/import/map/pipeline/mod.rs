//! CronJobs as pipelines (steps from the init containers and the main container, with the
//! image, resources, env and envFrom they share), and what platc generates with a pipeline:
//! its alerts (PrometheusRule), dashboard (ConfigMap) and Kafka topic (KafkaTopic).

use serde_json::Value as Json;

use super::super::draft::{Entry, Id, Namespace, Service};
use super::super::toml::V;
use super::Cx;

/// Seconds as the largest whole unit platc's durations take (`7d`, `26h`, `90m`, `45s`).
pub(super) fn duration(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn strings(v: Option<&Json>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

pub(super) fn cron_job(cx: &mut Cx<'_>, draft: &mut Namespace, id: Id) {
    match pipeline(&cx.objects[id].json) {
        Ok(table) => {
            let name = cx.objects[id].name.clone();
            draft.set(&["pipelines", &name], V::Table(table), &[id]);
        }
        Err(why) => {
            cx.keep(id, why);
            draft.kept.push(id);
        }
    }
}

fn pipeline(json: &Json) -> Result<Vec<(String, V)>, String> {
    let spec = json.get("spec").ok_or("no spec")?;
    let job = spec.pointer("/jobTemplate/spec").ok_or("no job template")?;
    let pod = job.pointer("/template/spec").ok_or("no pod template")?;
    let mut t = Vec::new();
    let schedule = spec
        .get("schedule")
        .and_then(Json::as_str)
        .ok_or("no schedule")?;
    t.push(("schedule".to_string(), V::s(schedule)));
    if let Some(tz) = spec.get("timeZone").and_then(Json::as_str) {
        t.push(("time_zone".to_string(), V::s(tz)));
    }
    // Kubernetes' default is Allow; platc's is forbid.
    match spec.get("concurrencyPolicy").and_then(Json::as_str) {
        Some("Forbid") => {}
        Some("Replace") => t.push(("concurrency".to_string(), V::s("replace"))),
        Some("Allow") | None => t.push(("concurrency".to_string(), V::s("allow"))),
        Some(other) => return Err(format!("concurrencyPolicy `{other}`")),
    }
    let int = |v: &Json, p: &str| v.pointer(p).and_then(Json::as_i64);
    let mut history = Vec::new();
    for (key, p) in [
        ("successful", "/successfulJobsHistoryLimit"),
        ("failed", "/failedJobsHistoryLimit"),
    ] {
        if let Some(n) = int(spec, p) {
            history.push((key.to_string(), V::Int(n)));
        }
    }
    if !history.is_empty() {
        t.push(("history".to_string(), V::Inline(history)));
    }
    if let Some(n) = int(job, "/backoffLimit") {
        t.push(("retries".to_string(), V::Int(n)));
    }
    for (key, v, p) in [
        ("starting_deadline", spec, "/startingDeadlineSeconds"),
        ("deadline", job, "/activeDeadlineSeconds"),
    ] {
        if let Some(n) = int(v, p).filter(|n| *n > 0) {
            t.push((key.to_string(), V::s(duration(n))));
        }
    }
    if let Some(b) = spec.get("suspend").and_then(Json::as_bool) {
        t.push(("suspend".to_string(), V::Bool(b)));
    }
    if let Some(sa) = pod.get("serviceAccountName").and_then(Json::as_str) {
        t.push(("service_account".to_string(), V::s(sa)));
    }
    let init = pod
        .get("initContainers")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let main = pod
        .get("containers")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let [main_c] = main.as_slice() else {
        return Err("a pod of other than one main container".into());
    };
    let containers: Vec<&Json> = init.iter().chain([main_c]).collect();
    let image = main_c
        .get("image")
        .and_then(Json::as_str)
        .ok_or("a container without an image")?;
    t.push(("image".to_string(), V::s(image)));
    let same = |key: &str| {
        containers
            .windows(2)
            .all(|w| w[0].get(key) == w[1].get(key))
    };
    for key in ["resources", "env", "envFrom"] {
        if !same(key) {
            return Err(format!("steps with different `{key}`"));
        }
    }
    if let Some(r) = main_c.get("resources") {
        let mut res = Vec::new();
        for key in ["requests", "limits"] {
            if let Some(v) = super::namespace::resources(r.get(key))? {
                res.push((key.to_string(), v));
            }
        }
        if !res.is_empty() {
            t.push(("resources".to_string(), V::Inline(res)));
        }
    }
    let mut env = Vec::new();
    for e in main_c
        .get("env")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let name = e
            .get("name")
            .and_then(Json::as_str)
            .ok_or("an env var without a name")?;
        let value = e
            .get("value")
            .and_then(Json::as_str)
            .ok_or("an env var from a reference")?;
        env.push((name.to_string(), V::s(value)));
    }
    if !env.is_empty() {
        t.push(("env".to_string(), V::Inline(env)));
    }
    let (mut secrets, mut config_maps) = (Vec::new(), Vec::new());
    for e in main_c
        .get("envFrom")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        match (
            e.pointer("/secretRef/name"),
            e.pointer("/configMapRef/name"),
        ) {
            (Some(Json::String(s)), None) => secrets.push(V::s(s.clone())),
            (None, Some(Json::String(c))) => config_maps.push(V::s(c.clone())),
            _ => return Err("an envFrom platc does not model".into()),
        }
    }
    if !secrets.is_empty() {
        t.push(("secrets".to_string(), V::Arr(secrets)));
    }
    if !config_maps.is_empty() {
        t.push(("config_maps".to_string(), V::Arr(config_maps)));
    }
    let mut steps = Vec::new();
    for c in containers {
        let mut s = vec![(
            "name".to_string(),
            V::s(
                c.get("name")
                    .and_then(Json::as_str)
                    .ok_or("a container without a name")?,
            ),
        )];
        if let Some(args) = strings(c.get("args")) {
            s.push(("args".to_string(), V::strings(&args)));
        }
        if let Some(command) = strings(c.get("command")) {
            s.push(("command".to_string(), V::strings(&command)));
        }
        let own = c
            .get("image")
            .and_then(Json::as_str)
            .ok_or("a container without an image")?;
        if own != image {
            s.push(("image".to_string(), V::s(own)));
        }
        steps.push(V::Inline(s));
    }
    t.push(("steps".to_string(), V::Arr(steps)));
    Ok(t)
}

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
        .pointer("/spec/groups")
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
                    .pointer("/annotations/summary")
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
pub(super) fn topic(cx: &mut Cx<'_>, id: Id) {
    let o = cx.objects[id].clone();
    let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
    let found = cx.may_map(id).then(|| producer(cx, &o.name)).flatten();
    let Some((owner_ns, pl)) = found else {
        if cx.outcomes[id] == super::Outcome::Mapped {
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
        cx,
        Service {
            namespace: ns,
            selector: None,
            strimzi_cluster: cluster,
        },
    );
    let spec = o.json.get("spec").cloned().unwrap_or_default();
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
                    Json::Number(n) => n.as_i64().map_or_else(|| V::s(n.to_string()), V::Int),
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

/// Whether one of `steps`' arguments is `name`.
fn steps_name(steps: &V, name: &str) -> bool {
    let V::Arr(steps) = steps else { return false };
    steps.iter().any(|s| match s {
        V::Inline(fields) => fields
            .iter()
            .any(|(k, v)| k == "args" && matches!(v, V::Arr(args) if args.contains(&V::s(name)))),
        _ => false,
    })
}

/// The namespace and pipeline that produce to topic `name`.
fn producer(cx: &Cx<'_>, name: &str) -> Option<(String, String)> {
    let mut by_args = None;
    for (ns, d) in &cx.draft.namespaces {
        for e in &d.entries {
            let [p, pl] = e.path.as_slice() else { continue };
            if p != "pipelines" || d.has(&["pipelines", pl, "topic"]) {
                continue;
            }
            if pl == name {
                return Some((ns.clone(), pl.clone()));
            }
            let names_it = match &e.value {
                V::Table(t) => t.iter().any(|(k, v)| k == "steps" && steps_name(v, name)),
                _ => false,
            };
            if names_it && by_args.is_none() {
                by_args = Some((ns.clone(), pl.clone()));
            }
        }
    }
    by_args
}
