//! Writing `out/`: only what changed, all of it or none of it. Every changed file is written
//! under a temporary name first (new folders whole, under a temporary folder name); only when
//! all are written do the renames put them in place, and only then are files no longer
//! produced removed. A failure at any step puts back what the steps before it changed
//! ([`commit`]), so a failed build leaves `out/` as it was.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::commit::{Commit, Step, remove_staged};
use super::leftovers::{TMP_SUFFIX, remove_unfinished_folder};
use super::read_out::FILES_PER_THREAD;
use crate::render::{DiskTree, OnDisk, Tree};

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

/// A write that failed, and whether what it had changed was put back.
#[derive(Debug)]
pub struct WriteFailed {
    /// What failed (the path is in the message).
    pub error: io::Error,
    /// `Ok` when `out/` is as it was before the write; the error of putting it back otherwise.
    pub restored: io::Result<()>,
}

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.restored {
            Ok(()) => write!(f, "{}", self.error),
            Err(e) => write!(
                f,
                "{}; putting back what was changed failed: {e}",
                self.error
            ),
        }
    }
}

/// Makes `out/` hold `desired`: rewrites only files whose bytes differ, deletes generated files
/// that are no longer produced and the folders that leaves empty. `current` is what
/// [`read_out_for_write`](super::read_out_for_write) returned under the lock.
///
/// All or nothing: every changed file is written under a temporary name (`.NAME.platc-tmp`,
/// created new, so never through a link) before the first rename; a folder that does not exist
/// yet is written whole under a temporary folder name and renamed into place once (one rename
/// for the folder instead of one a file: on a cold build, a tenth of the time). A failure puts
/// back whatever was renamed or removed. A reader or a kill never sees half a file, and a
/// folder's `kustomization.yaml` is renamed after its files and before stale ones are removed,
/// so it never lists a file that is not there.
pub fn write(out: &Path, desired: &Tree, current: &DiskTree) -> Result<WriteStats, WriteFailed> {
    write_with(out, desired, current, Commit::default())
}

/// [`write`] with its commit's step number `step` (from 0) failing.
#[cfg(test)]
pub(super) fn write_failing_at(
    out: &Path,
    desired: &Tree,
    current: &DiskTree,
    step: usize,
) -> Result<WriteStats, WriteFailed> {
    write_with(out, desired, current, Commit::fail_after(step))
}

fn write_with<'a>(
    out: &Path,
    desired: &'a Tree,
    current: &'a DiskTree,
    mut commit: Commit<'a>,
) -> Result<WriteStats, WriteFailed> {
    let mut stats = WriteStats::default();
    let mut changed = Vec::new();
    // Both trees are sorted by path: walk them side by side rather than look every path up.
    let mut on_disk = current.iter().peekable();
    let mut stale = Vec::new();
    for (rel, content) in desired {
        while let Some((old, held)) = on_disk.next_if(|(old, _)| old.as_str() < rel.as_str()) {
            stale.push((old.as_str(), held));
        }
        let (same, old) = match on_disk
            .next_if(|(old, _)| *old == rel)
            .map(|(_, held)| held)
        {
            Some(OnDisk::Matches) => (true, None),
            Some(held @ OnDisk::Bytes(old)) => (old == content, Some(held)),
            None => (false, None),
        };
        if same {
            stats.unchanged += 1;
        } else {
            changed.push(Changed { rel, content, old });
        }
    }
    stale.extend(on_disk.map(|(old, held)| (old.as_str(), held)));
    let failed = |error| WriteFailed {
        error,
        restored: Ok(()),
    };
    let plan = plan_folders(out, &changed).map_err(failed)?;
    // Creating a file is kernel work that two threads do side by side, each in its own folders.
    let files_per_folder = changed.len().div_ceil(plan.folders.len().max(1)).max(1);
    let min_folders = (FILES_PER_THREAD / files_per_folder).max(1);
    let staged = crate::par::map(&plan.folders, min_folders, stage_folder);
    if let Some(error) = staged.into_iter().find_map(Result::err) {
        remove_staged(&plan);
        return Err(failed(error));
    }
    let result = place(&plan, &mut commit).and_then(|()| prune(out, &stale, &mut commit));
    match result {
        Ok(()) => {
            stats.written = changed.len();
            stats.removed = commit.removed();
            remove_emptied(out, &stale);
            Ok(stats)
        }
        Err(error) => {
            // Temporary names first, so putting a file back can use its own again.
            remove_staged(&plan);
            let restored = commit.roll_back();
            Err(WriteFailed { error, restored })
        }
    }
}

/// A file whose bytes change: its path under `out/`, its new bytes, what `out/` held there.
#[derive(Clone, Copy)]
pub(super) struct Changed<'a> {
    pub rel: &'a str,
    pub content: &'a [u8],
    pub old: Option<&'a OnDisk>,
}

/// Where the changed files go: the folders to write, and the temporary folders to rename into
/// place once they are.
pub(super) struct FolderPlan<'a> {
    pub folders: Vec<Folder<'a>>,
    /// (the folder on disk, the temporary folder it is written as), one for each top-most
    /// folder that does not exist yet.
    pub staged: Vec<(PathBuf, PathBuf)>,
}

/// Changed files of one folder, and where they are written.
pub(super) struct Folder<'a> {
    /// The folder, relative to `out/`.
    rel: &'a str,
    /// Where it is on disk: the folder itself, or its place inside a temporary folder.
    pub dir: PathBuf,
    /// Whether `dir` is inside a temporary folder, which nobody sees until it is renamed.
    pub staged: bool,
    pub files: Vec<(&'a str, Changed<'a>)>,
}

/// Groups `changed` (sorted by path) by folder, and places each folder that does not exist yet
/// inside the temporary folder of its top-most missing ancestor, which it creates.
fn plan_folders<'a>(out: &Path, changed: &[Changed<'a>]) -> io::Result<FolderPlan<'a>> {
    let mut plan = FolderPlan {
        folders: Vec::new(),
        staged: Vec::new(),
    };
    let mut exists = HashMap::new();
    let mut roots: Vec<&str> = Vec::new();
    for &file in changed {
        let rel = file.rel;
        join_checked(out, rel)?;
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        // Sorted paths keep a folder's files together (a subfolder's may come between them).
        if let Some(last) = plan.folders.last_mut()
            && last.rel == folder
        {
            last.files.push((name, file));
            continue;
        }
        let root = top_missing(out, folder, &mut exists);
        let dir = match root {
            None => out.join(folder),
            Some(root) => {
                // Paths under one folder sort together, so its files come in one run.
                if roots.last() != Some(&root) {
                    let staging = staging_path(out, root);
                    // Left by a killed run, when reading out/ could not remove it.
                    if fs::symlink_metadata(&staging).is_ok() && !remove_unfinished_folder(&staging)
                    {
                        remove_staged(&plan);
                        return Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            format!(
                                "{} is in the way: it holds files platc did not write, or is not a folder; move it out",
                                staging.display()
                            ),
                        ));
                    }
                    if let Err(e) = fs::create_dir(&staging) {
                        remove_staged(&plan);
                        return Err(at(&staging, e));
                    }
                    roots.push(root);
                    plan.staged.push((out.join(root), staging));
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
            files: vec![(name, file)],
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

/// The longest file name the file systems platc writes to take, in bytes.
const MAX_NAME: usize = 255;

/// The temporary name the `index`-th changed file of a folder is written under before it is
/// renamed into place: `.NAME.platc-tmp`, or `.INDEX.platc-tmp` where that would be longer than
/// a file name may be.
pub(super) fn temporary_name(name: &str, index: usize) -> String {
    if 1 + name.len() + TMP_SUFFIX.len() <= MAX_NAME {
        format!(".{name}{TMP_SUFFIX}")
    } else {
        format!(".{index}{TMP_SUFFIX}")
    }
}

/// An error that names the file it is about.
pub(super) fn at(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Creates `path` and writes `content` into it; never opens what is already there (a link of
/// that name included: `create_new` is `O_CREAT | O_EXCL`, which does not follow a link).
pub(super) fn create(path: &Path, content: &[u8]) -> io::Result<()> {
    let mut file: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| at(path, e))?;
    file.write_all(content).map_err(|e| at(path, e))
}

/// Writes one folder's files, each under its temporary name (or, inside a temporary folder,
/// under its own).
fn stage_folder(folder: &Folder) -> io::Result<()> {
    if folder.staged {
        fs::create_dir_all(&folder.dir).map_err(|e| at(&folder.dir, e))?;
    }
    for (i, (name, file)) in folder.files.iter().enumerate() {
        let path = if folder.staged {
            folder.dir.join(name)
        } else {
            folder.dir.join(temporary_name(name, i))
        };
        create(&path, file.content)?;
    }
    Ok(())
}

/// Renames everything staged into place: new folders first, then the files of folders that
/// exist, deepest folder first so `argocd/` comes after the folders its Applications name, and
/// in each folder its `kustomization.yaml` after the files it lists.
fn place<'a>(plan: &FolderPlan<'a>, commit: &mut Commit<'a>) -> io::Result<()> {
    for (dir, staging) in plan.staged.iter().rev() {
        commit.run(Step::Placed {
            path: dir.clone(),
            staging: staging.clone(),
        })?;
    }
    for folder in plan.folders.iter().rev().filter(|f| !f.staged) {
        let mut order: Vec<usize> = (0..folder.files.len()).collect();
        order.sort_by_key(|&i| folder.files[i].0 == "kustomization.yaml");
        for i in order {
            let (name, file) = folder.files[i];
            let old = match file.old {
                Some(OnDisk::Bytes(old)) => Some(old.as_slice()),
                _ => None,
            };
            commit.run(Step::Renamed {
                from: folder.dir.join(temporary_name(name, i)),
                path: folder.dir.join(name),
                old,
            })?;
        }
    }
    Ok(())
}

/// Removes the generated files nothing produces any more (their bytes are kept to put them
/// back if a later removal fails).
fn prune<'a>(out: &Path, stale: &[(&str, &'a OnDisk)], commit: &mut Commit<'a>) -> io::Result<()> {
    for &(rel, held) in stale {
        let old = match held {
            OnDisk::Bytes(old) => old.as_slice(),
            // Only a file that has a compiled twin is compared, and a stale file has none.
            OnDisk::Matches => &[],
        };
        commit.run(Step::Removed {
            path: join_checked(out, rel)?,
            old,
        })?;
    }
    Ok(())
}

/// Removes the folders that removing `stale` files left empty, deepest first. `remove_dir`
/// only removes empty folders, so hand-made content survives; a failure leaves an empty folder,
/// which changes nothing Kustomize or git sees.
fn remove_emptied(out: &Path, stale: &[(&str, &OnDisk)]) {
    let mut emptied = BTreeSet::new();
    for (rel, _) in stale {
        let mut dir = rel.rsplit_once('/').map(|(d, _)| d);
        while let Some(d) = dir {
            emptied.insert(d);
            dir = d.rsplit_once('/').map(|(d, _)| d);
        }
    }
    for d in emptied.iter().rev() {
        let _ = fs::remove_dir(out.join(d));
    }
}

pub(super) fn join_checked(out: &Path, rel: &str) -> io::Result<PathBuf> {
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
