//! Argo CD `Application` and `AppProject` (argoproj.io/v1alpha1): the subset of fields platc
//! sets, named as in the upstream CRD. `tests/gitops.rs` checks every generated object against
//! the upstream schemas in `schemas/crds/`, which reject unknown fields.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// The API version of both kinds.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";

/// An Application: one folder of the repository synced into one namespace of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Always [`API_VERSION`].
    pub api_version: &'static str,
    /// Always `Application`.
    pub kind: &'static str,
    /// Name, namespace (Argo CD's), labels, annotations.
    pub metadata: ObjectMeta,
    /// What to sync where.
    pub spec: ApplicationSpec,
}

impl Application {
    /// An Application with `apiVersion` and `kind` set.
    pub fn new(metadata: ObjectMeta, spec: ApplicationSpec) -> Self {
        Application {
            api_version: API_VERSION,
            kind: "Application",
            metadata,
            spec,
        }
    }
}

/// `Application.spec`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    /// The AppProject it belongs to.
    pub project: String,
    /// Where the manifests come from.
    pub source: ApplicationSource,
    /// Where they go.
    pub destination: Destination,
    /// How and when to sync.
    pub sync_policy: SyncPolicy,
}

/// `spec.source`: a path in a Git repository at a revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSource {
    /// Repository URL.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Branch, tag or commit.
    pub target_revision: String,
    /// Folder inside the repository.
    pub path: String,
}

/// A cluster (by API server URL) and a namespace on it; used by Applications and AppProjects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Destination {
    /// API server URL.
    pub server: String,
    /// Namespace.
    pub namespace: String,
}

/// `spec.syncPolicy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    /// Sync on every change without a human.
    pub automated: Automated,
    /// Sync options (`ServerSideApply=true`, ...).
    pub sync_options: Vec<String>,
    /// Retries of failed syncs.
    pub retry: Retry,
}

/// `spec.syncPolicy.automated`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Automated {
    /// Delete what the folder no longer holds.
    pub prune: bool,
    /// Revert changes made in the cluster.
    pub self_heal: bool,
}

/// `spec.syncPolicy.retry`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    /// Attempts after the first failure.
    pub limit: i64,
    /// Wait between attempts.
    pub backoff: Backoff,
}

/// `spec.syncPolicy.retry.backoff`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    /// First wait (`5s`).
    pub duration: String,
    /// Multiplier per attempt.
    pub factor: i64,
    /// Longest wait (`3m`).
    pub max_duration: String,
}

/// An AppProject: what the platform's Applications may deploy, from where, to where.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProject {
    /// Always [`API_VERSION`].
    pub api_version: &'static str,
    /// Always `AppProject`.
    pub kind: &'static str,
    /// Name, namespace (Argo CD's), labels, annotations.
    pub metadata: ObjectMeta,
    /// The restrictions.
    pub spec: AppProjectSpec,
}

impl AppProject {
    /// An AppProject with `apiVersion` and `kind` set.
    pub fn new(metadata: ObjectMeta, spec: AppProjectSpec) -> Self {
        AppProject {
            api_version: API_VERSION,
            kind: "AppProject",
            metadata,
            spec,
        }
    }
}

/// `AppProject.spec`. Argo CD reads an empty whitelist as "nothing allowed".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProjectSpec {
    /// Shown in the Argo CD UI.
    pub description: String,
    /// Repositories Applications may sync from.
    pub source_repos: Vec<String>,
    /// (cluster, namespace) pairs Applications may deploy to.
    pub destinations: Vec<Destination>,
    /// Cluster-scoped kinds Applications may manage.
    pub cluster_resource_whitelist: Vec<GroupKind>,
    /// Namespaced kinds Applications may manage.
    pub namespace_resource_whitelist: Vec<GroupKind>,
}

/// An API group and kind (`""`/`Namespace`, `batch`/`CronJob`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GroupKind {
    /// API group (`""` for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
}
