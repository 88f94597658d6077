//! A CronJob as a pipeline's table: the schedule and the CronJob's settings, the Job's
//! (retries, deadline, `ttl_after_finished`), the labels and annotations of its pods, and, from
//! [`super::pod`] and [`super::steps`], the pod's settings and the steps. Each is read where
//! the build writes it, and a value the build writes by default is left out.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::super::Cx;
use super::pod::StorageDefaults;
use crate::import::draft::{Id, Namespace};
use crate::import::read::Pointer;
use crate::import::toml::V;
use crate::model::Quantity;

/// Seconds as the largest whole unit platc's durations take (`7d`, `26h`, `90m`, `45s`).
pub(in crate::import::map) fn duration(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Labels platc sets on a pipeline's Jobs and pods itself (`app.kubernetes.io/name` is the
/// pipeline's name), and those the Job controller sets; never the pipeline's `labels`.
fn not_own_label(key: &str) -> bool {
    super::super::OWN_LABELS.contains(&key)
        || key == "app.kubernetes.io/name"
        || key == "job-name"
        || key == "controller-uid"
        || key.starts_with("batch.kubernetes.io/")
}

/// The pipeline's `labels`: its pods' labels but platc's own, the Job controller's and those
/// `[defaults]` gives them anyway.
fn labels(meta: Option<&Json>, defaults: &BTreeMap<String, String>) -> Option<V> {
    let own: Vec<(String, String)> = crate::import::read::string_map(meta?.get("labels"))
        .into_iter()
        .filter(|(k, v)| !not_own_label(k) && defaults.get(k) != Some(v))
        .collect();
    (!own.is_empty()).then(|| V::map(own.iter().map(|(k, v)| (k, v))))
}

/// The ephemeral-storage `default` and `max` of the namespace's LimitRange as platc models it
/// (`NAMESPACE-limits`, one Container item), for the scratch size the build derives from it.
fn storage_defaults(cx: &Cx<'_>, ns: &str, ids: &[Id]) -> StorageDefaults {
    let range = ids.iter().map(|&id| (id, &cx.objects[id])).find(|(id, o)| {
        o.kind == "LimitRange"
            && o.group().is_empty()
            && o.namespace.as_deref().unwrap_or("default") == ns
            && o.name == format!("{ns}-limits")
            && !cx.demoted.contains_key(id)
    });
    let Some((_, o)) = range else {
        return (None, None);
    };
    let amount = |key: &str| {
        o.json
            .at(&format!("/spec/limits/0/{key}/ephemeral-storage"))
            .and_then(super::super::namespace::quantity)
            .and_then(|q| Quantity::parse(&q).ok())
    };
    (amount("default"), amount("max"))
}

/// `ids`: the objects of the CronJob's namespace.
pub(in crate::import::map) fn cron_job(cx: &mut Cx<'_>, draft: &mut Namespace, id: Id, ids: &[Id]) {
    let o = &cx.objects[id];
    let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
    let storage = storage_defaults(cx, &ns, ids);
    let after = cx.dolphinscheduler_after(&ns, &o.name);
    match pipeline(&o.json, &cx.draft.defaults, &storage, after) {
        Ok(table) => {
            let name = cx.objects[id].name.clone();
            draft.set(&["pipelines", &name], V::Table(table), &[id]);
        }
        Err(why) => cx.keep(id, why),
    }
}

/// `after`: the pipeline's when DolphinScheduler runs it (its workflow names its CronJob), so
/// its CronJob's suspension is the scheduler's, and a follower's schedule its head's.
fn pipeline(
    json: &Json,
    defaults: &BTreeMap<String, String>,
    storage: &StorageDefaults,
    after: Option<&Vec<String>>,
) -> Result<Vec<(String, V)>, String> {
    let spec = json.get("spec").ok_or("no spec")?;
    let job = spec.at("/jobTemplate/spec").ok_or("no job template")?;
    let template = job.get("template").ok_or("no pod template")?;
    let pod = template.get("spec").ok_or("no pod template")?;
    let mut t = Vec::new();
    if let Some(after) = after {
        t.push(("scheduler".to_string(), V::s("dolphinscheduler")));
        if !after.is_empty() {
            t.push((
                "after".to_string(),
                V::Arr(after.iter().map(|a| V::s(a.clone())).collect()),
            ));
        }
    }
    let follower = after.is_some_and(|a| !a.is_empty());
    let schedule = spec
        .get("schedule")
        .and_then(Json::as_str)
        .ok_or("no schedule")?;
    if !follower {
        t.push(("schedule".to_string(), V::s(schedule)));
        if let Some(tz) = spec.get("timeZone").and_then(Json::as_str) {
            t.push(("time_zone".to_string(), V::s(tz)));
        }
    }
    // Kubernetes' default is Allow; platc's is forbid.
    match spec.get("concurrencyPolicy").and_then(Json::as_str) {
        Some("Forbid") => {}
        Some("Replace") => t.push(("concurrency".to_string(), V::s("replace"))),
        Some("Allow") | None => t.push(("concurrency".to_string(), V::s("allow"))),
        Some(other) => return Err(format!("concurrencyPolicy `{other}`")),
    }
    let int = |v: &Json, p: &str| v.at(p).and_then(Json::as_i64);
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
        ("ttl_after_finished", job, "/ttlSecondsAfterFinished"),
    ] {
        // 0 is not a duration (a TTL of 0 stays a patch); the TTL is at most an i32.
        if let Some(n) = int(v, p)
            .filter(|n| *n > 0 && (p != "/ttlSecondsAfterFinished" || i32::try_from(*n).is_ok()))
        {
            t.push((key.to_string(), V::s(duration(n))));
        }
    }
    if let Some(b) = spec.get("suspend").and_then(Json::as_bool)
        && after.is_none()
    {
        t.push(("suspend".to_string(), V::Bool(b)));
    }
    if let Some(sa) = pod.get("serviceAccountName").and_then(Json::as_str) {
        t.push(("service_account".to_string(), V::s(sa)));
    }
    let init = pod
        .get("initContainers")
        .and_then(Json::as_array)
        .map_or(&[][..], Vec::as_slice);
    let main = pod
        .get("containers")
        .and_then(Json::as_array)
        .map_or(&[][..], Vec::as_slice);
    let [main_c] = main else {
        return Err("a pod of other than one main container".into());
    };
    let containers: Vec<&Json> = init.iter().chain([main_c]).collect();
    let image = main_c
        .get("image")
        .and_then(Json::as_str)
        .ok_or("a container without an image")?;
    t.push(("image".to_string(), V::s(image)));
    if let Some(v) = super::pod::image_pull_secrets(pod) {
        t.push(("image_pull_secrets".to_string(), v));
    }
    let mut from_steps = super::steps::steps(&containers, image)?;
    let steps = from_steps.pop().ok_or("no steps")?;
    let mut from_steps = from_steps.into_iter().peekable();
    // `resources`, then `scratch`, then the environment, as docs/pipelines.md orders them.
    if let Some(r) = from_steps.next_if(|(k, _)| k == "resources") {
        t.push(r);
    }
    if let Some(v) = super::pod::scratch(pod, &containers, storage) {
        t.push(("scratch".to_string(), v));
    }
    t.extend(from_steps);
    if let Some(v) = super::pod::files(pod, &containers) {
        t.push(("files".to_string(), v));
    }
    t.push(steps);
    let pod_settings = [
        ("node_selector", super::pod::node_selector(pod)),
        ("tolerations", super::pod::tolerations(pod)),
        ("labels", labels(template.get("metadata"), defaults)),
        (
            "annotations",
            template
                .at("/metadata/annotations")
                .map(|a| crate::import::read::string_map(Some(a)))
                .filter(|a| !a.is_empty())
                .map(|a| V::map(a.iter().map(|(k, v)| (k, v)))),
        ),
    ];
    for (key, v) in pod_settings {
        if let Some(v) = v {
            t.push((key.to_string(), v));
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pod_labels_without_platcs_the_controllers_and_the_defaults() {
        let meta = json!({"labels": {
            "app.kubernetes.io/name": "etl",
            "app.kubernetes.io/managed-by": "platc",
            "job-name": "etl-1",
            "batch.kubernetes.io/job-name": "etl-1",
            "team": "data-platform",
            "cost-center": "analytics",
        }});
        let defaults = BTreeMap::from([("team".to_string(), "data-platform".to_string())]);
        assert_eq!(
            labels(Some(&meta), &defaults),
            Some(V::Inline(vec![("cost-center".into(), V::s("analytics"))]))
        );
        // A default overridden by the pipeline is its own.
        let defaults = BTreeMap::from([("cost-center".to_string(), "other".to_string())]);
        let Some(V::Inline(l)) = labels(Some(&meta), &defaults) else {
            panic!()
        };
        assert_eq!(l.len(), 2);
    }
}
