//! Writing `out/`: only what changed, each file atomically, new folders whole; pruning what is
//! no longer produced.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
