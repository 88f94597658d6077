//! One namespace's objects: the Namespace, its quota and limits, network policies, service
//! accounts and RBAC; pipelines with what belongs to them; the rest kept as manifests.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::super::draft::{Id, Namespace};
use super::super::read::Object;
use super::super::toml::V;
use super::{Cx, Outcome};
use crate::import::read::Pointer;

const POD_SECURITY: &str = "pod-security.kubernetes.io/";

pub(super) fn namespace(cx: &mut Cx<'_>, ns: &str, ids: &[Id]) {
    let mut draft = cx.draft.namespaces.remove(ns).unwrap_or_default();
    // Pipelines first: alerts, dashboards and topics attach to them.
    for &id in ids.iter().filter(|&&id| cx.objects[id].kind == "CronJob") {
        if cx.may_map(id) {
            super::pipeline::cron_job(cx, &mut draft, id, ids);
        }
    }
    for &id in ids {
        let o = &cx.objects[id];
        if o.kind == "CronJob" && o.group() == "batch" {
            continue;
        }
        // Kept objects are placed once all are mapped (`super::place_kept`).
        if !cx.may_map(id) {
            continue;
        }
        let mapped = match (o.group(), o.kind.as_str()) {
            ("", "Namespace") => namespace_object(cx, &mut draft, id),
            ("", "ResourceQuota") if o.name == format!("{ns}-quota") => {
                quota(&mut draft, o.json.get("spec"), id)
            }
            ("", "LimitRange") if o.name == format!("{ns}-limits") => {
                limits(&mut draft, o.json.get("spec"), id)
            }
            ("networking.k8s.io", "NetworkPolicy") => super::network::policy(cx, &mut draft, id),
            ("", "ServiceAccount") => service_account(cx, &mut draft, id),
            ("rbac.authorization.k8s.io", "Role") => role(&mut draft, id, &o.json),
            ("rbac.authorization.k8s.io", "RoleBinding") => binding(&mut draft, id, &o.json, ns),
            ("monitoring.coreos.com", "PrometheusRule") => {
                super::pipeline::alerts(cx, &mut draft, id)
            }
            ("", "ConfigMap") => super::pipeline::dashboard(cx, &mut draft, id),
            _ => Err("platc does not model this kind".to_string()),
        };
        if let Err(why) = mapped {
            // Nothing of an object kept stays in the config.
            draft.entries.retain(|e| e.owners != [id]);
            cx.keep(id, why);
        }
    }
    cx.draft.namespaces.insert(ns.to_string(), draft);
}

/// What a namespace's config says about what the input did not have: a namespace whose
/// Namespace object the input does not have (or that is kept as a manifest) is not platc's
/// (`managed = false`: no Namespace object, no Pod Security labels, no default policies); one
/// whose object is mapped gets `default-deny` and `allow-dns` only when the input had them.
pub(super) fn finish(objects: &[Object], outcomes: &[Outcome], name: &str, draft: &mut Namespace) {
    let mapped = |id: Id| outcomes[id] == Outcome::Mapped;
    let owners = || draft.entries.iter().flat_map(|e| e.owners.iter().copied());
    let owned = owners().any(|id| mapped(id) && super::is_namespace(&objects[id]));
    if !owned {
        draft.set(&["managed"], V::Bool(false), &[]);
        return;
    }
    let has = |policy: &str| {
        owners().any(|id| {
            let o = &objects[id];
            mapped(id)
                && o.kind == "NetworkPolicy"
                && o.name == policy
                && o.namespace.as_deref().unwrap_or("default") == name
        })
    };
    let (deny, dns) = (has("default-deny"), has("allow-dns"));
    if !deny {
        draft.set(&["default_deny"], V::Arr(Vec::new()), &[]);
    }
    let egress_denied = draft
        .entries
        .iter()
        .find(|e| e.path == ["default_deny"])
        .is_none_or(|e| matches!(&e.value, V::Arr(a) if a.contains(&V::s("egress"))));
    if egress_denied && !dns && deny {
        draft.set(&["allow_dns"], V::Bool(false), &[]);
    }
}

fn namespace_object(cx: &mut Cx<'_>, draft: &mut Namespace, id: Id) -> Result<(), String> {
    let labels = cx.own_labels(id);
    let level = labels.get("pod-security.kubernetes.io/enforce").cloned();
    match level.as_deref() {
        // platc would label it `enforce: restricted`, and the cluster refuse pods it takes now.
        None => {
            return Err(
                "it has no Pod Security labels, and platc would add them (`enforce: restricted`)"
                    .into(),
            );
        }
        Some("restricted") => {}
        Some(l @ ("baseline" | "privileged")) => draft.set(&["pod_security"], V::s(l), &[id]),
        Some(other) => {
            return Err(format!(
                "pod security level `{other}` is not one platc knows"
            ));
        }
    }
    let own: BTreeMap<&String, &String> = labels
        .iter()
        .filter(|(k, _)| !k.starts_with(POD_SECURITY))
        .collect();
    if !own.is_empty() {
        draft.set(&["labels"], V::map(own), &[id]);
    }
    if !draft.has(&["labels"]) {
        // Owned anyway: the Namespace object is what `[namespaces.NAME]` writes.
        draft.set(&[], V::Table(Vec::new()), &[id]);
    }
    Ok(())
}

/// Quantity text of a JSON value (`"500m"`, or a number).
pub(super) fn quantity(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `{ cpu, memory, ephemeral-storage }` of a resource list, when it holds nothing else.
pub(super) fn resources(list: Option<&Json>) -> Result<Option<V>, String> {
    let Some(map) = list.and_then(Json::as_object) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for (k, v) in map {
        if !matches!(k.as_str(), "cpu" | "memory" | "ephemeral-storage") {
            return Err(format!("resource `{k}` is not one platc models"));
        }
        out.push((
            k.clone(),
            V::s(quantity(v).ok_or("a quantity that is not text")?),
        ));
    }
    Ok((!out.is_empty()).then_some(V::Inline(out)))
}

fn quota(draft: &mut Namespace, spec: Option<&Json>, id: Id) -> Result<(), String> {
    let spec = spec.and_then(Json::as_object).ok_or("no spec")?;
    if spec.keys().any(|k| k != "hard") {
        return Err("a quota with scopes is not one platc models".into());
    }
    let hard = spec
        .get("hard")
        .and_then(Json::as_object)
        .ok_or("no hard limits")?;
    let (mut requests, mut limits, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for (k, v) in hard {
        let q = quantity(v).ok_or("a quantity that is not text")?;
        let (kind, res) = k.split_once('.').unwrap_or(("requests", k));
        match (kind, res) {
            ("requests", "cpu" | "memory" | "ephemeral-storage") => {
                requests.push((res.to_string(), V::s(q)))
            }
            ("limits", "cpu" | "memory" | "ephemeral-storage") => {
                limits.push((res.to_string(), V::s(q)))
            }
            (
                "requests",
                "pods" | "persistentvolumeclaims" | "services" | "configmaps" | "secrets",
            ) => {
                counts.push((
                    res.to_string(),
                    V::Int(q.parse().map_err(|_| format!("`{k}` is not a count"))?),
                ));
            }
            _ => return Err(format!("quota key `{k}` is not one platc models")),
        }
    }
    let mut table = Vec::new();
    if !requests.is_empty() {
        table.push(("requests".to_string(), V::Inline(requests)));
    }
    if !limits.is_empty() {
        table.push(("limits".to_string(), V::Inline(limits)));
    }
    table.extend(counts);
    draft.set(&["quota"], V::Table(table), &[id]);
    Ok(())
}

fn limits(draft: &mut Namespace, spec: Option<&Json>, id: Id) -> Result<(), String> {
    let items = spec
        .and_then(|s| s.get("limits"))
        .and_then(Json::as_array)
        .ok_or("no limits")?;
    let [item] = items.as_slice() else {
        return Err("a LimitRange of several items is not one platc models".into());
    };
    let item = item.as_object().ok_or("not an object")?;
    if item.get("type").and_then(Json::as_str) != Some("Container") {
        return Err("only a Container LimitRange is modelled".into());
    }
    let mut table = Vec::new();
    for (k, v) in item {
        let key = match k.as_str() {
            "type" => continue,
            "defaultRequest" => "default_request",
            "default" => "default",
            "min" => "min",
            "max" => "max",
            other => {
                return Err(format!(
                    "LimitRange field `{other}` is not one platc models"
                ));
            }
        };
        if let Some(r) = resources(Some(v))? {
            table.push((key.to_string(), r));
        }
    }
    draft.set(&["limits"], V::Table(table), &[id]);
    Ok(())
}

fn service_account(cx: &mut Cx<'_>, draft: &mut Namespace, id: Id) -> Result<(), String> {
    let o = &cx.objects[id];
    let mut table = Vec::new();
    let annotations = cx.own_annotations(id);
    if !annotations.is_empty() {
        table.push(("annotations".to_string(), V::map(&annotations)));
    }
    if let Some(b) = o
        .json
        .get("automountServiceAccountToken")
        .and_then(Json::as_bool)
    {
        table.push(("automount_token".to_string(), V::Bool(b)));
    }
    let name = o.name.clone();
    draft.set(&["service_accounts", &name], V::Table(table), &[id]);
    Ok(())
}

fn strings(v: Option<&Json>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn role(draft: &mut Namespace, id: Id, json: &Json) -> Result<(), String> {
    let mut rules = Vec::new();
    for rule in json
        .get("rules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let r = rule.as_object().ok_or("a rule that is not an object")?;
        if r.contains_key("nonResourceURLs") {
            return Err("non-resource URLs are not for namespaced roles".into());
        }
        let mut t = Vec::new();
        let groups = strings(r.get("apiGroups")).unwrap_or_default();
        if groups != [""] {
            t.push(("api_groups".to_string(), V::strings(&groups)));
        }
        t.push((
            "resources".to_string(),
            V::strings(&strings(r.get("resources")).unwrap_or_default()),
        ));
        t.push((
            "verbs".to_string(),
            V::strings(&strings(r.get("verbs")).unwrap_or_default()),
        ));
        if let Some(names) = strings(r.get("resourceNames")) {
            t.push(("resource_names".to_string(), V::strings(&names)));
        }
        rules.push(V::Inline(t));
    }
    if rules.is_empty() {
        return Err("a role without rules".into());
    }
    let name = json
        .at("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or_default();
    draft.set(
        &["roles", name],
        V::Table(vec![("rules".into(), V::Arr(rules))]),
        &[id],
    );
    Ok(())
}

fn binding(draft: &mut Namespace, id: Id, json: &Json, ns: &str) -> Result<(), String> {
    let role_ref = json.get("roleRef").ok_or("no roleRef")?;
    let kind = role_ref
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let role = role_ref
        .get("name")
        .and_then(Json::as_str)
        .ok_or("no role name")?;
    let mut t = vec![match kind {
        "Role" => ("role".to_string(), V::s(role)),
        "ClusterRole" => ("cluster_role".to_string(), V::s(role)),
        other => return Err(format!("roleRef kind `{other}`")),
    }];
    let mut subjects = Vec::new();
    for s in json
        .get("subjects")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let kind = s.get("kind").and_then(Json::as_str).unwrap_or_default();
        let name = s.get("name").and_then(Json::as_str).unwrap_or_default();
        let subject = match (kind, s.get("namespace").and_then(Json::as_str)) {
            ("ServiceAccount", None) => format!("serviceaccount:{name}"),
            ("ServiceAccount", Some(n)) if n == ns => format!("serviceaccount:{name}"),
            ("ServiceAccount", Some(n)) => format!("serviceaccount:{n}/{name}"),
            ("User", _) => format!("user:{name}"),
            ("Group", _) => format!("group:{name}"),
            _ => return Err(format!("subject kind `{kind}`")),
        };
        subjects.push(V::s(subject));
    }
    t.push(("subjects".to_string(), V::Arr(subjects)));
    let name = json
        .at("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or_default();
    draft.set(&["role_bindings", name], V::Table(t), &[id]);
    Ok(())
}
