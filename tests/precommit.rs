//! The shipped `.pre-commit-hooks.yaml`, run by the real pre-commit (`pre-commit try-repo`
//! against this repository) in a scratch GitOps repository. pre-commit builds platc with
//! `cargo install`; the build directory is kept in `target/precommit` so later runs reuse the
//! compiled dependencies, and cargo runs offline from the local crate cache.
//!
//! Needs pre-commit (`scripts/install-tools.sh` puts it in `.venv`) and git. Without them the
//! test is skipped with a message, or fails when `CI` is set.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::git;

mod common;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pre_commit() -> Option<PathBuf> {
    let venv = root().join(".venv/bin/pre-commit");
    let candidates = [venv, PathBuf::from("pre-commit")];
    candidates.into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

const CONFIG: &str = r#"[platform]
name = "scratch"

[namespaces.team]
quota = { pods = 10 }
"#;

struct Run {
    ok: bool,
    output: String,
}

/// `pre-commit try-repo <this repo> <hook> --all-files` in `scratch`.
fn try_repo(pre_commit: &Path, scratch: &Path, home: &Path, hook: &str) -> Run {
    let start = Instant::now();
    let out = Command::new(pre_commit)
        .current_dir(scratch)
        .args(["try-repo"])
        .arg(root())
        .args([hook, "--all-files", "--color", "never", "--verbose"])
        .env("PRE_COMMIT_HOME", home)
        .env("CARGO_TARGET_DIR", root().join("target/precommit"))
        .env("CARGO_NET_OFFLINE", "true")
        // A quick build: the test checks the hooks, not the optimiser.
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .output()
        .expect("pre-commit runs");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "pre-commit try-repo {hook}: {:.1}s, exit {:?}",
        start.elapsed().as_secs_f64(),
        out.status.code()
    );
    Run {
        ok: out.status.success(),
        output,
    }
}

#[test]
fn hooks_build_out_and_catch_drift() {
    let Some(pre_commit) = pre_commit() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "pre-commit not found; run scripts/install-tools.sh"
        );
        eprintln!("skipped: pre-commit not found (run scripts/install-tools.sh)");
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("platform.toml"), CONFIG).unwrap();
    git(dir, &["add", "platform.toml"]);
    git(dir, &["commit", "-q", "-m", "platform"]);
    let namespace = dir.join("out/default/team/namespace-team.yaml");
    let quota = dir.join("out/default/team/resourcequota-team-quota.yaml");

    // out/ missing: the build hook writes it and fails, as formatters do.
    let run = try_repo(&pre_commit, dir, home.path(), "platc-build");
    assert!(!run.ok, "passed although it wrote out/:\n{}", run.output);
    assert!(run.output.contains("platc build"), "{}", run.output);
    assert!(
        run.output.contains("changed; review and stage it"),
        "{}",
        run.output
    );
    assert!(namespace.is_file(), "out/ not written:\n{}", run.output);
    git(dir, &["add", "out"]);

    // Up to date: both hooks pass.
    let run = try_repo(&pre_commit, dir, home.path(), "platc-build");
    assert!(run.ok, "{}", run.output);
    let run = try_repo(&pre_commit, dir, home.path(), "platc-diff");
    assert!(run.ok, "{}", run.output);
    assert!(run.output.contains("no drift"), "{}", run.output);

    // Drift: the diff hook fails, shows it and writes nothing.
    std::fs::write(
        dir.join("platform.toml"),
        CONFIG.replace("pods = 10", "pods = 20"),
    )
    .unwrap();
    let before = std::fs::read(&quota).unwrap();
    let run = try_repo(&pre_commit, dir, home.path(), "platc-diff");
    assert!(!run.ok, "drift passed:\n{}", run.output);
    assert!(run.output.contains("+    pods: \"20\""), "{}", run.output);
    assert_eq!(std::fs::read(&quota).unwrap(), before, "platc-diff wrote");
}
