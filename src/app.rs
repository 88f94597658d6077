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
    let (platform, diagnostics, sources) = validated(shown, source_name, text, sources, loader)?;
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
        Err(errors) => return Err(compile_failed(errors, diagnostics, sources)),
    };
    Ok(Compiled {
        tree,
        objects,
        diagnostics,
        sources,
    })
}

/// [`compile_with`] without rendering: every object as the data it is written as (for
/// `platc import`, which compares objects, not files).
pub fn compile_data(
    shown: &str,
    source_name: &str,
    text: String,
    sources: SourceMap,
    loader: &dyn expand::Loader,
) -> Result<Vec<Object<serde_json::Value>>, Failed> {
    let (platform, diagnostics, sources) = validated(shown, source_name, text, sources, loader)?;
    compile::compile_map(&platform, |m| serde_json::to_value(&m).unwrap_or_default())
        .map_err(|errors| compile_failed(errors, diagnostics, sources))
}

/// Expands and validates: the platform, with its warnings.
fn validated(
    shown: &str,
    source_name: &str,
    text: String,
    sources: SourceMap,
    loader: &dyn expand::Loader,
) -> Result<(crate::model::Platform, Vec<Diagnostic>, SourceMap), Failed> {
    let (doc, attached, sources) = expand_text(shown, text, sources, loader)?;
    let outcome = validate::validate(&doc, &attached, source_name);
    // The document (JSON and span tree) and the manifests' YAML trees are not needed past
    // validation; free them before the object and file trees are built, which lowers the peak
    // on large platforms.
    drop(doc);
    drop(attached);
    let diagnostics = attributed(outcome.diagnostics, &sources);
    match outcome.platform {
        Some(platform) => Ok((platform, diagnostics, sources)),
        None => Err(Failed {
            diagnostics,
            sources,
        }),
    }
}

fn compile_failed(
    mut errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    sources: SourceMap,
) -> Failed {
    errors.extend(warnings);
    Failed {
        diagnostics: attributed(errors, &sources),
        sources,
    }
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
        Command::Import { paths, manifests } => import(&common.config, paths, manifests, colors),
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
    let by_hand = measure("hand-edits", || hand_edits(out, &compiled.tree, &current));
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

/// The files of `out/` this build rewrites that were edited by hand (see
/// [`diff::hand_edits`]), by path under `out/`. Without git to ask (not a repository, no
/// commit yet), none.
fn hand_edits(out: &Path, compiled: &Tree, current: &render::DiskTree) -> Vec<String> {
    let rewritten = diff::hand_edits::rewritten(compiled, current);
    if rewritten.is_empty() {
        return Vec::new();
    }
    match crate::git::at_head(out, &rewritten) {
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

/// `1 file`, `2 files`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
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
/// committed at `rev`, and a note says so.
fn base_tree(config: &Path, out: &Path, rev: &str, colors: Colors) -> Result<Base, Outcome> {
    let shown = format!("{rev}:{}", config.display());
    let note_error = |message: String| {
        let d = Diagnostic::error(codes::UNREADABLE, None, message);
        out_problems(&[d], colors)
    };
    let text = match crate::git::config_at(config, rev) {
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
    let errors = failed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let broken = format!(
        "the config at `{rev}` does not compile ({})",
        plural(errors, "error")
    );
    let dir = match config.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let repo = crate::git::Repository::containing(dir).map_err(note_error)?;
    let commit = repo.commit(rev).map_err(note_error)?;
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
    let mut tree = repo.tree_at(&commit, &folder).map_err(note_error)?;
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
    // The old side: out/ on disk, or what the config compiled to at the base revision (or,
    // where it did not compile, the out/ committed there).
    let (current, from, note, committed) = match base {
        None => match measure("read-out", || fs::read_out_against(out, &compiled.tree)) {
            Ok(t) => (t, prefix.to_string(), None, false),
            Err(problems) => return out_problems(&problems, colors),
        },
        Some(rev) => match base_tree(config, out, rev, colors) {
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

/// Hands a command's large values (the compiled tree, what `out/` held) to the end of the
/// process instead of freeing them: [`run`] is the last thing a process does, and freeing a
/// large platform one allocation at a time only delays its exit (~30 ms at 10,000 tenants).
fn leave_to_exit<T>(large: T) {
    std::mem::forget(large);
}

/// The starter config `platc init` writes: small, commented, and it builds.
pub const STARTER: &str = include_str!("starter.toml");

/// Where the starter's `#:schema` line points, relative to the config: `platc init` writes the
/// schema there, so an editor completes keys from the first minute.
pub const STARTER_SCHEMA: &str = "schemas/platform.schema.json";

/// Writes the starter config, then the schema its first line names. An existing config is an
/// error and nothing at all is written; an existing schema file is left as it is, and said so.
fn init(config: &Path) -> Outcome {
    let error = |message: String| {
        let d = Diagnostic::error(codes::UNREADABLE, None, message);
        out_problems(&[d], Colors::default())
    };
    if let Err(e) = fs::create_new(config, STARTER) {
        return error(if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} already exists; platc init never overwrites a file",
                config.display()
            )
        } else {
            format!("cannot create {}: {e}", config.display())
        });
    }
    let schema_path = config
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(STARTER_SCHEMA);
    let schema = validate::schema::schema_text();
    let mut stderr = format!("platc: wrote {}\n", config.display());
    match fs::create_new_in_folders(&schema_path, &schema) {
        Ok(()) => stderr.push_str(&format!(
            "platc: wrote {}, the JSON Schema its `#:schema` line points at (editor completion)\n",
            schema_path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let current = fs::read_text(&schema_path, "a JSON Schema").ok();
            let differs = if current.as_deref() == Some(schema.as_str()) {
                String::new()
            } else {
                format!(
                    " (it is not this platc's schema; `platc schema > {}` updates it)",
                    schema_path.display()
                )
            };
            stderr.push_str(&format!(
                "platc: {} already exists; left as it is{differs}\n",
                schema_path.display()
            ));
        }
        Err(e) => {
            return error(format!(
                "wrote {}, but cannot create {}: {e}; write it with `platc schema > {}`",
                config.display(),
                schema_path.display(),
                schema_path.display()
            ));
        }
    }
    stderr.push_str(&format!(
        "platc: run `platc build -c {}` to compile it\n",
        config.display()
    ));
    Outcome {
        stderr,
        ..Outcome::default()
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

fn import(
    config: &Path,
    paths: &[std::path::PathBuf],
    manifests: &Path,
    colors: Colors,
) -> Outcome {
    let inputs = match fs::read_yaml_inputs(paths) {
        Ok(i) => i,
        Err(message) => {
            return out_problems(
                &[Diagnostic::error(codes::UNREADABLE, None, message)],
                colors,
            );
        }
    };
    let mut sources = SourceMap::default();
    let files: Vec<_> = inputs
        .into_iter()
        .map(|(shown, text)| sources.add(shown, text))
        .collect();
    let config_name = config.file_name().map_or_else(
        || "platform.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let folder = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| std::path::PathBuf::from("."), Path::to_path_buf);
    let fallback = std::fs::canonicalize(&folder)
        .ok()
        .and_then(|p| {
            p.file_name()
                .map(|n| crate::model::names::suggest_dns_label(&n.to_string_lossy()))
        })
        .filter(|n| crate::model::names::dns_label_problem(n).is_none())
        .unwrap_or_else(|| "platform".into());
    let opts = crate::import::Options {
        config_name,
        manifests_dir: manifests
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string(),
        fallback_name: fallback,
    };
    let imported = match crate::import::import(sources, &files, &opts) {
        Ok(i) => i,
        Err(f) => return failed(&f, colors),
    };
    let mut writes = vec![(config.to_path_buf(), imported.config)];
    writes.extend(
        imported
            .files
            .iter()
            .map(|(rel, text)| (folder.join(rel), text.clone())),
    );
    if let Err(message) = fs::write_new_files(&writes) {
        return Outcome {
            stdout: imported.report,
            stderr: format!("platc: {message}; nothing written\n"),
            code: EXIT_ERROR,
        };
    }
    let (mapped, kept, skipped) = imported.counts;
    Outcome {
        stdout: imported.report,
        stderr: format!(
            "platc: {} objects: {mapped} mapped, {kept} kept as manifests, {skipped} not copied; wrote {} and {} manifest file(s); `platc build -c {}` writes them back\n",
            mapped + kept + skipped,
            config.display(),
            imported.files.len(),
            config.display()
        ),
        code: 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_points_at_the_schema_init_writes() {
        let first = STARTER.lines().next().unwrap_or_default();
        assert_eq!(first, format!("#:schema ./{STARTER_SCHEMA}"));
    }
}
