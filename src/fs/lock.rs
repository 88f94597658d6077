//! The lock on the output folder: two builds at once take turns.

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, codes};

/// How long `build` waits for another run's lock on `out/`: 60 s, or `PLATC_LOCK_WAIT_SECS`.
pub fn lock_wait() -> Duration {
    std::env::var("PLATC_LOCK_WAIT_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

/// An exclusive lock on the output folder, released when dropped (or when the process dies).
pub struct OutLock {
    _file: File,
    /// How long another run held the lock before this one got it.
    pub waited: Duration,
}

/// Creates `out/` if needed and takes its lock, waiting up to `wait` for another run.
#[allow(
    clippy::result_large_err,
    reason = "one error per run; boxing buys nothing"
)]
pub fn lock(out: &Path, wait: Duration) -> Result<OutLock, Diagnostic> {
    fs::create_dir_all(out).map_err(|e| {
        Diagnostic::error(
            codes::WRITE_FAILED,
            None,
            format!("cannot create {}: {e}", out.display()),
        )
    })?;
    let file = File::open(out).map_err(|e| {
        Diagnostic::error(
            codes::WRITE_FAILED,
            None,
            format!("cannot open {}: {e}", out.display()),
        )
    })?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => {
                return Ok(OutLock {
                    _file: file,
                    waited: start.elapsed(),
                });
            }
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Diagnostic::error(
                    codes::OUTPUT_LOCKED,
                    None,
                    format!(
                        "another platc run is writing {} (waited {}s)",
                        out.display(),
                        wait.as_secs()
                    ),
                )
                .with_help("wait for it to finish, then run again; `PLATC_LOCK_WAIT_SECS` sets how long build waits (default 60)"));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Diagnostic::error(
                    codes::WRITE_FAILED,
                    None,
                    format!("cannot lock {}: {e}", out.display()),
                ));
            }
        }
    }
}
