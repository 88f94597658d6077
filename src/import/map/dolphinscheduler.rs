//! platc's DolphinScheduler objects back to `[dolphinscheduler]` and the pipelines' `scheduler`
//! and `after`: the submit Job and the workflows' ConfigMap in DolphinScheduler's namespace
//! (one pair a cluster), and the workers' Role and RoleBinding in the pipelines' namespaces.
//! The workflows say which suspended CronJobs are DolphinScheduler's pipelines and which run
//! after which. All or nothing: when the pairs disagree, or the build did not give one of them
//! back, every one of these objects is left to the other mappings (kept as manifests).

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::super::draft::{DolphinScheduler, Id};
use super::super::toml::V;
use super::Cx;
use crate::import::read::{Object, Pointer};

const WORKFLOWS: &str = "dolphinscheduler-workflows";
const SUBMIT: &str = "dolphinscheduler-submit";
const RUNS: &str = "dolphinscheduler-runs";

fn is_platc(o: &Object) -> bool {
    o.label_pairs()
        .any(|(k, v)| k == "app.kubernetes.io/managed-by" && v == "platc")
}

/// Maps the DolphinScheduler objects into `cx.draft.dolphinscheduler`, when they are platc's.
pub(super) fn dolphinscheduler(cx: &mut Cx<'_>) {
    let objects = cx.objects;
    let find = |kind: &str, group: &str, name: &str| -> Vec<Id> {
        (0..objects.len())
            .filter(|&id| {
                let o = &objects[id];
                o.kind == kind && o.group() == group && o.name == name && is_platc(o)
            })
            .collect()
    };
    let jobs = find("Job", "batch", SUBMIT);
    let maps = find("ConfigMap", "", WORKFLOWS);
    let mut runs = find("Role", "rbac.authorization.k8s.io", RUNS);
    runs.extend(find("RoleBinding", "rbac.authorization.k8s.io", RUNS));
    let all: Vec<Id> = jobs.iter().chain(&maps).chain(&runs).copied().collect();
    let found = (!jobs.is_empty() && !all.iter().any(|id| cx.demoted.contains_key(id)))
        .then(|| read(objects, &jobs, &maps, &runs))
        .flatten();
    // DolphinScheduler's namespace without a Namespace object: platc does not own it.
    for ns in jobs.iter().filter_map(|&id| objects[id].namespace.clone()) {
        let has_object = objects
            .iter()
            .any(|o| o.kind == "Namespace" && o.group().is_empty() && o.name == ns);
        let draft = cx.draft.namespaces.entry(ns).or_default();
        if !has_object && !draft.has(&["managed"]) {
            draft.set(&["managed"], V::Bool(false), &[]);
        }
    }
    let Some(found) = found else {
        // Kept as they are: mapped one by one, the workers' Role would bind an account the
        // config does not declare, and the pipelines would not say who runs them.
        for id in all {
            cx.keep(
                id,
                "DolphinScheduler objects platc would not write this way",
            );
            let ns = objects[id]
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into());
            cx.draft.namespaces.entry(ns).or_default().kept.push(id);
        }
        return;
    };
    cx.draft.dolphinscheduler = Some(DolphinScheduler {
        entries: found.entries,
        owners: all,
        pipelines: found.pipelines,
    });
}

struct Found {
    entries: Vec<(String, V)>,
    pipelines: BTreeMap<(String, String), Vec<String>>,
}

/// `[dolphinscheduler]` and its pipelines, when every submit Job, workflow and binding agrees.
fn read(objects: &[Object], jobs: &[Id], maps: &[Id], runs: &[Id]) -> Option<Found> {
    let mut entries: Option<Vec<(String, V)>> = None;
    let mut pipelines: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let worker = runs
        .iter()
        .map(|&id| &objects[id])
        .find(|o| o.kind == "RoleBinding")
        .and_then(|o| o.json.at("/subjects/0"))
        .and_then(|s| s.get("name")?.as_str());
    for &job in jobs {
        let j = &objects[job];
        let ns = j.namespace.clone()?;
        let map = maps
            .iter()
            .map(|&id| &objects[id])
            .find(|m| m.namespace.as_ref() == Some(&ns) && m.cluster == j.cluster)?;
        let container = j.json.at("/spec/template/spec/containers/0")?;
        let env: BTreeMap<&str, &Json> = container
            .get("env")?
            .as_array()?
            .iter()
            .filter_map(|e| Some((e.get("name")?.as_str()?, e)))
            .collect();
        let value = |name: &str| env.get(name)?.get("value")?.as_str().map(str::to_string);
        let token = env
            .get("PYDS_JAVA_GATEWAY_AUTH_TOKEN")?
            .at("/valueFrom/secretKeyRef")?;
        let mut project = None;
        let mut worker_group = None;
        for text in map.json.get("data")?.as_object()?.values() {
            let wf: Json = serde_saphyr::from_str(text.as_str()?).ok()?;
            project = Some(wf.at("/workflow/project")?.as_str()?.to_string());
            worker_group = Some(wf.at("/workflow/worker_group")?.as_str()?.to_string());
            workflow(&wf, &mut pipelines)?;
        }
        let mut gateway = vec![
            (
                "address".to_string(),
                V::s(value("PYDS_JAVA_GATEWAY_ADDRESS")?),
            ),
            (
                "port".to_string(),
                V::Int(value("PYDS_JAVA_GATEWAY_PORT")?.parse().ok()?),
            ),
            (
                "token_secret".to_string(),
                V::s(token.get("name")?.as_str()?),
            ),
        ];
        let key = token.get("key")?.as_str()?;
        if key != "token" {
            gateway.push(("token_key".to_string(), V::s(key)));
        }
        let mut t = vec![
            (
                "project".to_string(),
                V::s(project.or_else(|| value("PYDS_WORKFLOW_PROJECT"))?),
            ),
            ("tenant".to_string(), V::s(value("PYDS_USER_TENANT")?)),
            ("namespace".to_string(), V::s(ns.clone())),
            ("worker_service_account".to_string(), V::s(worker?)),
            ("gateway".to_string(), V::Inline(gateway)),
            (
                "submit_image".to_string(),
                V::s(container.get("image")?.as_str()?),
            ),
        ];
        let group = worker_group.or_else(|| value("PYDS_WORKFLOW_WORKER_GROUP"))?;
        if group != "default" {
            t.push(("worker_group".to_string(), V::s(group)));
        }
        match &entries {
            Some(have) if *have != t => return None,
            _ => entries = Some(t),
        }
    }
    Some(Found {
        entries: entries?,
        pipelines,
    })
}

/// The pipelines of one workflow and what each runs after, as `after` writes it (`NAME` in
/// the follower's namespace, else `NAMESPACE/NAME`).
fn workflow(wf: &Json, out: &mut BTreeMap<(String, String), Vec<String>>) -> Option<()> {
    let tasks = wf.get("tasks")?.as_array()?;
    let mut by_task: BTreeMap<&str, (String, String)> = BTreeMap::new();
    for t in tasks {
        let script = t.get("command")?.as_str()?;
        let quoted = |var: &str| {
            script
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{var}='"))?.strip_suffix('\''))
                .map(str::to_string)
        };
        by_task.insert(
            t.get("name")?.as_str()?,
            (quoted("namespace")?, quoted("cronjob")?),
        );
    }
    for t in tasks {
        let me = by_task.get(t.get("name")?.as_str()?)?.clone();
        let mut after = Vec::new();
        for dep in t.get("deps").and_then(Json::as_array).into_iter().flatten() {
            let (ns, name) = by_task.get(dep.as_str()?)?;
            after.push(if *ns == me.0 {
                name.clone()
            } else {
                format!("{ns}/{name}")
            });
        }
        match out.get(&me) {
            Some(have) if *have != after => return None,
            _ => {
                out.insert(me, after);
            }
        }
    }
    Some(())
}
