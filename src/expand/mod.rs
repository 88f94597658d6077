//! Expansion: from the files the user wrote to the one effective document that validation
//! checks. Includes are merged in (each name defined once), namespaces start from their
//! template chain (tables merge key by key, scalars and arrays replace), and `{{ ... }}` in
//! namespace strings is rendered with minijinja in strict mode. Every value keeps the span of
//! the file and line it came from; inherited values also say which namespace inherited them.

mod files;
mod include;
pub mod show;
mod template;
mod vars;

use crate::diag::{Diagnostic, FileId, SourceMap};

use crate::syntax::{Document, Node, Table, parse_file};
pub use files::Attached;

/// One file a pattern matched.
pub struct Loaded {
    /// Its name in diagnostics.
    pub shown: String,
    /// Its path relative to the main config's folder, with `/`, as the pattern names it.
    pub rel: String,
    /// Which file it is: its path with symlinks resolved, relative to the root. Files with one
    /// key are one file, read and registered once however many patterns (or names) match it.
    pub key: String,
    /// Its text.
    pub text: String,
}

pub use crate::fs::PathError as LoadError;

/// Reads the files a pattern names (`include`, `manifests`, `crd_schemas`), in sorted order,
/// or says why not. Patterns are called from several threads at once. A loader reads nothing
/// outside the config's root: [`crate::fs::DiskLoader`] and [`crate::git::RevisionLoader`] go
/// through the one confinement of [`crate::fs::Root`].
pub trait Loader: Sync {
    /// Expands one pattern (relative to the main config's folder) and reads every file it
    /// matches.
    fn load(&self, pattern: &str) -> Result<Vec<Loaded>, LoadError>;
}

/// The error of a pattern (`what`: e.g. ``manifests `m/*.yaml` ``) that gave no files: E0305
/// when it leads outside the root, else `code` with the caller's label and help.
pub fn pattern_error(
    why: &LoadError,
    code: crate::diag::Code,
    span: crate::diag::Span,
    what: &str,
    label: &str,
    help: &str,
) -> Diagnostic {
    match why {
        LoadError::Outside(message) => Diagnostic::error(
            crate::diag::codes::OUTSIDE_ROOT,
            span,
            format!("{what}: {message}"),
        )
        .with_label("outside the repository")
        .with_help(
            "name files inside the repository that holds the config (outside git: inside the \
             config's folder); copy a shared file in rather than linking to it",
        ),
        LoadError::Failed(message) => Diagnostic::error(code, span, format!("{what}: {message}"))
            .with_label(label)
            .with_help(help),
    }
}

/// The `namespaces` table of a document root, when it is a table.
fn namespaces_mut(root: &mut Node) -> Option<&mut Table> {
    root.table_mut()
        .and_then(|t| t.get_mut("namespaces"))
        .and_then(Node::table_mut)
}

/// Builds the effective document from the main file (already in `sources`), and reads the
/// files it names besides its includes (manifests, CRD schemas).
pub fn expand(
    main: FileId,
    sources: &mut SourceMap,
    loader: &dyn Loader,
) -> Result<(Document, Attached), Vec<Diagnostic>> {
    let text = sources.file(main).text.clone();
    let mut root = parse_file(main, &text)?;
    let mut diags = Vec::new();
    let mut attached = Attached::default();
    attached.config_file(main, "");
    include::merge_includes(&mut root, sources, loader, &mut attached, &mut diags);
    template::apply_templates(&mut root, sources, &mut diags);
    vars::render_vars(&mut root, sources, &mut diags);
    if diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        crate::diag::sort(&mut diags);
        return Err(diags);
    }
    let attached =
        crate::timings::measure("attach", || files::attach(&root, attached, sources, loader));
    Ok((Document::new(main, root), attached))
}
