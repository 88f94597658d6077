//! Reading the config as it was at a git revision (`platc diff --base REV`), by running `git`
//! in the folder that holds the config, so it uses that repository's history.

use std::path::Path;
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
