//! The draft as files: `platform.toml` (the `#:schema` line first, named tables, grouped by
//! namespace, no defaults spelled out) and the manifests kept, one file per object under
//! `MANIFESTS/NAMESPACE/` (`MANIFESTS/_cluster/CLUSTER/` for cluster-scoped ones).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use super::draft::{Draft, Id, Namespace};
use super::read::Object;
use super::toml::{self, V};

/// The order of a namespace's keys, as the README writes them.
const ORDER: [&str; 19] = [
    "cluster",
    "clusters",
    "managed",
    "labels",
    "pod_security",
    "default_deny",
    "allow_dns",
    "manifests",
    "quota",
    "limits",
    "network_policies",
    "secrets",
    "service_accounts",
    "roles",
    "role_bindings",
    "pipelines",
    "patches",
    "vars",
    "template",
];

fn rank(k: &str) -> usize {
    ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len())
}

/// Inserts `value` at `path` into a table's entries (creating tables on the way).
fn insert(entries: &mut Vec<(String, V)>, path: &[String], value: V) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        match (entries.iter_mut().find(|(k, _)| k == first), value) {
            (Some((_, V::Table(have))), V::Table(more)) => have.extend(more),
            (Some((_, slot)), value) => *slot = value,
            (None, value) => entries.push((first.clone(), value)),
        }
        return;
    }
    if !entries.iter().any(|(k, _)| k == first) {
        entries.push((first.clone(), V::Table(Vec::new())));
    }
    if let Some((_, V::Table(inner))) = entries.iter_mut().find(|(k, _)| k == first) {
        insert(inner, rest, value);
    }
}

/// Where the kept manifests of `ns` go, relative to the config's folder.
pub fn manifest_dir(dir: &str, ns: &str) -> String {
    format!("{dir}/{ns}")
}

/// The config text.
pub fn config(draft: &Draft, objects: &[Object], dir: &str, header: &str) -> String {
    let mut root: Vec<(String, V)> = Vec::new();
    let mut platform = vec![("name".into(), V::s(draft.name.clone()))];
    let crds = crds(draft, objects, dir);
    if !crds.is_empty() {
        platform.push(("crds".into(), V::Arr(crds)));
    }
    root.push(("platform".into(), V::Table(platform)));
    if !draft.defaults.is_empty() {
        root.push((
            "defaults".into(),
            V::Table(vec![("labels".into(), V::map(&draft.defaults))]),
        ));
    }
    if let Some((argocd, _)) = &draft.argocd {
        root.push(("argocd".into(), V::Table(argocd.clone())));
    }
    if let Some(ds) = &draft.dolphinscheduler {
        root.push(("dolphinscheduler".into(), V::Table(ds.entries.clone())));
    }
    if !draft.rule_labels.is_empty() {
        root.push((
            "monitoring".into(),
            V::Table(vec![("rule_labels".into(), V::map(&draft.rule_labels))]),
        ));
    }
    let several = draft.clusters.len() > 1
        || draft
            .clusters
            .iter()
            .any(|(k, v)| k != "default" || v.is_some())
        || draft.cluster_kept.keys().any(|k| k != "default");
    let mut clusters: BTreeMap<String, Vec<(String, V)>> = BTreeMap::new();
    if several {
        for (name, server) in &draft.clusters {
            let t = clusters.entry(name.clone()).or_default();
            if let Some(s) = server {
                t.push(("server".into(), V::s(s.clone())));
            }
        }
    }
    for (cluster, _) in draft.cluster_kept.iter().filter(|(_, ids)| !ids.is_empty()) {
        let pattern = format!(
            "{}/*.yaml",
            manifest_dir(&format!("{dir}/_cluster"), cluster)
        );
        clusters
            .entry(cluster.clone())
            .or_default()
            .push(("manifests".into(), V::Arr(vec![V::s(pattern)])));
    }
    if !clusters.is_empty() {
        root.push((
            "clusters".into(),
            V::Table(
                clusters
                    .into_iter()
                    .map(|(k, v)| (k, V::Table(v)))
                    .collect(),
            ),
        ));
    }
    if !draft.stores.is_empty() {
        let stores = draft
            .stores
            .iter()
            .map(|(key, (kind, name))| {
                let mut t = Vec::new();
                if kind != "ClusterSecretStore" {
                    t.push(("kind".to_string(), V::s(kind.clone())));
                }
                if name != key {
                    t.push(("name".to_string(), V::s(name.clone())));
                }
                (key.clone(), V::Table(t))
            })
            .collect();
        root.push(("secret_stores".into(), V::Table(stores)));
    }
    if !draft.services.is_empty() {
        let services = draft
            .services
            .iter()
            .map(|(name, s)| {
                let mut t = vec![("namespace".to_string(), V::s(s.namespace.clone()))];
                if let Some(sel) = &s.selector {
                    t.push(("selector".to_string(), V::map(sel)));
                }
                if let Some(c) = &s.strimzi_cluster {
                    t.push(("strimzi_cluster".to_string(), V::s(c.clone())));
                }
                (name.clone(), V::Table(t))
            })
            .collect();
        root.push(("services".into(), V::Table(services)));
    }
    let mut out = format!("#:schema ./schemas/platform.schema.json\n{header}\n");
    toml::table(&mut out, &[], &root);
    // `[namespaces.NAME]` last, each made and written on its own, on every core. The text of
    // each starts with a line of its own (`"\n"` stands in for what is written before it: the
    // header of a table is set off by a blank line after anything but one).
    let names: Vec<(&String, &Namespace)> = draft.namespaces.iter().collect();
    let texts = crate::par::map(&names, 64, |&(name, ns)| {
        let t = namespace(name, ns, dir, several);
        let mut text = String::from("\n");
        toml::table(&mut text, &["namespaces".into(), name.clone()], &t);
        text
    });
    for text in &texts {
        out.push_str(text.strip_prefix('\n').unwrap_or(text));
    }
    out
}

/// `[platform] crds`: the CustomResourceDefinitions kept as manifests, so that custom
/// resources are checked against them as the API server would. One pattern when they are on
/// one cluster; else each CRD's file once (the first cluster's).
fn crds(draft: &Draft, objects: &[Object], dir: &str) -> Vec<V> {
    let is_crd = |id: &Id| crate::yaml::crd::is_crd(&objects[*id].json);
    let clusters: Vec<(&String, Vec<Id>)> = draft
        .cluster_kept
        .iter()
        .map(|(c, ids)| (c, ids.iter().copied().filter(is_crd).collect::<Vec<Id>>()))
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    match clusters.as_slice() {
        [] => Vec::new(),
        [(cluster, _)] => vec![V::s(format!(
            "{}/customresourcedefinition-*.yaml",
            manifest_dir(&format!("{dir}/_cluster"), cluster)
        ))],
        _ => {
            let mut seen = std::collections::BTreeSet::new();
            let mut out = Vec::new();
            for (cluster, ids) in &clusters {
                for &id in ids {
                    if seen.insert(&objects[id].name) {
                        out.push(V::s(format!(
                            "{}/customresourcedefinition-{}.yaml",
                            manifest_dir(&format!("{dir}/_cluster"), cluster),
                            objects[id].name
                        )));
                    }
                }
            }
            out
        }
    }
}

/// The entries of `[namespaces.NAME]`, in the README's order.
fn namespace(name: &str, ns: &Namespace, dir: &str, several: bool) -> Vec<(String, V)> {
    let mut t: Vec<(String, V)> = Vec::new();
    match ns.clusters.len() {
        _ if !several => {}
        0 => {}
        1 => t.push((
            "cluster".into(),
            V::s(ns.clusters.iter().next().cloned().unwrap_or_default()),
        )),
        _ => t.push(("clusters".into(), V::strings(&ns.clusters))),
    }
    for e in &ns.entries {
        insert(&mut t, &e.path, e.value.clone());
    }
    if !ns.kept.is_empty() {
        t.push((
            "manifests".into(),
            V::Arr(vec![V::s(format!("{}/*.yaml", manifest_dir(dir, name)))]),
        ));
    }
    if !ns.patches.is_empty() {
        let patches = ns
            .patches
            .iter()
            .map(|p| {
                V::Table(vec![
                    ("target".into(), V::s(p.target.clone())),
                    ("patch".into(), V::Arr(p.ops.clone())),
                ])
            })
            .collect();
        t.push(("patches".into(), V::Arr(patches)));
    }
    t.sort_by_key(|(k, _)| rank(k));
    for (_, v) in t.iter_mut() {
        if let V::Table(named) = v
            && named.iter().all(|(_, x)| matches!(x, V::Table(_)))
        {
            named.sort_by(|a, b| a.0.cmp(&b.0));
        }
    }
    t
}

/// The manifest files kept: (object, path relative to the config's folder, text). `rendered`
/// holds each object's text from earlier rounds (it depends on the object alone), so a round
/// renders only the objects it keeps first, on every core.
pub fn manifests(
    draft: &Draft,
    objects: &[Object],
    dir: &str,
    kept: &[Id],
    rendered: &mut HashMap<Id, String>,
) -> Vec<(Id, String, String)> {
    let mut is_kept = vec![false; objects.len()];
    for &id in kept {
        is_kept[id] = true;
    }
    let mut placed: Vec<(String, Id)> = Vec::new();
    for (ns, d) in &draft.namespaces {
        for &id in d.kept.iter().filter(|&&id| is_kept[id]) {
            placed.push((manifest_dir(dir, ns), id));
        }
    }
    for (cluster, ids) in &draft.cluster_kept {
        for &id in ids {
            placed.push((manifest_dir(&format!("{dir}/_cluster"), cluster), id));
        }
    }
    let missing: Vec<Id> = placed
        .iter()
        .map(|(_, id)| *id)
        .filter(|id| !rendered.contains_key(id))
        .collect();
    let texts = crate::par::map(&missing, 16, |&id| text(draft, &objects[id]));
    rendered.extend(missing.into_iter().zip(texts));
    let placed = placed
        .into_iter()
        .map(|(folder, id)| (id, folder, rendered[&id].clone()))
        .collect();
    name_files(objects, placed)
}

/// Each kept object's file in its folder, named as `build` names files
/// ([`file_name`](crate::compile::file_name)): objects whose kinds differ only in API group
/// get their group in the file name. One object kept for several clusters is one file; two
/// different objects that would still share a file share it as two documents, so none is
/// lost (the build then says why they cannot be written apart).
fn name_files(objects: &[Object], placed: Vec<(Id, String, String)>) -> Vec<(Id, String, String)> {
    use crate::compile::file_name::object_file;
    let path = |id: Id, folder: &str, qualified: bool| {
        let o = &objects[id];
        format!(
            "{folder}/{}",
            object_file(&o.kind, o.group(), &o.name, qualified)
        )
    };
    let mut by_path: BTreeMap<String, Vec<(Id, String, String)>> = BTreeMap::new();
    for (id, folder, text) in placed {
        by_path
            .entry(path(id, &folder, false))
            .or_default()
            .push((id, folder, text));
    }
    let same = |a: Id, b: Id| {
        let (a, b) = (&objects[a], &objects[b]);
        a.group() == b.group() && a.kind == b.kind && a.name == b.name
    };
    let mut files: BTreeMap<String, (Id, String)> = BTreeMap::new();
    for (plain, entries) in by_path {
        let shared = entries.iter().any(|(id, _, _)| !same(*id, entries[0].0));
        for (id, folder, text) in entries {
            let at = if shared {
                path(id, &folder, true)
            } else {
                plain.clone()
            };
            match files.get_mut(&at) {
                None => {
                    files.insert(at, (id, text));
                }
                Some((first, _)) if same(*first, id) => {}
                Some((_, held)) => {
                    held.push_str("---\n");
                    held.push_str(&text);
                }
            }
        }
    }
    files
        .into_iter()
        .map(|(p, (id, text))| (id, p, text))
        .collect()
}

/// A kept object's manifest: as the input has it, without what the build writes anyway (the
/// namespace, platc's labels where they have platc's values, the sync wave of its kind).
fn text(draft: &Draft, o: &Object) -> String {
    let mut json = o.json.clone();
    if let Some(meta) = json.get_mut("metadata").and_then(Json::as_object_mut) {
        meta.remove("namespace");
        if let Some(labels) = meta.get_mut("labels").and_then(Json::as_object_mut) {
            // Only where they say what the build writes: a label of another value wins.
            labels.retain(|k, v| {
                let platc = match k.as_str() {
                    "app.kubernetes.io/managed-by" => Some("platc"),
                    "app.kubernetes.io/part-of" => Some(draft.name.as_str()),
                    _ => draft.defaults.get(k).map(String::as_str),
                };
                v.as_str() != platc
            });
            if labels.is_empty() {
                meta.remove("labels");
            }
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Json::as_object_mut) {
            let wave = crate::compile::manifests::sync_wave(&o.kind);
            if a.get("argocd.argoproj.io/sync-wave").and_then(Json::as_str) == Some(wave) {
                a.remove("argocd.argoproj.io/sync-wave");
            }
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    crate::render::yaml(&json)
}
