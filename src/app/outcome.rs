//! What a command produces, and the helpers every command uses to report.

use std::path::{Path, PathBuf};

use crate::diag::{self, Diagnostic, Severity, SourceMap, codes};
use crate::fs::Root;
use crate::stages::{Compiled, Failed, compile_in, find_root, has_errors};
use crate::timings::measure;

/// What a command produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// For standard output.
    pub stdout: String,
    /// For standard error.
    pub stderr: String,
    /// Process exit code (SPEC §1).
    pub code: u8,
}

/// Where colour is wanted (decided by `main` from `--color` and the terminals).
#[derive(Debug, Clone, Copy, Default)]
pub struct Colors {
    /// Colour standard output.
    pub stdout: bool,
    /// Colour standard error.
    pub stderr: bool,
}

/// The exit code of an invalid config or any error.
pub const EXIT_ERROR: u8 = 2;
/// The exit code of `diff` when there is drift.
pub const EXIT_DRIFT: u8 = 1;

/// Renders diagnostics. When there are errors, notes (advice) are left out so the errors stand
/// out; they come back once the config compiles.
pub(super) fn report(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    if has_errors(diags) {
        let shown: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| d.severity != Severity::Note)
            .cloned()
            .collect();
        diag::render_all(&shown, sources, color)
    } else {
        diag::render_all(diags, sources, color)
    }
}

pub(super) fn failed(f: &Failed, colors: Colors) -> Outcome {
    Outcome {
        stderr: report(&f.diagnostics, &f.sources, colors.stderr),
        code: EXIT_ERROR,
        ..Outcome::default()
    }
}

/// The root of the config at `config`, found once a run; `Err` is the finished outcome.
pub(super) fn root_of(config: &Path, colors: Colors) -> Result<Root, Outcome> {
    find_root(config).map_err(|f| failed(&f, colors))
}

/// What `build` and `diff` start from.
pub(super) struct Prepared {
    /// The output folder, reached through real folders only ([`crate::fs::resolve_out`]).
    pub out: PathBuf,
    /// The folder the config's reads stay in.
    pub root: Root,
    /// The config, compiled.
    pub compiled: Compiled,
    /// Its warnings and notes, rendered.
    pub stderr: String,
}

/// Refuses an `out/` reached through a symlink (or not a folder) before anything is read or
/// written, then compiles the config with [`compile_checked`]; `Err` is the finished outcome.
/// `synced`: `out` is the tree Argo CD syncs (not a base revision's), so it is checked against
/// `[argocd] path`.
pub(super) fn prepare(
    config: &Path,
    out: &Path,
    deny_warnings: bool,
    synced: bool,
    colors: Colors,
) -> Result<Prepared, Outcome> {
    let resolved = measure("pre-check", || crate::fs::resolve_out(out))
        .map_err(|problems| out_problems(&problems, colors))?;
    let root = root_of(config, colors)?;
    let (compiled, stderr) =
        compile_checked(config, &root, synced.then_some(out), deny_warnings, colors)?;
    Ok(Prepared {
        out: resolved,
        root,
        compiled,
        stderr,
    })
}

/// Compiles and applies `--deny-warnings`; `Err` is the finished outcome of a failed run.
/// `out`, for a command that writes or reads the output folder, is checked against
/// `[argocd] path`.
pub(super) fn compile_checked(
    config: &Path,
    root: &Root,
    out: Option<&Path>,
    deny_warnings: bool,
    colors: Colors,
) -> Result<(Compiled, String), Outcome> {
    let mut compiled = compile_in(config, root).map_err(|f| failed(&f, colors))?;
    if let Some(d) = out.and_then(|out| argocd_path(config, root, out, &compiled)) {
        compiled.diagnostics.push(d);
    }
    let stderr = measure("report", || {
        report(&compiled.diagnostics, &compiled.sources, colors.stderr)
    });
    if compiled
        .diagnostics
        .iter()
        .any(|d| d.is_fatal(deny_warnings))
    {
        return Err(Outcome {
            stderr: format!(
                "{stderr}platc: warnings are denied (--deny-warnings); nothing written\n"
            ),
            code: EXIT_ERROR,
            ..Outcome::default()
        });
    }
    Ok((compiled, stderr))
}

pub(super) fn out_problems(problems: &[Diagnostic], colors: Colors) -> Outcome {
    Outcome {
        stderr: report(problems, &SourceMap::default(), colors.stderr),
        code: EXIT_ERROR,
        ..Outcome::default()
    }
}

/// A warning when `out` is not where `[argocd] path` says the tree is, in the git repository
/// that holds the config (or, outside one, relative to the config's folder): the Applications
/// would point at a folder that does not exist.
fn argocd_path(config: &Path, root: &Root, out: &Path, compiled: &Compiled) -> Option<Diagnostic> {
    let (path, span) = compiled.argocd_path.as_ref()?;
    let dir = match config.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let in_repository = crate::git::Repository::of(root)
        .ok()
        .and_then(|repo| repo.relative(out));
    let (found, within) = match in_repository {
        Some(rel) => (rel, "the repository"),
        None => (lexical_relative(dir, out)?, "the config's folder"),
    };
    let found = if found.is_empty() {
        ".".to_string()
    } else {
        found
    };
    if &found == path {
        return None;
    }
    let example = compiled
        .objects
        .iter()
        .find(|o| o.folder.contains('/'))
        .map_or_else(|| "<cluster>/<namespace>".to_string(), |o| o.folder.clone());
    Some(
        Diagnostic::warning(
            codes::ARGOCD_PATH,
            *span,
            format!(
                "`-o {}` is `{found}` in {within}, but `[argocd] path` says the tree is at `{path}`",
                out.display()
            ),
        )
        .with_label(format!("the Applications read `{path}/{example}`"))
        .with_help(format!(
            "build into the folder `path` names, or set `path = \"{found}\"` if the tree lives there; two environments belong in one platform.toml, as clusters (docs/environments.md)"
        )),
    )
}

/// `out` relative to `dir` when both are relative and `out` lies below `dir` as written.
fn lexical_relative(dir: &Path, out: &Path) -> Option<String> {
    let clean = |p: &Path| -> Vec<String> {
        p.components()
            .filter_map(|c| match c {
                std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    let (dir, out) = (clean(dir), clean(out));
    out.starts_with(&dir).then(|| out[dir.len()..].join("/"))
}

/// Hands a command's large values (the compiled tree, what `out/` held) to the end of the
/// process instead of freeing them: [`run`] is the last thing a process does, and freeing a
/// large platform one allocation at a time only delays its exit (~30 ms at 10,000 tenants).
pub(super) fn leave_to_exit<T>(large: T) {
    std::mem::forget(large);
}

/// `1 file`, `2 files`.
pub(super) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
