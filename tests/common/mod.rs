//! Helpers shared by the integration tests (each `tests/*.rs` that needs one says `mod common;`).
#![allow(dead_code, reason = "each test crate uses some of the helpers")]

pub mod same;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use platc::app::{Compiled, Failed, compile_text};
use platc::diag::SourceMap;

/// `text` compiled in-process as `platform.toml`.
pub fn compile(text: &str) -> Result<Compiled, Failed> {
    compile_text(
        "platform.toml",
        "platform.toml",
        text.to_string(),
        SourceMap::default(),
    )
}

/// [`compile`], which must succeed: else the test fails with the diagnostics.
pub fn compiled(text: &str) -> Compiled {
    match compile(text) {
        Ok(c) => c,
        Err(f) => panic!(
            "does not compile:\n{}",
            platc::diag::render_all(&f.diagnostics, &f.sources, false)
        ),
    }
}

/// The Python of the repository's `.venv` (made by `scripts/install-tools.sh`) when it can
/// `import modules`; else `None` (the test skips, saying so), or a failure when `CI` is set.
#[allow(clippy::print_stderr)] // a test says why it skipped
pub fn venv_python(modules: &str) -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let works = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "`import {modules}` fails in .venv; run scripts/install-tools.sh"
    );
    eprintln!("skipped: `import {modules}` fails in .venv (run scripts/install-tools.sh)");
    None
}

/// Every file under `dir` by its `/`-separated path relative to `dir` (empty when `dir` is
/// missing).
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    entries(dir)
        .into_iter()
        .filter(|(rel, _)| fs::symlink_metadata(dir.join(rel)).is_ok_and(|m| m.is_file()))
        .collect()
}

/// Every file, folder and symlink under `dir` (links not followed), by relative path: a
/// file's bytes, `<dir>`, or `-> TARGET`.
pub fn entries(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap();
                found.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if meta.is_dir() {
                found.insert(rel, b"<dir>".to_vec());
                stack.push(path);
            } else {
                found.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// Copies the folder `src` into `dst` (created), files and subfolders.
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let target = dst.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// Copies the config `config` into `dir`, with the `manifests/` folder beside it when it has
/// one (the files its `manifests` patterns name).
pub fn copy_config(config: &Path, dir: &Path) {
    fs::copy(config, dir.join(config.file_name().unwrap())).unwrap();
    let manifests = config.parent().unwrap().join("manifests");
    if manifests.is_dir() {
        copy_dir(&manifests, &dir.join("manifests"));
    }
}

/// Runs `git -C dir ARGS` with a fixed author, and asserts it succeeded.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}
