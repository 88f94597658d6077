//! The quota against what a namespace's manifests run all the time: the pods of its
//! Deployments, StatefulSets, DaemonSets, Jobs and Pods (requests and limits times replicas),
//! and the PersistentVolumeClaims, Services, ConfigMaps and Secrets it holds. Pipelines are
//! checked on top of this ([`super::pipeline`]): a run must fit beside what already runs.
//!
//! A pod's request for a resource is what Kubernetes charges it: the larger of its largest init
//! container and the sum of its other containers. A container without its own request takes
//! its limit, else the namespace's LimitRange default; a container the quota would charge for
//! nothing it states is refused by the API server (E0603), like a pipeline without resources.

use super::super::context::Ctx;
use crate::diag::{Diagnostic, Span, codes};
use crate::model::{self, Quantity, ResourceList, Workload};
use crate::syntax::Path;
use crate::syntax::config;

/// Resources a quota can count per container.
const RESOURCES: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];

/// What the manifests of a namespace run all the time, by quota key (`requests.cpu`): the
/// total, and who asks for it (`api ×2`).
#[derive(Default)]
pub(super) struct Running {
    /// Total by quota key.
    pub totals: ResourceList,
    /// Pods at once.
    pub pods: u32,
    /// Who, for messages: `Deployment api ×2`.
    pub who: Vec<String>,
}

/// A container's request and limit for `res`, as the API server sets them.
fn amounts(
    c: &model::WorkloadContainer,
    limits: Option<&model::Limits>,
    res: &str,
) -> (Option<Quantity>, Option<Quantity>) {
    let lr = |f: fn(&model::Limits) -> &ResourceList| limits.and_then(|l| f(l).get(res)).cloned();
    let limit = c
        .limits
        .get(res)
        .cloned()
        .or_else(|| lr(|l| &l.default))
        .or_else(|| lr(|l| &l.max));
    let request = c
        .requests
        .get(res)
        .cloned()
        .or_else(|| c.limits.get(res).cloned())
        .or_else(|| lr(|l| &l.default_request))
        .or_else(|| limit.clone())
        .or_else(|| lr(|l| &l.min));
    (request, limit)
}

/// One pod's charge for `res` of kind `key` (`requests`/`limits`): the larger of its largest
/// init container and the sum of the others. `None` when a container states nothing.
fn pod_charge(
    w: &Workload,
    limits: Option<&model::Limits>,
    key: &str,
    res: &str,
) -> Result<Quantity, Span> {
    let mut sum = Quantity::parse("0").map_err(|_| w.span)?;
    let mut largest_init = sum.clone();
    for c in &w.containers {
        let (request, limit) = amounts(c, limits, res);
        let amount = if key == "requests" { request } else { limit };
        let Some(amount) = amount else {
            return Err(c.span);
        };
        if c.init {
            if amount > largest_init {
                largest_init = amount;
            }
        } else {
            sum = sum.plus(&amount);
        }
    }
    Ok(if largest_init > sum {
        largest_init
    } else {
        sum
    })
}

/// What the namespace's workloads run all the time.
pub(super) fn running(ns: &model::Namespace) -> Running {
    let mut out = Running::default();
    for w in &ns.workloads {
        out.pods = out.pods.saturating_add(w.pods);
        out.who.push(if w.pods == 1 {
            format!("{} {}", w.kind, w.name)
        } else {
            format!("{} {} ×{}", w.kind, w.name, w.pods)
        });
        for res in RESOURCES {
            for key in ["requests", "limits"] {
                if let Ok(charge) = pod_charge(w, ns.limits.as_ref(), key, res) {
                    let total = charge.times(w.pods);
                    let k = format!("{key}.{res}");
                    let sum = match out.totals.get(&k) {
                        Some(have) => have.plus(&total),
                        None => total,
                    };
                    out.totals.insert(k, sum);
                }
            }
        }
    }
    out
}

/// Points at the `maxReplicas` of each HPA that sets how many pods a workload counts with.
fn scaled(mut d: Diagnostic, ns: &model::Namespace) -> Diagnostic {
    for w in &ns.workloads {
        if let Some((hpa, at)) = &w.scaled_by {
            d = d.with_related(
                Some(*at),
                format!(
                    "HorizontalPodAutoscaler `{hpa}` may scale {} `{}` to {}",
                    w.kind, w.name, w.pods
                ),
            );
        }
    }
    d
}

pub(super) fn lint(ctx: &mut Ctx<'_>, np: &Path, _: &config::Namespace, ns: &model::Namespace) {
    let Some(hard) = &ns.quota else {
        return;
    };
    let qp = np.key("quota");
    // Containers the quota would charge for something they state nowhere.
    for w in &ns.workloads {
        for res in RESOURCES {
            for key in ["requests", "limits"] {
                if hard.get(&format!("{key}.{res}")).is_none() {
                    continue;
                }
                if let Err(at) = pod_charge(w, ns.limits.as_ref(), key, res) {
                    ctx.push(
                        Diagnostic::error(codes::MISSING_RESOURCES, at, format!("a container of {} `{}` sets no {key}.{res}, and namespace `{}` has no LimitRange default for it", w.kind, w.name, ns.name))
                            .with_label("its pods would be rejected by the quota")
                            .with_related(Some(ctx.val(&qp.key(key).key(res))), "the quota counts it")
                            .with_help(format!("give the container `resources: {{ {key}: {{ {res}: ... }} }}`, or add `default_request` and `default` to [namespaces.{}.limits]", ns.name)),
                    );
                }
            }
        }
    }
    let running = running(ns);
    for (key, total) in &running.totals {
        let Some(max) = hard.get(key) else {
            continue;
        };
        if total > max {
            let first = ns.workloads.first().map(|w| w.span);
            let d = Diagnostic::error(
                codes::QUOTA_EXCEEDED,
                first,
                format!(
                    "the namespace's workloads need {total} of {key} ({}), above the quota's {max}",
                    running.who.join(", ")
                ),
            )
            .with_label("these workloads do not fit the quota")
            .with_related(
                Some(
                    ctx.val(
                        &qp.key(key.split_once('.').map_or("", |(k, _)| k))
                            .key(key.split_once('.').map_or("", |(_, r)| r)),
                    ),
                ),
                "quota set here",
            )
            .with_help("lower their resources or replicas, or raise the quota");
            ctx.push(scaled(d, ns));
        }
    }
    let count = |kind: &str| {
        ns.manifests
            .iter()
            .filter(|m| m.kind == kind && m.group.is_empty())
            .count()
    };
    let claims = count("PersistentVolumeClaim") as u64
        + ns.workloads
            .iter()
            .map(|w| u64::from(w.claims))
            .sum::<u64>();
    let dashboards = ns.pipelines.iter().filter(|p| p.dashboard).count();
    for (key, n, what) in [
        ("pods", u64::from(running.pods), "pods run all the time"),
        ("persistentvolumeclaims", claims, "PersistentVolumeClaims"),
        ("services", count("Service") as u64, "Services"),
        (
            "configmaps",
            (count("ConfigMap") + dashboards) as u64,
            "ConfigMaps",
        ),
        ("secrets", count("Secret") as u64, "Secrets"),
    ] {
        let Some(max) = hard.get(key) else {
            continue;
        };
        let Ok(have) = Quantity::parse(&n.to_string()) else {
            continue;
        };
        if have > *max {
            let first = ns.manifests.first().map(|m| m.span);
            let d = Diagnostic::error(
                codes::QUOTA_EXCEEDED,
                first,
                format!(
                    "namespace `{}` has {n} {what}, above the quota's {key} of {max}",
                    ns.name
                ),
            )
            .with_label("more than the quota allows")
            .with_related(Some(ctx.val(&qp.key(key))), "quota set here")
            .with_help("raise the quota or remove some of them");
            ctx.push(if key == "pods" { scaled(d, ns) } else { d });
        }
    }
}
