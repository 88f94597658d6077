//! Scaling and disruption: an HPA whose target is not there, a workload that sets `replicas`
//! while an HPA owns them, a PodDisruptionBudget that selects no pod or that no node drain
//! can ever satisfy.

use super::facts::Amount;
use super::index::Index;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::validate::context::Ctx;

/// Kinds an HPA scales whose pods platc sees.
const SCALED: [&str; 4] = [
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

pub(super) fn check(ctx: &mut Ctx<'_>, index: &Index<'_>) {
    for h in &index.hpas {
        if !SCALED.contains(&h.target_kind.as_str()) {
            continue;
        }
        let Some(&i) = index
            .workloads
            .get(&(h.target_kind.as_str(), h.target_name.as_str()))
        else {
            if !index.complete {
                continue;
            }
            let same_kind: Vec<&str> = index
                .templates
                .iter()
                .filter(|t| t.kind == h.target_kind)
                .map(|t| t.name.as_str())
                .collect();
            let other_kind = index
                .templates
                .iter()
                .find(|t| t.name == h.target_name && SCALED.contains(&t.kind.as_str()));
            let help = match other_kind {
                Some(t) => format!("`{}` is a {}; set `kind: {}`", t.name, t.kind, t.kind),
                None => {
                    did_you_mean(&h.target_name, same_kind.iter().copied()).unwrap_or_else(|| {
                        if same_kind.is_empty() {
                            format!("namespace `{}` has no {}", index.ns.name, h.target_kind)
                        } else {
                            format!("{}s here: {}", h.target_kind, same_kind.join(", "))
                        }
                    })
                }
            };
            // The other end, when there is one close enough to be meant.
            let meant = other_kind.copied().or_else(|| {
                let name = crate::diag::closest(&h.target_name, same_kind.iter().copied())?;
                index
                    .templates
                    .iter()
                    .copied()
                    .find(|t| t.kind == h.target_kind && t.name == name)
            });
            ctx.push(
                Diagnostic::warning(
                    codes::HPA_TARGET_MISSING,
                    h.target_span,
                    format!(
                        "HorizontalPodAutoscaler `{}` scales {} `{}`, which namespace `{}` does not have",
                        h.name, h.target_kind, h.target_name, index.ns.name
                    ),
                )
                .with_label("nothing to scale")
                .with_related(meant.map(|t| t.span), "probably this one")
                .with_help(help),
            );
            continue;
        };
        let t = index.templates[i];
        if let Some((_, Some(at))) = t.replicas
            && !index.changed(&t.kind, &t.name, "/spec/replicas")
        {
            ctx.push(
                Diagnostic::warning(
                    codes::HPA_REPLICAS_SET,
                    at,
                    format!(
                        "{} `{}` sets `replicas` while HorizontalPodAutoscaler `{}` owns them",
                        t.kind, t.name, h.name
                    ),
                )
                .with_label("Argo CD resets this on every sync")
                .with_related(Some(h.target_span), "the HPA scales it")
                .with_help(
                    "remove `replicas`: every sync would set it back and the HPA would scale again; the HPA's `minReplicas` is where it starts",
                ),
            );
        }
    }
    for p in &index.pdbs {
        if index.changed("PodDisruptionBudget", &p.name, "/spec") {
            continue;
        }
        let (ids, unsure) = index.select(&p.selector);
        if ids.is_empty() {
            if unsure || !index.complete {
                continue;
            }
            let mut d = Diagnostic::warning(
                codes::PDB_SELECTS_NOTHING,
                p.selector_span,
                format!(
                    "PodDisruptionBudget `{}` selects no pod of namespace `{}`: `{}`",
                    p.name,
                    index.ns.name,
                    p.selector.shown()
                ),
            )
            .with_label("protects nothing");
            let help = match index.nearest(&p.selector) {
                Some((t, near)) => {
                    d = d.with_related(
                        Some(t.labels_span),
                        format!("the pods of {} `{}`", t.kind, t.name),
                    );
                    near.map_or_else(
                        || format!("select the labels of {} `{}`'s pods", t.kind, t.name),
                        |n| format!("did you mean `{n}`?"),
                    )
                }
                None => "select the labels of a pod template of this namespace".into(),
            };
            ctx.push(d.with_help(help));
            continue;
        }
        // The pods it covers, at the fewest an HPA leaves (unknown for other kinds).
        let mut covered = 0i64;
        let mut at = None;
        for &i in &ids {
            let t = index.templates[i];
            let n = match (t.kind.as_str(), t.replicas) {
                ("Pod", _) => 1,
                (_, Some((n, span))) => {
                    let scaled = index
                        .hpas
                        .iter()
                        .find(|h| h.target_kind == t.kind && h.target_name == t.name);
                    at = at.or(match scaled {
                        Some(h) => Some((
                            h.span,
                            format!(
                                "HorizontalPodAutoscaler `{}` may scale it down to {}",
                                h.name, h.min
                            ),
                        )),
                        None => Some((
                            span.unwrap_or(t.span),
                            format!("{} `{}` runs {n}", t.kind, t.name),
                        )),
                    });
                    if index.changed(&t.kind, &t.name, "/spec/replicas") {
                        covered = i64::MIN;
                    }
                    scaled.map_or(n, |h| h.min)
                }
                _ => {
                    covered = i64::MIN;
                    0
                }
            };
            covered = covered.saturating_add(n);
        }
        let blocked = match (&p.min_available, &p.max_unavailable) {
            (_, Some((Amount::Count(0) | Amount::Percent(0), span))) => Some((
                *span,
                "`maxUnavailable: 0` lets no pod be evicted".to_string(),
            )),
            (Some((amount, span)), _) if covered > 0 => {
                let needed = match amount {
                    Amount::Count(n) => *n,
                    // Kubernetes rounds a percentage of minAvailable up.
                    Amount::Percent(p) => (p * covered + 99) / 100,
                };
                (needed >= covered).then(|| {
                    (
                        *span,
                        format!("`minAvailable` keeps {needed} of the {covered} pods it covers"),
                    )
                })
            }
            _ => None,
        };
        if let Some((span, why)) = blocked {
            let mut d = Diagnostic::warning(
                codes::PDB_BLOCKS_DRAIN,
                span,
                format!(
                    "PodDisruptionBudget `{}` blocks every node drain: {why}",
                    p.name
                ),
            )
            .with_label("no pod may ever be evicted");
            if let Some((s, label)) = at {
                d = d.with_related(Some(s), label);
            }
            ctx.push(d.with_help(
                "a drain (node upgrade, autoscaler scale-down) waits forever on these pods; allow at least one to go: `maxUnavailable: 1`, or `minAvailable` below the replicas",
            ));
        }
    }
}
