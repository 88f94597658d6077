//! `platc build` and `platc check`: compile, then write `out/` (or only report).

use std::path::Path;
use std::time::Duration;

use super::outcome::*;
use crate::diag::{Diagnostic, codes};
use crate::render::{self, Tree};
use crate::timings::measure;
use crate::{diff, fs};

/// What `platc build` was asked.
pub(super) struct Options {
    pub deny_warnings: bool,
    pub fail_on_change: bool,
    pub verbose: bool,
}

pub(super) fn build(config: &Path, out: &Path, options: Options, colors: Colors) -> Outcome {
    let Options {
        deny_warnings,
        fail_on_change,
        verbose,
    } = options;
    // out/ is checked before anything is read or written; what is inside is read once, under
    // the lock, and checked before anything is written.
    let Prepared {
        out,
        root,
        compiled,
        mut stderr,
    } = match prepare(config, out, deny_warnings, true, colors) {
        Ok(p) => p,
        Err(o) => return o,
    };
    if verbose {
        stderr.push_str(&allowed(&compiled));
    }
    let out = out.as_path();
    let lock = match fs::lock(out, fs::lock_wait()) {
        Ok(l) => l,
        Err(d) => return out_problems(&[d], colors),
    };
    if lock.waited >= Duration::from_millis(100) {
        stderr.push_str(&format!(
            "platc: waited {:.1}s for another platc run to finish with {}\n",
            lock.waited.as_secs_f64(),
            out.display()
        ));
    }
    let current = match measure("read-out", || fs::read_out_for_write(out, &compiled.tree)) {
        Ok(t) => t,
        Err(problems) => return out_problems(&problems, colors),
    };
    let by_hand = measure("hand-edits", || {
        hand_edits(&root, out, &compiled.tree, &current)
    });
    let written = measure("write", || fs::write(out, &compiled.tree, &current));
    let (objects, files) = (compiled.objects.len(), compiled.tree.len());
    leave_to_exit((compiled, current));
    match written {
        Ok(stats) => {
            stderr.push_str(&reverted(&by_hand, out, config));
            stderr.push_str(&format!(
                "platc: {} objects in {} files: {} written, {} unchanged, {} removed ({})\n",
                objects,
                files,
                stats.written,
                stats.unchanged,
                stats.removed,
                out.display()
            ));
            let changed = stats.written + stats.removed > 0;
            if fail_on_change && changed {
                stderr.push_str(&format!(
                    "platc: {} changed; review and stage it (--fail-on-change)\n",
                    out.display()
                ));
            }
            Outcome {
                stderr,
                code: if fail_on_change && changed {
                    EXIT_DRIFT
                } else {
                    0
                },
                ..Outcome::default()
            }
        }
        Err(failed) => {
            let state = match &failed.restored {
                Ok(()) => format!("{} is left as it was", out.display()),
                Err(e) => format!(
                    "putting {} back failed too ({e}): it holds part of the new tree; fix the cause and build again",
                    out.display()
                ),
            };
            let d = Diagnostic::error(
                codes::WRITE_FAILED,
                None,
                format!(
                    "writing {} failed: {}; {state}",
                    out.display(),
                    failed.error
                ),
            );
            out_problems(&[d], colors)
        }
    }
}

/// The files of `out/` this build rewrites that were edited by hand (see
/// [`diff::hand_edits`]), by path under `out/`. Without git to ask (not a repository, no
/// commit yet), none.
fn hand_edits(
    root: &crate::fs::Root,
    out: &Path,
    compiled: &Tree,
    current: &render::DiskTree,
) -> Vec<String> {
    let rewritten = diff::hand_edits::rewritten(compiled, current);
    if rewritten.is_empty() {
        return Vec::new();
    }
    match crate::git::at_head(root, out, &rewritten) {
        Ok(committed) => diff::hand_edits::edited_by_hand(compiled, &rewritten, &committed)
            .into_iter()
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Files named in a line before the rest are counted.
const NAMED_FILES: usize = 5;

/// The line naming the hand-edited files a build reverted, if any.
fn reverted(by_hand: &[String], out: &Path, config: &Path) -> String {
    if by_hand.is_empty() {
        return String::new();
    }
    let prefix = out.display().to_string();
    let prefix = prefix.trim_end_matches('/');
    let named: Vec<String> = by_hand
        .iter()
        .take(NAMED_FILES)
        .map(|p| format!("{prefix}/{p}"))
        .collect();
    let more = match by_hand.len().saturating_sub(NAMED_FILES) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    // The evidence, said plainly: a build of a config change since undone looks the same.
    format!(
        "platc: reverted {} edited by hand: {}{more}\n\
         platc: {} differed from HEAD although {config} compiles to what HEAD holds; \
         make a change that lasts in {config} (a value, or a patch)\n",
        plural(by_hand.len(), "file"),
        named.join(", "),
        if by_hand.len() == 1 { "it" } else { "they" },
        config = config.display(),
    )
}

/// `platc: allowed W0503 at FILE:LINE:COL by FILE:LINE:COL: MESSAGE`, one line each.
fn allowed(compiled: &crate::stages::Compiled) -> String {
    compiled
        .allowed
        .iter()
        .map(|a| {
            let at = a
                .diagnostic
                .span
                .map(|s| format!(" at {}", compiled.sources.location(s)))
                .unwrap_or_default();
            format!(
                "platc: allowed {}{at} (by {}): {}\n",
                a.diagnostic.code,
                compiled.sources.location(a.by),
                a.diagnostic.message
            )
        })
        .collect()
}

pub(super) fn check(
    config: &Path,
    deny_warnings: bool,
    format: crate::cli::CheckFormat,
    verbose: bool,
    colors: Colors,
) -> Outcome {
    let root = match root_of(config, colors) {
        Ok(r) => r,
        Err(o) => return o,
    };
    if format == crate::cli::CheckFormat::Json {
        let (diags, sources) = match crate::stages::compile_in(config, &root) {
            Ok(c) => (c.diagnostics, c.sources),
            Err(f) => (f.diagnostics, f.sources),
        };
        let fails = diags.iter().any(|d| d.is_fatal(deny_warnings));
        return Outcome {
            stdout: crate::diag::json::report(&diags, &sources),
            code: if fails { EXIT_ERROR } else { 0 },
            ..Outcome::default()
        };
    }
    match compile_checked(config, &root, None, deny_warnings, colors) {
        Ok((compiled, mut stderr)) => {
            if verbose {
                stderr.push_str(&allowed(&compiled));
            }
            stderr.push_str(&format!(
                "platc: {} is valid: {} objects in {} files\n",
                config.display(),
                compiled.objects.len(),
                compiled.tree.len()
            ));
            Outcome {
                stderr,
                ..Outcome::default()
            }
        }
        Err(o) => o,
    }
}
