//! The one place that sequences the stages: read → validate → compile → render → write/diff.
//! Returns what to print and the exit code; never prints.

use std::path::Path;
use std::time::Duration;

use crate::cli::{Cli, Command, DiffFormat};
use crate::compile::{self, Object};
use crate::diag::{self, Diagnostic, Severity, SourceMap, codes};
use crate::expand::Attached;
use crate::render::{self, Tree};
use crate::syntax::Document;
use crate::timings::measure;
use crate::{diff, expand, fs, timings, validate};

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

/// A compiled platform: the rendered tree and whatever warnings validation found.
pub struct Compiled {
    /// Files by path under `out/`.
    pub tree: Tree,
    /// The objects (where each went; the bodies are in `tree`), sorted by path.
    pub objects: Vec<Object<()>>,
    /// Warnings and notes (no errors).
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, for rendering diagnostics.
    pub sources: SourceMap,
}

/// Why compiling failed: rendered diagnostics.
pub struct Failed {
    /// Every diagnostic (at least one error).
    pub diagnostics: Vec<Diagnostic>,
    /// The files read.
    pub sources: SourceMap,
}

/// Reads, validates, compiles and renders the config at `path`.
pub fn compile_file(path: &Path) -> Result<Compiled, Failed> {
    let text = read(path)?;
    let source_name = path.file_name().map_or_else(
        || "platform.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let loader = fs::DiskLoader::for_config(path);
    compile_with(
        &path.display().to_string(),
        &source_name,
        text,
        SourceMap::default(),
        &loader,
    )
}

/// Reads a config file; the error is one located-nowhere E0301 diagnostic.
fn read(path: &Path) -> Result<String, Failed> {
    measure("read", || fs::read_config(path)).map_err(|message| Failed {
        diagnostics: vec![Diagnostic::error(codes::UNREADABLE, None, message)],
        sources: SourceMap::default(),
    })
}

/// Registers config text and expands it (includes, templates, variables) into the document
/// that validation checks, with the files it names (manifests, CRD schemas).
fn expand_text(
    shown: &str,
    text: String,
    mut sources: SourceMap,
    loader: &dyn expand::Loader,
) -> Result<(Document, Attached, SourceMap), Failed> {
    crate::memory::fit_to_text(text.len());
    let file = sources.add(shown, text);
    match measure("parse", || expand::expand(file, &mut sources, loader)) {
        Ok((doc, attached)) => {
            crate::memory::fit_to_namespaces(doc.namespace_count());
            Ok((doc, attached, sources))
        }
        Err(diagnostics) => Err(Failed {
            diagnostics,
            sources,
        }),
    }
}

/// A loader for configs that are not files: `include`, `manifests` and `crd_schemas` are
/// errors.
struct NoFiles;

impl expand::Loader for NoFiles {
    fn load(&self, _pattern: &str) -> Result<Vec<expand::Loaded>, String> {
        Err("patterns need a config file on disk".into())
    }
}

/// Validates, compiles and renders config text. `shown` names the file in diagnostics,
/// `source_name` in the generated-file header.
pub fn compile_text(
    shown: &str,
    source_name: &str,
    text: String,
    sources: SourceMap,
) -> Result<Compiled, Failed> {
    compile_with(shown, source_name, text, sources, &NoFiles)
}

/// Expands (includes, templates, variables), validates, compiles and renders config text.
pub fn compile_with(
    shown: &str,
    source_name: &str,
    text: String,
    sources: SourceMap,
    loader: &dyn expand::Loader,
) -> Result<Compiled, Failed> {
    let (doc, attached, sources) = expand_text(shown, text, sources, loader)?;
    let mut outcome = validate::validate(&doc, &attached, source_name);
    outcome.diagnostics = attributed(outcome.diagnostics, &sources);
    // The document (JSON and span tree) and the manifests' YAML trees are not needed past
    // validation; free them before the object and file trees are built, which lowers the peak
    // on large platforms.
    drop(doc);
    drop(attached);
    let Some(platform) = outcome.platform else {
        return Err(Failed {
            diagnostics: outcome.diagnostics,
            sources,
        });
    };
    let header = render::header(&platform.source_name);
    // Each namespace's objects are rendered as soon as they are compiled, on the same thread.
    // The stage is timed as one; the time spent rendering is added up over the threads.
    let rendering = timings::ThreadTime::default();
    let compiled = measure("compile+render", || {
        compile::compile_map(&platform, |m| {
            rendering.measure(|| render::object_file(&header, &m))
        })
        .map(|objects| render::assemble(objects, &header))
    });
    rendering.record("render-cpu");
    let (tree, objects) = match compiled {
        Ok(done) => done,
        Err(mut errors) => {
            errors.extend(outcome.diagnostics);
            return Err(Failed {
                diagnostics: attributed(errors, &sources),
                sources,
            });
        }
    };
    Ok(Compiled {
        tree,
        objects,
        diagnostics: outcome.diagnostics,
        sources,
    })
}

/// Diagnostics pointed at their cause (a value inherited from a template or rendered from a
/// variable), each cause once, sorted by position.
fn attributed(diags: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut diags = diag::attribute(diags, sources);
    diag::sort(&mut diags);
    diags
}

/// Runs one command. Meant to be the last thing a process does: `build` and `diff` leave their
/// large values to the process's exit rather than free them.
pub fn run(cli: &Cli, colors: Colors) -> Outcome {
    let mut outcome = run_command(cli, colors);
    outcome.stderr.push_str(&timings::take_report());
    outcome
}

fn run_command(cli: &Cli, colors: Colors) -> Outcome {
    let common = &cli.common;
    match &cli.command {
        Command::Build {
            deny_warnings,
            fail_on_change,
        } => build(
            &common.config,
            &common.out,
            *deny_warnings,
            *fail_on_change,
            colors,
        ),
        Command::Check { deny_warnings } => check(&common.config, *deny_warnings, colors),
        Command::Diff { format, base } => diff_cmd(
            &common.config,
            &common.out,
            *format,
            base.as_deref(),
            colors,
        ),
        Command::Schema => Outcome {
            stdout: validate::schema::schema_text(),
            ..Outcome::default()
        },
        Command::Init => init(&common.config),
        Command::Explain { code } => explain(code.as_deref()),
        Command::Show { namespace } => show(&common.config, namespace, colors),
    }
}

/// Renders diagnostics. When there are errors, notes (advice) are left out so the errors stand
/// out; they come back once the config compiles.
fn report(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
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

fn failed(f: &Failed, colors: Colors) -> Outcome {
    Outcome {
        stderr: report(&f.diagnostics, &f.sources, colors.stderr),
        code: EXIT_ERROR,
        ..Outcome::default()
    }
}

/// Compiles and applies `--deny-warnings`; `Err` is the finished outcome of a failed run.
fn compile_checked(
    config: &Path,
    deny_warnings: bool,
    colors: Colors,
) -> Result<(Compiled, String), Outcome> {
    let compiled = compile_file(config).map_err(|f| failed(&f, colors))?;
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

fn out_problems(problems: &[Diagnostic], colors: Colors) -> Outcome {
    Outcome {
        stderr: report(problems, &SourceMap::default(), colors.stderr),
        code: EXIT_ERROR,
        ..Outcome::default()
    }
}

fn build(
    config: &Path,
    out: &Path,
    deny_warnings: bool,
    fail_on_change: bool,
    colors: Colors,
) -> Outcome {
    let (compiled, mut stderr) = match compile_checked(config, deny_warnings, colors) {
        Ok(c) => c,
        Err(o) => return o,
    };
    // Refuse a symlinked or non-folder out/ before creating or locking anything. What is inside
    // is read once, under the lock, and checked before anything is written.
    if let Err(problems) = measure("pre-check", || fs::check_root(out)) {
        return out_problems(&problems, colors);
    }
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
    let written = measure("write", || fs::write(out, &compiled.tree, &current));
    let (objects, files) = (compiled.objects.len(), compiled.tree.len());
    leave_to_exit((compiled, current));
    match written {
        Ok(stats) => {
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
        Err(e) => {
            let d = Diagnostic::error(
                codes::WRITE_FAILED,
                None,
                format!("writing {} failed: {e}", out.display()),
            );
            out_problems(&[d], colors)
        }
    }
}

fn check(config: &Path, deny_warnings: bool, colors: Colors) -> Outcome {
    match compile_checked(config, deny_warnings, colors) {
        Ok((compiled, mut stderr)) => {
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

/// The tree `config` compiled to at git revision `rev`, and how to name that side.
fn base_tree(config: &Path, rev: &str, colors: Colors) -> Result<(Tree, String, String), Outcome> {
    let shown = format!("{rev}:{}", config.display());
    let note_error = |message: String| {
        let d = Diagnostic::error(codes::UNREADABLE, None, message);
        out_problems(&[d], colors)
    };
    let text = match crate::git::config_at(config, rev) {
        Ok(Some(text)) => text,
        Ok(None) => {
            let note = format!(
                "platc: {} does not exist at `{rev}`; every object is new\n",
                config.display()
            );
            return Ok((Tree::new(), shown, note));
        }
        Err(message) => return Err(note_error(message)),
    };
    let source_name = config.file_name().map_or_else(
        || "platform.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let loader = match crate::git::RevisionLoader::new(config, rev) {
        Ok(l) => l,
        Err(message) => return Err(note_error(message)),
    };
    match compile_with(&shown, &source_name, text, SourceMap::default(), &loader) {
        Ok(c) => Ok((c.tree, shown, String::new())),
        Err(f) => {
            let mut o = failed(&f, colors);
            o.stderr
                .push_str(&format!("platc: the config at `{rev}` does not compile\n"));
            Err(o)
        }
    }
}

fn diff_cmd(
    config: &Path,
    out: &Path,
    format: DiffFormat,
    base: Option<&str>,
    colors: Colors,
) -> Outcome {
    let (compiled, mut stderr) = match compile_checked(config, false, colors) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let prefix = out.display().to_string();
    let prefix = prefix.trim_end_matches('/');
    // The old side: out/ on disk, or what the config compiled to at the base revision.
    let (current, from) = match base {
        None => match measure("read-out", || fs::read_out_against(out, &compiled.tree)) {
            Ok(t) => (t, prefix.to_string()),
            Err(problems) => return out_problems(&problems, colors),
        },
        Some(rev) => match base_tree(config, rev, colors) {
            Ok((tree, shown, note)) => {
                stderr.push_str(&note);
                (render::on_disk(tree), shown)
            }
            Err(o) => return o,
        },
    };
    let to = config.display().to_string();
    let changes = measure("diff", || diff::changes(&compiled.tree, &current));
    let style = diff::Style {
        color: colors.stdout,
    };
    let stdout = measure("print", || match format {
        DiffFormat::Unified => diff::unified(&changes, prefix, style),
        DiffFormat::Stat => diff::stat(&changes, prefix, style),
        DiffFormat::Markdown => diff::markdown::markdown(&changes, prefix, &from, &to),
        DiffFormat::Json => diff::json::json(&changes, prefix, &from, &to),
    });
    let drifted = changes.len();
    let code = if drifted == 0 { 0 } else { EXIT_DRIFT };
    drop(changes);
    leave_to_exit((compiled, current));
    let summary = match (base, drifted == 0) {
        (None, true) => format!("platc: no drift: {} matches {}\n", prefix, to),
        (None, false) => format!(
            "platc: {} file(s) in {} drift from {}; run `platc build`\n",
            drifted, prefix, to
        ),
        (Some(rev), true) => format!("platc: no change: {to} compiles as it did at `{rev}`\n"),
        (Some(rev), false) => format!(
            "platc: {} file(s) in {} change between `{rev}` and {to}\n",
            drifted, prefix
        ),
    };
    Outcome {
        stdout,
        stderr: format!("{stderr}{summary}"),
        code,
    }
}

/// Hands a command's large values (the compiled tree, what `out/` held) to the end of the
/// process instead of freeing them: [`run`] is the last thing a process does, and freeing a
/// large platform one allocation at a time only delays its exit (~30 ms at 10,000 tenants).
fn leave_to_exit<T>(large: T) {
    std::mem::forget(large);
}

/// The starter config `platc init` writes: small, commented, and it builds.
pub const STARTER: &str = include_str!("starter.toml");

fn init(config: &Path) -> Outcome {
    match fs::create_new(config, STARTER) {
        Ok(()) => Outcome {
            stderr: format!(
                "platc: wrote {}; run `platc build -c {}` to compile it\n",
                config.display(),
                config.display()
            ),
            ..Outcome::default()
        },
        Err(e) => {
            let message = if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "{} already exists; platc init never overwrites a file",
                    config.display()
                )
            } else {
                format!("cannot create {}: {e}", config.display())
            };
            let d = Diagnostic::error(codes::UNREADABLE, None, message);
            out_problems(&[d], Colors::default())
        }
    }
}

fn show(config: &Path, namespace: &str, colors: Colors) -> Outcome {
    let loader = fs::DiskLoader::for_config(config);
    let expanded = read(config).and_then(|text| {
        expand_text(
            &config.display().to_string(),
            text,
            SourceMap::default(),
            &loader,
        )
    });
    let (doc, attached, sources) = match expanded {
        Ok(x) => x,
        Err(f) => return failed(&f, colors),
    };
    let namespaces = doc
        .root
        .table()
        .and_then(|t| t.get("namespaces"))
        .and_then(|n| n.table());
    match namespaces.and_then(|n| n.get(namespace)) {
        Some(ns) => Outcome {
            stdout: expand::show::show(namespace, ns, &sources, &attached),
            ..Outcome::default()
        },
        None => {
            let known: Vec<&str> = namespaces
                .map(|n| n.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let help = diag::did_you_mean(namespace, known.iter().copied())
                .unwrap_or_else(|| format!("namespaces: {}", known.join(", ")));
            Outcome {
                stderr: format!(
                    "platc: no namespace `{namespace}` in {}; {help}\n",
                    config.display()
                ),
                code: EXIT_ERROR,
                ..Outcome::default()
            }
        }
    }
}

fn explain(code: Option<&str>) -> Outcome {
    match code {
        None => {
            let mut stdout = String::new();
            for (c, name, _) in diag::CODES {
                stdout.push_str(&format!("{c}  {name}\n"));
            }
            Outcome {
                stdout,
                ..Outcome::default()
            }
        }
        Some(code) => match diag::explain(code) {
            Some((c, name, text)) => {
                let severity = match &c.as_str()[..1] {
                    "E" => "error",
                    "W" => "warning",
                    _ => "note",
                };
                Outcome {
                    stdout: format!("{c} ({name}, {severity})\n\n{}\n", wrap(text, 80)),
                    ..Outcome::default()
                }
            }
            None => Outcome {
                stderr: format!("platc: unknown code `{code}`; `platc explain` lists them all\n"),
                code: EXIT_ERROR,
                ..Outcome::default()
            },
        },
    }
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

/// Whether any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}
