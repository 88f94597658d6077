//! The config types of `[dolphinscheduler]`: where Apache DolphinScheduler runs, and what the
//! workflows platc writes for pipelines with `scheduler = "dolphinscheduler"` are submitted as.

use schemars::JsonSchema;
use serde::Deserialize;

/// `[dolphinscheduler]`: the DolphinScheduler that runs pipelines with
/// `scheduler = "dolphinscheduler"` (docs/dolphinscheduler.md).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DolphinScheduler {
    /// The DolphinScheduler project the workflows go into.
    pub project: String,
    /// The tenant (an operating-system user on the workers) its tasks run as.
    pub tenant: String,
    /// The namespace DolphinScheduler runs in on each cluster; declare it under
    /// `[namespaces.NAME]` (with `managed = false` when platc does not own it). The workflows'
    /// ConfigMap and the submit Job go there.
    pub namespace: String,
    /// The ServiceAccount of DolphinScheduler's workers in that namespace: it gets a Role to
    /// run Jobs from the pipelines' CronJobs.
    pub worker_service_account: String,
    /// The API server's Python gateway the submit Job talks to.
    pub gateway: Gateway,
    /// The image of the submit Job: Python with `apache-dolphinscheduler` installed (the
    /// `pydolphinscheduler` command).
    pub submit_image: String,
    /// The worker group the tasks run on; default `default`.
    #[serde(default)]
    pub worker_group: Option<String>,
}

/// `[dolphinscheduler] gateway`: DolphinScheduler's Python gateway (Py4J).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// Its host name as the submit Job sees it (a Service of the namespace).
    pub address: String,
    /// Its port (DolphinScheduler's default is 25333).
    pub port: u16,
    /// The Secret holding its auth token, declared under the namespace's `secrets`.
    pub token_secret: String,
    /// The key of the token in that Secret; default `token`.
    #[serde(default)]
    pub token_key: Option<String>,
}

/// Who starts a pipeline's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    /// Its CronJob, on its schedule (the default).
    Kubernetes,
    /// A DolphinScheduler workflow (`[dolphinscheduler]`): the CronJob is suspended and is the
    /// template each run's Job is created from.
    Dolphinscheduler,
}
