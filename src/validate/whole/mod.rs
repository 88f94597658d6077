//! The platform checked as a whole: what controllers would silently ignore once every object
//! is applied. A Service selecting no pods, an Ingress naming no Service, an HPA aiming at
//! nothing, a PodDisruptionBudget that blocks every drain, a port no NetworkPolicy lets
//! traffic reach, an environment variable naming a key its Secret will not have, a monitor
//! that scrapes nothing.
//!
//! Each namespace's objects, generated and from manifests together, go into one [`Index`]
//! built once ([`index`]); every check queries it (by label, by name), never scanning the
//! objects once per pair. The facts of a manifest's object are read from its YAML with the
//! span of each value ([`facts`]), so a finding points at the line at fault, with the other
//! end as a second label. Where platc cannot see everything (an object of a kind it does not
//! know may make pods, Services or Secrets; a patch may change what a check reads), the
//! check says nothing.

pub(crate) mod facts;
mod index;
mod network;
pub(crate) mod read;
mod scaling;
mod secrets;
pub(crate) mod selector;
mod services;

use std::collections::HashMap;

use super::Written;
use super::context::Ctx;
use crate::diag::Diagnostic;
use crate::model::{self, Labels, Platform};
use crate::syntax::config::EnvValue;
use facts::{
    Container, Declared, Fact, IngressRule, Policy, PolicyPort, PortRef, SecretKeyRef, Template,
};
pub(crate) use index::Index;
use selector::Selector;

/// Runs every cross-object check on every namespace (each copy of one split per cluster, with
/// the objects it has there). `facts[w.at]` are the facts of the manifests of `w`.
pub(crate) fn check(
    ctx: &mut Ctx<'_>,
    platform: &Platform,
    namespaces: &[Written<'_>],
    facts: &[Vec<Fact>],
) {
    // What platc generates, with the spans of the config values it comes from.
    let own: Vec<Vec<Fact>> = ctx.each(namespaces, |ctx, w| {
        generated(ctx, &platform.common_labels, w)
    });
    let indexes: Vec<(&Written<'_>, Index<'_>)> = namespaces
        .iter()
        .zip(&own)
        .map(|(w, o)| (w, Index::new(w.ns, &facts[w.at], o)))
        .collect();
    // Another namespace is looked up on the cluster of the one asking: each cluster has its
    // copy of a namespace split per cluster.
    let mut by_place: HashMap<(&str, &str), &Index<'_>> = HashMap::new();
    for (_, index) in &indexes {
        for cluster in &index.ns.clusters {
            by_place.insert((cluster.as_str(), index.ns.name.as_str()), index);
        }
    }
    let all = &by_place;
    let split = namespaces.iter().any(|w| w.ns.on.is_some());
    let found = ctx.each(&indexes, |ctx, (w, index)| {
        services::check(ctx, index, all, &platform.common_labels);
        scaling::check(ctx, index);
        network::check(ctx, index, &w.path, w.raw.default_deny.is_some());
        secrets::check(ctx, index, &w.path, w.raw);
        if split {
            std::mem::take(&mut ctx.diags)
        } else {
            Vec::new()
        }
    });
    if split {
        let copies: Vec<(&str, Option<&str>, Vec<Diagnostic>)> = namespaces
            .iter()
            .zip(found)
            .map(|(w, d)| (w.ns.name.as_str(), w.ns.on.as_deref(), d))
            .collect();
        ctx.diags.extend(per_copy(copies));
    }
}

/// A namespace's number of copies, each finding of its copies with the clusters it is on,
/// and where each finding is in that list (one look-up a finding, however many there are).
type Shared<'a> = (
    usize,
    Vec<(Diagnostic, Vec<&'a str>)>,
    HashMap<Diagnostic, usize>,
);

/// The findings of the copies of each namespace split per cluster, as one: a finding at a
/// place no copy owns (a manifest's line, which every copy reads) that only some copies have
/// notes the clusters where it holds. A finding at a copy's own config value says which copy
/// already (its span's origin): those pass as they are.
fn per_copy(copies: Vec<(&str, Option<&str>, Vec<Diagnostic>)>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Per namespace: its number of copies, and each shared finding with its clusters.
    let mut shared: Vec<Shared<'_>> = Vec::new();
    let mut current: Option<&str> = None;
    for (name, cluster, diags) in copies {
        let Some(cluster) = cluster else {
            out.extend(diags);
            continue;
        };
        if current != Some(name) {
            current = Some(name);
            shared.push((0, Vec::new(), HashMap::new()));
        }
        let Some((count, found, at)) = shared.last_mut() else {
            continue;
        };
        *count += 1;
        for d in diags {
            if d.span.is_some_and(|s| s.via.is_some()) {
                out.push(d);
                continue;
            }
            match at.get(&d) {
                Some(&i) => found[i].1.push(cluster),
                None => {
                    at.insert(d.clone(), found.len());
                    found.push((d, vec![cluster]));
                }
            }
        }
    }
    for (count, found, _) in shared {
        for (mut d, on) in found {
            if on.len() < count {
                d.notes.push(crate::diag::only_on(&on));
            }
            out.push(d);
        }
    }
    out
}

/// The facts of what platc generates in a namespace: its pipelines' pods, its ingress
/// policies and the Secrets of its `[namespaces.NAME.secrets]`.
fn generated(ctx: &mut Ctx<'_>, common: &Labels, w: &Written<'_>) -> Vec<Fact> {
    let (np, ns, raw) = (&w.path, w.ns, w.raw);
    let mut out = Vec::new();
    for pl in &ns.pipelines {
        let p = np.key("pipelines").key(pl.name.as_str());
        let mut labels = common.clone();
        for (k, v) in pl.labels.iter() {
            labels.insert(k.clone(), v.clone());
        }
        labels.insert("app.kubernetes.io/name".into(), pl.name.clone());
        let secret_refs: Vec<SecretKeyRef> = raw
            .pipelines
            .get(&pl.name)
            .into_iter()
            .flat_map(|r| r.env.iter())
            .filter_map(|(name, value)| {
                let EnvValue::From(source) = value else {
                    return None;
                };
                let at = p.key("env").key(name.as_str());
                Some(SecretKeyRef {
                    secret: source.secret.clone()?,
                    key: source.key.clone(),
                    optional: false,
                    secret_span: ctx.val(&at.key("secret")),
                    key_span: ctx.val(&at.key("key")),
                })
            })
            .collect();
        out.push(Fact::Pods(Template {
            kind: "CronJob".into(),
            name: pl.name.clone(),
            span: pl.span,
            labels,
            labels_span: pl.span,
            containers: vec![Container {
                init: false,
                ports: Vec::new(),
                secret_refs,
            }],
            replicas: None,
            pointer: "/spec/jobTemplate/spec/template",
        }));
    }
    for pol in &ns.network_policies {
        let Some(rules) = &pol.ingress else { continue };
        let pp = np.key("network_policies").key(pol.name.as_str());
        let ingress = rules
            .iter()
            .enumerate()
            .map(|(i, r)| IngressRule {
                ports: r
                    .ports
                    .iter()
                    .enumerate()
                    .map(|(j, p)| PolicyPort {
                        port: Some(PortRef::Number(i64::from(*p))),
                        end_port: None,
                        protocol: "TCP".into(),
                        span: ctx.val(&pp.key("ingress").index(i).key("ports").index(j)),
                    })
                    .collect(),
            })
            .collect();
        out.push(Fact::Policy(Policy {
            name: pol.name.clone(),
            span: pol.span,
            pods: pol.pods.as_ref().map(Selector::of).unwrap_or_default(),
            ingress: Some(ingress),
        }));
    }
    for s in &ns.secrets {
        let sp = np.key("secrets").key(s.name.as_str());
        let keys = s.data_from.is_none().then(|| {
            s.data
                .iter()
                .map(|(k, _, _)| (k.clone(), ctx.key(&sp.key("data").key(k.as_str()))))
                .collect()
        });
        out.push(Fact::Secret(Declared {
            name: s.name.clone(),
            span: s.span,
            keys,
        }));
    }
    out
}

/// What an HPA does to the pods a workload runs: the quota must hold its `maxReplicas`, not
/// the workload's `replicas`.
pub(crate) fn scale_by_autoscalers(facts: &[Fact], workloads: &mut [model::Workload]) {
    for fact in facts {
        let Fact::Hpa(h) = fact else { continue };
        for w in workloads.iter_mut() {
            if w.kind == h.target_kind && w.name == h.target_name {
                let max = u32::try_from(h.max.0.max(0)).unwrap_or(u32::MAX);
                w.claims = w
                    .claims
                    .checked_div(w.pods)
                    .map_or(w.claims, |each| each.saturating_mul(max));
                w.pods = max;
                w.scaled_by = Some((h.name.clone(), h.max.1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{FileId, Span, codes};

    fn finding(at: u32) -> Diagnostic {
        let span = Span {
            file: FileId(1),
            start: at,
            end: at + 1,
            via: None,
        };
        Diagnostic::warning(
            codes::SERVICE_SELECTS_NOTHING,
            span,
            format!("finding {at}"),
        )
    }

    #[test]
    fn findings_of_some_copies_note_their_clusters_once_each() {
        // Many findings a copy (a namespace of thousands of manifests): each is looked up once.
        let n = 20_000;
        let staging: Vec<Diagnostic> = (0..n).map(finding).collect();
        let prod: Vec<Diagnostic> = (0..n).filter(|i| i % 2 == 0).map(finding).collect();
        let out = per_copy(vec![
            ("shop", Some("staging"), staging),
            ("shop", Some("prod"), prod),
            ("other", None, vec![finding(n + 1)]),
        ]);
        assert_eq!(out.len(), n as usize + 1);
        let notes = |at: u32| {
            out.iter()
                .find(|d| d.message == format!("finding {at}"))
                .map(|d| d.notes.clone())
                .unwrap()
        };
        assert_eq!(notes(0), Vec::<String>::new());
        assert_eq!(notes(1), ["only on cluster `staging`"]);
        assert_eq!(notes(n + 1), Vec::<String>::new());
    }
}
