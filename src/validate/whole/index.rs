//! One index of a namespace's objects, generated and from manifests together, built once:
//! pod templates with their labels and ports (found by label, not by a scan per selector),
//! Services by name, workloads by kind and name, HPAs, PodDisruptionBudgets, NetworkPolicies,
//! the Secrets the namespace will hold, and what patches change.

use std::collections::HashMap;

use super::facts::{Backend, Declared, Fact, Hpa, Monitor, Pdb, Policy, Service, Template};
use super::selector::Selector;
use crate::model;

/// What a namespace's objects are, for the checks that relate them.
pub(crate) struct Index<'a> {
    pub ns: &'a model::Namespace,
    pub templates: Vec<&'a Template>,
    by_label: HashMap<(&'a str, &'a str), Vec<usize>>,
    pub services: HashMap<&'a str, &'a Service>,
    /// Services in file order.
    pub service_list: Vec<&'a Service>,
    /// Templates of workloads by kind and name.
    pub workloads: HashMap<(&'a str, &'a str), usize>,
    pub hpas: Vec<&'a Hpa>,
    pub pdbs: Vec<&'a Pdb>,
    pub policies: Vec<&'a Policy>,
    pub backends: Vec<&'a Backend>,
    pub monitors: Vec<&'a Monitor>,
    pub secrets: HashMap<&'a str, &'a Declared>,
    /// Whether platc sees every pod, Service and Secret of the namespace: it manages the
    /// namespace, and no object of a kind it does not know could make more.
    pub complete: bool,
    /// Whether a patch may change the labels of some template.
    unsure_labels: bool,
    /// What each patch changes: (kind in lower case, name, JSON Pointers).
    patched: Vec<(String, &'a str, Vec<String>)>,
}

impl<'a> Index<'a> {
    /// The index of `ns`: its manifests' facts and what platc generates (`own`).
    pub fn new(ns: &'a model::Namespace, facts: &'a [Fact], own: &'a [Fact]) -> Self {
        let mut index = Index {
            ns,
            templates: Vec::new(),
            by_label: HashMap::new(),
            services: HashMap::new(),
            service_list: Vec::new(),
            workloads: HashMap::new(),
            hpas: Vec::new(),
            pdbs: Vec::new(),
            policies: Vec::new(),
            backends: Vec::new(),
            monitors: Vec::new(),
            secrets: HashMap::new(),
            // Another owner puts its own objects into a namespace platc does not manage.
            complete: ns.managed,
            unsure_labels: false,
            patched: ns
                .patches
                .iter()
                .map(|p| {
                    let pointers = p
                        .operations
                        .iter()
                        .flat_map(|(op, _)| {
                            let from = match op {
                                json_patch::PatchOperation::Move(m) => Some(m.from.to_string()),
                                _ => None,
                            };
                            std::iter::once(op.path().to_string()).chain(from)
                        })
                        .collect();
                    (p.kind.to_ascii_lowercase(), p.name.as_str(), pointers)
                })
                .collect(),
        };
        for fact in own.iter().chain(facts) {
            match fact {
                Fact::Pods(t) => {
                    let i = index.templates.len();
                    index.templates.push(t);
                    index
                        .workloads
                        .insert((t.kind.as_str(), t.name.as_str()), i);
                    for (k, v) in t.labels.iter() {
                        index
                            .by_label
                            .entry((k.as_str(), v.as_str()))
                            .or_default()
                            .push(i);
                    }
                }
                Fact::Service(s) => {
                    index.services.insert(s.name.as_str(), s);
                    index.service_list.push(s);
                }
                Fact::Backends(b) => index.backends.extend(b),
                Fact::Hpa(h) => index.hpas.push(h),
                Fact::Pdb(p) => index.pdbs.push(p),
                Fact::Policy(p) => index.policies.push(p),
                Fact::Secret(d) => {
                    index.secrets.entry(d.name.as_str()).or_insert(d);
                }
                Fact::Monitor(m) => index.monitors.push(m),
                Fact::Opaque => index.complete = false,
            }
        }
        index.unsure_labels = index.templates.iter().any(|t| index.labels_unsure(t));
        index
    }

    /// Whether a patch may change what is at `pointer` (or below it) of object `kind/name`.
    pub fn changed(&self, kind: &str, name: &str, pointer: &str) -> bool {
        self.patched.iter().any(|(k, n, pointers)| {
            k.eq_ignore_ascii_case(kind)
                && *n == name
                && pointers.iter().any(|p| overlaps(p, pointer))
        })
    }

    /// Whether a patch may change the labels of a template's pods.
    pub fn labels_unsure(&self, t: &Template) -> bool {
        self.changed(&t.kind, &t.name, &format!("{}/metadata/labels", t.pointer))
    }

    /// Whether a patch may change a template's containers (ports, environment).
    pub fn containers_unsure(&self, t: &Template) -> bool {
        self.changed(&t.kind, &t.name, &format!("{}/spec", t.pointer))
    }

    /// The templates `selector` selects (by their labels as written), and whether some
    /// template a patch changes the labels of might be selected too.
    pub fn select(&self, selector: &Selector) -> (Vec<usize>, bool) {
        let candidates: Vec<usize> = match selector
            .labels
            .iter()
            .map(|(k, v)| {
                self.by_label
                    .get(&(k.as_str(), v.as_str()))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|ids| ids.len())
        {
            Some(ids) => ids.to_vec(),
            None => (0..self.templates.len()).collect(),
        };
        let selected = candidates
            .into_iter()
            .filter(|&i| selector.matches(&self.templates[i].labels))
            .collect();
        (selected, self.unsure_labels)
    }

    /// The template whose labels come closest to `selector` (most of its labels, then a
    /// near spelling of a value), for "did you mean".
    pub fn nearest(&self, selector: &Selector) -> Option<(&'a Template, Option<String>)> {
        let mut best: Option<(usize, usize, &'a Template, Option<String>)> = None;
        for t in &self.templates {
            let same = selector
                .labels
                .iter()
                .filter(|(k, v)| t.labels.get(k.as_str()) == Some(v))
                .count();
            // A selector label whose value this template spells almost alike.
            let near = selector.labels.iter().find_map(|(k, v)| {
                let have = t.labels.get(k.as_str())?;
                (have != v && crate::diag::closest(v, [have.as_str()]).is_some())
                    .then(|| format!("{k}: {have}"))
            });
            let keys = selector
                .labels
                .iter()
                .filter(|(k, _)| t.labels.contains_key(k.as_str()))
                .count();
            let score = same * 2 + usize::from(near.is_some());
            if score + keys == 0 {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|(s, k, _, _)| (score, keys) > (*s, *k))
            {
                best = Some((score, keys, t, near));
            }
        }
        best.map(|(_, _, t, near)| (t, near))
    }
}

/// Whether one JSON Pointer is at, above or below the other.
fn overlaps(a: &str, b: &str) -> bool {
    let below = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    below(a, b) || below(b, a)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pointers_overlap_at_parents_and_children() {
        use super::overlaps;
        assert!(overlaps("/spec", "/spec/template/metadata/labels"));
        assert!(overlaps(
            "/spec/template/metadata/labels/app",
            "/spec/template/metadata/labels"
        ));
        assert!(overlaps("", "/spec"));
        assert!(!overlaps(
            "/spec/template/spec/nodeSelector",
            "/spec/template/metadata/labels"
        ));
        assert!(!overlaps("/spec/replicasX", "/spec/replicas"));
    }
}
