//! `platc import`: the inverse of `build`. YAML objects in; a `platform.toml` that models what
//! it can, and manifests for the rest, out; and a report of what became of each object.
//!
//! The stages: [`read`] the objects; [`map`] them into a draft of the config (what fits the
//! typed model, the rest kept); [`write`] the draft as files; build those in-process and
//! [`verify`] every mapped object against what the build writes for it. A field the build
//! loses is restored by a patch, an object that still does not come back is kept as a
//! manifest, and the loop runs again until the build gives every object back.

mod draft;
mod map;
mod read;
mod toml;
mod verify;
mod write;

use std::collections::{BTreeMap, HashMap};

use crate::diag::{Diagnostic, FileId, SourceMap, codes};
use crate::model::{PodSecurity, pod_security};
use crate::stages::{Failed, compile_data};
use crate::timings::measure;
use draft::{Draft, Id};
use map::Outcome;
use read::Object;
use toml::V;

/// How to import.
pub struct Options {
    /// The config's file name (the header of generated files names it).
    pub config_name: String,
    /// Where kept manifests go, relative to the config's folder.
    pub manifests_dir: String,
    /// The platform's name when no object says (`app.kubernetes.io/part-of`).
    pub fallback_name: String,
}

/// What an import writes and says.
pub struct Imported {
    /// The config's text.
    pub config: String,
    /// Manifest files: (path relative to the config's folder, text).
    pub files: Vec<(String, String)>,
    /// One line per object.
    pub report: String,
    /// How many objects were mapped, kept and not copied.
    pub counts: (usize, usize, usize),
    /// The large values the import worked with (the objects read, the inputs' text, what the
    /// build wrote), handed over so that a process about to exit can leave them to the exit
    /// instead of freeing them one allocation at a time (~0.7 s at 10,000 tenants).
    pub scratch: Box<dyn std::any::Any + Send>,
}

/// Rounds of map, build and verify before giving up on what still does not come back.
const ROUNDS: usize = 8;

/// Most operations a patch may take to restore an object; beyond, it is kept as a manifest.
const MAX_OPS: usize = 8;

/// Imports the YAML files `inputs` (registered in `sources`).
pub fn import(sources: SourceMap, inputs: &[FileId], opts: &Options) -> Result<Imported, Failed> {
    let objects = match measure("import-read", || read::objects(&sources, inputs)) {
        Ok(o) => o,
        Err(diagnostics) => {
            return Err(Failed {
                diagnostics,
                sources,
            });
        }
    };
    if objects.is_empty() {
        let d = Diagnostic::error(
            codes::UNREADABLE,
            None,
            "no objects to import (the inputs hold no YAML documents)",
        );
        return Err(Failed {
            diagnostics: vec![d],
            sources,
        });
    }
    let mut demoted: BTreeMap<Id, String> = BTreeMap::new();
    let mut patches: BTreeMap<Id, Vec<(&'static str, String, serde_json::Value)>> = BTreeMap::new();
    let mut last_failure = None;
    for _ in 0..ROUNDS {
        let mapping = measure("import-map", || {
            map::map(&objects, &demoted, &opts.fallback_name)
        });
        let mut draft = mapping.draft;
        let outcomes = mapping.outcomes;
        let notes = measure("import-fit", || {
            fit_pod_security(&mut draft, &objects, &outcomes)
        });
        add_patches(&mut draft, &objects, &outcomes, &patches);
        let kept: Vec<Id> = (0..objects.len())
            .filter(|&i| matches!(outcomes[i], Outcome::Kept(_)))
            .collect();
        let header = format!(
            "# Written by `platc import` from {} objects; `platc build` writes them back.",
            objects.len()
        );
        let config = measure("import-write", || {
            write::config(&draft, &objects, &opts.manifests_dir, &header)
        });
        let placed = write::manifests(&draft, &objects, &opts.manifests_dir, &kept);
        let loader = verify::Files {
            files: placed
                .iter()
                .map(|(_, p, t)| (p.clone(), t.clone()))
                .collect::<HashMap<_, _>>(),
        };
        let built = measure("import-build", || {
            compile_data(
                &opts.config_name,
                &opts.config_name,
                config.clone(),
                SourceMap::default(),
                &loader,
            )
        });
        let compiled = match built {
            Ok(c) => c,
            Err(failed) => {
                let blamed = blame(&draft, &config, &failed, &outcomes);
                if blamed.is_empty() {
                    return Err(failed);
                }
                for id in blamed {
                    demoted.insert(id, "the platform did not build with it mapped".into());
                }
                last_failure = Some(failed);
                continue;
            }
        };
        let built = measure("import-index", || verify::built(compiled));
        let mut again = false;
        let mut changes: BTreeMap<Id, Vec<String>> = BTreeMap::new();
        let owners = owner_namespaces(&draft);
        // Each mapped object against what the build wrote for it, on every core: `None` where
        // the build wrote nothing for it.
        let ids: Vec<Id> = (0..objects.len())
            .filter(|&id| outcomes[id] == Outcome::Mapped)
            .collect();
        let compared = measure("import-verify", || {
            crate::par::map(&ids, 256, |&id| {
                let o = &objects[id];
                let ns = if o.kind == "Namespace" {
                    String::new()
                } else {
                    o.namespace.clone().unwrap_or_else(|| "default".into())
                };
                let rest = (o.group(), o.kind.as_str(), ns.as_str(), o.name.as_str());
                verify::find(&built, o.cluster.as_deref(), rest).map(|b| {
                    let mut c = verify::Changes::default();
                    verify::diff(&o.json, b, "", &mut c);
                    c
                })
            })
        });
        for (&id, c) in ids.iter().zip(compared) {
            let Some(c) = c else {
                demoted.insert(id, "platc would not write it back".into());
                again = true;
                continue;
            };
            changes.insert(id, c.added);
            if c.restore.is_empty() {
                continue;
            }
            let first = c.restore[0].1.clone();
            if patches.contains_key(&id) || c.restore.len() > MAX_OPS || !owners.contains_key(&id) {
                demoted.insert(
                    id,
                    format!(
                        "{} of its fields platc would write differently (e.g. `{first}`)",
                        c.restore.len()
                    ),
                );
            } else {
                patches.insert(id, c.restore);
            }
            again = true;
        }
        if again {
            continue;
        }
        let kept_at: BTreeMap<Id, String> =
            placed.iter().map(|(id, p, _)| (*id, p.clone())).collect();
        let report = measure("import-report", || {
            report(
                &sources, &objects, &outcomes, &changes, &patches, &notes, &kept_at,
            )
        });
        let files = placed.into_iter().map(|(_, p, t)| (p, t)).collect();
        let counts = (
            outcomes.iter().filter(|o| **o == Outcome::Mapped).count(),
            outcomes
                .iter()
                .filter(|o| matches!(o, Outcome::Kept(_)))
                .count(),
            outcomes
                .iter()
                .filter(|o| matches!(o, Outcome::NotCopied(_)))
                .count(),
        );
        return Ok(Imported {
            config,
            files,
            report,
            counts,
            scratch: Box::new((objects, built, sources, draft)),
        });
    }
    Err(last_failure.unwrap_or_else(|| Failed {
        diagnostics: vec![Diagnostic::error(
            codes::UNREADABLE,
            None,
            "the import did not settle: some objects never came back the same; please report this",
        )],
        sources,
    }))
}

/// The namespace whose config holds each object's entries (where a patch on it goes): the
/// first in name order.
fn owner_namespaces(draft: &Draft) -> HashMap<Id, &str> {
    let mut out = HashMap::new();
    for (name, ns) in &draft.namespaces {
        for &id in ns.entries.iter().flat_map(|e| &e.owners) {
            out.entry(id).or_insert(name.as_str());
        }
    }
    out
}

fn add_patches(
    draft: &mut Draft,
    objects: &[Object],
    outcomes: &[Outcome],
    patches: &BTreeMap<Id, Vec<(&'static str, String, serde_json::Value)>>,
) {
    let owners = owner_namespaces(draft);
    // A target names the API group where another object of the namespace has the same kind
    // (in another group) and name: the build would find both otherwise.
    let mut groups: HashMap<(Option<&str>, String, &str), Vec<&str>> = HashMap::new();
    if !patches.is_empty() {
        for o in objects {
            let key = (
                o.namespace.as_deref(),
                o.kind.to_ascii_lowercase(),
                o.name.as_str(),
            );
            let seen = groups.entry(key).or_default();
            if !seen.contains(&o.group()) {
                seen.push(o.group());
            }
        }
    }
    let placed: Vec<(String, draft::Patch)> = patches
        .iter()
        .filter(|&(&id, _)| outcomes[id] == Outcome::Mapped)
        .filter_map(|(&id, ops)| {
            let ns = owners.get(&id)?;
            let o = &objects[id];
            let key = (
                o.namespace.as_deref(),
                o.kind.to_ascii_lowercase(),
                o.name.as_str(),
            );
            let shared = groups.get(&key).is_some_and(|g| g.len() > 1);
            let patch = draft::Patch {
                target: o.id(shared),
                ops: verify::ops(ops),
            };
            Some((ns.to_string(), patch))
        })
        .collect();
    for (ns, patch) in placed {
        if let Some(d) = draft.namespaces.get_mut(&ns) {
            d.patches.push(patch);
        }
    }
}

/// Lowers a namespace's Pod Security level to what the workloads kept as manifests need (when
/// no Namespace object sets it), so the platform builds; says so in the report.
fn fit_pod_security(draft: &mut Draft, objects: &[Object], outcomes: &[Outcome]) -> Vec<String> {
    let mut notes = Vec::new();
    for (name, ns) in draft.namespaces.iter_mut() {
        let mut need = PodSecurity::Restricted;
        for &id in ns
            .kept
            .iter()
            .filter(|&&id| matches!(outcomes[id], Outcome::Kept(_)))
        {
            let o = &objects[id];
            let Some((_, spec)) = pod_security::pod_spec_of(&o.kind, &o.json) else {
                continue;
            };
            for level in [
                PodSecurity::Restricted,
                PodSecurity::Baseline,
                PodSecurity::Privileged,
            ] {
                if level_rank(level) < level_rank(need) {
                    continue;
                }
                if pod_security::check(level, &spec).is_empty() {
                    need = level;
                    break;
                }
            }
        }
        let set = ns
            .entries
            .iter()
            .find(|e| e.path == ["pod_security"])
            .map(|e| e.value.clone());
        let level = match set {
            Some(V::Str(l)) if l == "privileged" => PodSecurity::Privileged,
            Some(V::Str(l)) if l == "baseline" => PodSecurity::Baseline,
            _ => PodSecurity::Restricted,
        };
        if level_rank(need) > level_rank(level) {
            let word = pod_security::level_name(need);
            ns.entries.retain(|e| e.path != ["pod_security"]);
            ns.set(&["pod_security"], V::s(word), &[]);
            notes.push(format!(
                "namespace `{name}`: pod_security = \"{word}\", which its workloads need"
            ));
        }
    }
    notes
}

fn level_rank(l: PodSecurity) -> u8 {
    match l {
        PodSecurity::Restricted => 0,
        PodSecurity::Baseline => 1,
        PodSecurity::Privileged => 2,
    }
}

/// The mapped objects of the namespaces where the build of the generated config failed.
fn blame(draft: &Draft, config: &str, failed: &Failed, outcomes: &[Outcome]) -> Vec<Id> {
    const HEADER: &str = "\n[namespaces.";
    // Where each namespace's tables start, in order, so a position finds its namespace by a
    // binary search instead of a search back through the text.
    let headers: Vec<usize> = config.match_indices(HEADER).map(|(i, _)| i).collect();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for d in &failed.diagnostics {
        let Some(span) = d.span else { continue };
        if span.file != FileId(0) {
            continue;
        }
        let start = (span.start as usize).min(config.len());
        // The last header that starts before `start`, as a search back from it finds.
        let n = headers.partition_point(|&h| h + HEADER.len() <= start);
        let Some(&at) = n.checked_sub(1).and_then(|i| headers.get(i)) else {
            continue;
        };
        let header = &config[at + HEADER.len()..start];
        let ns = header
            .split([']', '.'])
            .next()
            .unwrap_or_default()
            .trim_matches('"');
        if let Some(n) = draft.namespaces.get(ns) {
            for e in &n.entries {
                for &id in &e.owners {
                    if outcomes[id] == Outcome::Mapped && seen.insert(id) {
                        out.push(id);
                    }
                }
            }
        }
    }
    out
}

fn report(
    sources: &SourceMap,
    objects: &[Object],
    outcomes: &[Outcome],
    changes: &BTreeMap<Id, Vec<String>>,
    patches: &BTreeMap<Id, Vec<(&'static str, String, serde_json::Value)>>,
    notes: &[String],
    kept_at: &BTreeMap<Id, String>,
) -> String {
    // A line per object, made on every core, joined in input order.
    let ids: Vec<Id> = (0..objects.len()).collect();
    let lines = crate::par::map(&ids, 1024, |&id| {
        let o = &objects[id];
        let at = sources.location(o.origin);
        let what = match (&o.namespace, o.kind.as_str()) {
            (Some(ns), _) => format!("{} {ns}/{}", o.kind, o.name),
            (None, _) => format!("{} {}", o.kind, o.name),
        };
        let outcome = match &outcomes[id] {
            Outcome::Mapped => {
                let mut line = "mapped".to_string();
                if let Some(ops) = patches.get(&id) {
                    let paths: Vec<&str> = ops.iter().map(|(_, p, _)| p.as_str()).collect();
                    line.push_str(&format!(
                        ", patched: {} (the model has no place for them)",
                        paths.join(", ")
                    ));
                }
                match changes.get(&id).filter(|c| !c.is_empty()) {
                    Some(added) => format!("{line}, changed: {}", verify::summary(added)),
                    None => line,
                }
            }
            Outcome::Kept(why) => match kept_at.get(&id) {
                Some(path) => format!("kept as manifest: {why} -> {path}"),
                None => format!("kept as manifest: {why}"),
            },
            Outcome::NotCopied(why) => format!("not copied: {why}"),
        };
        format!("{at}  {what}: {outcome}\n")
    });
    let mut out = lines.concat();
    for n in notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}
