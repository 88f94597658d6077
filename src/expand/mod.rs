//! Expansion: from the files the user wrote to the one effective document that validation
//! checks. Includes are merged in (each name defined once), namespaces start from their
//! template chain (tables merge key by key, scalars and arrays replace), and `{{ ... }}` in
//! namespace strings is rendered with minijinja in strict mode. Every value keeps the span of
//! the file and line it came from; inherited values also say which namespace inherited them.

mod files;
mod include;
mod overrides;
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
    /// Its path relative to the main config's folder, with `/`.
    pub rel: String,
    /// Its text.
    pub text: String,
}

/// Reads the files a pattern names (`include`, `manifests`, `crd_schemas`), in sorted order,
/// or says why not. Patterns are called from several threads at once.
pub trait Loader: Sync {
    /// Expands one pattern (relative to the main config's folder) and reads every file it
    /// matches.
    fn load(&self, pattern: &str) -> Result<Vec<Loaded>, String>;
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
    // An override that cannot apply is left out and reported with what validation finds.
    let mut problems = Vec::new();
    overrides::apply_overrides(&mut root, sources, &mut problems);
    vars::render_vars(&mut root, sources, &mut diags);
    if diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        diags.append(&mut problems);
        crate::diag::sort(&mut diags);
        return Err(diags);
    }
    let attached =
        crate::timings::measure("attach", || files::attach(&root, attached, sources, loader));
    let mut doc = Document::new(main, root);
    doc.problems = problems;
    Ok((doc, attached))
}
