//! The objects of a namespace's `manifests`, placed like generated ones: in the namespace's
//! folder, with the `[defaults]` labels and platc's own (their own labels kept), and the sync
//! wave of their kind unless they set one.

use std::borrow::Cow;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value as Json};

use super::meta::{Wave, labels};
use super::{Manifest, Object};
use crate::model::{Labels, Platform, UserManifest};
use crate::yaml::kinds;

/// Kinds that must exist before the workloads that use them (as platc's own quotas, policies,
/// accounts, roles and topics do).
const PREREQUISITES: [&str; 15] = [
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "ResourceQuota",
    "LimitRange",
    "NetworkPolicy",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "KafkaTopic",
    "ExternalSecret",
    "PersistentVolumeClaim",
    "Certificate",
];

/// The sync wave of a kind: Namespaces and CRDs first, then what workloads need.
pub(super) fn wave(kind: &str) -> Wave {
    if kind == "Namespace" || kind == "CustomResourceDefinition" {
        Wave::Namespace
    } else if PREREQUISITES.contains(&kind) {
        Wave::Prerequisite
    } else {
        Wave::Workload
    }
}

/// The `argocd.argoproj.io/sync-wave` platc gives an object of `kind` (generated or a
/// manifest's, unless it sets its own).
pub fn sync_wave(kind: &str) -> &'static str {
    wave(kind).annotation()
}

/// An object of the user's `manifests` as it is written: its checked body, shared with the
/// model rather than copied (at 10,000 tenants the copies cost more than writing them), with
/// its `metadata` replaced by the one platc finished.
#[derive(Debug, Clone, PartialEq)]
pub struct UserObject {
    body: Arc<Json>,
    metadata: Json,
}

impl Serialize for UserObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Json::Object(fields) = &*self.body else {
            return self.body.serialize(s);
        };
        let mut map = s.serialize_map(Some(fields.len()))?;
        for (key, value) in fields {
            if key == "metadata" {
                map.serialize_entry(key, &self.metadata)?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// The objects of `manifests` in `folder`.
pub(super) fn compile(
    p: &Platform,
    manifests: &[UserManifest],
    folder: &str,
    out: &mut Vec<Object>,
) {
    for m in manifests {
        let mut metadata = m.body.get("metadata").cloned().unwrap_or_default();
        finish_metadata(p, &mut metadata, &m.kind);
        // A built-in kind's name is a static string already; a custom resource's is not.
        let kind = kinds::KINDS
            .iter()
            .find(|k| k.kind == m.kind && k.group == m.group)
            .map_or_else(|| Cow::Owned(m.kind.clone()), |k| Cow::Borrowed(k.kind));
        out.push(Object {
            folder: folder.to_string(),
            kind,
            group: Cow::Owned(m.group.clone()),
            name: m.name.clone(),
            origin: m.span,
            qualified: false,
            manifest: Manifest::User(Box::new(UserObject {
                body: Arc::clone(&m.body),
                metadata,
            })),
        });
    }
}

/// Adds the platform's labels (`[defaults]`, managed-by, part-of) and the sync wave of its
/// kind to an object's metadata; the object's own labels and sync wave win: a Service another
/// team's ServiceMonitor selects by its `app.kubernetes.io/part-of` keeps it.
fn finish_metadata(p: &Platform, metadata: &mut Json, kind: &str) {
    let Some(meta) = metadata.as_object_mut() else {
        return;
    };
    let mut merged: Map<String, Json> = labels(p, &Labels::new())
        .into_iter()
        .map(|(k, v)| (k, Json::String(v)))
        .collect();
    if let Some(own) = meta.get("labels").and_then(Json::as_object) {
        merged.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        sort_keys(&mut merged);
    }
    meta.insert("labels".into(), Json::Object(merged));
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Json::Object(Map::new()));
    if let Some(a) = annotations.as_object_mut() {
        a.entry("argocd.argoproj.io/sync-wave")
            .or_insert_with(|| Json::String(wave(kind).annotation().into()));
        sort_keys(a);
    }
    sort_keys(meta);
}

/// Keys in the order k8s-openapi writes maps and ObjectMeta: sorted.
fn sort_keys(map: &mut Map<String, Json>) {
    let mut entries: Vec<(String, Json)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    map.extend(entries);
}
