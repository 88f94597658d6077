//! What a command produces, and the helpers every command uses to report.

use std::path::{Path, PathBuf};

use crate::diag::{self, Diagnostic, Severity, SourceMap};
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
pub(super) fn prepare(
    config: &Path,
    out: &Path,
    deny_warnings: bool,
    colors: Colors,
) -> Result<Prepared, Outcome> {
    let out = measure("pre-check", || crate::fs::resolve_out(out))
        .map_err(|problems| out_problems(&problems, colors))?;
    let root = root_of(config, colors)?;
    let (compiled, stderr) = compile_checked(config, &root, deny_warnings, colors)?;
    Ok(Prepared {
        out,
        root,
        compiled,
        stderr,
    })
}

/// Compiles and applies `--deny-warnings`; `Err` is the finished outcome of a failed run.
pub(super) fn compile_checked(
    config: &Path,
    root: &Root,
    deny_warnings: bool,
    colors: Colors,
) -> Result<(Compiled, String), Outcome> {
    let compiled = compile_in(config, root).map_err(|f| failed(&f, colors))?;
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
