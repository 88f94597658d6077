//! Input objects to the typed model: each object that fits becomes config entries of its
//! namespace (or of the platform), the rest is kept as a manifest, never dropped. What
//! "fits" is checked afterwards by building the result (`verify`); an object that does not
//! come back is handed back here as `demoted` and kept as a manifest instead.

mod namespace;
mod network;
mod pipeline;
mod platform;

use std::collections::BTreeMap;

use super::draft::{Draft, Id};
use super::read::Object;
use crate::yaml::kinds;

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
    let mut outcomes = vec![Outcome::Mapped; objects.len()];
    let mut cx = Cx {
        objects,
        demoted,
        draft: &mut draft,
        outcomes: &mut outcomes,
    };
    platform::argocd(&mut cx);
    platform::secrets(&mut cx);
    // Namespaced objects by namespace (`default` when they name none, as kubectl applies them).
    let mut by_ns: BTreeMap<String, Vec<Id>> = BTreeMap::new();
    for (id, o) in objects.iter().enumerate() {
        if cx.outcomes[id] != Outcome::Mapped || cx.is_handled(id) {
            continue;
        }
        let scope = kinds::find(&o.api_version, &o.kind).map(|k| k.cluster_scoped);
        match (o.kind.as_str(), scope) {
            ("Namespace", Some(true)) => {
                by_ns.entry(o.name.clone()).or_default().push(id);
            }
            (_, Some(true)) => {
                let cluster = o.cluster.clone().unwrap_or_else(|| "default".into());
                cx.keep(id, "cluster-scoped: kept in `[clusters.NAME] manifests`");
                cx.draft.cluster_kept.entry(cluster).or_default().push(id);
            }
            _ => {
                let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
                by_ns.entry(ns).or_default().push(id);
            }
        }
    }
    // Topics live beside their Kafka cluster, but belong to the pipeline that produces to
    // them: they are placed after every namespace's pipelines are known.
    let mut topics = Vec::new();
    for (ns, ids) in &by_ns {
        let (t, rest): (Vec<Id>, Vec<Id>) = ids.iter().partition(|&&id| {
            objects[id].kind == "KafkaTopic" && objects[id].group() == "kafka.strimzi.io"
        });
        topics.extend(t);
        if !rest.is_empty() {
            namespace::namespace(&mut cx, ns, &rest);
        }
    }
    let mut producers = pipeline::Producers::new(cx.draft);
    for id in topics {
        pipeline::topic(&mut cx, &mut producers, id);
    }
    let names: Vec<String> = cx.draft.namespaces.keys().cloned().collect();
    for ns in &names {
        let Some(mut draft_ns) = cx.draft.namespaces.remove(ns) else {
            continue;
        };
        // Clusters: what the paths say, for the namespace's own objects.
        for e in draft_ns.entries.iter().flat_map(|e| e.owners.iter()) {
            if let Some(c) = objects[*e].cluster.clone()
                && objects[*e]
                    .namespace
                    .as_deref()
                    .unwrap_or(&objects[*e].name)
                    == ns
            {
                draft_ns.clusters.insert(c);
            }
        }
        for c in &draft_ns.clusters {
            cx.draft.clusters.entry(c.clone()).or_insert(None);
        }
        cx.draft.namespaces.insert(ns.clone(), draft_ns);
    }
    Mapping { draft, outcomes }
}

/// The mapping's state.
pub struct Cx<'a> {
    pub objects: &'a [Object],
    pub demoted: &'a BTreeMap<Id, String>,
    pub draft: &'a mut Draft,
    pub outcomes: &'a mut Vec<Outcome>,
}

impl Cx<'_> {
    /// Keeps `id` as a manifest.
    pub fn keep(&mut self, id: Id, why: impl Into<String>) {
        self.outcomes[id] = Outcome::Kept(why.into());
    }

    /// Whether `id` was already mapped by a platform-wide step (Argo CD, secrets).
    fn is_handled(&self, id: Id) -> bool {
        let o = &self.objects[id];
        (o.group() == "argoproj.io" && matches!(o.kind.as_str(), "Application" | "AppProject"))
            || (o.group() == "external-secrets.io" && o.kind == "ExternalSecret")
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

/// The platform's name: the `app.kubernetes.io/part-of` label most objects carry.
fn platform_name(objects: &[Object]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for o in objects {
        if let Some(v) = o
            .label_pairs()
            .find(|(k, _)| *k == "app.kubernetes.io/part-of")
            .map(|(_, v)| v)
        {
            *counts.entry(v).or_default() += 1;
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
    let mut common: BTreeMap<&str, &str> = first
        .label_pairs()
        .filter(|(k, _)| !OWN_LABELS.contains(k))
        .collect();
    for o in rest {
        if common.is_empty() {
            break;
        }
        common.retain(|k, v| o.label_pairs().any(|(k2, v2)| k2 == *k && v2 == *v));
    }
    common
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
