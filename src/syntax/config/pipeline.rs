//! The config types of `[namespaces.NAME.pipelines.PIPELINE]`: the schedule and the Job, the
//! steps and what every step's container gets (resources, environment, files), where its pods
//! may run, and what comes with it (topic, alerts, dashboard).

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Resources, StringMap};
use crate::vecmap::VecMap;

/// What happens when a run is due while the previous one still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Concurrency {
    /// Skip the new run.
    Forbid,
    /// Run both.
    Allow,
    /// Stop the old run, start the new one.
    Replace,
}

/// Jobs kept after they finish.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Successful jobs kept; default 3.
    #[serde(default)]
    pub successful: Option<u32>,
    /// Failed jobs kept; default 1.
    #[serde(default)]
    pub failed: Option<u32>,
}

/// Container resources.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerResources {
    /// What the scheduler reserves.
    #[serde(default)]
    pub requests: Option<Resources>,
    /// The most a container may use.
    #[serde(default)]
    pub limits: Option<Resources>,
}

/// One step of a pipeline: a container.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Container name (DNS label, unique within the pipeline).
    pub name: String,
    /// Arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Entrypoint override.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Image override for this step.
    #[serde(default)]
    pub image: Option<String>,
    /// This step's own requests and limits: each amount it sets replaces the pipeline's
    /// amount of that resource for this step's container; the others stay the pipeline's.
    #[serde(default)]
    pub resources: Option<ContainerResources>,
}

/// An environment variable's value: a string, or a key of a Secret or ConfigMap.
// Read by hand rather than as a serde `untagged` enum: that buffers the value first, and from
// the buffer an `Option` field reads a TOML `nan` as absent, which the schema refuses.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    /// A literal value. `$(NAME)` is replaced by the value of the variable `NAME` (platc orders
    /// the variables so that it is defined first); `$$` is a literal `$`, so `$$(NAME)` stays
    /// `$(NAME)`.
    Text(String),
    /// The value of one key of a Secret or a ConfigMap of the namespace (`valueFrom`).
    From(EnvSource),
}

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = EnvValue;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a table with `secret` or `config_map` and `key`")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<EnvValue, E> {
                Ok(EnvValue::Text(text.to_string()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<EnvValue, A::Error> {
                EnvSource::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(EnvValue::From)
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

/// Where an environment variable's value comes from: exactly one of `secret` and `config_map`,
/// and the `key`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvSource {
    /// A Secret of the namespace (`valueFrom.secretKeyRef`).
    #[serde(default)]
    pub secret: Option<String>,
    /// A ConfigMap of the namespace (`valueFrom.configMapKeyRef`).
    #[serde(default)]
    pub config_map: Option<String>,
    /// The key whose value the variable takes.
    pub key: String,
}

/// A Secret or a ConfigMap mounted as files, read-only, in every step: exactly one of
/// `secret` and `config_map`, and the `path`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MountedFiles {
    /// A Secret of the namespace; each of its keys becomes a file.
    #[serde(default)]
    pub secret: Option<String>,
    /// A ConfigMap of the namespace; each of its keys becomes a file.
    #[serde(default)]
    pub config_map: Option<String>,
    /// The absolute folder the files appear in (`/etc/iceberg`); not `/work`, `/tmp` or
    /// anything under them.
    pub path: String,
}

/// How a toleration matches a taint's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TolerationOperator {
    /// The taint's value equals `value` (the default).
    Equal,
    /// Any value (no `value` allowed); without `key`, every taint.
    Exists,
}

/// What a taint does to pods that do not tolerate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TaintEffect {
    /// No new pods are scheduled on the node.
    NoSchedule,
    /// The scheduler avoids the node.
    PreferNoSchedule,
    /// Running pods are evicted too (after `toleration_seconds`, when set).
    NoExecute,
}

/// A toleration of the pipeline's pods (`spec.tolerations`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Toleration {
    /// The taint key (a label key); omit with `operator = "Exists"` to tolerate every taint.
    #[serde(default)]
    pub key: Option<String>,
    /// `Equal` (default) or `Exists`.
    #[serde(default)]
    pub operator: Option<TolerationOperator>,
    /// The taint value (`Equal` only; a label value).
    #[serde(default)]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`; omit to tolerate every effect.
    #[serde(default)]
    pub effect: Option<TaintEffect>,
    /// With `effect = "NoExecute"` only: how long a running pod stays after the taint appears.
    #[serde(default)]
    pub toleration_seconds: Option<u32>,
}

/// A pipeline's Kafka topic (Strimzi KafkaTopic).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The Kafka service (`[services.NAME]` with `strimzi_cluster`).
    pub service: String,
    /// Topic name; default the pipeline's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Partitions.
    pub partitions: u32,
    /// Replicas.
    pub replicas: u32,
    /// How long records are kept (`7d`); becomes `retention.ms`.
    #[serde(default)]
    pub retention: Option<String>,
    /// Further topic configuration (`cleanup.policy`, `min.insync.replicas`, ...).
    #[serde(default)]
    pub config: VecMap<String, ConfigValue>,
}

/// A Kafka topic config value.
#[derive(Debug, Clone, Deserialize, JsonSchema, serde::Serialize, PartialEq)]
#[serde(untagged)]
pub enum ConfigValue {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A number with a fraction (`min.cleanable.dirty.ratio = 0.5`).
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// A pipeline's alerts (PrometheusRule).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// Severity of the alert when a run fails.
    #[serde(default)]
    pub on_failure: Option<String>,
    /// Alert when no run has succeeded for this long (`26h`).
    #[serde(default)]
    pub missed_after: Option<String>,
    /// Extra labels on both alerts.
    #[serde(default)]
    pub labels: StringMap,
}

/// `[namespaces.NAME.pipelines.PIPELINE]`: a scheduled job.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "if" = { "not": { "required": ["after"] } },
    "then" = { "required": ["schedule"] }
))]
pub struct Pipeline {
    /// Who starts its runs: `kubernetes` (default; the CronJob, on its schedule) or
    /// `dolphinscheduler` (a workflow of `[dolphinscheduler]`; the CronJob is suspended and is
    /// the template of each run).
    #[serde(default)]
    pub scheduler: Option<super::Scheduler>,
    /// Pipelines (`NAME` of this namespace, or `NAMESPACE/NAME`) whose runs must succeed before
    /// this one runs; `dolphinscheduler` pipelines only, and then no `schedule` of its own.
    #[serde(default)]
    pub after: Option<Vec<String>>,
    /// Cron schedule: 5 fields or @hourly/@daily/@weekly/@monthly/@yearly. Required unless the
    /// pipeline runs `after` others.
    #[serde(default)]
    pub schedule: Option<String>,
    /// IANA time zone of the schedule.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// forbid (default), allow or replace.
    #[serde(default)]
    pub concurrency: Option<Concurrency>,
    /// Finished jobs kept.
    #[serde(default)]
    pub history: Option<History>,
    /// Job retries (backoffLimit).
    #[serde(default)]
    pub retries: Option<u32>,
    /// The service account its pods run as. Its API token is mounted only when a role binding
    /// (or `automount_token = true` on the account) says the pods need it.
    #[serde(default)]
    pub service_account: Option<String>,
    /// Container image of every step (a step may override it).
    pub image: String,
    /// Secrets of the namespace the kubelet pulls images with (`imagePullSecrets`).
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
    /// Resources of every step (a step's own `resources` override them per amount).
    #[serde(default)]
    pub resources: Option<ContainerResources>,
    /// Size limit of each of the two scratch volumes, `/work` and `/tmp` (`emptyDir`
    /// `sizeLimit`; a quantity). Default `1Gi`, or the pods' ephemeral-storage limit when
    /// that is smaller. A pod that writes more is evicted.
    #[serde(default)]
    pub scratch: Option<String>,
    /// Environment variables: a string (`$(NAME)` refers to another variable), or
    /// `{ secret = "NAME", key = "KEY" }` / `{ config_map = "NAME", key = "KEY" }`.
    #[serde(default)]
    pub env: VecMap<String, EnvValue>,
    /// Secrets whose keys become environment variables (envFrom); values never live here.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// ConfigMaps whose keys become environment variables (envFrom).
    #[serde(default)]
    pub config_maps: Vec<String>,
    /// Secrets and ConfigMaps mounted read-only as files in every step.
    #[serde(default)]
    pub files: Vec<MountedFiles>,
    /// Steps, run in order; all but the last as init containers.
    pub steps: Vec<Step>,
    /// Node labels the pods must run on (`nodeSelector`).
    #[serde(default)]
    pub node_selector: StringMap,
    /// Taints the pods tolerate (`tolerations`).
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// Labels of the Jobs and pods (not of the CronJob); platc's own labels cannot be set.
    #[serde(default)]
    pub labels: StringMap,
    /// Annotations of the Jobs and pods (not of the CronJob).
    #[serde(default)]
    pub annotations: StringMap,
    /// A run is stopped after this long (`activeDeadlineSeconds`), e.g. `2h`.
    #[serde(default)]
    pub deadline: Option<String>,
    /// A run that could not start within this long is skipped (`startingDeadlineSeconds`).
    #[serde(default)]
    pub starting_deadline: Option<String>,
    /// A finished Job (and its pods and logs) is deleted this long after it finished
    /// (`ttlSecondsAfterFinished`), e.g. `1d`, whatever `history` keeps.
    #[serde(default)]
    pub ttl_after_finished: Option<String>,
    /// Pause scheduling.
    #[serde(default)]
    pub suspend: Option<bool>,
    /// The Kafka topic it produces to.
    #[serde(default)]
    pub topic: Option<Topic>,
    /// Alerts on failure and on missed runs.
    #[serde(default)]
    pub alerts: Option<Alerts>,
    /// A Grafana dashboard ConfigMap.
    #[serde(default)]
    pub dashboard: Option<bool>,
}
