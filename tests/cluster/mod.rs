//! A simulated cluster for `tests/alerts.rs`: CronJobs and their Jobs over time, exported as the
//! series kube-state-metrics v2 publishes for them (names, labels and values as in its
//! `internal/store/cronjob.go` and `job.go`, documented in `docs/metrics/workload/`), sampled
//! once a minute in promtool's `input_series` notation.
//!
//! Time is seconds since the Unix epoch, which is where promtool's clock starts, so a run
//! scheduled at minute `m` is the Job `<cronjob>-<m>`, the name the CronJob controller gives it.

use std::collections::BTreeMap;

/// The labels Prometheus adds when it scrapes kube-state-metrics through kube-prometheus-stack's
/// ServiceMonitor (`honorLabels: true`, so `namespace` stays the object's). The rules must not
/// depend on them.
const TARGET_LABELS: [(&str, &str); 6] = [
    ("container", "kube-state-metrics"),
    ("endpoint", "http"),
    ("instance", "10.244.0.12:8080"),
    ("job", "kube-state-metrics"),
    (
        "pod",
        "kube-prometheus-stack-kube-state-metrics-7d4b9c8f6d-x2x7q",
    ),
    ("service", "kube-prometheus-stack-kube-state-metrics"),
];

/// `{k="v", ...}`: a series' labels as Prometheus stores them, `own` and the target's.
pub fn labels(own: &[(&str, &str)]) -> String {
    let mut all: Vec<String> = own
        .iter()
        .chain(TARGET_LABELS.iter())
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    all.sort();
    format!("{{{}}}", all.join(", "))
}

/// Seconds since the epoch of minute `m`.
pub const fn min(m: u64) -> u64 {
    m * 60
}

/// How a run ended.
#[derive(Clone, Copy)]
enum End {
    /// The Job got its `Complete` condition and a completion time.
    Succeeded(u64),
    /// The Job got its `Failed` condition (`BackoffLimitExceeded`); no completion time.
    Failed(u64),
}

/// One run: a Job the CronJob controller created.
#[derive(Clone)]
pub struct Run {
    scheduled_minute: u64,
    /// Created by `kubectl create job --from=cronjob/NAME` under the name
    /// `NAME-<seconds since the epoch>` (a DolphinScheduler task, or a manual run), not by the
    /// CronJob controller; the Job's controller owner is the CronJob all the same.
    from_cronjob: bool,
    started: u64,
    failed_pods: Vec<u64>,
    end: Option<End>,
    removed: Option<u64>,
}

impl Run {
    /// The run scheduled at minute `m`; its Job starts a second later.
    pub fn at(m: u64) -> Run {
        Run {
            scheduled_minute: m,
            from_cronjob: false,
            started: min(m) + 1,
            failed_pods: Vec::new(),
            end: None,
            removed: None,
        }
    }

    /// The run a DolphinScheduler task starts at minute `m` of the suspended CronJob: a Job
    /// created from it, named `<cronjob>-<seconds since the epoch>`.
    pub fn created_from_cronjob_at(m: u64) -> Run {
        Run {
            from_cronjob: true,
            ..Run::at(m)
        }
    }

    /// One of its pods fails at minute `m` (the Job retries while `backoffLimit` allows).
    pub fn pod_fails_at(mut self, m: u64) -> Run {
        self.failed_pods.push(min(m));
        self
    }

    /// Its last pod succeeds at minute `m`.
    pub fn succeeds_at(mut self, m: u64) -> Run {
        self.end = Some(End::Succeeded(min(m)));
        self
    }

    /// Its last allowed pod fails at minute `m`, and with it the Job.
    pub fn fails_at(mut self, m: u64) -> Run {
        self.failed_pods.push(min(m));
        self.end = Some(End::Failed(min(m)));
        self
    }

    /// The CronJob controller deletes its Job at minute `m` (history limit reached).
    pub fn removed_at(mut self, m: u64) -> Run {
        self.removed = Some(min(m));
        self
    }

    fn job_name(&self, cronjob: &str) -> String {
        if self.from_cronjob {
            format!("{cronjob}-{}", self.started)
        } else {
            format!("{cronjob}-{}", self.scheduled_minute)
        }
    }

    fn succeeded_by(&self, t: u64) -> Option<u64> {
        match self.end {
            Some(End::Succeeded(at)) if at <= t => Some(at),
            _ => None,
        }
    }

    fn failed_by(&self, t: u64) -> bool {
        matches!(self.end, Some(End::Failed(at)) if at <= t)
    }
}

/// A CronJob and its runs.
pub struct CronJob {
    name: String,
    schedule: String,
    time_zone: Option<String>,
    concurrency: &'static str,
    created: u64,
    suspended: Vec<(u64, u64)>,
    runs: Vec<Run>,
}

impl CronJob {
    /// CronJob `name` with `schedule`, created at minute `created`.
    pub fn new(name: &str, schedule: &str, created: u64) -> CronJob {
        CronJob {
            name: name.to_string(),
            schedule: schedule.to_string(),
            time_zone: None,
            concurrency: "Forbid",
            created: min(created),
            suspended: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// Sets `spec.timeZone`.
    pub fn time_zone(mut self, tz: &str) -> CronJob {
        self.time_zone = Some(tz.to_string());
        self
    }

    /// Sets `spec.concurrencyPolicy: Allow`.
    pub fn allow_concurrent(mut self) -> CronJob {
        self.concurrency = "Allow";
        self
    }

    /// `spec.suspend: true` from minute `from` until minute `to`.
    pub fn suspended(mut self, from: u64, to: u64) -> CronJob {
        self.suspended.push((min(from), min(to)));
        self
    }

    /// Adds a run.
    pub fn run(mut self, run: Run) -> CronJob {
        self.runs.push(run);
        self
    }

    fn last_success(&self, t: u64) -> Option<u64> {
        self.runs.iter().filter_map(|r| r.succeeded_by(t)).max()
    }
}

/// The series of a namespace's CronJobs, sampled every minute from 0 to `minutes`.
pub struct Series {
    minutes: u64,
    values: BTreeMap<String, Vec<Option<u64>>>,
}

impl Series {
    fn put(&mut self, metric: &str, own: &[(&str, &str)], minute: u64, value: u64) {
        let key = format!("{metric}{}", labels(own));
        let len = usize::try_from(self.minutes + 1).unwrap();
        let samples = self.values.entry(key).or_insert_with(|| vec![None; len]);
        samples[usize::try_from(minute).unwrap()] = Some(value);
    }

    /// `input_series` entries: `{series, values}` in promtool's expanding notation. A series
    /// that stops gets a staleness marker, as Prometheus writes when a scrape no longer has it.
    pub fn input_series(&self) -> Vec<serde_json::Value> {
        self.values
            .iter()
            .map(|(series, samples)| serde_json::json!({ "series": series, "values": notation(samples) }))
            .collect()
    }
}

/// `1x3 _x2 stale 5`: runs of equal samples, `_` for none, `stale` where a series ends.
fn notation(samples: &[Option<u64>]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < samples.len() {
        let mut j = i + 1;
        while j < samples.len() && samples[j] == samples[i] {
            j += 1;
        }
        match samples[i] {
            Some(v) if j - i == 1 => parts.push(v.to_string()),
            Some(v) => parts.push(format!("{v}x{}", j - i - 1)),
            None => {
                let mut gap = j - i;
                if i > 0 {
                    parts.push("stale".to_string());
                    gap -= 1;
                }
                if gap > 0 {
                    parts.push(format!("_x{gap}"));
                }
            }
        }
        i = j;
    }
    parts.join(" ")
}

/// The kube-state-metrics series of `cronjobs` in `namespace` from minute 0 to `minutes`.
pub fn series(namespace: &str, cronjobs: &[CronJob], minutes: u64) -> Series {
    let mut s = Series {
        minutes,
        values: BTreeMap::new(),
    };
    for cj in cronjobs {
        for m in 0..=minutes {
            cronjob_at(&mut s, namespace, cj, m);
            for run in &cj.runs {
                job_at(&mut s, namespace, &cj.name, run, m);
            }
        }
    }
    s
}

/// `kube_cronjob_*` at minute `m`, from the CronJob's creation on.
fn cronjob_at(s: &mut Series, namespace: &str, cj: &CronJob, m: u64) {
    let t = min(m);
    if t < cj.created {
        return;
    }
    let id = [("namespace", namespace), ("cronjob", cj.name.as_str())];
    let tz = cj.time_zone.as_deref().unwrap_or("local");
    let info = [
        id[0],
        id[1],
        ("schedule", cj.schedule.as_str()),
        ("concurrency_policy", cj.concurrency),
        ("timezone", tz),
    ];
    s.put("kube_cronjob_info", &info, m, 1);
    s.put("kube_cronjob_created", &id, m, cj.created);
    let suspended = cj
        .suspended
        .iter()
        .any(|(from, to)| (*from..*to).contains(&t));
    s.put("kube_cronjob_spec_suspend", &id, m, u64::from(suspended));
    let active = cj
        .runs
        .iter()
        .filter(|r| r.started <= t && r.succeeded_by(t).is_none() && !r.failed_by(t))
        .count();
    s.put("kube_cronjob_status_active", &id, m, active as u64);
    if let Some(last) = cj.last_success(t) {
        s.put("kube_cronjob_status_last_successful_time", &id, m, last);
    }
}

/// `kube_job_*` of one run at minute `m`, from its start until it is removed from the history.
fn job_at(s: &mut Series, namespace: &str, cronjob: &str, run: &Run, m: u64) {
    let t = min(m);
    if t < run.started || run.removed.is_some_and(|r| t >= r) {
        return;
    }
    let name = run.job_name(cronjob);
    let id = [("namespace", namespace), ("job_name", name.as_str())];
    let owner = [
        id[0],
        id[1],
        ("owner_kind", "CronJob"),
        ("owner_name", cronjob),
        ("owner_is_controller", "true"),
    ];
    s.put("kube_job_owner", &owner, m, 1);
    s.put("kube_job_info", &id, m, 1);
    s.put("kube_job_created", &id, m, run.started - 1);
    s.put("kube_job_status_start_time", &id, m, run.started);
    let succeeded = run.succeeded_by(t);
    let failed = run.failed_by(t);
    s.put(
        "kube_job_status_active",
        &id,
        m,
        u64::from(succeeded.is_none() && !failed),
    );
    s.put(
        "kube_job_status_succeeded",
        &id,
        m,
        u64::from(succeeded.is_some()),
    );
    if failed {
        // With the Failed condition, one series per known reason (job.go, jobFailureReasons).
        for (reason, v) in [
            ("BackoffLimitExceeded", 1),
            ("DeadlineExceeded", 0),
            ("Evicted", 0),
        ] {
            s.put(
                "kube_job_status_failed",
                &[id[0], id[1], ("reason", reason)],
                m,
                v,
            );
        }
    } else {
        // Without it, the count of failed pods, `reason` empty (so absent).
        let pods = run.failed_pods.iter().filter(|at| **at <= t).count() as u64;
        s.put("kube_job_status_failed", &id, m, pods);
    }
    let condition = |s: &mut Series, metric: &str| {
        for (status, v) in [("true", 1), ("false", 0), ("unknown", 0)] {
            s.put(metric, &[id[0], id[1], ("condition", status)], m, v);
        }
    };
    if let Some(at) = succeeded {
        condition(s, "kube_job_complete");
        s.put("kube_job_status_completion_time", &id, m, at);
    }
    if failed {
        condition(s, "kube_job_failed");
    }
}
