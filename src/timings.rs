//! Stage timings for profiling: with `PLATC_TIMINGS=1` in the environment, each stage of a run
//! (parse, schema, semantic, compile, render, read-out, write, ...) records how long it took and
//! [`app`](crate::app) appends the list to standard error. Off by default, and then free.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// One recorded stage: its name, wall time, CPU time of all threads, resident MiB after it.
type Stage = (&'static str, Duration, Option<Duration>, Option<u64>);

static STAGES: Mutex<Vec<Stage>> = Mutex::new(Vec::new());

/// Whether `PLATC_TIMINGS` is set to something other than empty or `0`.
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PLATC_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Runs `f`, recording its wall time under `stage` when timings are enabled.
pub fn measure<T>(stage: &'static str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let cpu_start = process_cpu();
    let out = f();
    let took = start.elapsed();
    let cpu = process_cpu()
        .zip(cpu_start)
        .map(|(end, start)| end.saturating_sub(start));
    push((stage, took, cpu, resident_mib()));
    out
}

fn push(stage: Stage) {
    if let Ok(mut stages) = STAGES.lock() {
        stages.push(stage);
    }
}

/// The CPU time of every thread of this process so far, live or ended: the part of a stage's
/// wall time its cores were busy shows how well it ran in parallel.
fn process_cpu() -> Option<Duration> {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Some(Duration::new(
        u64::try_from(ts.tv_sec).ok()?,
        u32::try_from(ts.tv_nsec).ok()?,
    ))
}

/// Time spent in one kind of work done on several threads at once (rendering inside the
/// compile stage): every piece adds its own time, and [`record`](Self::record) reports the sum,
/// CPU time rather than wall time.
#[derive(Default)]
pub struct ThreadTime(std::sync::atomic::AtomicU64);

impl ThreadTime {
    /// Runs `f`, adding its time when timings are enabled.
    pub fn measure<T>(&self, f: impl FnOnce() -> T) -> T {
        if !enabled() {
            return f();
        }
        let start = Instant::now();
        let out = f();
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0
            .fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
        out
    }

    /// Records the sum under `stage`.
    pub fn record(&self, stage: &'static str) {
        if !enabled() {
            return;
        }
        let took = Duration::from_nanos(self.0.load(std::sync::atomic::Ordering::Relaxed));
        push((stage, took, None, None));
    }
}

/// The resident set size of this process in MiB, where `/proc` tells it (Linux).
fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1024 * 1024))
}

/// The stages recorded so far, one line each, and forgets them; empty when disabled.
pub fn take_report() -> String {
    let stages = match STAGES.lock() {
        Ok(mut s) => std::mem::take(&mut *s),
        Err(_) => return String::new(),
    };
    let mut out = String::new();
    for (stage, took, cpu, rss) in stages {
        out.push_str(&format!(
            "platc: timing {stage:<10} {:>9.1} ms",
            took.as_secs_f64() * 1e3
        ));
        if let Some(cpu) = cpu {
            out.push_str(&format!("  (cpu {:.1} ms)", cpu.as_secs_f64() * 1e3));
        }
        if let Some(mib) = rss {
            out.push_str(&format!("  (resident {mib} MiB after it)"));
        }
        out.push('\n');
    }
    out
}
