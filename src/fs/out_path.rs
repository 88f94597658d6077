//! Where the output folder is: the `-o` path checked component by component, before anything
//! in it is read or written. A pull request can commit `out` (or any folder on the way to it)
//! as a symlink; the kernel would follow it whatever the spelling (`out/`, `./out/.`,
//! `gen/out` with `gen` a link), so every component is looked at with `lstat` and a link
//! anywhere is refused.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::unsafe_output;
use crate::diag::Diagnostic;

/// The output folder `out` as a path that reaches it through real folders only: `.` and
/// trailing `/` dropped, `a/..` taken back, every component that exists checked not to be a
/// symlink (and to be a folder). A relative path is checked from the working directory (which
/// the operating system holds as a path without links); an absolute one from `/`. The result
/// is what every later step reads and writes. It may not exist yet: its missing folders are
/// created by the lock, after this check.
pub fn resolve_out(out: &Path) -> Result<PathBuf, Vec<Diagnostic>> {
    let mut path = PathBuf::new();
    // Components pushed by name (not `..` climbing above the start), each checked.
    let mut named = 0usize;
    let mut missing = false;
    let parts: Vec<Component> = out.components().collect();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Component::Prefix(_) | Component::RootDir => path.push(part.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir if named > 0 && !missing => {
                // The folder before it was checked to be a real one: `..` is its parent.
                path.pop();
                named -= 1;
            }
            Component::ParentDir if missing => {
                return Err(vec![
                    unsafe_output(format!(
                        "{}: `..` after a folder that does not exist",
                        out.display()
                    ))
                    .with_help("write the output folder's path without `..`"),
                ]);
            }
            // Above where the path starts: the parents of the working directory, or of `/`.
            Component::ParentDir => path.push(".."),
            Component::Normal(name) => {
                path.push(name);
                named += 1;
                if missing {
                    continue;
                }
                let last = parts[i + 1..]
                    .iter()
                    .all(|c| matches!(c, Component::CurDir));
                missing = !check(&path, last)?;
            }
        }
    }
    if path.as_os_str().is_empty() {
        path.push(".");
    }
    Ok(path)
}

/// Whether `path` exists; an error when it is a symlink or not a folder. `last`: it is the
/// output folder itself, not a folder on the way to it.
pub(super) fn check(path: &Path, last: bool) -> Result<bool, Vec<Diagnostic>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(vec![unsafe_output(format!(
                "{}: cannot read: {e}",
                path.display()
            ))]);
        }
    };
    if meta.file_type().is_symlink() {
        let what = if last {
            "platc writes only into a real folder"
        } else {
            "platc never writes through a link on the way to the output folder"
        };
        return Err(vec![
            unsafe_output(format!("{} is a symlink; {what}", path.display())).with_help(
                "point `-o` at the real folder, or replace the link with a folder (a link can be committed by anyone who can open a pull request)",
            ),
        ]);
    }
    if !meta.is_dir() {
        return Err(vec![unsafe_output(format!(
            "{} exists and is not a folder",
            path.display()
        ))]);
    }
    Ok(true)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn message(r: Result<PathBuf, Vec<Diagnostic>>) -> String {
        r.unwrap_err()[0].message.clone()
    }

    #[test]
    fn every_spelling_of_a_linked_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        fs::create_dir_all(top.join("real/out")).unwrap();
        fs::create_dir_all(top.join("plain")).unwrap();
        symlink("real", top.join("link")).unwrap();
        symlink("real/out", top.join("out")).unwrap();
        let at = |p: &str| top.join(p);
        for spelling in [
            "out",
            "out/",
            "out/.",
            "out//",
            "plain/../out",
            "plain/./../out/",
        ] {
            assert!(
                message(resolve_out(&at(spelling))).contains("out is a symlink"),
                "{spelling}"
            );
        }
        for spelling in ["link/out", "link/out/", "link/new/out", "link/../plain"] {
            assert!(
                message(resolve_out(&at(spelling))).contains("link is a symlink"),
                "{spelling}"
            );
        }
    }

    #[test]
    fn a_real_path_comes_back_normalised() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        fs::create_dir_all(top.join("a/b")).unwrap();
        assert_eq!(resolve_out(&top.join("a/./b/")).unwrap(), top.join("a/b"));
        assert_eq!(
            resolve_out(&top.join("a/b/../b/new/out/.")).unwrap(),
            top.join("a/b/new/out")
        );
        assert_eq!(resolve_out(Path::new("./")).unwrap(), Path::new("."));
        assert_eq!(
            resolve_out(Path::new("../x/./y")).unwrap(),
            Path::new("../x/y")
        );
        let err = message(resolve_out(&top.join("a/new/../out")));
        assert!(
            err.contains("`..` after a folder that does not exist"),
            "{err}"
        );
        fs::write(top.join("a/file"), "").unwrap();
        let err = message(resolve_out(&top.join("a/file/out")));
        assert!(err.contains("a/file exists and is not a folder"), "{err}");
    }
}
