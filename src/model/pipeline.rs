//! A validated pipeline: its CronJob's settings, its steps with the resources each container
//! gets, the environment in an order Kubernetes can expand, and what comes with it.

use super::{
    Concurrency, ConfigValue, Labels, Quantity, ResourceList, TaintEffect, TolerationOperator,
};
use crate::diag::Span;
use crate::vecmap::VecMap;

/// One container of a pipeline.
#[derive(Debug, Clone)]
pub struct Step {
    /// Container name.
    pub name: String,
    /// Image (the step's own or the pipeline's).
    pub image: String,
    /// command.
    pub command: Option<Vec<String>>,
    /// args.
    pub args: Vec<String>,
    /// Its requests: the step's own amounts, else the pipeline's, resource by resource.
    pub requests: ResourceList,
    /// Its limits, merged the same way.
    pub limits: ResourceList,
}

/// Where an environment variable's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A literal value (with `$(NAME)` references already checked).
    Text(String),
    /// `valueFrom.secretKeyRef`.
    SecretKey {
        /// The Secret.
        secret: String,
        /// Its key.
        key: String,
    },
    /// `valueFrom.configMapKeyRef`.
    ConfigMapKey {
        /// The ConfigMap.
        config_map: String,
        /// Its key.
        key: String,
    },
}

/// One environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: EnvValue,
}

/// What a [`FileMount`] mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// A Secret.
    Secret(String),
    /// A ConfigMap.
    ConfigMap(String),
}

/// A Secret or ConfigMap mounted read-only in every step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMount {
    /// What.
    pub source: FileSource,
    /// Where (absolute, normalised).
    pub path: String,
}

/// A toleration of the pipeline's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    /// The taint key.
    pub key: Option<String>,
    /// The operator, as written.
    pub operator: Option<TolerationOperator>,
    /// The value (Equal only).
    pub value: Option<String>,
    /// The effect (`None`: every effect).
    pub effect: Option<TaintEffect>,
    /// tolerationSeconds (NoExecute only).
    pub seconds: Option<u32>,
}

/// A Strimzi KafkaTopic a pipeline produces to.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Topic name.
    pub name: String,
    /// Where it was declared.
    pub span: Span,
    /// The Kafka service's namespace (the topic's folder).
    pub namespace: String,
    /// `strimzi.io/cluster`.
    pub strimzi_cluster: String,
    /// Partitions.
    pub partitions: u32,
    /// Replicas.
    pub replicas: u32,
    /// Topic config, `retention.ms` included.
    pub config: VecMap<String, ConfigValue>,
}

/// A pipeline's alerts.
#[derive(Debug, Clone)]
pub struct Alerts {
    /// Severity of the failure alert (`None`: no failure alert).
    pub on_failure: Option<String>,
    /// Seconds without a success before the missed-run alert (`None`: no such alert).
    pub missed_after: Option<(u64, String)>,
    /// Extra labels.
    pub labels: Labels,
}

/// A scheduled pipeline (CronJob).
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Name.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
    /// Who starts its runs.
    pub scheduler: super::dolphinscheduler::Scheduler,
    /// Cron schedule (a follower's: its chain head's, which its suspended CronJob shows).
    pub schedule: String,
    /// IANA zone.
    pub time_zone: Option<String>,
    /// Concurrency policy.
    pub concurrency: Concurrency,
    /// successfulJobsHistoryLimit.
    pub history_successful: Option<u32>,
    /// failedJobsHistoryLimit.
    pub history_failed: Option<u32>,
    /// backoffLimit.
    pub retries: Option<u32>,
    /// serviceAccountName.
    pub service_account: Option<String>,
    /// Whether its pods get the service account's API token: only when a role binding names
    /// the account (or the account asks for it); else `automountServiceAccountToken: false`.
    pub mount_token: bool,
    /// imagePullSecrets.
    pub image_pull_secrets: Vec<String>,
    /// sizeLimit of the `/work` and `/tmp` volumes.
    pub scratch: Quantity,
    /// Environment, each `$(NAME)` after the variable it names; otherwise by name.
    pub env: Vec<EnvVar>,
    /// envFrom secrets, in order.
    pub secrets: Vec<String>,
    /// envFrom config maps, in order.
    pub config_maps: Vec<String>,
    /// Secrets and ConfigMaps mounted as files, in order.
    pub files: Vec<FileMount>,
    /// Steps in order.
    pub steps: Vec<Step>,
    /// nodeSelector.
    pub node_selector: Labels,
    /// tolerations, in order.
    pub tolerations: Vec<Toleration>,
    /// Labels of its Jobs and pods (besides platc's).
    pub labels: Labels,
    /// Annotations of its Jobs and pods.
    pub annotations: Labels,
    /// activeDeadlineSeconds.
    pub deadline: Option<u64>,
    /// startingDeadlineSeconds.
    pub starting_deadline: Option<u64>,
    /// ttlSecondsAfterFinished.
    pub ttl_after_finished: Option<u64>,
    /// suspend.
    pub suspend: Option<bool>,
    /// Kafka topic.
    pub topic: Option<Topic>,
    /// Alerts.
    pub alerts: Option<Alerts>,
    /// Grafana dashboard.
    pub dashboard: bool,
}

impl Pipeline {
    /// Every Secret its pods use: `secrets` (envFrom), `env` keys and `files`.
    pub fn secrets_used(&self) -> impl Iterator<Item = &str> {
        let env = self.env.iter().filter_map(|v| match &v.value {
            EnvValue::SecretKey { secret, .. } => Some(secret.as_str()),
            _ => None,
        });
        let files = self.files.iter().filter_map(|f| match &f.source {
            FileSource::Secret(s) => Some(s.as_str()),
            FileSource::ConfigMap(_) => None,
        });
        self.secrets
            .iter()
            .map(String::as_str)
            .chain(env)
            .chain(files)
    }
}
