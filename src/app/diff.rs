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

use super::promotion;

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
    /// Each cluster of the base's config and the revision it synced (empty where it did not
    /// compile).
    clusters: super::promotion::Revisions,
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
                clusters: Default::default(),
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
                clusters: c.clusters,
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
            clusters: Default::default(),
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
        clusters: Default::default(),
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
    } = match prepare(config, out, false, base.is_none(), colors) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let out = out.as_path();
    let prefix = out.display().to_string();
    let prefix = prefix.trim_end_matches('/');
    // The old side: out/ on disk, or what the config compiled to at the base revision (or,
    // where it did not compile, the out/ committed there).
    let (current, from, note, committed, base_clusters) = match base {
        None => match measure("read-out", || fs::read_out_against(out, &compiled.tree)) {
            Ok(t) => (t, prefix.to_string(), None, false, Default::default()),
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
                    base.clusters,
                )
            }
            Err(o) => return o,
        },
    };
    let to = config.display().to_string();
    let changes = measure("diff", || diff::changes(&compiled.tree, &current));
    // Where clusters sync their own revisions: which changes wait for promotion, and what
    // each cluster whose revision moves will run.
    let (branch, waiting, moved) = match base {
        Some(rev) if compiled.clusters.values().any(Option::is_some) => {
            let (branch, waiting) = promotion::waiting(
                &root,
                rev,
                &compiled.clusters,
                compiled.argocd_revision.as_deref(),
            );
            let moved = measure("promotions", || {
                promotion::moved(&root, out, &base_clusters, &compiled.clusters)
            });
            (branch, waiting, moved)
        }
        _ => (None, Default::default(), Vec::new()),
    };
    let review = diff::review::Review {
        branch,
        waiting,
        promotions: moved
            .iter()
            .map(|m| match &m.trees {
                Ok((new, old)) => diff::review::Promotion {
                    cluster: m.cluster.clone(),
                    from: m.from.clone(),
                    to: m.to.clone(),
                    changes: diff::changes(new, old),
                    note: None,
                },
                Err(why) => diff::review::Promotion {
                    cluster: m.cluster.clone(),
                    from: m.from.clone(),
                    to: m.to.clone(),
                    changes: Vec::new(),
                    note: Some(why.clone()),
                },
            })
            .collect(),
    };
    let style = diff::Style {
        color: colors.stdout,
    };
    let note = note.as_deref();
    let stdout = measure("print", || match format {
        DiffFormat::Unified => diff::review::unified(&review, &changes, prefix, style),
        DiffFormat::Stat => diff::review::stat(&review, &changes, prefix, style),
        DiffFormat::Markdown => {
            diff::markdown::review(&changes, prefix, (&from, &to), note, &review)
        }
        DiffFormat::Json => diff::json::review(&changes, prefix, (&from, &to), note, &review),
    });
    let promoted: usize = review.promotions.iter().map(|p| p.changes.len()).sum();
    let drifted = changes.len();
    let counted = diff::Counts::of(&changes).describe();
    let waits = review.waiting_count(&changes);
    for p in &review.promotions {
        stderr.push_str(&format!(
            "platc: {}\n",
            diff::review::promotion_line(p).trim_start_matches("# ")
        ));
    }
    let code = if drifted + promoted == 0 {
        0
    } else {
        EXIT_DRIFT
    };
    let waiting_line = if waits > 0 {
        let clusters: Vec<String> = review.waiting.keys().map(|c| format!("`{c}`")).collect();
        format!(
            "platc: {} of them on {} wait{} for promotion (not on `{}`)\n",
            waits,
            clusters.join(", "),
            if waits == 1 { "s" } else { "" },
            review.branch.as_deref().unwrap_or_default()
        )
    } else {
        String::new()
    };
    drop(review);
    drop(changes);
    leave_to_exit((compiled, current, moved));
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
    let summary = format!("{summary}{waiting_line}");
    Outcome {
        stdout,
        stderr: format!("{stderr}{summary}"),
        code,
    }
}
