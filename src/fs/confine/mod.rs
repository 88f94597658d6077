//! Confinement of reads: every path a config names (the config itself, `include`, `manifests`,
//! `crd_schemas` and any pattern kind to come) resolves inside one folder, the root, before a
//! file is opened. The root is the top of the git work tree that holds the config, or, outside
//! git, the config's own folder. Paths are resolved here, one component at a time: `..` above the
//! root, a symlink that leads out of it (at any component, however many links deep), an absolute
//! path and anything inside `.git` are refused, and the file is then opened at the resolved path,
//! with no symlink allowed on the way (see [`open`]). Every loader goes through
//! [`Root::matches`] and [`Root::read`], so a new kind of pattern is confined without more code.
//!
//! Which repository holds the config is decided from what the operator chose, never from what
//! the tree holds: the repository is found from the working directory (the first folder above
//! it with a `.git`), and only when the config is not inside that one, from the config's path
//! as given, without crossing a symlink inside a repository on the way.

mod invariant;
mod open;
mod resolve;
mod tree;

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use invariant::holds;
use resolve::{Kind, Step};
pub use tree::{TreeTarget, in_tree, relative_to};

/// Why a path or pattern gives no file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// It leads outside the root (or into `.git`, or through a symlink in git history): E0305.
    Outside(String),
    /// Anything else (an invalid pattern, no match, an unreadable file): the pattern's own code.
    Failed(String),
}

impl From<String> for PathError {
    fn from(message: String) -> Self {
        Self::Failed(message)
    }
}

impl From<&str> for PathError {
    fn from(message: &str) -> Self {
        Self::Failed(message.to_string())
    }
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Outside(m) | Self::Failed(m) => f.write_str(m),
        }
    }
}

/// One file a pattern matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Its path as the pattern spells it (wildcards filled in), relative to the config's
    /// folder, with `/`.
    pub named: String,
    /// Its path with every symlink resolved, relative to the root, with `/`: the file's
    /// identity (two names of one file are one file).
    pub physical: String,
}

/// A literal folder resolved: its physical path by component, `None` when there is no folder.
type Folder = Result<Option<Vec<String>>, PathError>;

/// A folder's entries, sorted by name.
type Listing = Arc<Vec<(String, Kind)>>;

/// The folder every read of a run stays in, and the config in it.
pub struct Root {
    /// The root, absolute, with every symlink resolved.
    top: PathBuf,
    /// Whether the root is the top of a git work tree (it holds `.git`).
    repository: bool,
    /// The config's folder relative to the root, as named (by component; no `.` or `..`).
    folder: Vec<String>,
    /// The config's file name.
    file: String,
    /// The config's folder as the user wrote it (for diagnostics).
    shown_folder: PathBuf,
    /// Literal folders already resolved: the named path relative to the root, and the physical
    /// folder (`None`: nothing, or not a folder, there). Each folder is resolved once a run,
    /// however many patterns name files in it.
    folders: Mutex<HashMap<String, Folder>>,
    /// Folder listings for wildcards, by physical path: each folder is listed once a run.
    listings: Mutex<HashMap<String, Listing>>,
    /// The root opened once, to open files beneath it.
    handle: open::Handle,
}

impl Root {
    /// The root of the config at `config` (as given on the command line). `Err` says why in
    /// words (an unreadable working directory, a config that cannot be a file).
    pub fn find(config: &Path) -> Result<Self, String> {
        let cwd = std::env::current_dir()
            .and_then(fs::canonicalize)
            .map_err(|e| format!("cannot read the working directory: {e}"))?;
        let named = lexical(&cwd.join(config));
        let (Some(folder), Some(file)) = (named.parent(), named.file_name()) else {
            return Err(format!("{}: is not a file", config.display()));
        };
        let file = file
            .to_str()
            .ok_or_else(|| format!("{}: the name is not UTF-8", config.display()))?
            .to_string();
        let (top, repository) = match repository_above(&cwd) {
            Some(top) if folder.starts_with(&top) => (top, true),
            _ => top_down(folder),
        };
        let below = folder.strip_prefix(&top).unwrap_or(Path::new(""));
        let mut parts = Vec::new();
        for c in below.components() {
            let c = c
                .as_os_str()
                .to_str()
                .ok_or_else(|| format!("{}: the path is not UTF-8", config.display()))?;
            parts.push(c.to_string());
        }
        let top = fs::canonicalize(&top).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!(
                    "{}: no such file (run `platc init` to create one)",
                    config.display()
                )
            }
            _ => format!("{}: cannot read: {e}", config.display()),
        })?;
        let shown_folder = config.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Self::new(top, repository, parts, file, shown_folder))
    }

    /// A root at the folder `top` (which exists) for a config named `file` in it: for tests and
    /// the fuzz target.
    pub fn at(top: &Path, file: &str) -> std::io::Result<Self> {
        let top = fs::canonicalize(top)?;
        let repository = fs::symlink_metadata(top.join(".git")).is_ok();
        Ok(Self::new(
            top,
            repository,
            Vec::new(),
            file.into(),
            PathBuf::new(),
        ))
    }

    fn new(
        top: PathBuf,
        repository: bool,
        folder: Vec<String>,
        file: String,
        shown_folder: PathBuf,
    ) -> Self {
        Self {
            handle: open::Handle::new(&top),
            top,
            repository,
            folder,
            file,
            shown_folder,
            folders: Mutex::default(),
            listings: Mutex::default(),
        }
    }

    /// The root, absolute, symlinks resolved.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// Whether the root is the top of a git work tree.
    pub fn is_repository(&self) -> bool {
        self.repository
    }

    /// The config's path relative to the root, as named, with `/`.
    pub fn config(&self) -> String {
        let mut parts = self.folder.clone();
        parts.push(self.file.clone());
        parts.join("/")
    }

    /// The config's folder relative to the root, as named, with `/` (`""`: the root).
    pub fn config_folder(&self) -> String {
        self.folder.join("/")
    }

    /// The config's folder as the user wrote it, for naming files in diagnostics.
    pub fn shown_folder(&self) -> &Path {
        &self.shown_folder
    }

    /// What the root is, in words: "the repository" or "the config's folder".
    pub(crate) fn what(&self) -> &'static str {
        if self.repository {
            "the repository"
        } else {
            "the config's folder"
        }
    }

    /// The config's text. `Outside`: the config (a symlink) resolves outside the root.
    pub fn read_config(&self, shown: &Path) -> Result<String, PathError> {
        let steps = self
            .folder
            .iter()
            .chain(std::iter::once(&self.file))
            .map(|p| Step::Name(p.clone()))
            .collect::<Vec<_>>();
        let shown_text = shown.display();
        match self.resolve(Vec::new(), &steps)? {
            Some((physical, Kind::File)) => {
                let text = open::read(&self.handle, &self.top, &physical, shown, "a .toml file")?;
                super::input::config_text(shown, text).map_err(PathError::Failed)
            }
            Some((_, Kind::Dir)) => Err(PathError::Failed(format!(
                "{shown_text}: is a directory, not a config file"
            ))),
            Some(_) => Err(PathError::Failed(format!(
                "{shown_text}: is not a regular file (a device, pipe or socket); give the path of a .toml file"
            ))),
            None => Err(PathError::Failed(format!(
                "{shown_text}: no such file (run `platc init` to create one)"
            ))),
        }
    }

    /// A folder between the root and the config (the config's own included) that is a git
    /// repository of its own (a `.git`, or the layout of a bare repository), relative to the
    /// root; `None` when there is none. Git history is read from the root's repository only.
    pub fn nested_repository(&self) -> Option<String> {
        let steps: Vec<Step> = self.folder.iter().map(|p| Step::Name(p.clone())).collect();
        let (folder, _) = self.resolve(Vec::new(), &steps).ok()??;
        (1..=folder.len()).find_map(|n| {
            let dir = self.top.join(folder[..n].join("/"));
            let is_repo = fs::symlink_metadata(dir.join(".git")).is_ok()
                || (dir.join("HEAD").is_file()
                    && dir.join("objects").is_dir()
                    && dir.join("refs").is_dir());
            is_repo.then(|| folder[..n].join("/"))
        })
    }

    /// Reads a file [`Root::matches`] found, at its physical path, opening nothing that is not
    /// that path (a symlink put in its way since is refused). `shown` names it in errors.
    pub fn read(&self, physical: &str, shown: &Path, expected: &str) -> Result<String, PathError> {
        let parts: Vec<String> = physical.split('/').map(str::to_string).collect();
        open::read(&self.handle, &self.top, &parts, shown, expected)
    }
}

/// `path` without `.` components, and `..` taken lexically (the path as the operator wrote it,
/// joined to the working directory).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The first folder at or above `dir` (absolute, symlinks resolved) that holds `.git`.
fn repository_above(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|a| fs::symlink_metadata(a.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// The root of a config in `folder` (absolute, as named) when the working directory's
/// repository does not hold it: the deepest folder on the way down to it that holds `.git`,
/// stopping at the first symlink inside a repository (which the tree, not the operator, put
/// there); or, outside git, `folder` itself.
fn top_down(folder: &Path) -> (PathBuf, bool) {
    let mut found = None;
    let mut at = PathBuf::new();
    for c in folder.components() {
        at.push(c);
        let link = fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink());
        if found.is_some() && link {
            break;
        }
        if fs::symlink_metadata(at.join(".git")).is_ok() {
            found = Some(at.clone());
        }
    }
    match found {
        Some(top) => (top, true),
        None => (folder.to_path_buf(), false),
    }
}

#[cfg(all(test, unix))]
mod tests;
