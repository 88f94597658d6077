//! Every git call platc makes: the config and the files it names as they were at a revision
//! (`diff --base REV`), the `out/` committed there, and HEAD's copy of files in `out/` (the
//! hand-edit check of `build`).
//!
//! Git runs only in the repository of the config's [`Root`], which platc found itself from the
//! working directory, named with `--git-dir`: git's own discovery never runs, so no folder of
//! the tree can pass itself off as the repository, and a repository nested between the top and
//! the config is refused ([`Repository::of`]). Every command gets the same fixed, minimal
//! environment and configuration ([`command`]), and platc runs only plumbing that reads
//! objects (`rev-parse --verify`, `ls-tree`, `cat-file --batch`), never a diff, a checkout or
//! anything that reads the index. Content comes from `cat-file --batch`, which applies no
//! textconv and no filter; a symlink committed in the tree is never followed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use crate::diag::{Diagnostic, codes};
use crate::expand::{LoadError, Loaded};
use crate::fs::Root;

/// The variables of the caller's environment git keeps: where to find it (and, on Windows,
/// what it needs to start). Everything else (`GIT_DIR`, `GIT_WORK_TREE`, `GIT_CONFIG_*`,
/// `GIT_EXTERNAL_DIFF`, `GIT_PAGER`, `GIT_TRACE*`, `GIT_ALTERNATE_OBJECT_DIRECTORIES`, `HOME`,
/// ...) is cleared.
const KEPT: [&str; 3] = ["PATH", "SYSTEMROOT", "WINDIR"];

/// The environment every git command gets, besides [`KEPT`].
const ENVIRONMENT: [(&str, &str); 11] = [
    // No system or global config (~/.gitconfig, XDG, /etc/gitconfig): only the repository's
    // own, with the settings below on top.
    ("GIT_CONFIG_NOSYSTEM", "1"),
    ("GIT_CONFIG_SYSTEM", "/dev/null"),
    ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ("GIT_ATTR_NOSYSTEM", "1"),
    // Never ask for credentials, never fetch a missing object from a promisor remote.
    ("GIT_TERMINAL_PROMPT", "0"),
    ("GIT_NO_LAZY_FETCH", "1"),
    // The objects as they are, not as `refs/replace/` would show them.
    ("GIT_NO_REPLACE_OBJECTS", "1"),
    // Reading takes no lock and writes nothing (no index refresh).
    ("GIT_OPTIONAL_LOCKS", "0"),
    ("GIT_PAGER", "cat"),
    ("PAGER", "cat"),
    ("LC_ALL", "C"),
];

/// The settings every git command gets on its command line, where they override the
/// repository's own config: no fsmonitor (a program git would start), no hooks, no pager, no
/// transport at all (so not even a promisor remote can make git connect anywhere).
const SETTINGS: [&str; 5] = [
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "protocol.allow=never",
    "core.untrackedCache=false",
];

/// A `git` command in the repository whose git directory is `git_dir` (run from `top`), with
/// the fixed environment and settings. Public for the tests that show each setting holds.
pub fn command(top: &Path, git_dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.env_clear();
    for name in KEPT {
        if let Some(value) = std::env::var_os(name) {
            c.env(name, value);
        }
    }
    c.envs(ENVIRONMENT);
    c.current_dir(top).stdin(Stdio::null()).arg("--no-pager");
    for setting in SETTINGS {
        c.args(["-c", setting]);
    }
    c.arg("--no-replace-objects");
    c.arg(format!("--git-dir={}", git_dir.display()));
    c
}

/// The git repository that holds the config: its work tree's top is the config's root.
pub struct Repository {
    /// The top of the work tree (symlinks resolved).
    top: PathBuf,
    /// `top/.git`: a folder, or a file naming one (a worktree, a submodule).
    git_dir: PathBuf,
}

impl Repository {
    /// The repository of `root`. An error (E0301) when the root is not a git work tree, and
    /// (E0306) when a repository is nested between its top and the config.
    pub fn of(root: &Root) -> Result<Self, Diagnostic> {
        if !root.is_repository() {
            return Err(Diagnostic::error(
                codes::UNREADABLE,
                None,
                format!(
                    "{} is not in a git repository; --base reads the config's git history",
                    root.top().display()
                ),
            ));
        }
        if let Some(nested) = root.nested_repository() {
            return Err(Diagnostic::error(
                codes::NESTED_REPOSITORY,
                None,
                format!(
                    "`{nested}` is a git repository inside the repository at {}, on the way to \
                     the config; platc reads history only from the repository at the top",
                    root.top().display()
                ),
            )
            .with_help(
                "remove the nested repository (a `.git`, or a bare repository's `HEAD`, \
                 `objects/` and `refs/`) from the tree, or run platc from inside it",
            ));
        }
        Ok(Self {
            top: root.top().to_path_buf(),
            git_dir: root.top().join(".git"),
        })
    }

    fn git(&self) -> Command {
        command(&self.top, &self.git_dir)
    }

    /// Runs git with `args`; its output, or an error saying what failed.
    fn run(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let out = self
            .git()
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// The commit `rev` names, as a full hash.
    pub fn commit(&self, rev: &str) -> Result<String, String> {
        if rev.is_empty() || rev.starts_with('-') || rev.contains(char::is_whitespace) {
            return Err(format!("`{rev}` is not a git revision"));
        }
        let spec = format!("{rev}^{{commit}}");
        let out = self
            .run(&["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
            .map_err(|_| {
                format!(
                    "`{rev}` is not a commit in the git repository at {}; try a branch, tag or hash such as `origin/main` or `HEAD~1`",
                    self.top.display()
                )
            })?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    /// `path` (which need not exist) relative to the top of the work tree, with `/`; `None`
    /// when it lies outside. `""` is the top itself.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        // Symlinks resolved as the top's are: through the deepest part that exists.
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        let resolved = loop {
            if let Ok(p) = std::fs::canonicalize(existing) {
                break p;
            }
            rest.push(existing.file_name()?);
            existing = existing.parent()?;
        };
        let mut full = resolved;
        for part in rest.iter().rev() {
            full.push(part);
        }
        let rel = full.strip_prefix(&self.top).ok()?;
        let mut parts = Vec::new();
        for c in rel.components() {
            match c {
                std::path::Component::Normal(p) => parts.push(p.to_str()?.to_string()),
                std::path::Component::ParentDir => {
                    parts.pop()?;
                }
                std::path::Component::CurDir => {}
                _ => return None,
            }
        }
        Some(parts.join("/"))
    }

    /// Each of `paths` (relative to `folder`, itself relative to the top) as committed in
    /// `commit`: its bytes, or `None` where the commit holds no such file. The files are found
    /// in one listing of `folder` and read by object id in one `git cat-file --batch`: naming
    /// them `COMMIT:PATH` makes git walk the trees again for each, 30 times slower on a large
    /// `out/`.
    pub fn files_at(
        &self,
        commit: &str,
        folder: &str,
        paths: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, String> {
        let listed: std::collections::HashMap<String, String> =
            self.files_below(commit, folder)?.into_iter().collect();
        let oids: Vec<String> = paths
            .iter()
            .filter_map(|p| listed.get(*p).cloned())
            .collect();
        let mut blobs = self.blobs(&oids)?.into_iter();
        Ok(paths
            .iter()
            .map(|p| {
                if listed.contains_key(*p) {
                    blobs.next().flatten()
                } else {
                    None
                }
            })
            .collect())
    }

    /// Every regular file committed in `commit` below `folder` (relative to the top), by its
    /// path relative to `folder`. A folder the commit does not hold is an empty tree.
    pub fn tree_at(&self, commit: &str, folder: &str) -> Result<crate::render::Tree, String> {
        let (paths, oids): (Vec<String>, Vec<String>) =
            self.files_below(commit, folder)?.into_iter().unzip();
        let blobs = self.blobs(&oids)?;
        Ok(paths
            .into_iter()
            .zip(blobs)
            .filter_map(|(path, blob)| Some((path, blob?)))
            .collect())
    }

    /// (path relative to `folder`, object id) of every regular file committed in `commit`
    /// below `folder`.
    fn files_below(&self, commit: &str, folder: &str) -> Result<Vec<(String, String)>, String> {
        Ok(self
            .entries(commit, &[folder], true)?
            .into_iter()
            .filter(|(_, e)| e.kind == Kind::File)
            .filter_map(|(path, e)| {
                let rel = if folder.is_empty() {
                    Some(path.as_str())
                } else {
                    path.strip_prefix(folder).and_then(|p| p.strip_prefix('/'))
                };
                rel.map(|r| (r.to_string(), e.oid))
            })
            .collect())
    }

    /// The entries `git ls-tree` gives for `paths` (relative to the top; `""` for all) in
    /// `commit`, by path relative to the top: every file below them with `recursive`, else the
    /// entries the paths name (a folder, a file, a symlink).
    fn entries(
        &self,
        commit: &str,
        paths: &[&str],
        recursive: bool,
    ) -> Result<BTreeMap<String, Entry>, String> {
        let mut args = vec!["ls-tree", "-z", "--full-tree"];
        if recursive {
            args.push("-r");
        }
        args.push(commit);
        let named: Vec<&str> = paths.iter().copied().filter(|p| !p.is_empty()).collect();
        if !named.is_empty() {
            args.push("--");
            args.extend(named.iter().copied());
        }
        let listing = self.run(&args)?;
        let mut entries = BTreeMap::new();
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut fields = meta.split(' ');
            let (Some(mode), Some(_), Some(oid)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let kind = match mode {
                "100644" | "100755" => Kind::File,
                "120000" => Kind::Link,
                "040000" => Kind::Dir,
                _ => Kind::Other,
            };
            entries.insert(
                path.to_string(),
                Entry {
                    kind,
                    oid: oid.to_string(),
                },
            );
        }
        Ok(entries)
    }

    /// The blobs `names` name (object ids, or `COMMIT:PATH`), through one `git cat-file
    /// --batch --buffer`; `None` for a name that is missing or not a blob.
    fn blobs(&self, names: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        use std::io::Write;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        if names.iter().any(|n| n.contains('\n')) {
            return Err("a path holds a line break".into());
        }
        let mut child = self
            .git()
            .args(["cat-file", "--batch", "--buffer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let mut stdin = child.stdin.take().ok_or("git cat-file has no input")?;
        let input: String = names.iter().map(|n| format!("{n}\n")).collect();
        // Written on its own thread: git answers as it reads, and a full pipe either way
        // would otherwise stop both.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child
            .wait_with_output()
            .map_err(|e| format!("git cat-file failed: {e}"))?;
        let written = writer.join();
        if !output.status.success() || !matches!(written, Ok(Ok(()))) {
            return Err("git cat-file --batch failed".into());
        }
        parse_batch(&output.stdout, names.len())
    }

    /// The config and the files it names as committed at `rev`.
    pub fn revision(self, rev: &str) -> Result<Revision, String> {
        let commit = self.commit(rev)?;
        Ok(Revision {
            repo: self,
            commit,
            rev: rev.to_string(),
            listings: Mutex::default(),
        })
    }
}

/// What a tree entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Link,
    Dir,
    Other,
}

#[derive(Clone, Debug)]
struct Entry {
    kind: Kind,
    oid: String,
}

/// Each of `paths` (relative to `dir`, a folder that exists) as HEAD of the repository of
/// `root` has it (`None`: not committed there). `Err` when the root is not a repository, it has
/// no commit yet, or git cannot run.
pub fn at_head(root: &Root, dir: &Path, paths: &[&str]) -> Result<Vec<Option<Vec<u8>>>, String> {
    let repo = Repository::of(root).map_err(|d| d.message)?;
    let prefix = repo
        .relative(dir)
        .ok_or_else(|| format!("{} is outside its repository", dir.display()))?;
    let commit = repo.commit("HEAD")?;
    repo.files_at(&commit, &prefix, paths)
}

/// A commit of the config's repository, to read the config and what it names as they were
/// there: the same confinement as on disk, in the tree instead of the file system. No path
/// leaves the top (`..` is taken lexically, as git stores paths), and a symlink committed in
/// the tree (mode 120000) is refused wherever a path meets it: git history holds a link's
/// target as text, and following it would be a second way out.
pub struct Revision {
    repo: Repository,
    commit: String,
    rev: String,
    /// Recursive listings by folder (relative to the top), each made once.
    listings: Mutex<BTreeMap<String, Listed>>,
}

/// Every entry below a folder, by path relative to the top.
type Listing = BTreeMap<String, Entry>;

/// A listing made once, on first use, shared by the threads that load patterns.
type Listed = std::sync::Arc<OnceLock<Result<Listing, String>>>;

impl Revision {
    /// The revision as the user wrote it.
    pub fn rev(&self) -> &str {
        &self.rev
    }

    /// The repository.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The full hash of the commit.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// The text of the config of `root` at this revision, or `None` when it did not exist.
    /// `Outside` when a symlink is on its path there.
    pub fn config(&self, root: &Root) -> Result<Option<String>, LoadError> {
        let path = root.config();
        let parts: Vec<&str> = path.split('/').collect();
        let prefixes: Vec<String> = (1..=parts.len()).map(|n| parts[..n].join("/")).collect();
        let named: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        let entries = self.repo.entries(&self.commit, &named, false)?;
        if let Some(link) = prefixes
            .iter()
            .find(|p| entries.get(*p).is_some_and(|e| e.kind == Kind::Link))
        {
            return Err(self.symlink(link));
        }
        let Some(entry) = entries.get(&path).filter(|e| e.kind == Kind::File) else {
            return Ok(None);
        };
        let text = self.read(&entry.oid, &path)?;
        Ok(Some(text))
    }

    fn symlink(&self, path: &str) -> LoadError {
        LoadError::Outside(format!(
            "`{path}` is a symlink at `{}`; platc follows no symlink in git history",
            self.rev
        ))
    }

    fn read(&self, oid: &str, path: &str) -> Result<String, LoadError> {
        let blob = self
            .repo
            .blobs(&[oid.to_string()])?
            .pop()
            .flatten()
            .ok_or_else(|| format!("{path} at `{}` cannot be read", self.rev))?;
        String::from_utf8(blob)
            .map_err(|_| LoadError::Failed(format!("{path} at `{}` is not UTF-8", self.rev)))
    }

    /// Every file below `folder` (relative to the top), listed once.
    fn listing(&self, folder: &str) -> Result<Listed, String> {
        let cell = self
            .listings
            .lock()
            .map_err(|_| "a git listing failed".to_string())?
            .entry(folder.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| self.repo.entries(&self.commit, &[folder], true));
        Ok(cell)
    }
}

/// Reads `include`, `manifests` and `crd_schemas` patterns from the same revision as the
/// config (`diff --base`), so a platform is compared as it was, file for file.
pub struct RevisionLoader<'a> {
    revision: &'a Revision,
    /// The config's folder relative to the top, by component.
    folder: Vec<String>,
    /// How diagnostics name the config's folder.
    shown: PathBuf,
}

impl<'a> RevisionLoader<'a> {
    /// A loader for what the config of `root` names, at `revision`.
    pub fn new(revision: &'a Revision, root: &Root) -> Self {
        let folder = root.config_folder();
        Self {
            revision,
            folder: folder
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            shown: root.shown_folder().to_path_buf(),
        }
    }
}

impl crate::expand::Loader for RevisionLoader<'_> {
    fn load(&self, pattern: &str) -> Result<Vec<Loaded>, LoadError> {
        let rev = self.revision.rev();
        let target = crate::fs::confine::in_tree(&self.folder, pattern)?;
        // The listing of the config's folder serves every pattern below it; one reaching
        // above gets the listing of its own literal folder.
        let config_folder = self.folder.join("/");
        let below_config = config_folder.is_empty()
            || target.folder == config_folder
            || target.folder.starts_with(&format!("{config_folder}/"));
        let listed = if below_config {
            config_folder.as_str()
        } else {
            target.folder.as_str()
        };
        let cell = self.revision.listing(listed)?;
        let listing = match cell.get() {
            Some(Ok(listing)) => listing,
            Some(Err(e)) => return Err(e.clone().into()),
            None => return Err("a git listing failed".into()),
        };
        if let Some((link, _)) = listing
            .iter()
            .filter(|(_, e)| e.kind == Kind::Link)
            .find(|(path, _)| target.meets(path))
        {
            return Err(self.revision.symlink(link));
        }
        let found: Vec<(&String, &Entry)> = if target.is_literal() {
            listing
                .get_key_value(&target.path)
                .filter(|(_, e)| e.kind == Kind::File)
                .into_iter()
                .collect()
        } else {
            let prefix = if target.folder.is_empty() {
                String::new()
            } else {
                format!("{}/", target.folder)
            };
            listing
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .filter(|(p, e)| e.kind == Kind::File && target.matches(p))
                .collect()
        };
        if found.is_empty() {
            return Err(format!("matches no files at `{rev}`").into());
        }
        let oids: Vec<String> = found.iter().map(|(_, e)| e.oid.clone()).collect();
        let blobs = self.revision.repo.blobs(&oids)?;
        found
            .into_iter()
            .zip(blobs)
            .map(|((path, _), blob)| {
                let named = crate::fs::confine::relative_to(&self.folder, path);
                let text = blob
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| format!("{path} at `{rev}` is not UTF-8 text"))?;
                Ok(Loaded {
                    shown: format!("{rev}:{}", self.shown.join(&named).display()),
                    rel: named,
                    key: path.clone(),
                    text,
                })
            })
            .collect()
    }
}

/// Reads `git cat-file --batch` output: for each name, `OID TYPE SIZE\n` then the content and
/// `\n`, or `NAME missing\n` (also `ambiguous`).
fn parse_batch(mut out: &[u8], count: usize) -> Result<Vec<Option<Vec<u8>>>, String> {
    let bad = || "unexpected output from git cat-file --batch".to_string();
    let mut blobs = Vec::with_capacity(count);
    for _ in 0..count {
        let end = out.iter().position(|b| *b == b'\n').ok_or_else(bad)?;
        let line = String::from_utf8_lossy(&out[..end]).into_owned();
        out = &out[end + 1..];
        let fields: Vec<&str> = line.rsplitn(3, ' ').collect();
        let size = match fields.as_slice() {
            [size, kind, _] if kind.chars().all(|c| c.is_ascii_lowercase()) => {
                size.parse::<usize>().ok()
            }
            _ => None,
        };
        let Some(size) = size else {
            // `NAME missing` or `NAME ambiguous`: nothing follows.
            blobs.push(None);
            continue;
        };
        if out.len() < size + 1 {
            return Err(bad());
        }
        let is_blob = fields[1] == "blob";
        blobs.push(is_blob.then(|| out[..size].to_vec()));
        out = &out[size + 1..];
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests;
