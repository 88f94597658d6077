//! The config types: a mirror of platform.toml v1, key for key (a pipeline's in `pipeline.rs`).
//! They derive the JSON Schema (`platc schema`) and are read straight from the document; the
//! schema runs only to locate what they cannot read. Nothing here is checked beyond its TOML
//! type; `validate` turns them into the model.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::vecmap::VecMap;

mod dolphinscheduler;
mod overrides;
mod pipeline;

pub use dolphinscheduler::{DolphinScheduler, Gateway, Scheduler};
pub use overrides::{NAMED_TABLES, PLACEMENT};
pub use pipeline::{
    Alerts, Concurrency, ConfigValue, ContainerResources, EnvSource, EnvValue, History,
    MountedFiles, Pipeline, Step, TaintEffect, Toleration, TolerationOperator, Topic,
};

/// A string-to-string map (labels, selectors, env).
pub type StringMap = VecMap<String, String>;

/// platform.toml.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "platform.toml",
    description = "platc platform definition (v1)"
)]
pub struct Config {
    /// The platform itself.
    pub platform: PlatformTable,
    /// Values applied to every generated object.
    #[serde(default)]
    pub defaults: Defaults,
    /// Kubernetes clusters; without any, one cluster named `default`.
    #[serde(default)]
    pub clusters: BTreeMap<String, Cluster>,
    /// When present, Argo CD objects are generated in `out/argocd/`.
    #[serde(default)]
    pub argocd: Option<ArgoCd>,
    /// Platform-wide settings for generated PrometheusRules.
    #[serde(default)]
    pub monitoring: Option<Monitoring>,
    /// Endpoints that network rules and topics refer to (`service:NAME`).
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    /// Secret stores of External Secrets Operator that exist in the clusters (platc never
    /// writes one); namespaces' `secrets` name them.
    #[serde(default)]
    pub secret_stores: BTreeMap<String, SecretStore>,
    /// Namespaces, keyed by name.
    #[serde(default)]
    pub namespaces: BTreeMap<String, Namespace>,
    /// Namespace templates: any namespace fields, plus `template` to build on another.
    /// Checked where a namespace uses them.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Map<String, serde_json::Value>>")]
    pub templates: BTreeMap<String, TemplateBody>,
    /// Variables for `{{ vars.NAME }}` in namespace and template strings.
    #[serde(default)]
    pub vars: StringMap,
    /// The Apache DolphinScheduler that runs pipelines with `scheduler = "dolphinscheduler"`.
    #[serde(default)]
    pub dolphinscheduler: Option<DolphinScheduler>,
    /// Which lints not to report.
    #[serde(default)]
    pub lints: Option<LintsTable>,
}

impl Config {
    /// Reads the typed config, and refuses what its types cannot say but the schema does: a
    /// pipeline with neither `schedule` nor `after`. The schema then locates it, as any other
    /// missing key (see `validate`: the schema runs only when this fails).
    pub fn read<'de, D: serde::Deserializer<'de>>(from: D) -> Result<Config, D::Error> {
        let config = Config::deserialize(from)?;
        let unscheduled = config
            .namespaces
            .values()
            .flat_map(|ns| std::iter::once(ns).chain(ns.on.values()))
            .flat_map(|ns| ns.pipelines.values())
            .any(|pl| pl.schedule.is_none() && pl.after.is_none());
        if unscheduled {
            return Err(serde::de::Error::missing_field("schedule"));
        }
        Ok(config)
    }
}

/// `[lints]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintsTable {
    /// Warning and note codes never reported for this platform (`["W0503"]`); one finding is
    /// silenced by a `# platc:allow CODE` comment on its line instead.
    #[serde(default)]
    pub allow: Vec<String>,
}

/// The body of a `[templates.NAME]`: any namespace fields, checked where a namespace uses it.
/// Only a table: a `serde_json::Map` alone would also read a NaN (which the document reads as
/// nothing) as an empty table, which the schema refuses.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(transparent)]
pub struct TemplateBody(pub serde_json::Map<String, serde_json::Value>);

impl<'de> Deserialize<'de> for TemplateBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Table;
        impl<'de> serde::de::Visitor<'de> for Table {
            type Value = TemplateBody;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<TemplateBody, A::Error> {
                serde_json::Map::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(TemplateBody)
            }
        }
        deserializer.deserialize_map(Table)
    }
}

/// `[platform]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformTable {
    /// The platform's name; becomes `app.kubernetes.io/part-of` and the AppProject name.
    pub name: String,
    /// Further files (globs relative to this file, expanded in sorted order) holding
    /// namespaces, services, clusters and templates.
    #[serde(default)]
    pub include: Vec<String>,
    /// JSON Schemas of custom resources (globs relative to this file), e.g. the upstream CRD
    /// schemas kubeconform uses: a manifest of their kind is validated against them.
    #[serde(default)]
    pub crd_schemas: Vec<String>,
    /// CustomResourceDefinition manifests (globs relative to this file, YAML as users download
    /// them): a custom resource of a kind they define is checked against the schema of its
    /// served version, and placed by its scope (a cluster-scoped one in `[clusters.NAME]
    /// manifests`).
    #[serde(default)]
    pub crds: Vec<String>,
}

/// `[defaults]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Labels added to every generated object.
    #[serde(default)]
    pub labels: StringMap,
}

/// `[clusters.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// API server URL Argo CD deploys to; default `https://kubernetes.default.svc`.
    #[serde(default)]
    pub server: Option<String>,
    /// YAML files of cluster-scoped objects (ClusterRoles, StorageClasses, CRDs, ...): globs
    /// relative to this file, several documents a file. They go to `<cluster>/_cluster/`.
    #[serde(default)]
    pub manifests: Vec<String>,
    /// Variables for everything stamped on this cluster: over `[vars]`, under a namespace's
    /// (and its template's) `vars` and its `on.CLUSTER.vars`.
    #[serde(default)]
    pub vars: StringMap,
    /// The branch, tag or commit this cluster's Applications sync (`targetRevision`); default
    /// `[argocd] revision`.
    #[serde(default)]
    pub revision: Option<String>,
    /// `"registry/repository" = "TAG"` (or `"sha256:..."`): on this cluster, every container
    /// image of that repository, in pipelines and manifests, gets that tag or digest.
    #[serde(default)]
    pub images: StringMap,
    /// Keys of `[services.NAME]` that differ on this cluster, merged over them key by key.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceOverride>,
}

/// `[clusters.NAME.services.SVC]`: what differs on one cluster from `[services.SVC]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceOverride {
    /// The namespace it runs in on this cluster.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Pod labels on this cluster.
    #[serde(default)]
    pub selector: Option<StringMap>,
    /// TCP ports on this cluster.
    #[serde(default)]
    pub ports: Option<Vec<Port>>,
    /// The Strimzi Kafka cluster name on this cluster.
    #[serde(default)]
    pub strimzi_cluster: Option<String>,
}

/// `[argocd]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgoCd {
    /// The GitOps repository that holds `out/`.
    pub repo_url: String,
    /// Branch, tag or commit to sync; default `HEAD`.
    #[serde(default)]
    pub revision: Option<String>,
    /// Where `out/` sits in that repository; default `out`.
    #[serde(default)]
    pub path: Option<String>,
    /// The namespace Argo CD runs in; default `argocd`.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// `[monitoring]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Labels on every PrometheusRule (e.g. `release = "kube-prometheus-stack"`).
    #[serde(default)]
    pub rule_labels: StringMap,
    /// The alert severities Alertmanager routes; a pipeline's `on_failure` or `severity` label
    /// outside them is an error. Default `["critical", "warning", "info"]`.
    #[serde(default)]
    pub severities: Option<Vec<String>>,
}

/// `[services.NAME]`: an endpoint outside the platform's namespaces.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The namespace it runs in.
    pub namespace: String,
    /// Pod labels; omit for the whole namespace.
    #[serde(default)]
    pub selector: Option<StringMap>,
    /// TCP ports; omit for all ports.
    #[serde(default)]
    pub ports: Vec<Port>,
    /// The Strimzi Kafka cluster name, needed when pipelines create topics on it.
    #[serde(default)]
    pub strimzi_cluster: Option<String>,
}

/// A TCP port number.
pub type Port = u16;

/// `[secret_stores.NAME]`: an External Secrets Operator store that exists in the cluster.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretStore {
    /// `ClusterSecretStore` (the default; one for the whole cluster) or `SecretStore` (one in
    /// each namespace that uses it).
    #[serde(default)]
    pub kind: Option<StoreKind>,
    /// Its name in the cluster; default the table's key.
    #[serde(default)]
    pub name: Option<String>,
}

/// The kinds of External Secrets Operator stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum StoreKind {
    /// A store every namespace may use.
    ClusterSecretStore,
    /// A store of one namespace (each namespace that uses it has its own of that name).
    SecretStore,
}

/// `[namespaces.NAME.secrets.SECRET]`: a Secret that External Secrets Operator creates from a
/// store. Values never live in platform.toml: only where they are in the store.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    /// The store (`[secret_stores.NAME]`).
    pub store: String,
    /// How often the values are read again (`refreshInterval`); a duration, default `1h`.
    #[serde(default)]
    pub refresh: Option<String>,
    /// Secret key = remote key in the store, `#property` optional (`commodities/api#key`).
    #[serde(default)]
    pub data: Option<StringMap>,
    /// Every property of one remote key becomes a key of the Secret (`dataFrom.extract`).
    #[serde(default)]
    pub data_from: Option<String>,
}

/// Traffic directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Incoming traffic.
    Ingress,
    /// Outgoing traffic.
    Egress,
}

/// Pod Security Standards levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurity {
    /// Hardened: what every generated pod meets.
    Restricted,
    /// Blocks known privilege escalations.
    Baseline,
    /// No restrictions.
    Privileged,
}

/// `[namespaces.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Namespace {
    /// A template (`[templates.NAME]`) this namespace starts from; its own keys override.
    #[serde(default)]
    pub template: Option<String>,
    /// Values for `{{ vars.NAME }}` here, overriding `[vars]`.
    #[serde(default)]
    pub vars: StringMap,
    /// The cluster it lives on (optional when there is one cluster).
    #[serde(default)]
    pub cluster: Option<String>,
    /// Several clusters to stamp it onto.
    #[serde(default)]
    pub clusters: Option<Vec<String>>,
    /// Whether platc owns the namespace (default true). `false`: the namespace exists and
    /// belongs to someone else (`kube-system`, an operator's): platc writes its objects into it
    /// but no Namespace object, no Pod Security labels and no default policies; a quota,
    /// limits and `default_deny` only when written here.
    #[serde(default)]
    pub managed: Option<bool>,
    /// Labels of the Namespace object.
    #[serde(default)]
    pub labels: StringMap,
    /// Directions denied by a `default-deny` NetworkPolicy; default both (none in a namespace
    /// with `managed = false`), `[]` for none.
    #[serde(default)]
    pub default_deny: Option<Vec<Direction>>,
    /// Where egress is denied, allow DNS to kube-dns (NetworkPolicy `allow-dns`); default true.
    #[serde(default)]
    pub allow_dns: Option<bool>,
    /// Pod Security Standard enforced on the namespace; default `restricted`.
    #[serde(default)]
    pub pod_security: Option<PodSecurity>,
    /// ResourceQuota `<namespace>-quota`.
    #[serde(default)]
    pub quota: Option<Quota>,
    /// LimitRange `<namespace>-limits` for containers.
    #[serde(default)]
    pub limits: Option<Limits>,
    /// NetworkPolicies, keyed by name.
    #[serde(default)]
    pub network_policies: VecMap<String, NetworkPolicy>,
    /// ServiceAccounts, keyed by name.
    #[serde(default)]
    pub service_accounts: VecMap<String, ServiceAccount>,
    /// Roles, keyed by name.
    #[serde(default)]
    pub roles: VecMap<String, Role>,
    /// RoleBindings, keyed by name.
    #[serde(default)]
    pub role_bindings: VecMap<String, RoleBinding>,
    /// Scheduled data pipelines, keyed by name.
    #[serde(default)]
    pub pipelines: VecMap<String, Pipeline>,
    /// YAML files of further objects of this namespace (Deployments, Services, PVCs, custom
    /// resources, ...): globs relative to this file, several documents a file, read as
    /// strictly as `kubectl apply --validate=strict` and checked by the same lints.
    #[serde(default)]
    pub manifests: Vec<String>,
    /// RFC 6902 JSON patches on this namespace's objects, generated or manifests.
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// Secrets created by External Secrets Operator from a store (ExternalSecrets), by name.
    #[serde(default)]
    pub secrets: VecMap<String, Secret>,
    /// Per-cluster overrides: `on.CLUSTER` holds any keys of a namespace but where it is
    /// placed, merged over it only where it is stamped on that cluster (tables key by key,
    /// scalars and arrays replace, `patches` are added); in a named table, an entry set to
    /// `false` is removed there.
    // Once expanded, `on.CLUSTER` holds the namespace's whole effective config on CLUSTER.
    #[serde(default)]
    #[schemars(schema_with = "overrides::schema")]
    pub on: BTreeMap<String, Namespace>,
}

/// `[[namespaces.NAME.patches]]`: JSON Patch operations on one object.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// `KIND/NAME` of an object of the namespace (kind case-insensitive: `cronjob/etl`).
    pub target: String,
    /// The operations, applied in order.
    pub patch: Vec<PatchOperation>,
}

/// One RFC 6902 operation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOperation {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    pub op: PatchOp,
    /// JSON Pointer to the value (`/spec/jobTemplate/spec/template/spec/nodeSelector`).
    pub path: String,
    /// The value (`add`, `replace`, `test`).
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// JSON Pointer to the source (`move`, `copy`).
    #[serde(default)]
    pub from: Option<String>,
}

/// The operations of RFC 6902.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatchOp {
    /// Adds a value (or inserts into an array).
    Add,
    /// Removes the value.
    Remove,
    /// Replaces the value.
    Replace,
    /// Moves the value at `from` to `path`.
    Move,
    /// Copies the value at `from` to `path`.
    Copy,
    /// Fails the patch unless the value equals `value`.
    Test,
}

/// Compute and memory amounts (Kubernetes quantities).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// CPU, e.g. `500m`, `2`.
    #[serde(default)]
    pub cpu: Option<String>,
    /// Memory, e.g. `512Mi`, `4Gi`.
    #[serde(default)]
    pub memory: Option<String>,
    /// Local ephemeral storage, e.g. `1Gi`.
    #[serde(default, rename = "ephemeral-storage")]
    pub ephemeral_storage: Option<String>,
}

/// `[namespaces.NAME.quota]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Sum of requests over all pods.
    #[serde(default)]
    pub requests: Option<Resources>,
    /// Sum of limits over all pods.
    #[serde(default)]
    pub limits: Option<Resources>,
    /// Number of pods.
    #[serde(default)]
    pub pods: Option<u32>,
    /// Number of PersistentVolumeClaims.
    #[serde(default)]
    pub persistentvolumeclaims: Option<u32>,
    /// Number of Services.
    #[serde(default)]
    pub services: Option<u32>,
    /// Number of ConfigMaps.
    #[serde(default)]
    pub configmaps: Option<u32>,
    /// Number of Secrets.
    #[serde(default)]
    pub secrets: Option<u32>,
}

/// `[namespaces.NAME.limits]`: per-container defaults and bounds.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Requests given to containers that set none.
    #[serde(default)]
    pub default_request: Option<Resources>,
    /// Limits given to containers that set none.
    #[serde(default)]
    pub default: Option<Resources>,
    /// Smallest allowed request/limit.
    #[serde(default)]
    pub min: Option<Resources>,
    /// Largest allowed request/limit.
    #[serde(default)]
    pub max: Option<Resources>,
}

/// `[namespaces.NAME.network_policies.POLICY]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkPolicy {
    /// Pod labels the policy applies to; omit for every pod of the namespace.
    #[serde(default)]
    pub pods: Option<StringMap>,
    /// Allowed incoming traffic; present (even empty) makes the policy an Ingress policy.
    #[serde(default)]
    pub ingress: Option<Vec<IngressRule>>,
    /// Allowed outgoing traffic; present (even empty) makes the policy an Egress policy.
    #[serde(default)]
    pub egress: Option<Vec<EgressRule>>,
}

/// One egress rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EgressRule {
    /// `self`, `namespace:NAME`, `service:NAME` or a CIDR.
    pub to: String,
    /// TCP ports; default: a service's ports, else all.
    #[serde(default)]
    pub ports: Option<Vec<Port>>,
}

/// One ingress rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngressRule {
    /// `self`, `namespace:NAME`, `service:NAME` or a CIDR.
    pub from: String,
    /// TCP ports; default all.
    #[serde(default)]
    pub ports: Option<Vec<Port>>,
}

/// `[namespaces.NAME.service_accounts.SA]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccount {
    /// Annotations (e.g. a cloud IAM role binding).
    #[serde(default)]
    pub annotations: StringMap,
    /// Whether pods mount its token automatically.
    #[serde(default)]
    pub automount_token: Option<bool>,
}

/// `[namespaces.NAME.roles.ROLE]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// What the role allows.
    pub rules: Vec<Rule>,
}

/// One RBAC rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// API groups; default `[""]` (the core group).
    #[serde(default)]
    pub api_groups: Option<Vec<String>>,
    /// Resources (`pods`, `secrets`, `jobs`, `pods/log`).
    pub resources: Vec<String>,
    /// Verbs (`get`, `list`, `watch`, `create`, ...).
    pub verbs: Vec<String>,
    /// Restrict to these object names.
    #[serde(default)]
    pub resource_names: Option<Vec<String>>,
}

/// `[namespaces.NAME.role_bindings.BINDING]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBinding {
    /// A role of this namespace.
    #[serde(default)]
    pub role: Option<String>,
    /// A ClusterRole (`view`, `edit`, ...).
    #[serde(default)]
    pub cluster_role: Option<String>,
    /// `serviceaccount:NAME`, `serviceaccount:NS/NAME`, `group:NAME`, `user:NAME`.
    pub subjects: Vec<String>,
}
