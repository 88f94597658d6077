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
