//! The validated platform: every name checked, every reference resolved, every quantity
//! canonical. Only `validate` builds these, so `compile` never re-checks anything.

pub mod dolphinscheduler;
pub mod duration;
pub mod environment;
pub mod expansion;
pub mod image;
pub mod names;
mod pipeline;
pub mod pod_security;
pub mod quantity;
pub mod quartz;
pub mod schedule;
pub mod zones;

use std::collections::BTreeMap;

use crate::diag::Span;
pub use crate::syntax::config::{
    Concurrency, ConfigValue, Direction, PodSecurity, TaintEffect, TolerationOperator,
};
use crate::vecmap::VecMap;
pub use pipeline::{
    Alerts, EnvValue, EnvVar, FileMount, FileSource, Pipeline, Step, Toleration, Topic,
};
pub use quantity::Quantity;

/// A label or selector map.
pub type Labels = VecMap<String, String>;
/// Resource name (`cpu`, `memory`) to canonical quantity.
pub type ResourceList = VecMap<String, Quantity>;

/// The whole validated platform.
#[derive(Debug, Clone)]
pub struct Platform {
    /// `[platform] name`.
    pub name: String,
    /// The config file's name without directories, for the generated-file header.
    pub source_name: String,
    /// Labels on every object: `[defaults] labels`, managed-by and part-of.
    pub common_labels: Labels,
    /// Clusters by name (at least one).
    pub clusters: BTreeMap<String, Cluster>,
    /// Argo CD settings, when `[argocd]` is present.
    pub argocd: Option<ArgoCd>,
    /// Labels on every PrometheusRule.
    pub rule_labels: Labels,
    /// Namespaces, sorted by name.
    pub namespaces: Vec<Namespace>,
    /// `[dolphinscheduler]`, when present.
    pub dolphinscheduler: Option<dolphinscheduler::DolphinScheduler>,
    /// The DolphinScheduler workflows, by cluster and name.
    pub workflows: Vec<dolphinscheduler::Workflow>,
}

/// A cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// API server URL.
    pub server: String,
    /// Cluster-scoped objects of `[clusters.NAME] manifests`.
    pub manifests: Vec<UserManifest>,
    /// The revision its Applications sync, when it sets one apart from `[argocd] revision`.
    pub revision: Option<String>,
    /// The tag or digest of images by repository, on this cluster.
    pub images: Vec<environment::ImageOverride>,
}

/// An object the user wrote in a manifest file, checked: read strictly into its k8s-openapi
/// type (built-in kinds), or against its CRD schema (custom resources with one), or as it is.
#[derive(Debug, Clone)]
pub struct UserManifest {
    /// `apps/v1`.
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// The API group (`apps`, `""` for the core group).
    pub group: String,
    /// `metadata.name`.
    pub name: String,
    /// Where `metadata.name` is written: the object's origin in diagnostics.
    pub span: Span,
    /// The object as it is written out: `metadata.namespace` set, quantities canonical, keys
    /// in the type's order (built-in kinds) or sorted (custom resources).
    /// Shared with the compiled object, which writes it with platc's metadata, not copied.
    pub body: std::sync::Arc<serde_json::Value>,
    /// The schema of a custom resource's kind from `[platform] crd_schemas`, which a patch's
    /// result is checked against too.
    pub schema: Option<std::sync::Arc<crate::yaml::schema::Schema>>,
}

/// What the pods of a manifest (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, ...)
/// ask of the namespace's quota.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Where its name is written.
    pub span: Span,
    /// Pods it runs at once: replicas, parallelism (times two for a CronJob that allows
    /// overlapping runs), one for a DaemonSet (per node; platc cannot know the nodes).
    pub pods: u32,
    /// Its containers, init containers included.
    pub containers: Vec<WorkloadContainer>,
    /// PersistentVolumeClaims its StatefulSet templates make (one per template per replica).
    pub claims: u32,
    /// The HorizontalPodAutoscaler whose `maxReplicas` set `pods`, and where that is written.
    pub scaled_by: Option<(String, Span)>,
}

/// One container of a [`Workload`].
#[derive(Debug, Clone)]
pub struct WorkloadContainer {
    /// Its name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
    /// An init container (runs before the others; the pod needs the largest of them or the
    /// sum of the others, whichever is more).
    pub init: bool,
    /// Its requests.
    pub requests: ResourceList,
    /// Its limits.
    pub limits: ResourceList,
}

/// An ExternalSecret: a Secret that External Secrets Operator creates from a store.
#[derive(Debug, Clone)]
pub struct Secret {
    /// The Secret's (and the ExternalSecret's) name.
    pub name: String,
    /// Where it is declared.
    pub span: Span,
    /// `ClusterSecretStore` or `SecretStore`.
    pub store_kind: &'static str,
    /// The store's name in the cluster.
    pub store_name: String,
    /// `refreshInterval`, as a Go duration (`1h`).
    pub refresh: String,
    /// (secret key, remote key, property), sorted by secret key.
    pub data: Vec<(String, String, Option<String>)>,
    /// The remote key whose every property becomes a key.
    pub data_from: Option<String>,
}

/// A JSON patch on one object of a namespace.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The kind as written in `target` (matched case-insensitively).
    pub kind: String,
    /// The API group, when `target` names one (`KIND.GROUP/NAME`, as kubectl writes it).
    pub group: Option<String>,
    /// The object's name.
    pub name: String,
    /// Where `target` is written.
    pub span: Span,
    /// The operations, in order, each with where it is written.
    pub operations: Vec<(json_patch::PatchOperation, Span)>,
}

/// `[argocd]` with defaults applied.
#[derive(Debug, Clone)]
pub struct ArgoCd {
    /// GitOps repository URL.
    pub repo_url: String,
    /// Revision to sync.
    pub revision: String,
    /// Path of `out/` in the repository.
    pub path: String,
    /// Where `path` is written (or `[argocd]`, without one).
    pub path_span: Span,
    /// Argo CD's namespace.
    pub namespace: String,
}

/// A namespace, with everything in it.
#[derive(Debug, Clone)]
pub struct Namespace {
    /// Name.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
    /// Clusters it is stamped onto (at least one).
    pub clusters: Vec<String>,
    /// For the copy of a namespace split per cluster (`on.CLUSTER` in the config): that
    /// cluster, its only one. Several copies of one namespace share its name.
    pub on: Option<String>,
    /// Whether platc owns it: writes its Namespace object (`managed = false`: no Namespace
    /// object, no Pod Security labels, no default policies; the objects still go into it).
    pub managed: bool,
    /// Labels of the Namespace object (user labels + pod security); empty when not managed.
    pub labels: Labels,
    /// The Pod Security Standard its pods must meet (of a namespace platc does not manage:
    /// the level its owner enforces, which platc checks pods against without writing it).
    pub pod_security: PodSecurity,
    /// Directions denied by `default-deny` (empty: no such policy).
    pub default_deny: Vec<Direction>,
    /// Whether to emit `allow-dns` (only when egress is denied).
    pub allow_dns: bool,
    /// ResourceQuota `hard` entries.
    pub quota: Option<ResourceList>,
    /// LimitRange container item.
    pub limits: Option<Limits>,
    /// NetworkPolicies.
    pub network_policies: Vec<NetworkPolicy>,
    /// ServiceAccounts.
    pub service_accounts: Vec<ServiceAccount>,
    /// Roles.
    pub roles: Vec<Role>,
    /// RoleBindings.
    pub role_bindings: Vec<RoleBinding>,
    /// Pipelines.
    pub pipelines: Vec<Pipeline>,
    /// Objects of its `manifests`, in file order.
    pub manifests: Vec<UserManifest>,
    /// What the pods of those objects ask of the quota.
    pub workloads: Vec<Workload>,
    /// Patches on its objects, in order.
    pub patches: Vec<Patch>,
    /// Its ExternalSecrets.
    pub secrets: Vec<Secret>,
}

/// LimitRange values for containers.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// defaultRequest.
    pub default_request: ResourceList,
    /// default (limits).
    pub default: ResourceList,
    /// min.
    pub min: ResourceList,
    /// max.
    pub max: ResourceList,
}

/// Who traffic comes from or goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Every pod of the policy's own namespace.
    OwnNamespace,
    /// Every pod of another namespace.
    Namespace(String),
    /// Pods of a namespace matching a selector (a `[services.NAME]`).
    Pods {
        /// Their namespace.
        namespace: String,
        /// Their labels; `None` for the whole namespace.
        selector: Option<Labels>,
    },
    /// An IP block.
    Cidr(String),
}

/// One rule: peers and TCP ports (empty: all ports).
#[derive(Debug, Clone)]
pub struct TrafficRule {
    /// The peer.
    pub peer: Peer,
    /// TCP ports.
    pub ports: Vec<u16>,
}

/// A named NetworkPolicy.
#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    /// Name.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
    /// podSelector labels (`None`: all pods).
    pub pods: Option<Labels>,
    /// Ingress rules, when the policy restricts ingress.
    pub ingress: Option<Vec<TrafficRule>>,
    /// Egress rules, when the policy restricts egress.
    pub egress: Option<Vec<TrafficRule>>,
}

/// A ServiceAccount.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    /// Name.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
    /// Annotations.
    pub annotations: Labels,
    /// automountServiceAccountToken.
    pub automount_token: Option<bool>,
}

/// A Role.
#[derive(Debug, Clone)]
pub struct Role {
    /// Name.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
    /// Rules.
    pub rules: Vec<PolicyRule>,
}

/// An RBAC rule.
#[derive(Debug, Clone)]
pub struct PolicyRule {
    /// apiGroups.
    pub api_groups: Vec<String>,
    /// resources.
    pub resources: Vec<String>,
    /// verbs.
    pub verbs: Vec<String>,
    /// resourceNames.
    pub resource_names: Option<Vec<String>>,
}

/// A RoleBinding.
#[derive(Debug, Clone)]
pub struct RoleBinding {
    /// Name.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
    /// `Role` or `ClusterRole`.
    pub role_kind: &'static str,
    /// The role's name.
    pub role_name: String,
    /// Subjects.
    pub subjects: Vec<Subject>,
}

/// An RBAC subject.
#[derive(Debug, Clone)]
pub struct Subject {
    /// `ServiceAccount`, `Group` or `User`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Namespace (service accounts only).
    pub namespace: Option<String>,
}
