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

use super::context::Ctx;
use crate::model::{self, Labels, Platform};
use crate::syntax::Path;
use crate::syntax::config::{self, Config, EnvValue};
use facts::{
    Container, Declared, Fact, IngressRule, Policy, PolicyPort, PortRef, SecretKeyRef, Template,
};
pub(crate) use index::Index;
use selector::Selector;

/// Runs every cross-object check on every namespace. `facts[i]` are the facts of the
/// manifests of `platform.namespaces[i]`.
pub(crate) fn check(ctx: &mut Ctx<'_>, config: &Config, platform: &Platform, facts: &[Vec<Fact>]) {
    let namespaces: Vec<(usize, &config::Namespace)> =
        config.namespaces.values().enumerate().collect();
    // What platc generates, with the spans of the config values it comes from.
    let own: Vec<Vec<Fact>> = ctx.each(&namespaces, |ctx, (i, raw)| {
        generated(ctx, &platform.common_labels, &platform.namespaces[*i], raw)
    });
    let indexes: Vec<Index<'_>> = platform
        .namespaces
        .iter()
        .zip(facts)
        .zip(&own)
        .map(|((ns, f), o)| Index::new(ns, f, o))
        .collect();
    let by_name: HashMap<&str, &Index<'_>> =
        indexes.iter().map(|i| (i.ns.name.as_str(), i)).collect();
    let all = &by_name;
    ctx.each(&namespaces, |ctx, (i, raw)| {
        let index = &indexes[*i];
        let np = Path::root().key("namespaces").key(index.ns.name.as_str());
        services::check(ctx, index, all, &platform.common_labels);
        scaling::check(ctx, index);
        network::check(ctx, index, &np, raw.default_deny.is_some());
        secrets::check(ctx, index, &np, raw);
    });
}

/// The facts of what platc generates in a namespace: its pipelines' pods, its ingress
/// policies and the Secrets of its `[namespaces.NAME.secrets]`.
fn generated(
    ctx: &mut Ctx<'_>,
    common: &Labels,
    ns: &model::Namespace,
    raw: &config::Namespace,
) -> Vec<Fact> {
    let np = Path::root().key("namespaces").key(ns.name.as_str());
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
