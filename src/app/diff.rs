//! `platc diff`: the compiled tree against `out/`, or against what a git revision compiles to.

use std::path::Path;

use super::outcome::*;
use crate::cli::DiffFormat;
use crate::diag::{Diagnostic, Severity, SourceMap, codes};
use crate::expand::LoadError;
use crate::fs::Root;
use crate::render::{self, Tree};
use crate::stages::compile_with;
use crate::timings::measure;
use crate::{diff, fs, git};

/// The old side of `diff --base REV`.
struct Base {
    /// What the base holds, by path under `out/`.
    tree: Tree,
    /// How to name it: `REV:CONFIG`, or `REV:OUT` when it is the committed `out/`.
    from: String,
    /// Said on stderr and in the markdown and JSON output: the config did not exist, or did not
    /// compile, at `REV`.
    note: Option<String>,
    /// Whether the tree is the `out/` committed at `REV` rather than the base's config compiled.
    committed: bool,
}

/// What `config` compiled to at git revision `rev`. A config that does not compile there (a
/// broken main that a pull request fixes) is not an error: the base is then the `out/`
/// committed at `rev`, and a note says so. A path it names that leads outside the repository
/// is an error, at the base as on disk.
fn base_tree(
    config: &Path,
    root: &Root,
    out: &Path,
    rev: &str,
    colors: Colors,
) -> Result<Base, Outcome> {
    let shown = format!("{rev}:{}", config.display());
    let note_error = |message: String| {
        let d = Diagnostic::error(codes::UNREADABLE, None, message);
        out_problems(&[d], colors)
    };
    let repo = git::Repository::of(root).map_err(|d| out_problems(&[d], colors))?;
    let revision = repo.revision(rev).map_err(note_error)?;
    let text = match revision.config(root) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Ok(Base {
                tree: Tree::new(),
                from: shown,
                note: Some(format!(
                    "{} does not exist at `{rev}`; every object is new",
                    config.display()
                )),
                committed: false,
            });
        }
        Err(LoadError::Outside(message)) => {
            let d = Diagnostic::error(
                codes::OUTSIDE_ROOT,
                None,
                format!("{}: {message}", config.display()),
            );
            return Err(out_problems(&[d], colors));
        }
        Err(LoadError::Failed(message)) => return Err(note_error(message)),
    };
    let source_name = config.file_name().map_or_else(
        || "platform.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let loader = git::RevisionLoader::new(&revision, root);
    let failed = match compile_with(&shown, &source_name, text, SourceMap::default(), &loader) {
        Ok(c) => {
            return Ok(Base {
                tree: c.tree,
                from: shown,
                note: None,
                committed: false,
            });
        }
        Err(f) => f,
    };
    // A path leading outside is refused, not worked around with the committed out/.
    if failed
        .diagnostics
        .iter()
        .any(|d| d.code == codes::OUTSIDE_ROOT)
    {
        return Err(super::outcome::failed(&failed, colors));
    }
    let errors = failed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let broken = format!(
        "the config at `{rev}` does not compile ({})",
        plural(errors, "error")
    );
    let repo = revision.repository();
    let Some(folder) = repo.relative(out) else {
        return Ok(Base {
            tree: Tree::new(),
            from: shown,
            note: Some(format!(
                "{broken}, and {} is outside its git repository; every object is new",
                out.display()
            )),
            committed: true,
        });
    };
    let mut tree = repo
        .tree_at(revision.commit(), &folder)
        .map_err(note_error)?;
    // What build would read of it: the files with the header.
    tree.retain(|_, bytes| render::has_header(bytes));
    let note = if tree.is_empty() {
        format!("{broken}, and it holds no {folder}/ either; every object is new")
    } else {
        format!("{broken}; compared with {folder}/ as committed at `{rev}`")
    };
    Ok(Base {
        tree,
        from: format!("{rev}:{folder}"),
        note: Some(note),
        committed: true,
    })
}

pub(super) fn diff_cmd(
    config: &Path,
    out: &Path,
    format: DiffFormat,
    base: Option<&str>,
    colors: Colors,
) -> Outcome {
    let Prepared {
        out,
        root,
        compiled,
        mut stderr,
    } = match prepare(config, out, false, colors) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let out = out.as_path();
    let prefix = out.display().to_string();
    let prefix = prefix.trim_end_matches('/');
    // The old side: out/ on disk, or what the config compiled to at the base revision (or,
    // where it did not compile, the out/ committed there).
    let (current, from, note, committed) = match base {
        None => match measure("read-out", || fs::read_out_against(out, &compiled.tree)) {
            Ok(t) => (t, prefix.to_string(), None, false),
            Err(problems) => return out_problems(&problems, colors),
        },
        Some(rev) => match base_tree(config, &root, out, rev, colors) {
            Ok(base) => {
                if let Some(note) = &base.note {
                    stderr.push_str(&format!("platc: {note}\n"));
                }
                (
                    render::on_disk(base.tree),
                    base.from,
                    base.note,
                    base.committed,
                )
            }
            Err(o) => return o,
        },
    };
    let to = config.display().to_string();
    let changes = measure("diff", || diff::changes(&compiled.tree, &current));
    let style = diff::Style {
        color: colors.stdout,
    };
    let note = note.as_deref();
    let stdout = measure("print", || match format {
        DiffFormat::Unified => diff::unified(&changes, prefix, style),
        DiffFormat::Stat => diff::stat(&changes, prefix, style),
        DiffFormat::Markdown => diff::markdown::noted(&changes, prefix, &from, &to, note),
        DiffFormat::Json => diff::json::noted(&changes, prefix, &from, &to, note),
    });
    let drifted = changes.len();
    let counted = diff::Counts::of(&changes).describe();
    let code = if drifted == 0 { 0 } else { EXIT_DRIFT };
    drop(changes);
    leave_to_exit((compiled, current));
    let summary = match (base, drifted == 0) {
        (None, true) => format!("platc: no drift: {} matches {}\n", prefix, to),
        (None, false) => {
            format!("platc: {prefix} drifts from {to}: {counted}; run `platc build`\n")
        }
        (Some(_), true) if committed => {
            format!("platc: no change: {to} compiles to what `{from}` holds\n")
        }
        (Some(rev), true) => format!("platc: no change: {to} compiles as it did at `{rev}`\n"),
        (Some(_), false) if committed => {
            format!("platc: changes from `{from}` to {to}: {counted}\n")
        }
        (Some(rev), false) => format!("platc: changes from `{rev}` to {to}: {counted}\n"),
    };
    Outcome {
        stdout,
        stderr: format!("{stderr}{summary}"),
        code,
    }
}
