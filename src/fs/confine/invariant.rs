//! The invariant of confinement in one place, for the property test beside it (`cargo test`)
//! and the cargo-fuzz target `confine`: whatever the tree holds (folders, files, symlinks
//! pointing anywhere) and whatever the pattern, every file [`Root::matches`] gives lies inside
//! the root, is named by a path with no symlink on it, is the file the kernel reaches by the
//! name the pattern spells, and reading it never gives the content of a file outside.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Root;

/// What a file outside the root holds; no read may ever return it.
const SECRET: &str = "kind: Secret # outside the root\n";

/// Paths (below the root) a tree is made of.
const PATHS: [&str; 14] = [
    "a",
    "b",
    "a/b",
    "a/c",
    "a/b/c",
    "m",
    "m/x.yaml",
    "a/x.yaml",
    "x.yaml",
    "a/b/x.yaml",
    "l",
    "a/l",
    "a/b/l",
    "m/l.yaml",
];

/// Where symlinks point: `OUT` is the absolute folder outside the root, `ROOT` the root.
const TARGETS: [&str; 18] = [
    "..",
    "../..",
    "../../..",
    "../outside",
    "../../outside/secret.yaml",
    "OUT/secret.yaml",
    "OUT/dir",
    "ROOT/a",
    "ROOT/../outside",
    "a",
    "x.yaml",
    ".",
    "l",
    "b/../..",
    ".git",
    "m/x.yaml",
    "../a/x.yaml",
    "../../root/a",
];

/// Patterns tried on every tree, besides those the input spells.
const PATTERNS: [&str; 12] = [
    "*",
    "*/*",
    "**/*.yaml",
    "a/*",
    "l/*",
    "a/l/*",
    "../outside/secret.yaml",
    "m/*.yaml",
    "x.yaml",
    "a/b/l",
    "l/../x.yaml",
    "a/l/secret.yaml",
];

/// Builds a tree from `data` in a scratch folder, matches patterns in it and checks the
/// invariant; `Err` says how it broke. The first byte says how many operations follow, three
/// bytes each (what: a folder, a file or a symlink; which path; which target); the rest, as
/// text, is up to four patterns, one a line.
pub fn holds(data: &[u8]) -> Result<(), String> {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "platc-confine-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let result = check_in(&scratch, data);
    let _ = fs::remove_dir_all(&scratch);
    result
}

fn check_in(scratch: &Path, data: &[u8]) -> Result<(), String> {
    let top = scratch.join("root");
    let outside = scratch.join("outside");
    fs::create_dir_all(&top).map_err(|e| e.to_string())?;
    fs::create_dir_all(outside.join("dir")).map_err(|e| e.to_string())?;
    fs::write(outside.join("secret.yaml"), SECRET).map_err(|e| e.to_string())?;
    fs::write(outside.join("dir/x.yaml"), SECRET).map_err(|e| e.to_string())?;
    let (ops, rest) = match data.split_first() {
        Some((n, rest)) => {
            let n = usize::from(*n % 16).min(rest.len() / 3);
            rest.split_at(n * 3)
        }
        None => (&[][..], &[][..]),
    };
    for op in ops.chunks_exact(3) {
        make(&top, &outside, op);
    }
    let root = Root::at(&top, "platform.toml").map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(rest);
    let spelled = text
        .lines()
        .take(4)
        .map(|l| l.chars().take(64).collect::<String>());
    for pattern in PATTERNS.iter().map(|p| p.to_string()).chain(spelled) {
        check_pattern(&root, &pattern).map_err(|e| format!("pattern `{pattern}`: {e}"))?;
    }
    Ok(())
}

/// One operation on the tree (failures, such as a folder below a file, are left as they are).
fn make(top: &Path, outside: &Path, op: &[u8]) {
    let path = top.join(PATHS[usize::from(op[1]) % PATHS.len()]);
    if let Some(parent) = path.parent() {
        let _ = fs::create_dir_all(parent);
    }
    match op[0] % 3 {
        0 => {
            let _ = fs::create_dir_all(&path);
        }
        1 => {
            let _ = fs::write(&path, "kind: ConfigMap\n");
        }
        _ => {
            let target = TARGETS[usize::from(op[2]) % TARGETS.len()]
                .replace("OUT", &outside.to_string_lossy())
                .replace("ROOT", &top.to_string_lossy());
            link(&target, &path);
        }
    }
}

#[cfg(unix)]
fn link(target: &str, path: &Path) {
    let _ = std::os::unix::fs::symlink(target, path);
}

#[cfg(not(unix))]
fn link(_target: &str, _path: &Path) {}

fn check_pattern(root: &Root, pattern: &str) -> Result<(), String> {
    let Ok(found) = root.matches(pattern) else {
        return Ok(());
    };
    let top = root.top();
    let mut physical: Vec<&str> = found.iter().map(|m| m.physical.as_str()).collect();
    physical.sort_unstable();
    physical.dedup();
    if physical.len() != found.len() {
        return Err("a file is matched twice".into());
    }
    for m in &found {
        let parts: Vec<&str> = m.physical.split('/').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == ".." || p.eq_ignore_ascii_case(".git"))
        {
            return Err(format!(
                "`{}` is not a plain path below the root",
                m.physical
            ));
        }
        let at: PathBuf = top.join(&m.physical);
        let real = fs::canonicalize(&at).map_err(|e| format!("{}: {e}", m.physical))?;
        if real != at || !real.starts_with(top) {
            return Err(format!("`{}` resolves to {}", m.physical, real.display()));
        }
        // The name the pattern spells reaches the same file for the kernel too.
        let by_name =
            fs::canonicalize(top.join(&m.named)).map_err(|e| format!("`{}`: {e}", m.named))?;
        if by_name != at {
            return Err(format!(
                "`{}` is {} for the kernel",
                m.named,
                by_name.display()
            ));
        }
        if let Ok(text) = root.read(&m.physical, Path::new(&m.named), "a test file")
            && text.contains(SECRET)
        {
            return Err(format!("`{}` read a file outside the root", m.named));
        }
    }
    Ok(())
}
