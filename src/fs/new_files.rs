//! Writing the new files of `platc import` (a config and its manifests) all or nothing: every
//! file is written inside one temporary folder beside the config, then moved into place, the
//! config last. A failure moves back what was moved; a kill while writing leaves only the
//! temporary folder, which the next import removes. Nothing is ever overwritten.

use std::fs;
use std::io;
use std::path::Path;

use super::write::{at, create};
use crate::diag::{Diagnostic, codes};

/// The temporary folder an import writes into, beside its config.
const STAGING: &str = ".platc-import.platc-tmp";

/// The file in [`STAGING`] that lists what is being moved into place; there only while it is.
const PLACING: &str = "placing";

/// Why nothing (or not everything) was written.
#[derive(Debug)]
pub enum NotWritten {
    /// Nothing was written: a file is in the way, or writing failed (the message says which).
    Nothing(String),
    /// An earlier import was killed while moving its files into place, or left a temporary
    /// folder platc cannot remove; nothing was written.
    Leftover(Diagnostic),
}

/// Writes `files` (paths relative to `folder` with `/`, and their text), none of which may
/// exist, all or none of them. The first is moved into place last: it says the rest is there
/// (the config, which names the manifests).
pub fn write_new_files(folder: &Path, files: &[(String, String)]) -> Result<(), NotWritten> {
    write_new_files_with(folder, files, usize::MAX)
}

/// [`write_new_files`], stopping dead (as a kill would) after `moves` moves into place.
fn write_new_files_with(
    folder: &Path,
    files: &[(String, String)],
    moves: usize,
) -> Result<(), NotWritten> {
    let staging = folder.join(STAGING);
    remove_leftover(&staging)?;
    let plan = plan(folder, files).map_err(NotWritten::Nothing)?;
    // The config's own folder (`-c new/platform.toml`); created even if the import then fails,
    // which leaves only empty folders.
    fs::create_dir_all(folder).map_err(|e| NotWritten::Nothing(at(folder, e).to_string()))?;
    let failed = |e: io::Error| {
        remove_tree(&staging);
        NotWritten::Nothing(e.to_string())
    };
    fs::create_dir(&staging).map_err(|e| failed(at(&staging, e)))?;
    for (rel, text) in files {
        let path = staging.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| failed(at(parent, e)))?;
        }
        create(&path, text.as_bytes()).map_err(failed)?;
    }
    // What is moved, written down first: a kill between two moves is then found and said by
    // the next import, which otherwise would only see files in its way.
    let listing: String = plan.iter().map(|rel| format!("{rel}\n")).collect();
    let placing = staging.join(PLACING);
    create(&placing, listing.as_bytes()).map_err(failed)?;
    for (done, rel) in plan.iter().enumerate() {
        if done == moves {
            return Ok(());
        }
        if let Err(e) = fs::rename(staging.join(rel), folder.join(rel)) {
            // Put back what was moved; only then is the temporary folder all there is.
            for rel in plan[..done].iter().rev() {
                let _ = fs::rename(folder.join(rel), staging.join(rel));
            }
            return Err(failed(at(&folder.join(rel), e)));
        }
    }
    remove_tree(&staging);
    Ok(())
}

/// What to move into place, the first file last: for each file, itself when its folder exists,
/// else the top-most of its folders that does not (moved whole), each once. Refuses a file that
/// exists, and a link on the way (a folder committed as a link would take the files elsewhere).
fn plan(folder: &Path, files: &[(String, String)]) -> Result<Vec<String>, String> {
    let mut moves: Vec<String> = Vec::new();
    for (rel, _) in files.iter().skip(1).chain(files.first()) {
        let mut top = None;
        let parts: Vec<&str> = rel.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() || *part == "." || *part == ".." {
                return Err(format!(
                    "`{rel}`: platc import writes only below the config's folder ({}); give `--manifests` a relative folder without `..`",
                    folder.display()
                ));
            }
            let prefix = parts[..=i].join("/");
            let path = folder.join(&prefix);
            match fs::symlink_metadata(&path) {
                Ok(_) if i + 1 == parts.len() => {
                    return Err(format!(
                        "{} exists; platc import never overwrites a file",
                        path.display()
                    ));
                }
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(format!(
                        "{} is a symlink; platc import writes only into real folders",
                        path.display()
                    ));
                }
                Ok(m) if !m.is_dir() => {
                    return Err(format!("{} exists and is not a folder", path.display()));
                }
                Ok(_) => {}
                Err(_) => {
                    top = Some(prefix);
                    break;
                }
            }
        }
        let entry = top.unwrap_or_else(|| rel.clone());
        if !moves.contains(&entry) {
            moves.push(entry);
        }
    }
    Ok(moves)
}

/// Removes what a killed import left: its temporary folder. When the kill came while files
/// were being moved into place (the folder lists them), nothing is removed and the error says
/// what is in place: platc cannot tell those files from ones written since.
fn remove_leftover(staging: &Path) -> Result<(), NotWritten> {
    let Ok(meta) = fs::symlink_metadata(staging) else {
        return Ok(());
    };
    if meta.is_dir()
        && let Ok(listing) = fs::read_to_string(staging.join(PLACING))
    {
        let folder = staging.parent().unwrap_or(Path::new("."));
        let placed: Vec<String> = listing
            .lines()
            .filter(|rel| {
                fs::symlink_metadata(staging.join(rel)).is_err()
                    && fs::symlink_metadata(folder.join(rel)).is_ok()
            })
            .map(|rel| folder.join(rel).display().to_string())
            .collect();
        if !placed.is_empty() {
            return Err(NotWritten::Leftover(
                Diagnostic::error(
                    codes::IMPORT_LEFTOVER,
                    None,
                    format!(
                        "an earlier `platc import` was killed while moving its files into place: {} {} there, without the rest",
                        placed.join(", "),
                        if placed.len() == 1 { "is" } else { "are" }
                    ),
                )
                .with_help(format!(
                    "remove {} and {}, then import again",
                    placed.join(", "),
                    staging.display()
                )),
            ));
        }
    }
    remove_tree(staging);
    if fs::symlink_metadata(staging).is_ok() {
        return Err(NotWritten::Leftover(
            Diagnostic::error(
                codes::IMPORT_LEFTOVER,
                None,
                format!(
                    "{} is left from an earlier import and cannot be removed",
                    staging.display()
                ),
            )
            .with_help("remove it, then import again"),
        ));
    }
    Ok(())
}

/// Removes a temporary folder of platc's and everything in it, never following a link (a
/// link is removed itself).
fn remove_tree(path: &Path) {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if !meta.is_dir() {
        let _ = fs::remove_file(path);
        return;
    }
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.filter_map(Result::ok) {
            remove_tree(&entry.path());
        }
    }
    let _ = fs::remove_dir(path);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::tests::everything_under;

    fn files() -> Vec<(String, String)> {
        [
            ("platform.toml", "config"),
            ("manifests/a/x.yaml", "x"),
            ("manifests/a/y.yaml", "y"),
            ("manifests/b/z.yaml", "z"),
            ("other/w.yaml", "w"),
            ("top.yaml", "t"),
        ]
        .into_iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
    }

    /// Every path under `dir`, folders included.
    fn everything(dir: &Path) -> Vec<String> {
        everything_under(dir)
            .into_iter()
            .map(|(rel, _)| rel)
            .collect()
    }

    #[test]
    fn everything_is_written_and_nothing_else_is_left() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("other")).unwrap();
        write_new_files(dir.path(), &files()).unwrap();
        for (rel, text) in files() {
            assert_eq!(fs::read_to_string(dir.path().join(rel)).unwrap(), text);
        }
        assert!(
            everything(dir.path())
                .iter()
                .all(|p| !p.contains("platc-tmp"))
        );
    }

    /// A kill after each number of moves: before the last, no config; the next import either
    /// goes through (nothing was in place) or names what is, and writes nothing.
    #[test]
    fn a_kill_at_any_point_leaves_no_config_without_its_files() {
        for moves in 0..4 {
            let dir = tempfile::tempdir().unwrap();
            fs::create_dir(dir.path().join("other")).unwrap();
            write_new_files_with(dir.path(), &files(), moves).unwrap();
            assert!(
                !dir.path().join("platform.toml").exists(),
                "after {moves} moves"
            );
            let before = everything(dir.path());
            match write_new_files(dir.path(), &files()) {
                Ok(()) => assert_eq!(moves, 0, "went through though files were in place"),
                Err(NotWritten::Leftover(d)) => {
                    assert!(moves > 0);
                    assert!(
                        d.message.contains("was killed while moving"),
                        "{}",
                        d.message
                    );
                    assert_eq!(everything(dir.path()), before, "nothing written or removed");
                }
                Err(NotWritten::Nothing(m)) => panic!("{m}"),
            }
        }
        // All four moves: the config is in place, and the rest with it.
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("other")).unwrap();
        write_new_files_with(dir.path(), &files(), 4).unwrap();
        for (rel, _) in files() {
            assert!(dir.path().join(rel).exists());
        }
    }

    #[test]
    fn a_file_in_the_way_or_a_link_on_the_way_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("manifests/b")).unwrap();
        fs::write(dir.path().join("manifests/b/z.yaml"), "mine").unwrap();
        let Err(NotWritten::Nothing(m)) = write_new_files(dir.path(), &files()) else {
            panic!("written over a file");
        };
        assert!(m.contains("z.yaml exists"), "{m}");
        assert_eq!(
            everything(dir.path()),
            ["manifests", "manifests/b", "manifests/b/z.yaml"]
        );
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let elsewhere = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("manifests")).unwrap();
            let Err(NotWritten::Nothing(m)) = write_new_files(dir.path(), &files()) else {
                panic!("written through a link");
            };
            assert!(m.contains("manifests is a symlink"), "{m}");
            assert!(everything(elsewhere.path()).is_empty());
        }
    }
}
