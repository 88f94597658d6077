//! Input objects to the typed model: each object that fits becomes config entries of its
//! namespace (or of the platform), the rest is kept as a manifest, never dropped. What
//! "fits" is checked afterwards by building the result (`verify`); an object that does not
//! come back is handed back here as `demoted` and kept as a manifest instead.

mod dolphinscheduler;
mod namespace;
mod network;
mod pipeline;
mod platform;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::draft::{Draft, Id, Service};
use super::read::Object;
use crate::import::read::Pointer;

/// What became of an input object.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Mapped into the config.
    Mapped,
    /// Kept as a manifest, and why.
    Kept(String),
    /// Not copied at all (a Secret with values), and what to do instead.
    NotCopied(String),
}

/// Labels platc writes itself; never part of `[defaults]`.
pub const OWN_LABELS: [&str; 2] = ["app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"];
/// Annotations platc writes itself.
pub const OWN_ANNOTATIONS: [&str; 2] = [
    "argocd.argoproj.io/sync-wave",
    "argocd.argoproj.io/sync-options",
];

/// The draft and the outcome of every object.
pub struct Mapping {
    /// The platform.
    pub draft: Draft,
    /// By object.
    pub outcomes: Vec<Outcome>,
}

/// Maps `objects`; the ones in `demoted` are kept as manifests with the reason given.
pub fn map(objects: &[Object], demoted: &BTreeMap<Id, String>, fallback_name: &str) -> Mapping {
    let mut draft = Draft {
        name: platform_name(objects).unwrap_or_else(|| fallback_name.to_string()),
        defaults: common_labels(objects),
        ..Draft::default()
    };
    let mut outcomes = BTreeMap::new();
    let mut cx = Cx::new(objects, demoted, &mut draft, &mut outcomes);
    platform::argocd(&mut cx);
    platform::secrets(&mut cx);
    dolphinscheduler::dolphinscheduler(&mut cx);
    // Namespaced objects by namespace (`default` when they name none, as kubectl applies them).
    let mut by_ns: BTreeMap<&str, Vec<Id>> = BTreeMap::new();
    for (id, o) in objects.iter().enumerate() {
        if *cx.outcome(id) != Outcome::Mapped || cx.is_handled(id) {
            continue;
        }
        match (is_namespace(o), o.cluster_scoped) {
            (true, _) if !cx.demoted.contains_key(&id) => {
                by_ns.entry(o.name.as_str()).or_default().push(id);
            }
            (_, true) => {
                let why = cx.demoted.get(&id).cloned().unwrap_or_else(|| {
                    "cluster-scoped: kept in `[clusters.NAME] manifests`".into()
                });
                cx.keep(id, why);
            }
            _ => {
                let ns = o.namespace.as_deref().unwrap_or("default");
                by_ns.entry(ns).or_default().push(id);
            }
        }
    }
    // Topics live beside their Kafka cluster, but belong to the pipeline that produces to
    // them: they are placed after every namespace's pipelines are known.
    let mut topics = Vec::new();
    let mut work: Vec<(&str, Vec<Id>)> = Vec::new();
    for (ns, ids) in by_ns {
        let (t, rest): (Vec<Id>, Vec<Id>) = ids.iter().partition(|&&id| {
            objects[id].kind == "KafkaTopic" && objects[id].group() == "kafka.strimzi.io"
        });
        topics.extend(t);
        if !rest.is_empty() {
            work.push((ns, rest));
        }
    }
    // Each namespace on its own, on every core; joined in namespace order, as one thread
    // mapping them in turn would.
    let base = &*cx.draft;
    let mapped = crate::par::map(&work, 64, |(ns, ids)| {
        let mut draft = Draft {
            defaults: base.defaults.clone(),
            dolphinscheduler: base.dolphinscheduler.clone(),
            ..Draft::default()
        };
        if let Some(had) = base.namespaces.get(*ns) {
            draft.namespaces.insert(ns.to_string(), had.clone());
        }
        let mut outcomes = BTreeMap::new();
        let mut cx = Cx::new(objects, demoted, &mut draft, &mut outcomes);
        namespace::namespace(&mut cx, ns, ids);
        let services = std::mem::take(&mut cx.services);
        (draft, outcomes, services)
    });
    for ((ns, _), (mut local, outcomes, services)) in work.iter().zip(mapped) {
        cx.outcomes.extend(outcomes);
        if cx.draft.rule_labels.is_empty() {
            cx.draft.rule_labels = local.rule_labels;
        }
        let Some(mut draft_ns) = local.namespaces.remove(*ns) else {
            continue;
        };
        // The services its policies name, declared in the order one thread would.
        for (service, placeholder, at) in services {
            let name = format!("service:{}", network::declare(cx.draft, service));
            if let Some(e) = draft_ns.entries.get_mut(at) {
                network::name_service(&mut e.value, &placeholder, &name);
            }
        }
        cx.draft.namespaces.insert(ns.to_string(), draft_ns);
    }
    let mut producers = pipeline::Producers::new(cx.draft);
    for id in topics {
        pipeline::topic(&mut cx, &mut producers, id);
    }
    // Clusters: what the paths say, for each namespace's own objects.
    let names: Vec<&String> = cx.draft.namespaces.keys().collect();
    let clusters = crate::par::map(&names, 256, |ns| {
        let mut clusters = BTreeSet::new();
        for &id in cx.draft.namespaces[*ns]
            .entries
            .iter()
            .flat_map(|e| e.owners.iter())
        {
            let o = &objects[id];
            if let Some(c) = &o.cluster
                && o.namespace.as_deref().unwrap_or(&o.name) == ns.as_str()
            {
                clusters.insert(c.clone());
            }
        }
        clusters
    });
    for (draft_ns, found) in draft.namespaces.values_mut().zip(clusters) {
        draft_ns.clusters.extend(found);
        for c in &draft_ns.clusters {
            draft.clusters.entry(c.clone()).or_insert(None);
        }
    }
    let mut all = vec![Outcome::Mapped; objects.len()];
    for (id, outcome) in outcomes {
        all[id] = outcome;
    }
    place_kept(objects, &all, &mut draft);
    for (name, ns) in &mut draft.namespaces {
        namespace::finish(objects, &all, name, ns);
    }
    Mapping {
        draft,
        outcomes: all,
    }
}

/// Whether `o` is a Namespace object.
pub fn is_namespace(o: &Object) -> bool {
    o.kind == "Namespace" && o.group().is_empty()
}

/// Gives every object kept as a manifest its place, whichever step kept it: its namespace's
/// `manifests`, or its cluster's for a cluster-scoped one (a Namespace object too). No object
/// kept is left out of what is written.
fn place_kept(objects: &[Object], outcomes: &[Outcome], draft: &mut Draft) {
    let mut placed = vec![false; objects.len()];
    for &id in draft
        .namespaces
        .values()
        .flat_map(|n| n.kept.iter())
        .chain(draft.cluster_kept.values().flatten())
    {
        placed[id] = true;
    }
    for (id, o) in objects.iter().enumerate() {
        if placed[id] || !matches!(outcomes[id], Outcome::Kept(_)) {
            continue;
        }
        if o.cluster_scoped {
            let cluster = o.cluster.clone().unwrap_or_else(|| "default".into());
            draft.cluster_kept.entry(cluster).or_default().push(id);
        } else {
            let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
            draft.namespaces.entry(ns).or_default().kept.push(id);
        }
    }
    for ids in draft.cluster_kept.values_mut() {
        ids.sort_unstable();
        ids.dedup();
    }
}

/// The mapping's state: of the whole platform, or of one namespace mapped on its own.
pub struct Cx<'a> {
    pub objects: &'a [Object],
    pub demoted: &'a BTreeMap<Id, String>,
    pub draft: &'a mut Draft,
    /// The objects not mapped, and why; every other one is mapped.
    pub outcomes: &'a mut BTreeMap<Id, Outcome>,
    /// The services the namespace's network policies need, declared when the namespaces are
    /// joined: (the service, the placeholder its policy names it by, the policy's entry).
    pub services: Vec<(Service, String, usize)>,
}

impl<'a> Cx<'a> {
    /// A mapping of `objects` into `draft`, with no services needed yet.
    fn new(
        objects: &'a [Object],
        demoted: &'a BTreeMap<Id, String>,
        draft: &'a mut Draft,
        outcomes: &'a mut BTreeMap<Id, Outcome>,
    ) -> Self {
        Cx {
            objects,
            demoted,
            draft,
            outcomes,
            services: Vec::new(),
        }
    }

    /// What became of `id` so far.
    pub fn outcome(&self, id: Id) -> &Outcome {
        self.outcomes.get(&id).unwrap_or(&Outcome::Mapped)
    }

    /// Keeps `id` as a manifest.
    pub fn keep(&mut self, id: Id, why: impl Into<String>) {
        self.outcomes.insert(id, Outcome::Kept(why.into()));
    }

    /// Whether `id` was already mapped by a platform-wide step (Argo CD, secrets,
    /// DolphinScheduler).
    fn is_handled(&self, id: Id) -> bool {
        let o = &self.objects[id];
        platform::is_argo_cd(o)
            || platform::is_external_secret(o)
            || self
                .draft
                .dolphinscheduler
                .as_ref()
                .is_some_and(|d| d.owners.contains(&id))
    }

    /// What `after` the pipeline `ns/name` has when DolphinScheduler runs it (empty for a
    /// chain head), or `None` when its CronJob schedules it.
    pub fn dolphinscheduler_after(&self, ns: &str, name: &str) -> Option<&Vec<String>> {
        self.draft
            .dolphinscheduler
            .as_ref()?
            .pipelines
            .get(&(ns.to_string(), name.to_string()))
    }

    /// Whether `id` may be mapped (not demoted by a failed round trip); a demoted one is kept.
    pub fn may_map(&mut self, id: Id) -> bool {
        match self.demoted.get(&id) {
            Some(why) => {
                let why = why.clone();
                self.keep(id, why);
                false
            }
            None => true,
        }
    }

    /// The object's labels without platc's own and `[defaults]`.
    pub fn own_labels(&self, id: Id) -> BTreeMap<String, String> {
        self.objects[id]
            .labels()
            .into_iter()
            .filter(|(k, v)| {
                !OWN_LABELS.contains(&k.as_str()) && self.draft.defaults.get(k) != Some(v)
            })
            .collect()
    }

    /// The object's annotations without platc's own.
    pub fn own_annotations(&self, id: Id) -> BTreeMap<String, String> {
        self.objects[id]
            .annotations()
            .into_iter()
            .filter(|(k, _)| !OWN_ANNOTATIONS.contains(&k.as_str()))
            .collect()
    }
}

/// Objects a thread takes at a time in the passes over all of them.
const CHUNK: usize = 4096;

/// The platform's name: the `app.kubernetes.io/part-of` label most objects carry.
fn platform_name(objects: &[Object]) -> Option<String> {
    // Counted a chunk of objects at a time on every core, then added up.
    let chunks: Vec<&[Object]> = objects.chunks(CHUNK).collect();
    let parts = crate::par::map(&chunks, 1, |chunk| {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for o in *chunk {
            if let Some(v) = o
                .label_pairs()
                .find(|(k, _)| *k == "app.kubernetes.io/part-of")
                .map(|(_, v)| v)
            {
                *counts.entry(v).or_default() += 1;
            }
        }
        counts
    });
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for part in parts {
        for (name, n) in part {
            *counts.entry(name).or_default() += n;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(name, _)| name.to_string())
}

/// Labels every object carries with the same value (platc's own left out): `[defaults]`.
fn common_labels(objects: &[Object]) -> BTreeMap<String, String> {
    let Some((first, rest)) = objects.split_first() else {
        return BTreeMap::new();
    };
    if rest.is_empty() {
        return BTreeMap::new();
    }
    let first: BTreeMap<&str, &str> = first
        .label_pairs()
        .filter(|(k, _)| !OWN_LABELS.contains(k))
        .collect();
    // The first object's labels that every object of a chunk has, a chunk on each core; then
    // those every chunk kept.
    let chunks: Vec<&[Object]> = rest.chunks(CHUNK).collect();
    let kept = crate::par::map(&chunks, 1, |chunk| {
        let mut common = first.clone();
        for o in *chunk {
            if common.is_empty() {
                break;
            }
            let labels = o.json.at("/metadata/labels").and_then(Json::as_object);
            common.retain(|k, v| labels.and_then(|l| l.get(*k)).and_then(Json::as_str) == Some(*v));
        }
        common
    });
    let mut common = first;
    for part in kept {
        common.retain(|k, _| part.contains_key(k));
    }
    common
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
