//! What the API server refuses (or silently drops) in an object that reads cleanly as its
//! kind: a workload whose selector does not select its own pod template, an HPA whose
//! `minReplicas` is above `maxReplicas`, a field behind a feature gate Kubernetes 1.33 leaves
//! off, an RBAC rule with an empty `resourceNames`, an image reference a runtime cannot pull;
//! and two lints of the same values: an unpinned image (W0602) and a fixed-offset time zone
//! (W0825).
//!
//! Which fields are gated: the field descriptions k8s-openapi's `v1_33` module carries (the
//! OpenAPI spec of Kubernetes 1.33, `This is an alpha field and requires enabling the X
//! feature gate`, `(Alpha)`, `(Beta) ... off by default`), each gate's stage and default in
//! 1.33 from Kubernetes' `pkg/features/kube_features.go` (its versioned specs). Gates that
//! are beta and on by default in 1.33 (SupplementalGroupsPolicy, UserNamespacesSupport) are
//! not listed, though their fields' descriptions still say alpha.

use super::identity::Identity;
use crate::diag::{Diagnostic, Span, codes};
use crate::validate::context::Ctx;
use crate::validate::whole::selector::Selector;
use crate::yaml::{self, Value};

/// A field of a pod spec behind a gate that is off by default in 1.33.
struct Gated {
    /// The field's key in its parent.
    field: &'static str,
    /// The feature gate.
    gate: &'static str,
    /// Its stage in 1.33.
    stage: &'static str,
    /// What to write instead.
    help: &'static str,
}

const POD: [Gated; 2] = [
    Gated {
        field: "resources",
        gate: "PodLevelResources",
        stage: "alpha",
        help: "set `resources` on each container instead (`containers[].resources`): requests and limits per container are what Kubernetes 1.33 schedules and enforces",
    },
    Gated {
        field: "resourceClaims",
        gate: "DynamicResourceAllocation",
        stage: "beta, off by default",
        help: "remove it, or run it on a cluster whose API server enables the gate (Kubernetes 1.34 serves it by default)",
    },
];

const CONTAINER_CLAIMS: Gated = Gated {
    field: "claims",
    gate: "DynamicResourceAllocation",
    stage: "beta, off by default",
    help: "remove `claims`; requests and limits stay",
};

const TRUST_BUNDLE: Gated = Gated {
    field: "clusterTrustBundle",
    gate: "ClusterTrustBundleProjection",
    stage: "beta, off by default",
    help: "mount the CA bundle from a ConfigMap or Secret instead",
};

const CLAIM_SPEC: [Gated; 1] = [Gated {
    field: "volumeAttributesClassName",
    gate: "VolumeAttributesClass",
    stage: "beta, off by default",
    help: "remove it and set the volume's parameters through its StorageClass",
}];

const DATA_SOURCE_NAMESPACE: Gated = Gated {
    field: "namespace",
    gate: "CrossNamespaceVolumeDataSource",
    stage: "alpha",
    help: "copy from a source in the claim's own namespace",
};

const TOLERANCE: Gated = Gated {
    field: "tolerance",
    gate: "HPAConfigurableTolerance",
    stage: "alpha",
    help: "remove it: the HPA uses the cluster-wide 10% tolerance",
};

const CSI_UPDATE: Gated = Gated {
    field: "nodeAllocatableUpdatePeriodSeconds",
    gate: "MutableCSINodeAllocatableCount",
    stage: "alpha",
    help: "remove it",
};

fn seq(node: Option<&yaml::Node>) -> &[yaml::Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

fn at<'n>(node: &'n yaml::Node, path: &[&str]) -> Option<&'n yaml::Node> {
    path.iter().try_fold(node, |n, k| n.get(k))
}

fn gated(ctx: &mut Ctx<'_>, id: &Identity, parent: Option<&yaml::Node>, g: &Gated) {
    let Some(node) = parent.and_then(|p| p.get(g.field)) else {
        return;
    };
    ctx.push(
        Diagnostic::error(
            codes::GATED_FIELD,
            node.key.unwrap_or(node.span),
            format!(
                "{} `{}`: `{}` needs the {} feature gate ({} in Kubernetes 1.33)",
                id.kind, id.name, g.field, g.gate, g.stage
            ),
        )
        .with_label("dropped by the API server unless the gate is on")
        .with_help(g.help),
    );
}

/// Where the pod template is, for the kinds that have one.
fn template_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "Pod" => &[],
        "PodTemplate" => &["template"],
        _ => return None,
    })
}

/// Checks one object of a built-in kind (read cleanly) at its YAML.
pub(super) fn check(ctx: &mut Ctx<'_>, node: &yaml::Node, id: &Identity) {
    if let Some(path) = template_path(&id.kind)
        && let Some(template) = at(node, path)
    {
        selector(ctx, node, id, template);
        if let Some(spec) = template.get("spec") {
            pod(ctx, id, spec);
        }
    }
    match id.kind.as_str() {
        "CronJob" => {
            if let Some(tz) = at(node, &["spec", "timeZone"])
                && let Some(zone) = tz.as_str()
                && let Some(d) = crate::validate::lints::time_zone(zone, tz.span)
            {
                ctx.push(d);
            }
        }
        "HorizontalPodAutoscaler" => hpa(ctx, node, id),
        "PersistentVolumeClaim" => claim(ctx, id, node.get("spec")),
        "StatefulSet" => {
            for t in seq(at(node, &["spec", "volumeClaimTemplates"])) {
                claim(ctx, id, t.get("spec"));
            }
        }
        "CSIDriver" => gated(ctx, id, node.get("spec"), &CSI_UPDATE),
        "Role" | "ClusterRole" => {
            for rule in seq(node.get("rules")) {
                if let Some(names) = rule.get("resourceNames")
                    && matches!(&names.value, Value::Seq(v) if v.is_empty())
                {
                    ctx.push(crate::validate::rbac::empty_resource_names(
                        names.span, &id.name,
                    ));
                }
            }
        }
        _ => {}
    }
}

fn claim(ctx: &mut Ctx<'_>, id: &Identity, spec: Option<&yaml::Node>) {
    for g in &CLAIM_SPEC {
        gated(ctx, id, spec, g);
    }
    gated(
        ctx,
        id,
        spec.and_then(|s| s.get("dataSourceRef")),
        &DATA_SOURCE_NAMESPACE,
    );
}

/// The selector of a workload against its own template's labels.
fn selector(ctx: &mut Ctx<'_>, node: &yaml::Node, id: &Identity, template: &yaml::Node) {
    let sel_node = at(node, &["spec", "selector"]);
    let selector = match id.kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
            sel_node.and_then(Selector::from_label_selector)
        }
        // Without a selector the API server takes the template's labels.
        "ReplicationController" => sel_node.and_then(Selector::from_map),
        "Job"
            if matches!(
                at(node, &["spec", "manualSelector"]).map(|m| &m.value),
                Some(Value::Bool(true))
            ) =>
        {
            sel_node.and_then(Selector::from_label_selector)
        }
        _ => None,
    };
    let (Some(selector), Some(sel_node)) = (selector, sel_node) else {
        return;
    };
    let labels_node = at(template, &["metadata", "labels"]);
    let mut labels = crate::model::Labels::new();
    for (k, v) in labels_node
        .and_then(crate::validate::whole::selector::string_map)
        .unwrap_or_default()
    {
        labels.insert(k, v);
    }
    let empty = selector.is_empty() && id.kind != "ReplicationController";
    if !empty && selector.matches(&labels) {
        return;
    }
    let missing: Vec<String> = selector
        .labels
        .iter()
        .filter(|(k, v)| labels.get(k.as_str()) != Some(v))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let related: Span = labels_node.map_or(template.key.unwrap_or(template.span), |l| {
        l.key.unwrap_or(l.span)
    });
    let (message, help) = if empty {
        (
            format!("{} `{}` has an empty selector", id.kind, id.name),
            "select the template's labels, e.g. `matchLabels: {app.kubernetes.io/name: NAME}`"
                .to_string(),
        )
    } else {
        (
            format!(
                "{} `{}`: `spec.selector` does not select the labels of its own pod template",
                id.kind, id.name
            ),
            if missing.is_empty() {
                format!("the template's labels must meet `{}`", selector.shown())
            } else {
                format!(
                    "give the template's `metadata.labels` {}, or narrow the selector",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        )
    };
    ctx.push(
        Diagnostic::error(
            codes::SELECTOR_MISMATCH,
            sel_node.key.unwrap_or(sel_node.span),
            message,
        )
        .with_label("the API server refuses this workload")
        .with_related(Some(related), "the pod template's labels")
        .with_help(help),
    );
}

/// A pod spec: gated fields, and every container's image.
fn pod(ctx: &mut Ctx<'_>, id: &Identity, spec: &yaml::Node) {
    for g in &POD {
        gated(ctx, id, Some(spec), g);
    }
    for group in ["initContainers", "containers", "ephemeralContainers"] {
        for c in seq(spec.get(group)) {
            gated(ctx, id, c.get("resources"), &CONTAINER_CLAIMS);
            if let Some(image) = c.get("image")
                && let Some(text) = image.as_str()
            {
                image_reference(ctx, id, image.span, text);
            }
        }
    }
    for v in seq(spec.get("volumes")) {
        for source in seq(at(v, &["projected", "sources"])) {
            gated(ctx, id, Some(source), &TRUST_BUNDLE);
        }
    }
}

fn image_reference(ctx: &mut Ctx<'_>, id: &Identity, at: Span, image: &str) {
    if let Some((problem, _)) = crate::model::image::problem(image) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_IMAGE,
                at,
                format!(
                    "{} `{}`: invalid image `{image}`: {problem}",
                    id.kind, id.name
                ),
            )
            .with_label("not an image reference")
            .with_help("e.g. `registry.example.com/team/app:1.4.2`"),
        );
    } else if let Some(d) = crate::validate::lints::unpinned_image(image, at) {
        ctx.push(d);
    }
}

fn hpa(ctx: &mut Ctx<'_>, node: &yaml::Node, id: &Identity) {
    let Some(spec) = node.get("spec") else { return };
    let int = |k: &str| {
        spec.get(k).and_then(|n| match n.value {
            Value::Int(i) => Some((i, n.span)),
            _ => None,
        })
    };
    if let (Some((min, min_at)), Some((max, max_at))) = (int("minReplicas"), int("maxReplicas"))
        && min > max
    {
        ctx.push(
            Diagnostic::error(
                codes::HPA_REPLICA_RANGE,
                min_at,
                format!(
                    "HorizontalPodAutoscaler `{}`: `minReplicas` {min} is above `maxReplicas` {max}",
                    id.name
                ),
            )
            .with_label("the API server refuses this")
            .with_related(Some(max_at), "maxReplicas")
            .with_help("`maxReplicas` must be at least `minReplicas`"),
        );
    }
    if let Some((0, at)) = int("minReplicas") {
        ctx.push(
            Diagnostic::error(
                codes::GATED_FIELD,
                at,
                format!(
                    "HorizontalPodAutoscaler `{}`: `minReplicas: 0` needs the HPAScaleToZero feature gate (alpha in Kubernetes 1.33)",
                    id.name
                ),
            )
            .with_label("the API server refuses 0 unless the gate is on")
            .with_help("use `minReplicas: 1` (the default)"),
        );
    }
    for direction in ["scaleUp", "scaleDown"] {
        gated(ctx, id, at(spec, &["behavior", direction]), &TOLERANCE);
    }
}
