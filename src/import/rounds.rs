//! The proof of an import, in rounds: map the objects, write the config and manifests, build
//! them in-process, and compare every input object with what the build writes for it. A field
//! the build loses is restored by a patch; an object that does not come back the same (or
//! whose mapping breaks the build) is kept as a manifest; then the next round. It ends when
//! every object comes back, or with the reason one cannot.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use super::draft::{self, Draft, Id};
use super::map::{self, Outcome};
use super::read::Object;
use super::toml::V;
use super::verify;
use super::{Options, write};
use crate::diag::{Diagnostic, FileId, Severity, codes};
use crate::model::{PodSecurity, pod_security};
use crate::stages::{Failed, compile_data};
use crate::timings::measure;

/// Rounds of map, build and verify before giving up on what still does not come back.
const ROUNDS: usize = 8;

/// Most operations a patch may take to restore an object; beyond, it is kept as a manifest.
const MAX_OPS: usize = 8;

/// Restoring operations of one object: (`add`|`replace`, path, value).
pub type Ops = Vec<(&'static str, String, Json)>;

/// An import that comes back.
pub struct Settled {
    /// The config's text.
    pub config: String,
    /// The manifest files: (path relative to the config's folder, text).
    pub files: Vec<(String, String)>,
    /// The draft written.
    pub draft: Draft,
    /// What the build wrote.
    pub built: verify::Built,
    /// What became of each object.
    pub outcomes: Vec<Outcome>,
    /// What the build adds to each mapped object (paths).
    pub changes: BTreeMap<Id, Vec<String>>,
    /// The patches that restore what the model cannot say.
    pub patches: BTreeMap<Id, Ops>,
    /// Notes for the report.
    pub notes: Vec<String>,
    /// Where each kept object's file is.
    pub kept_at: BTreeMap<Id, String>,
}

impl Settled {
    /// How many objects were mapped, kept and not copied.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&Outcome) -> bool| self.outcomes.iter().filter(|o| f(o)).count();
        (
            count(|o| *o == Outcome::Mapped),
            count(|o| matches!(o, Outcome::Kept(_))),
            count(|o| matches!(o, Outcome::NotCopied(_))),
        )
    }
}

/// Why an import does not come back.
pub enum Unsettled {
    /// The build of the last round failed and nothing more can be kept as a manifest: its
    /// diagnostics, about the config and manifests written (to be said at the input).
    Build {
        /// The build's failure.
        failed: Failed,
        /// The draft it was written from.
        draft: Box<Draft>,
        /// The manifests written: (object, path, text).
        placed: Vec<(Id, String, String)>,
    },
    /// Objects that do not come back, located at the input.
    Promise(Vec<Diagnostic>),
}

/// Runs the rounds until every object comes back.
pub fn settle(objects: &[Object], opts: &Options) -> Result<Settled, Unsettled> {
    let mut demoted: BTreeMap<Id, String> = BTreeMap::new();
    let mut patches: BTreeMap<Id, Ops> = BTreeMap::new();
    let mut last = None;
    let mut rendered = HashMap::new();
    for _ in 0..ROUNDS {
        let mapping = measure("import-map", || {
            map::map(objects, &demoted, &opts.fallback_name)
        });
        let mut draft = mapping.draft;
        let outcomes = mapping.outcomes;
        let notes = measure("import-fit", || {
            fit_pod_security(&mut draft, objects, &outcomes)
        });
        add_patches(&mut draft, objects, &outcomes, &patches);
        let kept: Vec<Id> = (0..objects.len())
            .filter(|&i| matches!(outcomes[i], Outcome::Kept(_)))
            .collect();
        let header = format!(
            "# Written by `platc import` from {} objects; `platc build` writes them back.",
            objects.len()
        );
        let config = measure("import-write", || {
            write::config(&draft, objects, &opts.manifests_dir, &header)
        });
        let placed = write::manifests(&draft, objects, &opts.manifests_dir, &kept, &mut rendered);
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
                crate::diag::SourceMap::default(),
                &loader,
            )
        });
        let compiled = match built {
            Ok(c) => c,
            Err(failed) => {
                let blamed = blame(&draft, &config, &failed, &outcomes, objects);
                if blamed.is_empty() {
                    return Err(Unsettled::Build {
                        failed,
                        draft: Box::new(draft),
                        placed,
                    });
                }
                for id in blamed {
                    demoted.insert(id, "the platform did not build with it mapped".into());
                }
                last = Some((failed, draft, placed));
                continue;
            }
        };
        let built = measure("import-index", || verify::built(compiled));
        let compared = measure("import-verify", || compare(objects, &outcomes, &built));
        let mut again = false;
        let mut changes: BTreeMap<Id, Vec<String>> = BTreeMap::new();
        let mut broken = Vec::new();
        let owners = owner_namespaces(&draft);
        for (id, c) in compared {
            let o = &objects[id];
            let mapped = outcomes[id] == Outcome::Mapped;
            let Some(c) = c else {
                if mapped {
                    demoted.insert(id, "platc would not write it back".into());
                    again = true;
                } else {
                    broken.push(lost(o));
                }
                continue;
            };
            if !mapped {
                if let Some(d) = unfaithful(o, &c) {
                    broken.push(d);
                }
                continue;
            }
            let harden = opts.harden && o.kind == "CronJob";
            if !c.changed.is_empty() && !harden {
                demoted.insert(id, would_change(o, &c.changed));
                again = true;
                continue;
            }
            let mut added = c.added;
            added.extend(c.changed);
            changes.insert(id, added);
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
        broken.extend(extra_objects(objects, &outcomes, &built));
        if !broken.is_empty() {
            return Err(Unsettled::Promise(broken));
        }
        let kept_at: BTreeMap<Id, String> =
            placed.iter().map(|(id, p, _)| (*id, p.clone())).collect();
        let files = placed.into_iter().map(|(_, p, t)| (p, t)).collect();
        return Ok(Settled {
            config,
            files,
            draft,
            built,
            outcomes,
            changes,
            patches,
            notes,
            kept_at,
        });
    }
    match last {
        Some((failed, draft, placed)) => Err(Unsettled::Build {
            failed,
            draft: Box::new(draft),
            placed,
        }),
        None => Err(Unsettled::Promise(vec![Diagnostic::error(
            codes::IMPORT_ROUND_TRIP,
            None,
            "the import did not settle: some objects never came back the same; please report this",
        )])),
    }
}

/// Each mapped or kept object against what the build wrote for it, on every core: `None`
/// where the build wrote nothing for it.
fn compare(
    objects: &[Object],
    outcomes: &[Outcome],
    built: &verify::Built,
) -> Vec<(Id, Option<verify::Changes>)> {
    let ids: Vec<Id> = (0..objects.len())
        .filter(|&id| matches!(outcomes[id], Outcome::Mapped | Outcome::Kept(_)))
        .collect();
    let compared = crate::par::map(&ids, 256, |&id| {
        let o = &objects[id];
        let rest = (
            o.group(),
            o.kind.as_str(),
            o.placed_namespace(),
            o.name.as_str(),
        );
        verify::find(built, o.cluster.as_deref(), rest).map(|b| {
            let mut c = verify::Changes::default();
            verify::diff(&o.kind, &o.json, b, &mut c);
            c
        })
    });
    ids.into_iter().zip(compared).collect()
}

/// `Kind namespace/name` of an object.
pub fn what(o: &Object) -> String {
    match o.placed_namespace() {
        "" => format!("{} {}", o.kind, o.name),
        ns => format!("{} {ns}/{}", o.kind, o.name),
    }
}

fn lost(o: &Object) -> Diagnostic {
    Diagnostic::error(
        codes::IMPORT_ROUND_TRIP,
        o.origin,
        format!(
            "{}: the build of the import does not write it back",
            what(o)
        ),
    )
    .with_label("lost")
}

/// A kept object the build writes differently: the first difference.
fn unfaithful(o: &Object, c: &verify::Changes) -> Option<Diagnostic> {
    let field = c
        .restore
        .first()
        .map(|(_, p, _)| p.clone())
        .or_else(|| c.changed.first().cloned())?;
    Some(
        Diagnostic::error(
            codes::IMPORT_ROUND_TRIP,
            o.origin,
            format!(
                "{}: the build of the import writes `{field}` differently from the input",
                what(o)
            ),
        )
        .with_label("not given back as it is"),
    )
}

/// Why a mapped object is kept instead: what the build would add that changes it.
fn would_change(o: &Object, changed: &[String]) -> String {
    let summary = verify::summary(changed);
    if o.kind == "CronJob" {
        format!(
            "as a pipeline it would change: {summary}; `platc import --harden` maps it with these settings"
        )
    } else {
        format!("platc would add: {summary}")
    }
}

/// Objects the build writes that are no input object.
fn extra_objects(
    objects: &[Object],
    outcomes: &[Outcome],
    built: &verify::Built,
) -> Vec<Diagnostic> {
    let mut inputs: std::collections::HashSet<(&str, &str, &str, &str)> =
        std::collections::HashSet::new();
    let mut argo_cd = false;
    for (o, outcome) in objects.iter().zip(outcomes) {
        if matches!(outcome, Outcome::Mapped | Outcome::Kept(_)) {
            inputs.insert((o.group(), &o.kind, o.placed_namespace(), &o.name));
            argo_cd |= o.group() == "argoproj.io" && *outcome == Outcome::Mapped;
        }
    }
    let mut extra: Vec<String> = built
        .keys()
        .filter(|(g, k, ns, n)| {
            let input = inputs.contains(&(g.as_str(), k.as_str(), ns.as_str(), n.as_str()));
            // Argo CD's objects, mapped into `[argocd]`, are written for every folder.
            !(input || argo_cd && g == "argoproj.io")
        })
        .map(|(_, k, ns, n)| {
            if ns.is_empty() {
                format!("{k} {n}")
            } else {
                format!("{k} {ns}/{n}")
            }
        })
        .collect();
    extra.sort();
    extra
        .into_iter()
        .map(|e| {
            Diagnostic::error(
                codes::IMPORT_ROUND_TRIP,
                None,
                format!("the build of the import writes {e}, which the input does not have"),
            )
        })
        .collect()
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
    patches: &BTreeMap<Id, Ops>,
) {
    let owners = owner_namespaces(draft);
    // A target names the API group where another object of the namespace has the same kind
    // (in another group) and name: the build would find both otherwise.
    let mut groups: HashMap<(&str, String, &str), Vec<&str>> = HashMap::new();
    if !patches.is_empty() {
        for o in objects {
            let key = (
                o.placed_namespace(),
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
                o.placed_namespace(),
                o.kind.to_ascii_lowercase(),
                o.name.as_str(),
            );
            let shared = groups.get(&key).is_some_and(|g| g.len() > 1);
            let patch = draft::Patch {
                target: o.id(shared),
                ops: verify::ops(ops),
                owner: id,
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

/// Sets a namespace's Pod Security level to what the workloads kept as manifests need, when
/// no Namespace object of the input sets it (so the platform builds; platc then checks them
/// against it but, the namespace not being platc's, writes no label); says so in the report.
fn fit_pod_security(draft: &mut Draft, objects: &[Object], outcomes: &[Outcome]) -> Vec<String> {
    let mut notes = Vec::new();
    // A Namespace of the input says its level itself: its pods are held to it, as the cluster
    // would hold them.
    let unowned = draft
        .namespaces
        .iter_mut()
        .filter(|(_, ns)| ns.has(&["managed"]));
    for (name, ns) in unowned {
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

/// The mapped objects whose config entries the failed build's errors are about: the entry at
/// the error (or the patch), else every mapped object of the error's namespace.
fn blame(
    draft: &Draft,
    config: &str,
    failed: &Failed,
    outcomes: &[Outcome],
    objects: &[Object],
) -> Vec<Id> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |id: Id, out: &mut Vec<Id>| {
        if outcomes[id] == Outcome::Mapped && seen.insert(id) {
            out.push(id);
        }
    };
    // `[dolphinscheduler]`'s lines: a problem there is its objects'.
    let dolphinscheduler = config.find("\n[dolphinscheduler]\n").map(|at| {
        let end = config[at + 1..]
            .find("\n[")
            .map_or(config.len(), |e| at + 1 + e);
        at..end
    });
    // Where each error is, and the places it names (a quota a kept workload does not fit).
    let spans = failed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .flat_map(|d| d.span.into_iter().chain(d.related.iter().map(|(s, _)| *s)));
    for span in spans {
        if span.file != FileId(0) {
            continue;
        }
        if let (Some(lines), Some(ds)) = (&dolphinscheduler, &draft.dolphinscheduler)
            && lines.contains(&(span.start as usize))
        {
            for &id in &ds.owners {
                push(id, &mut out);
            }
            continue;
        }
        let Some((ns, path)) = super::locate::config_path(config, span.start as usize) else {
            continue;
        };
        let Some(n) = draft.namespaces.get(&ns) else {
            continue;
        };
        let owners = super::locate::owners_at(n, &path, objects);
        if owners.is_empty() {
            for e in &n.entries {
                for &id in &e.owners {
                    push(id, &mut out);
                }
            }
        } else {
            for id in owners {
                push(id, &mut out);
            }
        }
    }
    out
}
