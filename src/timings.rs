//! Stage timings for profiling: with `PLATC_TIMINGS=1` in the environment, each stage of a run
//! (parse, schema, semantic, compile, render, read-out, write, ...) records how long it took and
//! [`app`](crate::app) appends the list to standard error. Off by default, and then free.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

static STAGES: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

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
    let out = f();
    let took = start.elapsed();
    if let Ok(mut stages) = STAGES.lock() {
        stages.push((stage, took));
    }
    out
}

/// The stages recorded so far, one line each, and forgets them; empty when disabled.
pub fn take_report() -> String {
    let stages = match STAGES.lock() {
        Ok(mut s) => std::mem::take(&mut *s),
        Err(_) => return String::new(),
    };
    let mut out = String::new();
    for (stage, took) in stages {
        out.push_str(&format!(
            "platc: timing {stage:<10} {:>9.1} ms\n",
            took.as_secs_f64() * 1e3
        ));
    }
    out
}
