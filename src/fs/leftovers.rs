//! What a killed run leaves behind (temporary files, half-written new folders, emptied
//! folders), how to recognise it and how to remove it without touching anything else.

use std::fs;
use std::path::Path;

use crate::render::has_header;

/// Suffix of the temporary files a write goes through; leftovers of a killed run are removed
/// by the next build.
pub(super) const TMP_SUFFIX: &str = ".platc-tmp";

/// Whether `name` is one of platc's own temporary files or folders (`.NAME.platc-tmp`).
pub(super) fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.len() > TMP_SUFFIX.len() + 1 && name.ends_with(TMP_SUFFIX)
}

/// Removes what a killed run can leave behind: its temporary files, and folders it had created
/// or was emptying (empty folders carry nothing, and git cannot even record them). Symlinks are
/// never followed: a link with a temporary name is removed itself (the link, not what it points
/// at), since a write to that name would otherwise go wherever it points. Returns whether `dir`
/// holds nothing afterwards.
pub(super) fn remove_leftover_temporaries(dir: &Path) -> bool {
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
            (ft.is_file() || ft.is_symlink()) && temporary && fs::remove_file(&path).is_ok()
        };
        empty &= gone;
    }
    empty
}

/// Removes a new folder a killed run was writing under its temporary name: the files platc
/// writes (with the header; empty if the run died between creating and writing one), links
/// (never followed) and the folders that leaves empty. Anything else in it stays. Returns
/// whether it is gone.
pub(super) fn remove_unfinished_folder(dir: &Path) -> bool {
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
            Ok(ft) if ft.is_symlink() => fs::remove_file(&path).is_ok(),
            _ => false,
        };
        empty &= gone;
    }
    empty && fs::remove_dir(dir).is_ok()
}
