//! External Secrets Operator `ExternalSecret` (external-secrets.io/v1): the subset of fields
//! platc sets, named as in the upstream CRD. `tests/crds.rs` checks every generated one against
//! the upstream schema in `schemas/crds/`, which rejects unknown fields.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// An ExternalSecret: the operator reads `data` (or `dataFrom`) from the store and writes a
/// Secret named `target.name`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecret {
    /// Always `external-secrets.io/v1`.
    pub api_version: &'static str,
    /// Always `ExternalSecret`.
    pub kind: &'static str,
    /// Name and namespace (the Secret's).
    pub metadata: ObjectMeta,
    /// Where the values are and what Secret to write.
    pub spec: ExternalSecretSpec,
}

impl ExternalSecret {
    /// The API version this struct serialises as.
    pub const API_VERSION: &'static str = "external-secrets.io/v1";

    /// An ExternalSecret with `apiVersion` and `kind` filled in.
    pub fn new(metadata: ObjectMeta, spec: ExternalSecretSpec) -> Self {
        Self {
            api_version: Self::API_VERSION,
            kind: "ExternalSecret",
            metadata,
            spec,
        }
    }
}

/// `spec` of an ExternalSecret.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretSpec {
    /// The store to read from.
    pub secret_store_ref: StoreRef,
    /// How often the values are read again (a Go duration, `1h`).
    pub refresh_interval: String,
    /// The Secret to write.
    pub target: Target,
    /// Chosen keys, each from a remote key (and property).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<Data>,
    /// Every property of remote keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_from: Vec<DataFrom>,
}

/// `spec.secretStoreRef`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreRef {
    /// `ClusterSecretStore` or `SecretStore`.
    pub kind: &'static str,
    /// The store's name.
    pub name: String,
}

/// `spec.target`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// The Secret's name.
    pub name: String,
    /// `Owner`: the operator owns the Secret (deleted with the ExternalSecret).
    pub creation_policy: &'static str,
}

/// One entry of `spec.data`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Data {
    /// The key in the Secret.
    pub secret_key: String,
    /// Where the value is.
    pub remote_ref: RemoteRef,
}

/// `remoteRef` of a data entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteRef {
    /// The remote key.
    pub key: String,
    /// A property of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
}

/// One entry of `spec.dataFrom`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataFrom {
    /// Every property of one remote key.
    pub extract: Extract,
}

/// `dataFrom[].extract`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extract {
    /// The remote key.
    pub key: String,
}
