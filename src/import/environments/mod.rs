//! `platc import --cluster NAME=PATH ...`: several environments (each one cluster's YAML, e.g.
//! `kubectl kustomize overlays/ENV`) folded into one platform. Each environment is imported
//! on its own (and proven, as an import is); then every namespace is written once, stamped on
//! the clusters that have it, with what differs as `on.CLUSTER` overrides (the first cluster
//! named is the reference), an entry of a named table that a cluster lacks as `false`, images
//! whose tag alone differs as the cluster's `images`, and services that differ as the
//! cluster's `services`. The folded platform is built and each cluster's objects compared
//! with what its environment alone builds to: the fold is proven like the import.

mod fold;
mod write;

use std::collections::{BTreeMap, HashMap};

use toml::{Table, Value};

use super::{Imported, Options};
use crate::diag::{Diagnostic, FileId, SourceMap, codes};
use crate::stages::{Failed, compile_data};
use fold::{fold, images};
use write::to_v;

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
    let mut folders: BTreeMap<String, BTreeMap<String, BTreeMap<&str, &str>>> = BTreeMap::new();
    for (i, (shown, text)) in inputs.iter().enumerate() {
        let parts: Vec<&str> = shown.split('/').collect();
        let file = match parts.as_slice() {
            [.., "argocd", _] => {
                argocd.push(i);
                continue;
            }
            [.., file] => *file,
            [] => return None,
        };
        let (cluster, folder) = crate::import::read::place_of(shown)?;
        clusters.entry(cluster.clone()).or_default().push(i);
        folders
            .entry(folder)
            .or_default()
            .entry(cluster)
            .or_default()
            .insert(file, text.as_str());
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
            harden: opts.harden,
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
