//! All file-system access: reading the config, reading `out/`, the lock, atomic writes and
//! pruning. Nothing here decides what to write; it only refuses what would be unsafe.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, codes};
use crate::render::{Tree, has_header};

/// Suffix of the temporary files a write goes through; leftovers of a killed run are removed
/// by the next build.
const TMP_SUFFIX: &str = ".platc-tmp";

/// Reads a config file, with one clear error for every way that can fail.
pub fn read_config(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            format!("{shown}: no such file (run `platc init` to create one)")
        }
        io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
        _ => format!("{shown}: cannot read: {e}"),
    })?;
    if meta.is_dir() {
        return Err(format!("{shown}: is a directory, not a config file"));
    }
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
        _ => format!("{shown}: cannot read: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        format!(
            "{shown}: not UTF-8 text (invalid byte at offset {offset}); platform.toml must be UTF-8"
        )
    })?;
    if text.contains('\0') {
        return Err(format!(
            "{shown}: contains NUL bytes; it looks like a binary file, not TOML"
        ));
    }
    if text.trim().is_empty() {
        return Err(format!(
            "{shown}: is empty; it needs at least `[platform] name = \"...\"` (see `platc init`)"
        ));
    }
    Ok(text)
}

fn unsafe_output(message: String) -> Diagnostic {
    Diagnostic::error(codes::UNSAFE_OUTPUT, None, message)
}

/// Refuses an output folder that is a symlink or not a folder, without reading what is inside.
/// Returns whether it exists. [`read_out`] makes the same check first.
pub fn check_root(out: &Path) -> Result<bool, Vec<Diagnostic>> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(vec![unsafe_output(format!(
                "{}: cannot read: {e}",
                out.display()
            ))]);
        }
    };
    if meta.file_type().is_symlink() {
        return Err(vec![
            unsafe_output(format!(
                "{} is a symlink; platc writes only into a real folder",
                out.display()
            ))
            .with_help("point `-o` at the real folder, or replace the link with a folder"),
        ]);
    }
    if !meta.is_dir() {
        return Err(vec![unsafe_output(format!(
            "{} exists and is not a folder",
            out.display()
        ))]);
    }
    Ok(true)
}

/// The generated files currently in `out/` (those with the header), by relative path.
/// Anything platc must not touch (a file without the header, a symlink leading outside) is an
/// error naming it. A missing `out/` is an empty tree.
pub fn read_out(out: &Path) -> Result<Tree, Vec<Diagnostic>> {
    let mut tree = Tree::new();
    if !check_root(out)? {
        return Ok(tree);
    }
    let root = fs::canonicalize(out)
        .map_err(|e| vec![unsafe_output(format!("{}: {e}", out.display()))])?;
    let mut problems = Vec::new();
    walk(out, &root, "", &mut tree, &mut problems);
    if problems.is_empty() {
        Ok(tree)
    } else {
        Err(problems)
    }
}

fn walk(dir: &Path, root: &Path, rel: &str, tree: &mut Tree, problems: &mut Vec<Diagnostic>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(unsafe_output(format!(
                "{}: cannot read folder: {e}",
                dir.display()
            )));
            return;
        }
    };
    let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
    names.sort_by_key(fs::DirEntry::file_name);
    for entry in names {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let rel_path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_symlink() {
            let inside = fs::canonicalize(&path)
                .map(|t| t.starts_with(root))
                .unwrap_or_else(|_| {
                    // Dangling: judge the link text itself.
                    fs::read_link(&path)
                        .map(|t| lexically_inside(&dir.join(t), root))
                        .unwrap_or(false)
                });
            if !inside {
                let target = fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                problems.push(
                    unsafe_output(format!("{} is a symlink to `{target}`, outside the output folder", path.display()))
                        .with_help("platc never writes through a link out of the output folder; remove the link"),
                );
            }
            continue;
        }
        if ft.is_dir() {
            walk(&path, root, &rel_path, tree, problems);
        } else if ft.is_file() {
            if name.ends_with(TMP_SUFFIX) {
                continue;
            }
            match fs::read(&path) {
                Ok(content) if has_header(&content) => {
                    tree.insert(rel_path, content);
                }
                Ok(_) => problems.push(
                    unsafe_output(format!("{} was not generated by platc (no `# Generated by platc` header)", path.display()))
                        .with_help("platc never overwrites or deletes a file it did not write; move it out of the output folder"),
                ),
                Err(e) => problems.push(unsafe_output(format!("{}: cannot read: {e}", path.display()))),
            }
        }
    }
}

fn lexically_inside(path: &Path, root: &Path) -> bool {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.starts_with(root)
}

/// An exclusive lock on the output folder, released when dropped (or when the process dies).
pub struct OutLock {
    _file: File,
}

/// Creates `out/` if needed and takes its lock, waiting up to `wait` for another run.
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
            Ok(()) => return Ok(OutLock { _file: file }),
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
                .with_help("wait for it to finish, then run again"));
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

/// What a write changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Files created or rewritten.
    pub written: usize,
    /// Files left as they were (same bytes).
    pub unchanged: usize,
    /// Generated files deleted because nothing produces them any more.
    pub removed: usize,
}

/// Makes `out/` hold `desired`: rewrites only files whose bytes differ (each through a temporary
/// file and a rename, so a reader or a kill never sees half a file), deletes generated files
/// that are no longer produced and the folders that leaves empty. `current` is what
/// [`read_out`] returned under the lock.
pub fn write(out: &Path, desired: &Tree, current: &Tree) -> io::Result<WriteStats> {
    remove_leftover_temporaries(out);
    let mut stats = WriteStats::default();
    let mut made_dirs = BTreeSet::new();
    for (rel, content) in desired {
        if current.get(rel) == Some(content) {
            stats.unchanged += 1;
            continue;
        }
        let path = join_checked(out, rel)?;
        if let Some(parent) = path.parent()
            && made_dirs.insert(parent.to_path_buf())
        {
            fs::create_dir_all(parent)?;
        }
        write_atomic(&path, content)?;
        stats.written += 1;
    }
    let mut emptied = BTreeSet::new();
    for rel in current.keys().filter(|k| !desired.contains_key(*k)) {
        let path = join_checked(out, rel)?;
        match fs::remove_file(&path) {
            Ok(()) => stats.removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut dir = path.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d.as_path() == out {
                break;
            }
            emptied.insert(d.clone());
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    // Deepest first; `remove_dir` only removes empty folders, so hand-made content survives.
    for d in emptied.iter().rev() {
        let _ = fs::remove_dir(d);
    }
    Ok(stats)
}

fn join_checked(out: &Path, rel: &str) -> io::Result<PathBuf> {
    let mut path = out.to_path_buf();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write outside the output folder: {rel}"),
            ));
        }
        path.push(part);
    }
    Ok(path)
}

fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}{TMP_SUFFIX}"));
    let mut f = File::create(&tmp)?;
    f.write_all(content)?;
    drop(f);
    fs::rename(&tmp, path)
}

fn remove_leftover_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            remove_leftover_temporaries(&entry.path());
        } else if ft.is_file() && entry.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Writes a new file, refusing to overwrite an existing one (for `platc init`).
pub fn create_new(path: &Path, content: &str) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(content.as_bytes())
}
