//! The fixed settings of [`command`] hold against a repository's own config: each is shown
//! to matter (plain git obeys the repository) and then to hold (platc's git does not).

use std::path::Path;
use std::process::Command;

use super::{command, parse_batch};

#[test]
fn batch_output_with_missing_names_and_other_types() {
    let out = b"0123 blob 3\nhi\n\nHEAD:x missing\nabcd tree 2\nxy\nfe blob 0\n\n";
    let blobs = parse_batch(out, 4).unwrap();
    assert_eq!(
        blobs,
        vec![Some(b"hi\n".to_vec()), None, None, Some(Vec::new())]
    );
    assert!(parse_batch(b"0123 blob 30\nhi\n", 1).is_err());
}

/// A repository whose own config points `key` at a script that leaves `marker` behind.
fn repository(key: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("repo");
    std::fs::create_dir(&top).unwrap();
    plain(&top, &["init", "-q"]);
    let marker = dir.path().join("marker");
    let script = dir.path().join("script.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    executable(&script);
    if key == "core.hooksPath" {
        let hooks = dir.path().join("hooks");
        std::fs::create_dir(&hooks).unwrap();
        std::fs::copy(&script, hooks.join("pre-commit")).unwrap();
        executable(&hooks.join("pre-commit"));
        plain(&top, &["config", key, &hooks.to_string_lossy()]);
    } else {
        plain(&top, &["config", key, &script.to_string_lossy()]);
    }
    (dir, marker)
}

#[cfg(unix)]
fn executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(not(unix))]
fn executable(_: &Path) {}

/// Plain git in `dir`, as a user would run it.
fn plain(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap()
}

/// platc's git in `top`.
fn hardened(top: &Path, args: &[&str]) -> std::process::Output {
    command(top, &top.join(".git"))
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn no_fsmonitor_runs() {
    let (dir, marker) = repository("core.fsmonitor");
    let top = dir.path().join("repo");
    // `status` reads the index, which is where git asks the fsmonitor.
    hardened(&top, &["status"]);
    assert!(!marker.exists(), "platc's git ran the fsmonitor");
    plain(&top, &["status"]);
    assert!(marker.exists(), "the test's fsmonitor would run");
}

#[test]
fn no_hook_runs() {
    let (dir, marker) = repository("core.hooksPath");
    let top = dir.path().join("repo");
    let out = hardened(&top, &["commit", "-q", "--allow-empty", "-m", "x"]);
    assert!(out.status.success(), "{out:?}");
    assert!(!marker.exists(), "platc's git ran a hook");
    plain(&top, &["commit", "-q", "--allow-empty", "-m", "y"]);
    assert!(marker.exists(), "the test's hook would run");
}

#[test]
fn no_pager_runs() {
    let (dir, _) = repository("core.pager");
    let top = dir.path().join("repo");
    let pager = |out: std::process::Output| String::from_utf8(out.stdout).unwrap();
    assert_eq!(pager(hardened(&top, &["var", "GIT_PAGER"])), "cat\n");
    assert!(pager(plain(&top, &["var", "GIT_PAGER"])).contains("script.sh"));
}

#[test]
fn no_transport_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("repo");
    std::fs::create_dir(&top).unwrap();
    plain(&top, &["init", "-q"]);
    let other = dir.path().join("other");
    plain(dir.path(), &["init", "-q", "other"]);
    plain(&other, &["commit", "-q", "--allow-empty", "-m", "x"]);
    // A promisor remote could make git fetch a missing object; no transport may run at all.
    let out = hardened(&top, &["fetch", "-q", &other.to_string_lossy()]);
    assert!(!out.status.success(), "platc's git fetched: {out:?}");
    assert!(
        plain(&top, &["fetch", "-q", &other.to_string_lossy()])
            .status
            .success()
    );
}
