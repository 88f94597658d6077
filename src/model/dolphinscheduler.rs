//! Validated DolphinScheduler settings and the workflows the chains of `dolphinscheduler`
//! pipelines become: one per chain (a scheduled pipeline and all that follow it through
//! `after`) and cluster.

use crate::diag::Span;

/// `[dolphinscheduler]`, with defaults applied.
#[derive(Debug, Clone)]
pub struct DolphinScheduler {
    /// The project the workflows go into.
    pub project: String,
    /// The tenant the tasks run as.
    pub tenant: String,
    /// DolphinScheduler's namespace on each cluster (the ConfigMap and submit Job go there).
    pub namespace: String,
    /// Its workers' ServiceAccount in that namespace.
    pub worker_service_account: String,
    /// The Python gateway's host.
    pub gateway_address: String,
    /// The Python gateway's port.
    pub gateway_port: u16,
    /// The Secret of the gateway's auth token (in `namespace`).
    pub token_secret: String,
    /// The token's key in it.
    pub token_key: String,
    /// The submit Job's image.
    pub submit_image: String,
    /// The tasks' worker group.
    pub worker_group: String,
    /// Where `[dolphinscheduler]` is written.
    pub span: Span,
}

/// Who starts a pipeline's runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheduler {
    /// The CronJob, on its schedule.
    Kubernetes,
    /// A DolphinScheduler workflow; the CronJob is suspended and is each run's template.
    DolphinScheduler {
        /// The pipelines whose runs must succeed first (empty: it is its chain's head).
        after: Vec<Predecessor>,
    },
}

/// A pipeline named by `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predecessor {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// How a workflow's instances overlap (DolphinScheduler's execution type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionType {
    /// `concurrency = "forbid"`: a new instance is discarded while one runs.
    SerialDiscard,
    /// `concurrency = "allow"`: instances run side by side.
    Parallel,
}

impl ExecutionType {
    /// As pydolphinscheduler writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionType::SerialDiscard => "SERIAL_DISCARD",
            ExecutionType::Parallel => "PARALLEL",
        }
    }
}

/// One workflow: a chain of pipelines on one cluster.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// `NAMESPACE.HEAD` (unique in the project; a DNS label has no dot).
    pub name: String,
    /// The cluster whose DolphinScheduler runs it.
    pub cluster: String,
    /// The head's cron schedule, as written.
    pub schedule: String,
    /// Its Quartz expression.
    pub quartz: String,
    /// The head's time zone, `Etc/UTC` when it sets none.
    pub time_zone: String,
    /// From the head's `concurrency`.
    pub execution_type: ExecutionType,
    /// Its tasks, each after the tasks it depends on (then by name).
    pub tasks: Vec<Task>,
    /// The head pipeline's name span.
    pub span: Span,
}

/// One task of a workflow: a run of one pipeline.
#[derive(Debug, Clone)]
pub struct Task {
    /// Its name in the workflow: the pipeline's name, `NAMESPACE.NAME` for a pipeline of
    /// another namespace than the head's.
    pub name: String,
    /// The pipeline's namespace.
    pub namespace: String,
    /// The pipeline (and its CronJob).
    pub pipeline: String,
    /// The pipeline's `deadline` in seconds.
    pub deadline: Option<u64>,
    /// The names of the tasks it runs after, sorted.
    pub deps: Vec<String>,
}
