//! The fold of `platc import --cluster`: what several environments share, and what each
//! sets apart (`on.CLUSTER` overrides, `false` for a missing entry, a cluster's `images` and
//! `services`).

use std::collections::{BTreeMap, BTreeSet};

use toml::{Table, Value};

use super::{Imported1, failed};
use crate::model::environment::{containers, repository};
use crate::stages::Failed;
use crate::syntax::config::NAMED_TABLES;

/// Calls `f` with every string at a key `image` below `v` (pipelines and their steps).
fn each_image(v: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match v {
        Value::Table(t) => {
            for (k, v) in t.iter_mut() {
                match v {
                    Value::String(s) if k == "image" => f(s),
                    _ => each_image(v, f),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| each_image(i, f)),
        _ => {}
    }
}

/// The tag (`:1.4.2`) or digest (`@sha256:...`) of an image, after its repository.
fn suffix(image: &str) -> &str {
    &image[repository(image).len()..]
}

/// Per cluster, the repositories whose images all have one tag there, where it is not the
/// reference cluster's: those become the cluster's `images`, and its images of them are
/// written with the reference's tag (which `images` turns back into its own).
pub(super) fn images(each: &mut [Imported1]) -> BTreeMap<String, BTreeMap<String, String>> {
    // cluster -> repository -> the tags used there (config and kept manifests).
    let mut used: Vec<BTreeMap<String, BTreeSet<String>>> = Vec::new();
    for e in each.iter_mut() {
        let mut tags: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        if let Some(ns) = e.table.get_mut("namespaces") {
            each_image(ns, &mut |s| {
                tags.entry(repository(s).to_string())
                    .or_default()
                    .insert(suffix(s).to_string());
            });
        }
        for (_, text) in &e.imported.files {
            for doc in serde_saphyr::from_multiple::<serde_json::Value>(text).unwrap_or_default() {
                containers(&doc, &mut |image| {
                    tags.entry(repository(image).to_string())
                        .or_default()
                        .insert(suffix(image).to_string());
                });
            }
        }
        used.push(tags);
    }
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let Some(reference) = used.first().cloned() else {
        return out;
    };
    for (i, e) in each.iter_mut().enumerate().skip(1) {
        let mut retag: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (repo, tags) in &used[i] {
            let (Some(theirs), Some(ours)) = (single(tags), reference.get(repo).and_then(single))
            else {
                continue;
            };
            // A tag or digest an `images` entry can set, different from the reference's.
            let value = theirs
                .strip_prefix(':')
                .or_else(|| theirs.strip_prefix('@'))
                .filter(|v| !v.is_empty());
            if let Some(value) = value
                && theirs != ours
                && !ours.is_empty()
            {
                retag.insert(repo.clone(), (ours.to_string(), value.to_string()));
            }
        }
        if let Some(ns) = e.table.get_mut("namespaces") {
            each_image(ns, &mut |s| {
                if let Some((ours, _)) = retag.get(repository(s)) {
                    *s = format!("{}{ours}", repository(s));
                }
            });
        }
        if !retag.is_empty() {
            out.insert(
                e.cluster.clone(),
                retag.into_iter().map(|(r, (_, v))| (r, v)).collect(),
            );
        }
    }
    out
}

fn single(tags: &BTreeSet<String>) -> Option<&str> {
    match tags.len() {
        1 => tags.first().map(String::as_str),
        _ => None,
    }
}

/// The folded config.
pub(super) fn fold(
    each: &[Imported1],
    images: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Table, Failed> {
    let mut root = Table::new();
    let first = &each[0];
    if let Some(p) = first.table.get("platform") {
        root.insert("platform".into(), p.clone());
    }
    for section in ["defaults", "argocd", "vars"] {
        let values: Vec<(&str, Option<&Value>)> = each
            .iter()
            .map(|e| (e.cluster.as_str(), e.table.get(section)))
            .collect();
        if let Some((_, Some(v))) = values.first()
            && values.iter().all(|(_, o)| *o == Some(*v))
        {
            root.insert(section.into(), (*v).clone());
        } else if values.iter().any(|(_, o)| o.is_some()) {
            let differ: Vec<String> = values.iter().map(|(c, _)| format!("`{c}`")).collect();
            return Err(failed(format!(
                "[{section}] differs between clusters {}: it applies to every cluster, so these environments cannot be one platform as they are; make it the same in each, then import again",
                differ.join(", ")
            )));
        }
    }
    // What import reads from objects some clusters may not have: `[monitoring]` from
    // PrometheusRules, `[dolphinscheduler]` from its submit Job and workflows. Taken from the
    // clusters that have them, the same on each; a cluster without says nothing (the fold is
    // proven below, cluster by cluster, as ever).
    for section in ["monitoring", "dolphinscheduler"] {
        let mut found: Option<(&str, &Value)> = None;
        for e in each {
            let Some(v) = e.table.get(section) else {
                continue;
            };
            match found {
                Some((first, have)) if have != v => {
                    return Err(failed(format!(
                        "[{section}] differs between clusters `{first}` and `{}`: it applies to every cluster, so these environments cannot be one platform as they are; make it the same in each, then import again",
                        e.cluster
                    )));
                }
                Some(_) => {}
                None => found = Some((&e.cluster, v)),
            }
        }
        if let Some((_, v)) = found {
            root.insert(section.into(), v.clone());
        }
    }
    let mut clusters = Table::new();
    for e in each {
        // What its import said of its one cluster (server, cluster-scoped manifests).
        let mut c = e
            .table
            .get("clusters")
            .and_then(Value::as_table)
            .and_then(|t| t.values().next())
            .and_then(Value::as_table)
            .cloned()
            .unwrap_or_default();
        if let Some(images) = images.get(&e.cluster) {
            let t: Table = images
                .iter()
                .map(|(r, v)| (r.clone(), Value::String(v.clone())))
                .collect();
            c.insert("images".into(), Value::Table(t));
        }
        clusters.insert(e.cluster.clone(), Value::Table(c));
    }
    // Secret stores: each one once; the same name must mean the same store.
    let mut stores = Table::new();
    for e in each {
        for (name, s) in e
            .table
            .get("secret_stores")
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
        {
            match stores.get(name) {
                Some(have) if have != s => {
                    return Err(failed(format!(
                        "secret store `{name}` is another store on cluster `{}`; give the two different names",
                        e.cluster
                    )));
                }
                _ => {
                    stores.insert(name.clone(), s.clone());
                }
            }
        }
    }
    // Services: the reference's (the first cluster's that has it), and what differs per
    // cluster as `[clusters.NAME.services.SVC]`.
    let mut services = Table::new();
    for e in each {
        for (name, s) in e
            .table
            .get("services")
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
        {
            let Some(base) = services.get(name).and_then(Value::as_table).cloned() else {
                services.insert(name.clone(), s.clone());
                continue;
            };
            let theirs = s.as_table().cloned().unwrap_or_default();
            let mut differs = Table::new();
            for (k, v) in &theirs {
                if base.get(k) != Some(v) {
                    differs.insert(k.clone(), v.clone());
                }
            }
            // A key this cluster's import did not find (`strimzi_cluster` comes from the
            // KafkaTopics, which a cluster without producers lacks) stays the reference's: the
            // fold is proven below, and a real difference fails there.
            if !differs.is_empty()
                && let Some(Value::Table(c)) = clusters.get_mut(&e.cluster)
            {
                let svc = c
                    .entry("services")
                    .or_insert_with(|| Value::Table(Table::new()));
                if let Value::Table(svc) = svc {
                    svc.insert(name.clone(), Value::Table(differs));
                }
            }
        }
    }
    root.insert("clusters".into(), Value::Table(clusters));
    if !stores.is_empty() {
        root.insert("secret_stores".into(), Value::Table(stores));
    }
    if !services.is_empty() {
        root.insert("services".into(), Value::Table(services));
    }
    // Namespaces: once each, on the clusters that have it.
    let mut names: BTreeSet<&String> = BTreeSet::new();
    for e in each {
        names.extend(
            e.table
                .get("namespaces")
                .and_then(Value::as_table)
                .into_iter()
                .flatten()
                .map(|(k, _)| k),
        );
    }
    let mut namespaces = Table::new();
    for name in names {
        let present: Vec<(&str, &Table)> = each
            .iter()
            .filter_map(|e| {
                let ns = e.table.get("namespaces")?.get(name.as_str())?.as_table()?;
                Some((e.cluster.as_str(), ns))
            })
            .collect();
        let mut ns = Table::new();
        if let [(cluster, only)] = present.as_slice() {
            ns.insert("cluster".into(), Value::String(cluster.to_string()));
            ns.extend(only.iter().map(|(k, v)| (k.clone(), v.clone())));
        } else {
            let on: Vec<Value> = present
                .iter()
                .map(|(c, _)| Value::String(c.to_string()))
                .collect();
            ns.insert("clusters".into(), Value::Array(on));
            let (base, over) = fold_table(&present, false, true);
            ns.extend(base);
            let over: Table = over
                .into_iter()
                .filter(|(_, t)| !t.is_empty())
                .map(|(c, t)| (c, Value::Table(t)))
                .collect();
            if !over.is_empty() {
                ns.insert("on".into(), Value::Table(over));
            }
        }
        namespaces.insert(name.clone(), Value::Table(ns));
    }
    if !namespaces.is_empty() {
        root.insert("namespaces".into(), Value::Table(namespaces));
    }
    Ok(root)
}

/// Folds one table of several clusters (the first is the reference) into what they share and
/// what each sets apart: a key every cluster has is the reference's (tables folded key by key),
/// overridden where another differs; a key some clusters lack stays with those that have it,
/// except an entry of a named table (`named`), which the reference keeps and a cluster
/// without it removes (`false`). `patches`, which overrides add to rather than replace, stay
/// shared only when every cluster has the same (`top`: the namespace's own table).
fn fold_table(
    tables: &[(&str, &Table)],
    named: bool,
    top: bool,
) -> (Table, BTreeMap<String, Table>) {
    let mut base = Table::new();
    let mut over: BTreeMap<String, Table> = BTreeMap::new();
    // In the order the reference wrote them, then what the others add.
    let mut keys: Vec<&String> = Vec::new();
    for k in tables.iter().flat_map(|(_, t)| t.keys()) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let empty = Value::Table(Table::new());
    for key in keys {
        // A named table a cluster does not have is one without entries there.
        let none = (top && NAMED_TABLES.contains(&key.as_str())).then_some(&empty);
        let present: Vec<(&str, &Value)> = tables
            .iter()
            .filter_map(|(c, t)| Some((*c, t.get(key.as_str()).or(none)?)))
            .collect();
        let absent: Vec<&str> = tables
            .iter()
            .filter(|(_, t)| !t.contains_key(key.as_str()) && none.is_none())
            .map(|(c, _)| *c)
            .collect();
        let same = present.iter().all(|(_, v)| *v == present[0].1);
        let added = top && key == "patches";
        if added && !(absent.is_empty() && same) || !absent.is_empty() && !named {
            for (c, v) in &present {
                over.entry(c.to_string())
                    .or_default()
                    .insert(key.clone(), (*v).clone());
            }
            continue;
        }
        let tables_here: Option<Vec<(&str, &Table)>> = present
            .iter()
            .map(|(c, v)| v.as_table().map(|t| (*c, t)))
            .collect();
        match tables_here {
            Some(inner) if !same => {
                let entries = top && NAMED_TABLES.contains(&key.as_str());
                let (b, o) = fold_table(&inner, entries, false);
                base.insert(key.clone(), Value::Table(b));
                for (c, t) in o.into_iter().filter(|(_, t)| !t.is_empty()) {
                    over.entry(c)
                        .or_default()
                        .insert(key.clone(), Value::Table(t));
                }
            }
            _ => {
                base.insert(key.clone(), present[0].1.clone());
                for (c, v) in &present[1..] {
                    if *v != present[0].1 {
                        over.entry(c.to_string())
                            .or_default()
                            .insert(key.clone(), (*v).clone());
                    }
                }
            }
        }
        for c in absent {
            over.entry(c.to_string())
                .or_default()
                .insert(key.clone(), Value::Boolean(false));
        }
    }
    (base, over)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn what_differs_becomes_overrides_and_missing_entries_false() {
        let prod = t(r#"
            labels = { env = "prod", team = "data" }
            manifests = ["manifests/prod/x/*.yaml"]
            [quota]
            pods = 200
            requests = { cpu = "200" }
            [pipelines.load]
            schedule = "0 2 * * *"
            [pipelines.prices]
            schedule = "0 1 * * *"
            [limits]
            default = { cpu = "1" }
        "#);
        let staging = t(r#"
            labels = { env = "staging", team = "data" }
            manifests = ["manifests/staging/x/*.yaml"]
            [quota]
            pods = 20
            requests = { cpu = "200" }
            [pipelines.prices]
            schedule = "0 1 * * *"
        "#);
        let (base, over) = fold_table(&[("prod", &prod), ("staging", &staging)], false, true);
        assert_eq!(
            Value::Table(base),
            Value::Table(t(r#"
                labels = { env = "prod", team = "data" }
                manifests = ["manifests/prod/x/*.yaml"]
                [quota]
                pods = 200
                requests = { cpu = "200" }
                [pipelines.load]
                schedule = "0 2 * * *"
                [pipelines.prices]
                schedule = "0 1 * * *"
            "#))
        );
        assert_eq!(over["prod"], t(r#"limits = { default = { cpu = "1" } }"#));
        assert_eq!(
            over["staging"],
            t(r#"
                labels = { env = "staging" }
                manifests = ["manifests/staging/x/*.yaml"]
                quota = { pods = 20 }
                pipelines = { load = false }
            "#)
        );
    }
}
