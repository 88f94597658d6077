//! Expansion: from the files the user wrote to the one effective document that validation
//! checks. Includes are merged in (each name defined once), namespaces start from their
//! template chain (tables merge key by key, scalars and arrays replace), and `{{ ... }}` in
//! namespace strings is rendered with minijinja in strict mode. Every value keeps the span of
//! the file and line it came from; inherited values also say which namespace inherited them.

mod include;
pub mod show;
mod template;
mod vars;

use crate::diag::{Diagnostic, FileId, SourceMap};

use crate::syntax::{Document, Node, Table, parse_file};

/// Reads the files an `include` pattern names: `(shown name, text)` in sorted order, or why not.
pub trait Loader {
    /// Expands one pattern (relative to the main file) and reads every file it matches.
    fn load(&mut self, pattern: &str) -> Result<Vec<(String, String)>, String>;
}

/// The `namespaces` table of a document root, when it is a table.
fn namespaces_mut(root: &mut Node) -> Option<&mut Table> {
    root.table_mut()
        .and_then(|t| t.get_mut("namespaces"))
        .and_then(Node::table_mut)
}

/// Builds the effective document from the main file (already in `sources`).
pub fn expand(
    main: FileId,
    sources: &mut SourceMap,
    loader: &mut dyn Loader,
) -> Result<Document, Vec<Diagnostic>> {
    let text = sources.file(main).text.clone();
    let mut root = parse_file(main, &text)?;
    let mut diags = Vec::new();
    include::merge_includes(&mut root, sources, loader, &mut diags);
    template::apply_templates(&mut root, sources, &mut diags);
    vars::render_vars(&mut root, &mut diags);
    if diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        crate::diag::sort(&mut diags);
        return Err(diags);
    }
    Ok(Document::new(main, root))
}
