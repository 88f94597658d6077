//! All file-system access: reading the config, reading `out/`, the lock, atomic writes and
//! pruning. Nothing here decides what to write; it only refuses what would be unsafe.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, codes};
use crate::render::{DiskTree, OnDisk, Tree, has_header};

/// Suffix of the temporary files a write goes through; leftovers of a killed run are removed
/// by the next build.
const TMP_SUFFIX: &str = ".platc-tmp";

/// The largest config platc reads. A platform of 5,000 namespaces is a few MiB; anything far
/// bigger is a mistake (`-c` pointed at a dump), and reading it whole would only exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

/// How long `build` waits for another run's lock on `out/`: 60 s, or `PLATC_LOCK_WAIT_SECS`.
pub fn lock_wait() -> Duration {
    std::env::var("PLATC_LOCK_WAIT_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

/// Whether `name` is one of platc's own temporary files or folders (`.NAME.platc-tmp`).
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.len() > TMP_SUFFIX.len() + 1 && name.ends_with(TMP_SUFFIX)
}

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
    // A FIFO would block forever and `/dev/zero` never ends: read regular files only.
    if !meta.is_file() {
        return Err(format!(
            "{shown}: is not a regular file (a device, pipe or socket); give the path of a .toml file"
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "{shown}: is {} bytes, more than the {} MiB platc reads; is it really platform.toml?",
            meta.len(),
            MAX_CONFIG_BYTES / 1024 / 1024
        ));
    }
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
        _ => format!("{shown}: cannot read: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = &e.as_bytes()[..offset];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = offset - valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        format!(
            "{shown}: not UTF-8 text (invalid byte at line {line}, column {column}, byte offset {offset}); save it as UTF-8"
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

/// The generated files currently in `out/` (those with the header), by relative path, each
/// with its bytes. Anything platc must not touch (a file without the header, a symlink leading
/// outside) is an error naming it. A missing `out/` is an empty tree.
pub fn read_out(out: &Path) -> Result<DiskTree, Vec<Diagnostic>> {
    read(out, None).map(|(tree, _)| tree)
}

/// [`read_out`], comparing each file with the compiled one of the same path as it is read:
/// a file with the same bytes is [`OnDisk::Matches`], and its bytes are not kept.
pub fn read_out_against(out: &Path, compiled: &Tree) -> Result<DiskTree, Vec<Diagnostic>> {
    read(out, Some(compiled)).map(|(tree, _)| tree)
}

/// [`read_out_against`] for a build about to write (under the lock): also removes what a
/// killed run left behind (its temporary files, empty folders), when the walk came across any.
pub fn read_out_for_write(out: &Path, compiled: &Tree) -> Result<DiskTree, Vec<Diagnostic>> {
    let (tree, leftovers) = read(out, Some(compiled))?;
    if leftovers {
        remove_leftover_temporaries(out);
    }
    Ok(tree)
}

/// The generated files of `out/`, compared with `compiled` where given, and whether it holds
/// leftovers of a killed run.
fn read(out: &Path, compiled: Option<&Tree>) -> Result<(DiskTree, bool), Vec<Diagnostic>> {
    let mut tree = DiskTree::new();
    if !check_root(out)? {
        return Ok((tree, false));
    }
    let root = fs::canonicalize(out)
        .map_err(|e| vec![unsafe_output(format!("{}: {e}", out.display()))])?;
    let mut found = Vec::new();
    walk(out, &root, "", &mut found);
    let contents = read_files(&found, compiled);
    let mut problems = Vec::new();
    let mut leftovers = false;
    for (item, content) in found.into_iter().zip(contents) {
        match (item, content) {
            (Found::Problem(d), _) => problems.push(d),
            (Found::Leftover, _) => leftovers = true,
            (Found::File { rel, .. }, Some(Ok(OnDisk::Matches))) => {
                tree.insert(rel, OnDisk::Matches);
            }
            (Found::File { rel, .. }, Some(Ok(OnDisk::Bytes(content)))) if has_header(&content) => {
                tree.insert(rel, OnDisk::Bytes(content));
            }
            (Found::File { path, .. }, Some(Ok(_))) => problems.push(
                unsafe_output(format!("{} was not generated by platc (no `# Generated by platc` header)", path.display()))
                    .with_help("platc never overwrites or deletes a file it did not write; move it out of the output folder"),
            ),
            (Found::File { path, .. }, Some(Err(e))) => {
                problems.push(unsafe_output(format!("{}: cannot read: {e}", path.display())));
            }
            (Found::File { .. }, None) => {}
        }
    }
    if problems.is_empty() {
        Ok((tree, leftovers))
    } else {
        Err(problems)
    }
}

/// What walking `out/` found, in walk order: a file to read, or a problem.
enum Found {
    File {
        rel: String,
        path: PathBuf,
    },
    Problem(Diagnostic),
    /// A temporary file or an empty folder: what a killed run leaves.
    Leftover,
}

/// Below this many files a second reader thread costs more than it saves.
const FILES_PER_THREAD: usize = 256;

/// The content of every [`Found::File`] (`None` for problems), in order, compared with
/// `compiled` where given. A large `out/` is read on all cores in contiguous chunks: opening and
/// reading many small files dominates no-op runs.
fn read_files(found: &[Found], compiled: Option<&Tree>) -> Vec<Option<io::Result<OnDisk>>> {
    let read = |f: &Found| match f {
        Found::File { path, rel } => {
            let expected = compiled.and_then(|c| c.get(rel)).map(Vec::as_slice);
            Some(read_against(path, expected))
        }
        Found::Problem(_) | Found::Leftover => None,
    };
    crate::par::map(found, FILES_PER_THREAD, read)
}

/// Reads one file; when it holds exactly `expected`, says so instead of keeping the bytes.
/// The bytes go into a buffer each thread reuses, so a matching file allocates nothing.
fn read_against(path: &Path, expected: Option<&[u8]>) -> io::Result<OnDisk> {
    use std::io::Read;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let Some(expected) = expected else {
        return fs::read(path).map(OnDisk::Bytes);
    };
    let mut file = File::open(path)?;
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        // One byte more than expected: a longer file shows itself without reading it all.
        let limit = expected.len() + 1;
        buffer.reserve(limit);
        (&mut file).take(limit as u64).read_to_end(buffer)?;
        if buffer.as_slice() == expected {
            return Ok(OnDisk::Matches);
        }
        let mut bytes = buffer.clone();
        file.read_to_end(&mut bytes)?;
        Ok(OnDisk::Bytes(bytes))
    })
}

fn walk(dir: &Path, root: &Path, rel: &str, found: &mut Vec<Found>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            found.push(Found::Problem(unsafe_output(format!(
                "{}: cannot read folder: {e}",
                dir.display()
            ))));
            return;
        }
    };
    let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
    if names.is_empty() && !rel.is_empty() {
        found.push(Found::Leftover);
    }
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
            let target = fs::read_link(&path)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            match fs::canonicalize(&path) {
                Ok(t) if t.starts_with(root) => {}
                Ok(_) => found.push(Found::Problem(
                    unsafe_output(format!("{} is a symlink to `{target}`, outside the output folder", path.display()))
                        .with_help("platc never writes through a link out of the output folder; remove the link"),
                )),
                // Dangling: where a write would land cannot be checked, so refuse it too.
                Err(_) => found.push(Found::Problem(
                    unsafe_output(format!("{} is a dangling symlink (to `{target}`)", path.display()))
                        .with_help("platc does not write through a link whose target it cannot check; remove the link"),
                )),
            }
            continue;
        }
        if ft.is_dir() && is_temporary(&name) {
            // A new folder a killed run was writing: none of it was ever in place.
            found.push(Found::Leftover);
        } else if ft.is_dir() {
            walk(&path, root, &rel_path, found);
        } else if ft.is_file() && is_temporary(&name) {
            found.push(Found::Leftover);
        } else if ft.is_file() {
            found.push(Found::File {
                rel: rel_path,
                path,
            });
        }
    }
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

/// Makes `out/` hold `desired`: rewrites only files whose bytes differ, deletes generated files
/// that are no longer produced and the folders that leaves empty. `current` is what
/// [`read_out_for_write`] returned under the lock.
///
/// A reader or a kill never sees half a file. A file of a folder that exists goes through a
/// temporary file and a rename. A folder that does not exist yet is written whole under a
/// temporary name (`.NAME.platc-tmp`) and renamed into place once all its files are in it: one
/// rename for the folder instead of one a file, which on a cold build is a tenth of the time.
pub fn write(out: &Path, desired: &Tree, current: &DiskTree) -> io::Result<WriteStats> {
    let mut stats = WriteStats::default();
    let mut changed = Vec::new();
    // Both trees are sorted by path: walk them side by side rather than look every path up.
    let mut on_disk = current.iter().peekable();
    let mut stale = Vec::new();
    for (rel, content) in desired {
        while let Some((old, _)) = on_disk.next_if(|(old, _)| old.as_str() < rel.as_str()) {
            stale.push(old);
        }
        let same = match on_disk
            .next_if(|(old, _)| *old == rel)
            .map(|(_, held)| held)
        {
            Some(OnDisk::Matches) => true,
            Some(OnDisk::Bytes(old)) => old == content,
            None => false,
        };
        if same {
            stats.unchanged += 1;
        } else {
            changed.push((rel.as_str(), content.as_slice()));
        }
    }
    let plan = plan_folders(out, &changed)?;
    // Creating a file is kernel work that two threads do side by side, each in its own folders.
    let files_per_folder = changed.len().div_ceil(plan.folders.len().max(1)).max(1);
    let min_folders = (FILES_PER_THREAD / files_per_folder).max(1);
    for written in crate::par::map(&plan.folders, min_folders, write_folder) {
        stats.written += written?;
    }
    for (root, staging) in &plan.staged {
        fs::rename(staging, out.join(root))?;
    }
    stale.extend(on_disk.map(|(old, _)| old));
    let mut emptied = BTreeSet::new();
    for rel in stale {
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

/// Where the changed files go: the folders to write, and the temporary folders to rename into
/// place once they are.
struct FolderPlan<'a> {
    folders: Vec<Folder<'a>>,
    /// (folder relative to `out/`, the temporary folder it is written as), one for each
    /// top-most folder that does not exist yet.
    staged: Vec<(&'a str, PathBuf)>,
}

/// Changed files of one folder, and where they are written.
struct Folder<'a> {
    /// The folder, relative to `out/`.
    rel: &'a str,
    /// Where it is on disk: the folder itself, or its place inside a temporary folder.
    dir: PathBuf,
    /// Whether `dir` is inside a temporary folder, which nobody sees until it is renamed.
    staged: bool,
    /// (file name, content)
    files: Vec<(&'a str, &'a [u8])>,
}

/// Groups `changed` (sorted by path) by folder, and places each folder that does not exist yet
/// inside the temporary folder of its top-most missing ancestor, which it creates.
fn plan_folders<'a>(out: &Path, changed: &[(&'a str, &'a [u8])]) -> io::Result<FolderPlan<'a>> {
    let mut plan = FolderPlan {
        folders: Vec::new(),
        staged: Vec::new(),
    };
    let mut exists = HashMap::new();
    for &(rel, content) in changed {
        join_checked(out, rel)?;
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        // Sorted paths keep a folder's files together (a subfolder's may come between them).
        if let Some(last) = plan.folders.last_mut()
            && last.rel == folder
        {
            last.files.push((name, content));
            continue;
        }
        let root = top_missing(out, folder, &mut exists);
        let dir = match root {
            None => out.join(folder),
            Some(root) => {
                // Paths under one folder sort together, so its files come in one run.
                if plan.staged.last().is_none_or(|(last, _)| *last != root) {
                    let staging = staging_path(out, root);
                    // Left by a killed run, when reading out/ could not remove it.
                    if fs::symlink_metadata(&staging).is_ok() && !remove_unfinished_folder(&staging)
                    {
                        return Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            format!(
                                "{} is in the way: it holds files platc did not write, or is not a folder; move it out",
                                staging.display()
                            ),
                        ));
                    }
                    fs::create_dir(&staging)?;
                    plan.staged.push((root, staging));
                }
                let staging = &plan.staged[plan.staged.len() - 1].1;
                match folder[root.len()..].strip_prefix('/') {
                    Some(inner) => staging.join(inner),
                    None => staging.clone(),
                }
            }
        };
        plan.folders.push(Folder {
            rel: folder,
            dir,
            staged: root.is_some(),
            files: vec![(name, content)],
        });
    }
    Ok(plan)
}

/// The top-most folder of `folder` (itself included; all relative to `out/`) that does not
/// exist, if any. `exists` remembers what was looked up.
fn top_missing<'a>(
    out: &Path,
    folder: &'a str,
    exists: &mut HashMap<&'a str, bool>,
) -> Option<&'a str> {
    if folder.is_empty() {
        return None;
    }
    let ends = folder
        .match_indices('/')
        .map(|(i, _)| i)
        .chain([folder.len()]);
    for end in ends {
        let prefix = &folder[..end];
        let there = *exists
            .entry(prefix)
            .or_insert_with(|| fs::symlink_metadata(out.join(prefix)).is_ok());
        if !there {
            return Some(prefix);
        }
    }
    None
}

/// The temporary name a new folder is written under: `.NAME.platc-tmp` next to it.
fn staging_path(out: &Path, rel: &str) -> PathBuf {
    let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    out.join(parent).join(format!(".{name}{TMP_SUFFIX}"))
}

/// Writes one folder's files; returns how many. Only a folder inside a temporary one is new:
/// any other was found to exist when the plan was made.
fn write_folder(folder: &Folder) -> io::Result<usize> {
    if folder.staged {
        fs::create_dir_all(&folder.dir)?;
    }
    for (name, content) in &folder.files {
        let path = folder.dir.join(name);
        if folder.staged {
            File::create(&path)?.write_all(content)?;
        } else {
            write_atomic(&path, content)?;
        }
    }
    Ok(folder.files.len())
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

/// Removes what a killed run can leave behind: its temporary files, and folders it had created
/// or was emptying (empty folders carry nothing, and git cannot even record them). Symlinks are
/// never followed. Returns whether `dir` holds nothing afterwards.
fn remove_leftover_temporaries(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    let mut empty = true;
    for entry in entries.filter_map(Result::ok) {
        let Ok(ft) = entry.file_type() else {
            empty = false;
            continue;
        };
        let path = entry.path();
        let temporary = is_temporary(&entry.file_name().to_string_lossy());
        let gone = if ft.is_dir() && temporary {
            remove_unfinished_folder(&path)
        } else if ft.is_dir() {
            remove_leftover_temporaries(&path) && fs::remove_dir(&path).is_ok()
        } else {
            ft.is_file() && temporary && fs::remove_file(&path).is_ok()
        };
        empty &= gone;
    }
    empty
}

/// Removes a new folder a killed run was writing under its temporary name: the files platc
/// writes (with the header; empty if the run died between creating and writing one) and the
/// folders that leaves empty. Anything else in it stays. Returns whether it is gone.
fn remove_unfinished_folder(dir: &Path) -> bool {
    // Never through a link: only a real folder by that name is platc's.
    if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return false;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    let mut empty = true;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let gone = match entry.file_type() {
            Ok(ft) if ft.is_dir() => remove_unfinished_folder(&path),
            Ok(ft) if ft.is_file() => {
                fs::read(&path).is_ok_and(|bytes| bytes.is_empty() || has_header(&bytes))
                    && fs::remove_file(&path).is_ok()
            }
            _ => false,
        };
        empty &= gone;
    }
    empty && fs::remove_dir(dir).is_ok()
}

/// Writes a new file, refusing to overwrite an existing one (for `platc init`).
pub fn create_new(path: &Path, content: &str) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(content.as_bytes())
}

/// Reads `include` patterns relative to the main config's folder.
pub struct IncludeLoader {
    /// The main config's folder on disk.
    pub base: PathBuf,
    /// The same folder as diagnostics show it (relative to where platc runs, as the user typed).
    pub shown_base: PathBuf,
}

impl IncludeLoader {
    /// A loader for includes of the config at `config`.
    pub fn for_config(config: &Path) -> Self {
        let base = config.parent().map(Path::to_path_buf).unwrap_or_default();
        Self {
            shown_base: base.clone(),
            base,
        }
    }
}

impl crate::expand::Loader for IncludeLoader {
    fn load(&mut self, pattern: &str) -> Result<Vec<(String, String)>, String> {
        if pattern.trim().is_empty() {
            return Err("empty pattern".into());
        }
        if Path::new(pattern).is_absolute() {
            return Err("patterns are relative to the main config's folder".into());
        }
        let full = self.base.join(pattern);
        let full = full.to_string_lossy();
        let options = glob::MatchOptions {
            require_literal_leading_dot: true,
            ..Default::default()
        };
        let mut paths: Vec<PathBuf> = glob::glob_with(&full, options)
            .map_err(|e| format!("invalid pattern: {e}"))?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err("matches no files".into());
        }
        paths
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(&self.base).unwrap_or(&p);
                let shown = self.shown_base.join(rel);
                let shown = shown.to_string_lossy().replace('\\', "/");
                read_config(&p).map(|text| (shown, text))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_of_a_killed_run_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::create_dir_all(out.join("c/ns/empty")).unwrap();
        fs::write(
            out.join("c/ns/.namespace-ns.yaml.platc-tmp"),
            "# Generated by pl",
        )
        .unwrap();
        fs::write(out.join("c/keep.platc-tmp"), "not ours: no leading dot").unwrap();
        fs::write(out.join(".platc-tmp"), "not ours: no name").unwrap();
        remove_leftover_temporaries(out);
        assert!(!out.join("c/ns").exists());
        assert!(out.join("c/keep.platc-tmp").exists());
        assert!(out.join(".platc-tmp").exists());
    }

    #[test]
    fn reading_for_a_write_removes_leftovers_on_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::create_dir_all(out.join("c/ns")).unwrap();
        fs::create_dir_all(out.join("c/gone/deeper")).unwrap();
        let headed = format!("{}kind: X\n", crate::render::header("p.toml"));
        fs::write(out.join("c/ns/a.yaml"), &headed).unwrap();
        fs::write(out.join("c/ns/.a.yaml.platc-tmp"), "# Generated").unwrap();
        assert_eq!(
            read_out(out).unwrap().len(),
            1,
            "reading alone removes nothing"
        );
        assert!(out.join("c/gone/deeper").exists());
        let tree = read_out_for_write(out, &Tree::new()).unwrap();
        assert_eq!(tree.keys().collect::<Vec<_>>(), ["c/ns/a.yaml"]);
        assert!(!out.join("c/ns/.a.yaml.platc-tmp").exists());
        assert!(!out.join("c/gone").exists());
        assert!(out.join("c/ns/a.yaml").exists());
    }

    #[test]
    fn write_prunes_stale_files_wherever_they_sort() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let headed = |body: &str| format!("{}{body}\n", crate::render::header("p.toml"));
        for name in ["a", "b", "c", "d", "f"] {
            fs::create_dir_all(out.join(name)).unwrap();
            fs::write(out.join(name).join("x.yaml"), headed(name)).unwrap();
        }
        let desired: Tree = [("a/x.yaml", "a"), ("c/x.yaml", "new c"), ("e/x.yaml", "e")]
            .into_iter()
            .map(|(path, body)| (path.to_string(), headed(body).into_bytes()))
            .collect();
        let current = read_out_against(out, &desired).unwrap();
        assert_eq!(current["a/x.yaml"], OnDisk::Matches);
        let stats = write(out, &desired, &current).unwrap();
        assert_eq!(
            stats,
            WriteStats {
                written: 2,
                unchanged: 1,
                removed: 3
            }
        );
        let after = read_out(out).unwrap();
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            ["a/x.yaml", "c/x.yaml", "e/x.yaml"]
        );
        assert!(!out.join("b").exists() && !out.join("f").exists());
    }

    /// Every file under `dir`, relative, with its text; temporary names included.
    fn files_under(dir: &Path) -> Vec<(String, String)> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    files.push((rel, fs::read_to_string(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn new_folders_are_written_whole_and_renamed_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let headed = |body: &str| format!("{}{body}\n", crate::render::header("p.toml"));
        // `old/` exists with a file in it; everything else is new, at several depths.
        fs::create_dir_all(out.join("old")).unwrap();
        fs::write(out.join("old/x.yaml"), headed("old x")).unwrap();
        let paths = [
            "argocd/app.yaml",
            "c/kustomization.yaml",
            "c/ns/a.yaml",
            "c/ns/b.yaml",
            "c/ns-2/a.yaml",
            "c/ns.2/a.yaml",
            "old/new/deep/z.yaml",
            "old/x.yaml",
            "old/y.yaml",
            "top.yaml",
        ];
        let desired: Tree = paths
            .iter()
            .map(|p| (p.to_string(), headed(p).into_bytes()))
            .collect();
        let current = read_out_for_write(out, &desired).unwrap();
        let stats = write(out, &desired, &current).unwrap();
        assert_eq!(stats.written, paths.len());
        let mut expected: Vec<(String, String)> =
            paths.iter().map(|p| (p.to_string(), headed(p))).collect();
        expected.sort();
        assert_eq!(
            files_under(out),
            expected,
            "no temporary file or folder is left"
        );
        // A second run with the same tree writes nothing.
        let current = read_out_for_write(out, &desired).unwrap();
        let again = write(out, &desired, &current).unwrap();
        assert_eq!((again.written, again.unchanged), (0, paths.len()));
    }

    #[test]
    fn a_new_folder_a_killed_run_left_is_removed_but_not_what_platc_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let headed = format!("{}kind: X\n", crate::render::header("p.toml"));
        fs::create_dir_all(out.join("c/.ns.platc-tmp/sub")).unwrap();
        fs::write(out.join("c/.ns.platc-tmp/a.yaml"), &headed).unwrap();
        fs::write(out.join("c/.ns.platc-tmp/sub/b.yaml"), "").unwrap();
        fs::create_dir_all(out.join("c/.other.platc-tmp")).unwrap();
        fs::write(out.join("c/.other.platc-tmp/notes.txt"), "mine").unwrap();
        // Neither is part of out/ as diff sees it.
        assert!(read_out(out).unwrap().is_empty());
        let desired: Tree = [("c/other/a.yaml".to_string(), headed.clone().into_bytes())].into();
        let current = read_out_for_write(out, &desired).unwrap();
        assert!(!out.join("c/.ns.platc-tmp").exists());
        assert_eq!(
            fs::read_to_string(out.join("c/.other.platc-tmp/notes.txt")).unwrap(),
            "mine"
        );
        // The new folder `c/other` would be written under that name: refused, nothing lost.
        let err = write(out, &desired, &current).unwrap_err();
        assert!(
            err.to_string().contains("holds files platc did not write"),
            "{err}"
        );
        assert!(out.join("c/.other.platc-tmp/notes.txt").exists());
        assert!(!out.join("c/other").exists());
    }

    /// A link named like a new folder's temporary name is never followed, even to a folder of
    /// generated files inside `out/`: they stay, and the write that needs the name stops.
    #[cfg(unix)]
    #[test]
    fn a_link_named_like_a_new_folder_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let headed = format!("{}kind: X\n", crate::render::header("p.toml"));
        fs::create_dir_all(out.join("c/kept")).unwrap();
        fs::write(out.join("c/kept/a.yaml"), &headed).unwrap();
        std::os::unix::fs::symlink(out.join("c/kept"), out.join("c/.other.platc-tmp")).unwrap();
        let desired: Tree = [
            ("c/kept/a.yaml".to_string(), headed.clone().into_bytes()),
            ("c/other/a.yaml".to_string(), headed.clone().into_bytes()),
        ]
        .into();
        let current = read_out_for_write(out, &desired).unwrap();
        assert!(!remove_unfinished_folder(&out.join("c/.other.platc-tmp")));
        let err = write(out, &desired, &current).unwrap_err();
        assert!(err.to_string().contains("is in the way"), "{err}");
        assert_eq!(
            fs::read_to_string(out.join("c/kept/a.yaml")).unwrap(),
            headed
        );
        assert!(!out.join("c/other").exists());
    }

    #[test]
    fn temporary_names() {
        assert!(is_temporary(".kustomization.yaml.platc-tmp"));
        assert!(!is_temporary("kustomization.yaml.platc-tmp"));
        assert!(!is_temporary(".platc-tmp"));
        assert!(!is_temporary("..platc-tmp"));
    }
}
