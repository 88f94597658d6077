//! The stages in sequence, from config text to what a command uses: read → expand → validate →
//! compile → render. `app` runs the commands on top of it; `import` builds what it writes with
//! it. Never prints.

use std::path::Path;

use crate::compile::{self, Object};
use crate::diag::{self, Diagnostic, Severity, SourceMap, codes};
use crate::expand::{self, Attached};
use crate::render::{self, Tree};
use crate::syntax::Document;
use crate::timings::measure;
use crate::{fs, timings, validate};

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
    /// Each cluster and the revision its Applications sync (`None` without `[argocd]`).
    pub clusters: std::collections::BTreeMap<String, Option<String>>,
    /// `[argocd] path` (where the Applications say the tree is) and where it is written.
    pub argocd_path: Option<(String, diag::Span)>,
    /// `[argocd] revision`, what clusters sync unless they set their own.
    pub argocd_revision: Option<String>,
    /// What `[lints] allow` and `# platc:allow` silenced (listed by `--verbose`).
    pub allowed: Vec<diag::allow::Allowed>,
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
    let root = find_root(path)?;
    compile_in(path, &root)
}

/// [`compile_file`] with the root already found (a command that also reads git history finds
/// it once).
pub fn compile_in(path: &Path, root: &fs::Root) -> Result<Compiled, Failed> {
    let text = read(path, root)?;
    let source_name = path.file_name().map_or_else(
        || "platform.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    compile_with(
        &path.display().to_string(),
        &source_name,
        text,
        SourceMap::default(),
        &fs::DiskLoader::new(root),
    )
}

/// The root of the config at `path`; the error is one located-nowhere E0301 diagnostic.
pub fn find_root(path: &Path) -> Result<fs::Root, Failed> {
    fs::Root::find(path).map_err(|message| unlocated(codes::UNREADABLE, message))
}

/// Reads the config of `root` (named `path` on the command line); the error is one
/// located-nowhere diagnostic: E0305 when it resolves outside the root, else E0301.
pub(crate) fn read(path: &Path, root: &fs::Root) -> Result<String, Failed> {
    measure("read", || root.read_config(path)).map_err(|e| match e {
        fs::PathError::Outside(message) => unlocated(
            codes::OUTSIDE_ROOT,
            format!("{}: {message}", path.display()),
        ),
        fs::PathError::Failed(message) => unlocated(codes::UNREADABLE, message),
    })
}

fn unlocated(code: codes::Code, message: String) -> Failed {
    Failed {
        diagnostics: vec![Diagnostic::error(code, None, message)],
        sources: SourceMap::default(),
    }
}

/// Registers config text and expands it (includes, templates, variables) into the document
/// that validation checks, with the files it names (manifests, CRD schemas).
pub(crate) fn expand_text(
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
            diagnostics: attributed(diagnostics, &sources),
            sources,
        }),
    }
}

/// A loader for configs that are not files: `include`, `manifests` and `crd_schemas` are
/// errors.
struct NoFiles;

impl expand::Loader for NoFiles {
    fn load(&self, _pattern: &str) -> Result<Vec<expand::Loaded>, expand::LoadError> {
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
    let (platform, (diagnostics, allowed), sources) =
        validated(shown, source_name, text, sources, loader)?;
    let header = render::header(&platform.source_name);
    let argocd_revision = platform.argocd.as_ref().map(|a| a.revision.clone());
    let argocd_path = platform
        .argocd
        .as_ref()
        .map(|a| (a.path.clone(), a.path_span));
    let clusters = platform
        .clusters
        .iter()
        .map(|(name, c)| {
            let revision = platform
                .argocd
                .as_ref()
                .map(|a| c.revision.clone().unwrap_or_else(|| a.revision.clone()));
            (name.clone(), revision)
        })
        .collect();
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
        clusters,
        argocd_path,
        argocd_revision,
        allowed,
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
    let (platform, (diagnostics, _), sources) =
        validated(shown, source_name, text, sources, loader)?;
    compile::compile_map(&platform, |m| serde_json::to_value(&m).unwrap_or_default())
        .map_err(|errors| compile_failed(errors, diagnostics, sources))
}

/// What validation reports, and what allows silenced.
type Reported = (Vec<Diagnostic>, Vec<diag::allow::Allowed>);

/// Expands and validates: the platform, with its warnings (and what allows silenced).
fn validated(
    shown: &str,
    source_name: &str,
    text: String,
    sources: SourceMap,
    loader: &dyn expand::Loader,
) -> Result<(crate::model::Platform, Reported, SourceMap), Failed> {
    let (doc, attached, sources) = expand_text(shown, text, sources, loader)?;
    let outcome = validate::validate(&doc, &attached, source_name);
    // The document (JSON and span tree) and the manifests' YAML trees are not needed past
    // validation; free them before the object and file trees are built, which lowers the peak
    // on large platforms.
    drop(doc);
    drop(attached);
    let diagnostics = attributed(outcome.diagnostics, &sources);
    let clean = !has_errors(&diagnostics);
    let (diagnostics, allowed) = diag::allow::apply(diagnostics, &sources, &outcome.allow, clean);
    match outcome.platform {
        Some(platform) => Ok((platform, (diagnostics, allowed), sources)),
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

/// Whether any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}
