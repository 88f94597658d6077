//! The steps that change what `out/` shows (renames into place, removals), each recorded so
//! that a failure at a later step can put back what the earlier ones changed.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::leftovers::remove_unfinished_folder;
use super::write::{FolderPlan, at, create, temporary_name};

/// One change to what `out/` shows.
#[derive(Debug)]
pub(super) enum Step<'a> {
    /// A new folder, written whole as `staging`, renamed to `path`.
    Placed { path: PathBuf, staging: PathBuf },
    /// A staged file renamed to `path`, which held `old` (`None`: nothing).
    Renamed {
        from: PathBuf,
        path: PathBuf,
        old: Option<&'a [u8]>,
    },
    /// A generated file no longer produced, removed; it held `old`.
    Removed { path: PathBuf, old: &'a [u8] },
}

/// The steps run so far, to undo in reverse order.
#[derive(Debug, Default)]
pub(super) struct Commit<'a> {
    done: Vec<Step<'a>>,
    /// For tests: fail the step after this many (see [`fail_after`]).
    #[cfg(test)]
    fail_after: Option<usize>,
}

impl<'a> Commit<'a> {
    /// A commit whose step number `n` (from 0) fails, to test what a failure there leaves.
    #[cfg(test)]
    pub fn fail_after(n: usize) -> Self {
        Commit {
            done: Vec::new(),
            fail_after: Some(n),
        }
    }

    /// Runs `step`, and records it when it changed something.
    pub fn run(&mut self, step: Step<'a>) -> io::Result<()> {
        #[cfg(test)]
        if self.fail_after == Some(self.done.len()) {
            return Err(io::Error::other("injected failure"));
        }
        match &step {
            Step::Placed { path, staging } => fs::rename(staging, path).map_err(|e| at(path, e))?,
            Step::Renamed { from, path, .. } => fs::rename(from, path).map_err(|e| at(path, e))?,
            Step::Removed { path, .. } => match fs::remove_file(path) {
                Ok(()) => {}
                // Gone already (removed by hand since it was read): nothing to put back.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(at(path, e)),
            },
        }
        self.done.push(step);
        Ok(())
    }

    /// How many files the steps removed.
    pub fn removed(&self) -> usize {
        self.done
            .iter()
            .filter(|s| matches!(s, Step::Removed { .. }))
            .count()
    }

    /// Undoes every step, the last first: folders renamed back and removed, files written
    /// back as they were (through a temporary name and a rename, like any write) or removed.
    /// Goes on after a failure, and returns the first.
    pub fn roll_back(self) -> io::Result<()> {
        let mut first = Ok(());
        for step in self.done.into_iter().rev() {
            let undone = match step {
                Step::Placed { path, staging } => fs::rename(&path, &staging)
                    .map(|()| {
                        remove_unfinished_folder(&staging);
                    })
                    .map_err(|e| at(&path, e)),
                Step::Renamed {
                    path, old: None, ..
                } => fs::remove_file(&path).map_err(|e| at(&path, e)),
                Step::Renamed {
                    path,
                    old: Some(old),
                    ..
                }
                | Step::Removed { path, old } => put_back(&path, old),
            };
            if first.is_ok() {
                first = undone;
            }
        }
        first
    }
}

/// Writes `old` back at `path`.
fn put_back(path: &Path, old: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(temporary_name(&name, 0));
    create(&tmp, old)?;
    fs::rename(&tmp, path).map_err(|e| at(path, e))
}

/// Removes what the plan staged and no step placed: the temporary files of folders that exist
/// and the temporary folders of new ones. Never follows a link (the temporary names were
/// created new).
pub(super) fn remove_staged(plan: &FolderPlan) {
    for (_, staging) in &plan.staged {
        if fs::symlink_metadata(staging).is_ok() {
            remove_unfinished_folder(staging);
        }
    }
    for folder in plan.folders.iter().filter(|f| !f.staged) {
        for (i, (name, _)) in folder.files.iter().enumerate() {
            let tmp = folder.dir.join(temporary_name(name, i));
            if fs::symlink_metadata(&tmp).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(tmp);
            }
        }
    }
}
