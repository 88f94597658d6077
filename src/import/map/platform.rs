//! Platform-wide objects: platc's Argo CD Applications and AppProject become `[argocd]` (and
//! the clusters they deploy to), ExternalSecrets become a namespace's `secrets` with their
//! stores, and a Secret with values is never copied.

use serde_json::Value as Json;

use super::super::draft::Id;
use super::super::read::Object;
use super::super::toml::V;
use super::{Cx, Outcome};
use crate::import::read::Pointer;

const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// Whether `o` is an Argo CD Application or AppProject, which `[argocd]` maps. The kind is
/// tested first: it rules out most objects without looking for the group.
pub(super) fn is_argo_cd(o: &Object) -> bool {
    matches!(o.kind.as_str(), "Application" | "AppProject") && o.group() == "argoproj.io"
}

/// Whether `o` is an ExternalSecret, which `[namespaces.NAME.secrets]` maps.
pub(super) fn is_external_secret(o: &Object) -> bool {
    o.kind == "ExternalSecret" && o.group() == "external-secrets.io"
}

pub(super) fn argocd(cx: &mut Cx<'_>) {
    let ids: Vec<Id> = (0..cx.objects.len())
        .filter(|&id| is_argo_cd(&cx.objects[id]))
        .collect();
    let apps: Vec<Id> = ids
        .iter()
        .copied()
        .filter(|&id| cx.objects[id].kind == "Application")
        .collect();
    let Some(&first) = apps.first() else {
        for id in ids {
            cx.keep(id, "an AppProject without platc's Applications");
        }
        return;
    };
    if ids.iter().any(|id| cx.demoted.contains_key(id)) {
        for id in ids {
            cx.keep(id, "Argo CD objects platc would not write this way");
        }
        return;
    }
    let o = &cx.objects[first];
    let text = |p: &str| {
        o.json
            .at(p)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut t = vec![("repo_url".to_string(), V::s(text("/spec/source/repoURL")))];
    let revision = text("/spec/source/targetRevision");
    if revision != "HEAD" && !revision.is_empty() {
        t.push(("revision".to_string(), V::s(revision)));
    }
    let source = text("/spec/source/path");
    let parts: Vec<&str> = source.split('/').collect();
    let path = parts[..parts.len().saturating_sub(2)].join("/");
    if path != "out" {
        t.push((
            "path".to_string(),
            V::s(if path.is_empty() {
                ".".to_string()
            } else {
                path
            }),
        ));
    }
    let namespace = o.namespace.clone().unwrap_or_default();
    if namespace != "argocd" && !namespace.is_empty() {
        t.push(("namespace".to_string(), V::s(namespace)));
    }
    for &id in &apps {
        let a = &cx.objects[id];
        let path = a
            .json
            .at("/spec/source/path")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let mut segs = path.rsplit('/');
        let (_, cluster) = (segs.next(), segs.next().unwrap_or("default"));
        let server = a
            .json
            .at("/spec/destination/server")
            .and_then(Json::as_str)
            .unwrap_or(IN_CLUSTER);
        cx.draft.clusters.insert(
            cluster.to_string(),
            (server != IN_CLUSTER).then(|| server.to_string()),
        );
    }
    cx.draft.argocd = Some((t, ids));
}

/// A Go duration of whole hours, minutes or seconds (`1h`, `1h0m0s`, `90m`) in seconds.
fn go_seconds(text: &str) -> Option<u64> {
    let mut total = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    (number.is_empty() && total > 0).then_some(total)
}

pub(super) fn secrets(cx: &mut Cx<'_>) {
    for id in 0..cx.objects.len() {
        let o = &cx.objects[id];
        if o.kind == "Secret" && o.group().is_empty() {
            let keys: Vec<String> = ["data", "stringData"]
                .iter()
                .filter_map(|f| o.json.get(*f).and_then(Json::as_object))
                .flat_map(|m| m.keys().cloned())
                .collect();
            if !keys.is_empty() {
                let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
                let data: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{k} = \"PATH/IN/STORE#PROPERTY\""))
                    .collect();
                let why = format!(
                    "a Secret with values is never copied; put its values into a store and declare \
                     `[namespaces.{ns}.secrets.{}]` with `store = \"STORE\"` and `data = {{ {} }}`",
                    o.name,
                    data.join(", ")
                );
                cx.outcomes.insert(id, Outcome::NotCopied(why));
            }
            continue;
        }
        if !is_external_secret(o) {
            continue;
        }
        if !cx.may_map(id) {
            continue;
        }
        match external_secret(&o.json, &o.name) {
            Ok((store, table)) => {
                let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
                cx.draft.stores.insert(store.1.clone(), store);
                let name = o.name.clone();
                cx.draft.namespaces.entry(ns).or_default().set(
                    &["secrets", &name],
                    V::Table(table),
                    &[id],
                );
            }
            Err(why) => {
                let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
                cx.keep(id, why);
                cx.draft.namespaces.entry(ns).or_default().kept.push(id);
            }
        }
    }
}

#[allow(clippy::type_complexity, reason = "a store and a table, read once")]
fn external_secret(
    json: &Json,
    name: &str,
) -> Result<((String, String), Vec<(String, V)>), String> {
    let spec = json.get("spec").ok_or("no spec")?;
    let text = |p: &str| spec.at(p).and_then(Json::as_str);
    let store_kind = text("/secretStoreRef/kind").unwrap_or("SecretStore");
    let store_name = text("/secretStoreRef/name").ok_or("no store")?;
    if text("/target/name").is_some_and(|t| t != name) {
        return Err("a target Secret of another name".into());
    }
    let mut t = vec![("store".to_string(), V::s(store_name))];
    let refresh = text("/refreshInterval")
        .and_then(go_seconds)
        .ok_or("a refresh interval platc cannot write")?;
    if refresh != 3600 {
        t.push((
            "refresh".to_string(),
            V::s(super::pipeline::duration(refresh as i64)),
        ));
    }
    let mut data = Vec::new();
    for d in spec
        .get("data")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let key = d
            .get("secretKey")
            .and_then(Json::as_str)
            .ok_or("data without a secretKey")?;
        let remote = d
            .at("/remoteRef/key")
            .and_then(Json::as_str)
            .ok_or("data without a remote key")?;
        let remote = match d.at("/remoteRef/property").and_then(Json::as_str) {
            Some(p) => format!("{remote}#{p}"),
            None => remote.to_string(),
        };
        data.push((key.to_string(), V::s(remote)));
    }
    if !data.is_empty() {
        t.push(("data".to_string(), V::Inline(data)));
    }
    let from: Vec<&str> = spec
        .get("dataFrom")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.at("/extract/key").and_then(Json::as_str))
        .collect();
    match from.as_slice() {
        [] => {}
        [one] => t.push(("data_from".to_string(), V::s(*one))),
        _ => return Err("more than one dataFrom".into()),
    }
    Ok(((store_kind.to_string(), store_name.to_string()), t))
}
