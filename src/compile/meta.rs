//! Object metadata every generated object shares: name, namespace, labels, sync wave.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::model::{Labels, Platform};

/// Argo CD sync waves: namespaces first, then what pods need, then workloads.
#[derive(Debug, Clone, Copy)]
pub enum Wave {
    /// Namespace.
    Namespace,
    /// Quota, limits, policies, accounts, RBAC, topics.
    Prerequisite,
    /// Everything else.
    Workload,
}

impl Wave {
    /// The `argocd.argoproj.io/sync-wave` value.
    pub fn annotation(self) -> &'static str {
        match self {
            Wave::Namespace => "-2",
            Wave::Prerequisite => "-1",
            Wave::Workload => "0",
        }
    }
}

/// Labels for an object: `[defaults]`, then its own, then platc's (which always win).
pub fn labels(platform: &Platform, own: &Labels) -> BTreeMap<String, String> {
    let mut out = BTreeMap::from(&platform.common_labels);
    out.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    for key in ["app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"] {
        if let Some(v) = platform.common_labels.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    out
}

/// Metadata for an object named `name` in `namespace`.
pub fn meta(
    platform: &Platform,
    name: &str,
    namespace: Option<&str>,
    wave: Wave,
    own_labels: &Labels,
) -> ObjectMeta {
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "argocd.argoproj.io/sync-wave".to_string(),
        wave.annotation().to_string(),
    );
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        labels: Some(labels(platform, own_labels)),
        annotations: Some(annotations),
        ..Default::default()
    }
}

/// Marks an object whose deletion destroys data: Argo CD never prunes it.
pub fn no_prune(meta: &mut ObjectMeta) {
    meta.annotations.get_or_insert_with(BTreeMap::new).insert(
        "argocd.argoproj.io/sync-options".into(),
        "Prune=false".into(),
    );
}
