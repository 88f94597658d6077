//! Reading the config as it was at a git revision (`platc diff --base REV`), by running `git`
//! in the folder that holds the config, so it uses that repository's history.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The config's text at `rev`, or `None` when the revision exists but the file did not.
/// `Err` says in words what is wrong (no git, not a repository, no such revision).
pub fn config_at(config: &Path, rev: &str) -> Result<Option<String>, String> {
    if rev.is_empty() || rev.starts_with('-') || rev.contains(char::is_whitespace) {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let dir = match config.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file = config
        .file_name()
        .ok_or_else(|| format!("{} is not a file", config.display()))?
        .to_string_lossy()
        .into_owned();
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .map_err(|e| format!("cannot run git (needed by --base): {e}"))
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if !top.status.success() {
        return Err(format!(
            "{} is not in a git repository; --base reads the config's git history",
            dir.display()
        ));
    }
    let commit = git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{rev}^{{commit}}"),
    ])?;
    if !commit.status.success() {
        return Err(format!(
            "`{rev}` is not a commit in the git repository at {}; try a branch, tag or hash such as `origin/main` or `HEAD~1`",
            dir.display()
        ));
    }
    let commit = String::from_utf8_lossy(&commit.stdout).trim().to_string();
    let object = format!("{commit}:./{file}");
    if !git(&["cat-file", "-e", &object])?.status.success() {
        return Ok(None);
    }
    let shown = git(&["show", &object])?;
    if !shown.status.success() {
        return Err(format!(
            "git show {object} failed: {}",
            String::from_utf8_lossy(&shown.stderr).trim()
        ));
    }
    String::from_utf8(shown.stdout)
        .map(Some)
        .map_err(|_| format!("{file} at `{rev}` is not UTF-8"))
}

/// Reads `include` patterns from the same git revision as the config (`diff --base`), so a
/// split platform is compared as it was, file for file.
pub struct RevisionLoader {
    dir: std::path::PathBuf,
    commit: String,
    rev: String,
    /// Every file of the revision below the config's folder, listed once.
    listing: std::sync::OnceLock<Result<Vec<String>, String>>,
}

impl RevisionLoader {
    /// A loader for includes of `config` at `rev` (which `config_at` already checked).
    pub fn new(config: &Path, rev: &str) -> Result<Self, String> {
        let dir = match config.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => Path::new(".").to_path_buf(),
        };
        let out = run(
            &dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )?;
        let commit = String::from_utf8_lossy(&out).trim().to_string();
        Ok(Self {
            dir,
            commit,
            rev: rev.to_string(),
            listing: std::sync::OnceLock::new(),
        })
    }
}

fn run(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
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

impl crate::expand::Loader for RevisionLoader {
    fn load(&self, pattern: &str) -> Result<Vec<crate::expand::Loaded>, String> {
        let matcher = glob::Pattern::new(pattern).map_err(|e| format!("invalid pattern: {e}"))?;
        let options = glob::MatchOptions {
            require_literal_leading_dot: true,
            require_literal_separator: true,
            ..Default::default()
        };
        // Paths relative to the config's folder, as the patterns are.
        let listing = self
            .listing
            .get_or_init(|| {
                let out = run(&self.dir, &["ls-tree", "-r", "--name-only", &self.commit])?;
                Ok(String::from_utf8_lossy(&out)
                    .lines()
                    .map(str::to_string)
                    .collect())
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let mut paths: Vec<&String> = listing
            .iter()
            .filter(|p| matcher.matches_with(p, options))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(format!("matches no files at `{}`", self.rev));
        }
        paths
            .into_iter()
            .map(|p| {
                let text = run(&self.dir, &["show", &format!("{}:./{p}", self.commit)])?;
                let text = String::from_utf8(text)
                    .map_err(|_| format!("{p} at `{}` is not UTF-8", self.rev))?;
                Ok(crate::expand::Loaded {
                    shown: format!("{}:{}", self.rev, self.dir.join(p).display()),
                    rel: p.clone(),
                    text,
                })
            })
            .collect()
    }
}

/// Each of `paths` (relative to `dir`, a folder that exists) as HEAD of the repository that
/// holds `dir` has it (`None`: not committed there). `Err` when `dir` is in no repository, it
/// has no commit yet, or git cannot run.
pub fn at_head(dir: &Path, paths: &[&str]) -> Result<Vec<Option<Vec<u8>>>, String> {
    let repo = Repository::containing(dir)?;
    let prefix = repo
        .relative(dir)
        .ok_or_else(|| format!("{} is outside its repository", dir.display()))?;
    let commit = repo.commit("HEAD")?;
    repo.files_at(&commit, &prefix, paths)
}

/// The branch `rev` names (`main` for `origin/main`, `refs/heads/main` or `main`); else, for
/// a commit or `HEAD~1`, the branch checked out in `dir`; `None` when neither is a branch.
pub fn branch_of(dir: &Path, rev: &str) -> Option<String> {
    if rev.starts_with('-') {
        return None;
    }
    let full = run(dir, &["rev-parse", "--symbolic-full-name", rev]).ok()?;
    let full = String::from_utf8_lossy(&full).trim().to_string();
    if let Some(branch) = full.strip_prefix("refs/heads/") {
        return Some(branch.to_string());
    }
    if let Some(remote) = full.strip_prefix("refs/remotes/") {
        return remote.split_once('/').map(|(_, b)| b.to_string());
    }
    let head = run(dir, &["symbolic-ref", "--quiet", "--short", "HEAD"]).ok()?;
    let head = String::from_utf8_lossy(&head).trim().to_string();
    (!head.is_empty()).then_some(head)
}

/// Where `path` (which need not exist) sits in the git repository that holds `dir`, relative to
/// its top with `/` (`""`: the top); `None` outside one, or where git cannot tell.
pub fn in_repository(dir: &Path, path: &Path) -> Option<String> {
    Repository::containing(dir).ok()?.relative(path)
}

/// The git repository that holds a folder: what `build` compares a hand-edited `out/` with
/// (HEAD), and what `diff --base` falls back to when the base's config does not compile (the
/// `out/` committed at the base).
pub struct Repository {
    /// The top of the work tree, as git reports it (symlinks resolved).
    top: PathBuf,
}

impl Repository {
    /// The repository `dir` (a folder that exists) is in; `Err` when it is in none, or git
    /// cannot run.
    pub fn containing(dir: &Path) -> Result<Self, String> {
        let out = run(dir, &["rev-parse", "--show-toplevel"])?;
        let top = String::from_utf8_lossy(&out)
            .trim_end_matches('\n')
            .to_string();
        Ok(Self {
            top: PathBuf::from(top),
        })
    }

    /// The commit `rev` names, as a full hash.
    pub fn commit(&self, rev: &str) -> Result<String, String> {
        if rev.is_empty() || rev.starts_with('-') || rev.contains(char::is_whitespace) {
            return Err(format!("`{rev}` is not a git revision"));
        }
        let out = run(
            &self.top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| {
            format!(
                "`{rev}` is not a commit in the git repository at {}",
                self.top.display()
            )
        })?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    /// The commit `rev` names, or where it names none here, the commit of the remote branch
    /// `origin/REV` (a cluster's revision is a branch of the remote Argo CD reads).
    pub fn commit_or_remote(&self, rev: &str) -> Result<String, String> {
        self.commit(rev)
            .or_else(|e| self.commit(&format!("origin/{rev}")).map_err(|_| e))
    }

    /// `path` (which need not exist) relative to the top of the work tree, with `/`; `None`
    /// when it lies outside. `""` is the top itself.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        // Symlinks resolved as git resolves the top: through the deepest part that exists.
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
        let top = std::fs::canonicalize(&self.top).unwrap_or_else(|_| self.top.clone());
        let rel = full.strip_prefix(&top).ok()?;
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
            self.listing(commit, folder)?.into_iter().collect();
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
            self.listing(commit, folder)?.into_iter().unzip();
        let blobs = self.blobs(&oids)?;
        Ok(paths
            .into_iter()
            .zip(blobs)
            .filter_map(|(path, blob)| Some((path, blob?)))
            .collect())
    }

    /// (path relative to `folder`, object id) of every regular file committed in `commit`
    /// below `folder`, from one `git ls-tree`.
    fn listing(&self, commit: &str, folder: &str) -> Result<Vec<(String, String)>, String> {
        let mut args = vec!["ls-tree", "-r", "-z", commit];
        if !folder.is_empty() {
            args.extend(["--", folder]);
        }
        let listing = run(&self.top, &args)?;
        let mut files = Vec::new();
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            // Regular files only: no symlinks (120000), no submodules (commits).
            let mut fields = meta.split(' ');
            let (Some(mode), Some("blob"), Some(oid)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if !mode.starts_with("100") {
                continue;
            }
            let rel = if folder.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(folder).and_then(|p| p.strip_prefix('/'))
            };
            if let Some(rel) = rel {
                files.push((rel.to_string(), oid.to_string()));
            }
        }
        Ok(files)
    }

    /// The blobs `names` name (object ids, or `COMMIT:PATH`), through one `git cat-file
    /// --batch --buffer`; `None` for a name that is missing or not a blob.
    fn blobs(&self, names: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        use std::io::Write;
        use std::process::Stdio;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        if names.iter().any(|n| n.contains('\n')) {
            return Err("a path holds a line break".into());
        }
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .args(["cat-file", "--batch", "--buffer"])
            .env("GIT_TERMINAL_PROMPT", "0")
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
mod tests {
    use super::parse_batch;

    #[test]
    fn batch_output_with_missing_names_and_other_types() {
        let out = b"0123 blob 3\nhi\n\nHEAD:x missing\nabcd tree 2\nxy\nfe blob 0\n\n";
        let blobs = parse_batch(out, 4).unwrap();
        assert_eq!(
            blobs,
            vec![Some(b"hi\n".to_vec()), None, None, Some(Vec::new())]
        );
        assert!(parse_batch(b"0123 blob 30\nhi\n", 1).is_err());
    }
}
