//! Prometheus' own rule engine for `tests/alerts.rs`: `promtool test rules` on rule groups
//! platc generated, with a unit-test file of input series and expected alerts and samples.
//!
//! Needs `promtool` on `PATH` (`scripts/install-tools.sh` installs it). Without it a test is
//! skipped with a message, or fails when `CI` is set.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

/// `promtool`, or `None` (the caller skips) outside CI when it is not installed.
#[allow(clippy::print_stderr)] // a test says why it skipped
pub fn find() -> Option<PathBuf> {
    let promtool = PathBuf::from("promtool");
    let works = Command::new(&promtool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(promtool);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "promtool not found on PATH; run scripts/install-tools.sh"
    );
    eprintln!("skipped: promtool not found on PATH (run scripts/install-tools.sh)");
    None
}

/// Runs one promtool unit-test group (`interval` 1m, rules evaluated every minute) against
/// `groups`; the error is promtool's report, with the files it read.
pub fn test_rules(promtool: &PathBuf, groups: &[Value], group: Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    // JSON is YAML, and promtool reads both files as YAML.
    let rules = serde_json::to_string_pretty(&json!({ "groups": groups })).unwrap();
    std::fs::write(dir.path().join("rules.json"), &rules).unwrap();
    let mut group = group;
    group["interval"] = json!("1m");
    let test = json!({
        "rule_files": ["rules.json"],
        "evaluation_interval": "1m",
        "tests": [group],
    });
    let test = serde_json::to_string_pretty(&test).unwrap();
    std::fs::write(dir.path().join("test.json"), &test).unwrap();
    let out = Command::new(promtool)
        .current_dir(dir.path())
        .args(["test", "rules", "test.json"])
        .output()
        .expect("promtool runs");
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "promtool test rules failed:\n{}{}\n--- rules.json\n{rules}\n--- test.json (input series left out)\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        without_input(&test),
    ))
}

/// The test file without its (long) input series, for a failure message.
fn without_input(test: &str) -> String {
    let mut v: Value = serde_json::from_str(test).unwrap();
    if let Some(group) = v["tests"].get_mut(0) {
        group["input_series"] = json!("...");
    }
    serde_json::to_string_pretty(&v).unwrap()
}
