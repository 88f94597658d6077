//! `platc import --cluster NAME=PATH ...`: several environments (each one cluster's YAML, e.g.
//! `kubectl kustomize overlays/ENV`) folded into one platform. Each environment is imported
//! on its own (and proven, as an import is); then every namespace is written once, stamped on
//! the clusters that have it, with what differs as `on.CLUSTER` overrides (the first cluster
//! named is the reference), an entry of a named table that a cluster lacks as `false`, images
//! whose tag alone differs as the cluster's `images`, and services that differ as the
//! cluster's `services`. The folded platform is built and each cluster's objects compared
//! with what its environment alone builds to: the fold is proven like the import.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::{Table, Value};

use super::toml::V;
use super::{Imported, Options};
use crate::diag::{Diagnostic, FileId, SourceMap, codes};
use crate::model::environment::{containers, repository};
use crate::stages::{Failed, compile_data};
use crate::syntax::config::NAMED_TABLES;

/// One environment to fold: its cluster and its YAML files (registered in `sources`).
pub struct Environment {
    /// The cluster it becomes.
    pub cluster: String,
    /// Its input files.
    pub sources: SourceMap,
    /// The files of `sources` to import.
    pub files: Vec<FileId>,
}

/// One environment imported on its own.
struct Imported1 {
    cluster: String,
    imported: Imported,
    table: Table,
}

fn failed(message: String) -> Failed {
    Failed {
        diagnostics: vec![Diagnostic::error(codes::ENVIRONMENTS_DIFFER, None, message)],
        sources: SourceMap::default(),
    }
}

/// The inputs (by index) of each cluster.
pub type Clusters = BTreeMap<String, Vec<usize>>;

/// The environments of a platc `out/` tree (`<cluster>/<namespace>/<file>`) whose clusters
/// hold a namespace with other files or other contents: its files by cluster, and those of
/// `argocd/` apart. `None` for any other input (the plain import takes it whole).
pub fn split(inputs: &[(String, String)]) -> Option<(Clusters, Vec<usize>)> {
    let mut clusters = Clusters::new();
    let mut argocd = Vec::new();
    // namespace folder -> cluster -> file name -> text
    let mut folders: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, &str>>> = BTreeMap::new();
    for (i, (shown, text)) in inputs.iter().enumerate() {
        let parts: Vec<&str> = shown.split('/').collect();
        match parts.as_slice() {
            [.., "argocd", _] => argocd.push(i),
            [.., cluster, folder, file] => {
                clusters.entry(cluster.to_string()).or_default().push(i);
                folders
                    .entry(folder)
                    .or_default()
                    .entry(cluster)
                    .or_default()
                    .insert(file, text.as_str());
            }
            _ => return None,
        }
    }
    let differs = folders.values().any(|by_cluster| {
        let mut each = by_cluster.values();
        let first = each.next();
        by_cluster.len() > 1 && each.any(|files| Some(files) != first)
    });
    (clusters.len() > 1 && differs).then_some((clusters, argocd))
}

/// Imports each environment, folds them into one platform and proves it.
pub fn import(envs: Vec<Environment>, opts: &Options) -> Result<Imported, Failed> {
    import_with(envs, None, opts)
}

/// [`import`], with the Argo CD objects of an `out/` tree (its `argocd/` folder), which give
/// the platform its `[argocd]` and the clusters' servers, and are proven too.
pub fn import_with(
    envs: Vec<Environment>,
    argocd: Option<Environment>,
    opts: &Options,
) -> Result<Imported, Failed> {
    let mut each: Vec<Imported1> = Vec::new();
    for env in envs {
        let own = Options {
            config_name: opts.config_name.clone(),
            manifests_dir: format!("{}/{}", opts.manifests_dir, env.cluster),
            fallback_name: opts.fallback_name.clone(),
        };
        let imported = super::import(env.sources, &env.files, &own)?;
        let mut table: Table = imported.config.parse().map_err(|e| {
            failed(format!(
                "the import of cluster `{}` is not TOML: {e}",
                env.cluster
            ))
        })?;
        one_cluster(&env.cluster, &mut table)?;
        each.push(Imported1 {
            cluster: env.cluster,
            imported,
            table,
        });
    }
    let images = images(&mut each);
    let mut folded = fold(&each, &images)?;
    let argocd = argocd.map(|a| argocd_of(a, &mut folded));
    let argo_objects = argocd.as_ref().map_or(0, |(_, read)| read.len());
    let objects: usize = each.iter().map(|e| total(&e.imported)).sum::<usize>() + argo_objects;
    let header = format!(
        "# Written by `platc import` from {objects} objects of {} clusters; `platc build` writes them back.",
        each.len()
    );
    let mut config = format!("#:schema ./schemas/platform.schema.json\n{header}\n");
    super::toml::table(&mut config, &[], &to_v(&folded, &[]));
    let files: Vec<(String, String)> = each
        .iter()
        .flat_map(|e| e.imported.files.iter().cloned())
        .collect();
    prove(
        &config,
        &files,
        &each,
        opts,
        argocd.as_ref().map(|(_, o)| o.as_slice()),
    )?;
    let mut report = String::new();
    if let Some((lines, _)) = &argocd {
        report.push_str(&format!("# argocd\n{lines}"));
    }
    for e in &each {
        report.push_str(&format!("# cluster {}\n{}", e.cluster, e.imported.report));
    }
    report.push_str(&summary(&folded, &images));
    let counts = each.iter().fold((argo_objects, 0, 0), |(a, b, c), e| {
        let (x, y, z) = e.imported.counts;
        (a + x, b + y, c + z)
    });
    let scratch: Vec<_> = each.into_iter().map(|e| e.imported.scratch).collect();
    Ok(Imported {
        config,
        files,
        report,
        counts,
        scratch: Box::new(scratch),
    })
}

fn total(i: &Imported) -> usize {
    i.counts.0 + i.counts.1 + i.counts.2
}

/// The Argo CD objects of an `out/` tree (Applications, their AppProject): the platform's
/// `[argocd]` and each cluster's server and revision go into `folded`; the objects, as read,
/// are what the folded platform must build, and a line each for the report.
fn argocd_of(env: Environment, folded: &mut Table) -> (String, Vec<serde_json::Value>) {
    let mut read = Vec::new();
    let mut report = String::new();
    for &f in &env.files {
        let file = env.sources.file(f);
        for v in serde_saphyr::from_multiple::<serde_json::Value>(&file.text).unwrap_or_default() {
            let text = |p: &str| {
                v.pointer(p)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("?")
            };
            if text("/kind") == "Kustomization" {
                continue;
            }
            report.push_str(&format!(
                "{}  {} {}/{}: mapped\n",
                file.name,
                text("/kind"),
                text("/metadata/namespace"),
                text("/metadata/name")
            ));
            read.push(v);
        }
    }
    // cluster -> (server, revision), and how many clusters sync each revision.
    let mut clusters: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut argocd = Table::new();
    for app in &read {
        let text = |p: &str| app.pointer(p).and_then(serde_json::Value::as_str);
        let (Some("Application"), Some(path), Some(rev), Some(server)) = (
            text("/kind"),
            text("/spec/source/path"),
            text("/spec/source/targetRevision"),
            text("/spec/destination/server"),
        ) else {
            continue;
        };
        let parts: Vec<&str> = path.split('/').collect();
        let Some(cluster) = parts.len().checked_sub(2).map(|i| parts[i]) else {
            continue;
        };
        let out = parts[..parts.len() - 2].join("/");
        argocd.insert(
            "repo_url".into(),
            Value::String(text("/spec/source/repoURL").unwrap_or_default().into()),
        );
        if !out.is_empty() && out != "out" {
            argocd.insert("path".into(), Value::String(out));
        }
        if let Some(ns) = text("/metadata/namespace").filter(|n| *n != "argocd") {
            argocd.insert("namespace".into(), Value::String(ns.into()));
        }
        clusters.insert(cluster.to_string(), (server.to_string(), rev.to_string()));
    }
    if clusters.is_empty() {
        return (report, read);
    }
    // `[argocd] revision`: the one most clusters sync (of equals, the first by name).
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, rev) in clusters.values() {
        *uses.entry(rev.as_str()).or_default() += 1;
    }
    let most = uses.values().copied().max().unwrap_or(0);
    let global = uses
        .iter()
        .find(|(_, n)| **n == most)
        .map(|(r, _)| r.to_string())
        .unwrap_or_default();
    if global != "HEAD" {
        argocd.insert("revision".into(), Value::String(global.clone()));
    }
    folded.insert("argocd".into(), Value::Table(argocd));
    if let Some(Value::Table(tables)) = folded.get_mut("clusters") {
        for (name, c) in tables.iter_mut() {
            let (Value::Table(c), Some((server, rev))) = (c, clusters.get(name)) else {
                continue;
            };
            if server != "https://kubernetes.default.svc" {
                c.insert("server".into(), Value::String(server.clone()));
            }
            if *rev != global {
                c.insert("revision".into(), Value::String(rev.clone()));
            }
        }
    }
    (report, read)
}

/// An environment is one cluster: its import names none, or one (read from an `out/` tree's
/// paths), which its namespaces may name; once checked, they no longer do.
fn one_cluster(cluster: &str, t: &mut Table) -> Result<(), Failed> {
    let clusters = t.get("clusters").and_then(Value::as_table);
    let own: Option<&str> = clusters.and_then(|c| c.keys().next()).map(String::as_str);
    let own = own.map(str::to_string);
    let several = clusters.is_some_and(|c| c.len() > 1);
    let mut elsewhere = false;
    for (_, ns) in t
        .get_mut("namespaces")
        .and_then(Value::as_table_mut)
        .into_iter()
        .flatten()
    {
        let Some(ns) = ns.as_table_mut() else {
            continue;
        };
        if ns.contains_key("clusters") {
            elsewhere = true;
        }
        if let Some(c) = ns.remove("cluster") {
            elsewhere |= c.as_str() != own.as_deref();
        }
    }
    if several || elsewhere {
        return Err(failed(format!(
            "the input of cluster `{cluster}` holds objects of several clusters; give each environment's YAML to its own `--cluster`"
        )));
    }
    Ok(())
}

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
fn images(each: &mut [Imported1]) -> BTreeMap<String, BTreeMap<String, String>> {
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
fn fold(
    each: &[Imported1],
    images: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Table, Failed> {
    let mut root = Table::new();
    let first = &each[0];
    if let Some(p) = first.table.get("platform") {
        root.insert("platform".into(), p.clone());
    }
    for section in ["defaults", "argocd", "monitoring", "vars"] {
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
            if let Some(k) = base.keys().find(|k| !theirs.contains_key(*k)) {
                return Err(failed(format!(
                    "service `{name}` sets `{k}` on one cluster but not on `{}`; a cluster's services can change a key, not remove it",
                    e.cluster
                )));
            }
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

/// The config's tables as the import's writer takes them: sections and named entries under
/// their own headers, small maps inline, `patches` as arrays of tables.
fn to_v(t: &Table, path: &[&str]) -> Vec<(String, V)> {
    t.iter()
        .map(|(k, v)| {
            let mut p = path.to_vec();
            p.push(k.as_str());
            (k.clone(), value(v, &p))
        })
        .collect()
}

fn value(v: &Value, path: &[&str]) -> V {
    match v {
        Value::String(s) => V::s(s.clone()),
        Value::Integer(i) => V::Int(*i),
        Value::Boolean(b) => V::Bool(*b),
        Value::Float(f) => V::s(f.to_string()),
        Value::Datetime(d) => V::s(d.to_string()),
        Value::Array(items) => {
            let tables = path.last() == Some(&"patches");
            V::Arr(
                items
                    .iter()
                    .map(|i| match (i, tables) {
                        (Value::Table(t), true) => V::Table(to_v(t, path)),
                        _ => value(i, path),
                    })
                    .collect(),
            )
        }
        Value::Table(t) => {
            let entries = to_v(t, path);
            // `role_bindings = { NAME = false }`: removals only read best on one line.
            let removals = !t.is_empty() && t.values().all(|v| *v == Value::Boolean(false));
            if section(path) && !(removals && super::toml::fits("", &V::Inline(entries.clone()))) {
                V::Table(entries)
            } else {
                let inline = V::Inline(entries.clone());
                let leaf = path.last().copied().unwrap_or_default();
                if super::toml::fits(leaf, &inline) {
                    inline
                } else {
                    V::Table(entries)
                }
            }
        }
    }
}

/// Whether the table at `path` is written under its own header: the sections, each
/// namespace, service and cluster, a namespace's overrides, quota, limits and named tables
/// and their entries.
fn section(path: &[&str]) -> bool {
    // A namespace's own keys start after `namespaces.NAME`, or `namespaces.NAME.on.CLUSTER`.
    let inner = match path {
        ["namespaces", _, "on", _, rest @ ..] => rest,
        ["namespaces", _, rest @ ..] => rest,
        [_] => return true,
        [section, _] => {
            return matches!(
                *section,
                "clusters" | "services" | "secret_stores" | "templates"
            );
        }
        ["clusters", _, "services", ..] => return path.len() <= 4,
        _ => return false,
    };
    match inner {
        [] | ["on"] => true,
        [key] => NAMED_TABLES.contains(key) || matches!(*key, "quota" | "limits"),
        [table, _] => NAMED_TABLES.contains(table),
        _ => false,
    }
}

/// Builds the folded config and each environment alone, and holds that every cluster gets
/// exactly the objects its environment builds to.
fn prove(
    config: &str,
    files: &[(String, String)],
    each: &[Imported1],
    opts: &Options,
    argocd: Option<&[serde_json::Value]>,
) -> Result<(), Failed> {
    let loader = |files: &[(String, String)]| super::verify::Files {
        files: files.iter().cloned().collect::<HashMap<_, _>>(),
    };
    let folded = compile_data(
        &opts.config_name,
        &opts.config_name,
        config.to_string(),
        SourceMap::default(),
        &loader(files),
    )?;
    if let Some(want) = argocd {
        let got: Vec<&serde_json::Value> = folded
            .iter()
            .filter(|o| o.folder == "argocd")
            .map(|o| &o.manifest)
            .collect();
        let missing = want.iter().find(|w| !got.contains(w));
        if let Some(w) = missing.or_else(|| (got.len() != want.len()).then(|| &want[0])) {
            let name = &w["metadata"]["name"];
            let built = got.iter().find(|g| &g["metadata"]["name"] == name);
            let mut fields = Vec::new();
            if let Some(b) = built {
                crate::diff::object::walk(String::new(), w, b, &mut fields);
            }
            let first = fields
                .first()
                .map(|f| format!(" (`{}`)", f.line()))
                .unwrap_or_default();
            return Err(failed(format!(
                "the folded platform does not build the Argo CD object `{}` back{first}; import the clusters with `--cluster` and write [argocd] by hand",
                name.as_str().unwrap_or("?")
            )));
        }
    }
    let mut by_cluster: BTreeMap<&str, BTreeMap<String, &serde_json::Value>> = BTreeMap::new();
    for o in &folded {
        if let Some((cluster, rest)) = o.folder.split_once('/') {
            let key = format!("{rest}/{}/{}", o.kind, o.name);
            by_cluster
                .entry(cluster)
                .or_default()
                .insert(key, &o.manifest);
        }
    }
    for e in each {
        let alone = compile_data(
            &opts.config_name,
            &opts.config_name,
            e.imported.config.clone(),
            SourceMap::default(),
            &loader(&e.imported.files),
        )?;
        let want: BTreeMap<String, &serde_json::Value> = alone
            .iter()
            .filter_map(|o| {
                let (_, rest) = o.folder.split_once('/')?;
                Some((format!("{rest}/{}/{}", o.kind, o.name), &o.manifest))
            })
            .collect();
        let got = by_cluster.remove(e.cluster.as_str()).unwrap_or_default();
        let differs = want
            .iter()
            .find(|(k, v)| got.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .or_else(|| got.keys().find(|k| !want.contains_key(*k)).cloned());
        if let Some(object) = differs {
            return Err(failed(format!(
                "the folded platform does not give cluster `{}` its objects back (`{object}` differs); please report this",
                e.cluster
            )));
        }
    }
    Ok(())
}

/// The fold in a few lines, after the objects' report.
fn summary(folded: &Table, images: &BTreeMap<String, BTreeMap<String, String>>) -> String {
    let namespaces = folded.get("namespaces").and_then(Value::as_table);
    let count = |f: &dyn Fn(&Table) -> bool| {
        namespaces
            .into_iter()
            .flatten()
            .filter(|(_, ns)| ns.as_table().is_some_and(f))
            .count()
    };
    let all = namespaces.map_or(0, Table::len);
    let several = count(&|ns| ns.contains_key("clusters"));
    let overridden = count(&|ns| ns.contains_key("on"));
    let mut out = format!(
        "note: {all} namespaces: {several} on several clusters ({overridden} with `on.CLUSTER` overrides), {} on one\n",
        all - several
    );
    for (cluster, repos) in images {
        let list: Vec<String> = repos.iter().map(|(r, t)| format!("{r} = {t}")).collect();
        out.push_str(&format!(
            "note: cluster `{cluster}` images: {}\n",
            list.join(", ")
        ));
    }
    out
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

    #[test]
    fn sections_get_headers_and_small_maps_are_inline() {
        assert!(section(&["namespaces", "x"]));
        assert!(section(&["namespaces", "x", "on", "staging"]));
        assert!(section(&[
            "namespaces",
            "x",
            "on",
            "staging",
            "pipelines",
            "p"
        ]));
        assert!(section(&["namespaces", "x", "quota"]));
        assert!(!section(&["namespaces", "x", "labels"]));
        assert!(!section(&["namespaces", "x", "on", "staging", "labels"]));
        assert!(!section(&[
            "namespaces",
            "x",
            "pipelines",
            "p",
            "resources"
        ]));
        assert!(section(&["clusters", "staging", "services", "kafka"]));
    }
}
