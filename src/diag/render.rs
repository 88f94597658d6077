//! Human rendering of diagnostics: rustc-style, `--> FILE:LINE:COL`, the source line, a caret.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Diagnostic, Severity, SourceMap};

/// Renders one diagnostic (no trailing newline). `color` adds ANSI styles.
pub fn render(diag: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let level = match diag.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let mut title = Group::with_title(
        level
            .primary_title(diag.message.as_str())
            .id(diag.code.as_str()),
    );
    // Spans grouped per file, the primary one first, so related places in other files show too.
    if let Some(span) = diag.span {
        let file = sources.file(span.file);
        let label = diag.label.as_deref().unwrap_or("");
        let (start, end) = clamp(&file.text, span.start, span.end);
        let mut snippet = Snippet::source(file.text.as_str())
            .path(file.name.as_str())
            .fold(true)
            .annotation(AnnotationKind::Primary.span(start..end).label(label));
        for (rel, rel_label) in diag.related.iter().filter(|(s, _)| s.file == span.file) {
            let (s, e) = clamp(&file.text, rel.start, rel.end);
            snippet =
                snippet.annotation(AnnotationKind::Context.span(s..e).label(rel_label.as_str()));
        }
        title = title.element(snippet);
        for (rel, rel_label) in diag.related.iter().filter(|(s, _)| s.file != span.file) {
            let other = sources.file(rel.file);
            let (s, e) = clamp(&other.text, rel.start, rel.end);
            title = title.element(
                Snippet::source(other.text.as_str())
                    .path(other.name.as_str())
                    .fold(true)
                    .annotation(AnnotationKind::Context.span(s..e).label(rel_label.as_str())),
            );
        }
    }
    if let Some(note) = diag.span.and_then(|s| s.via).and_then(|v| sources.note(v)) {
        title = title.element(Level::NOTE.message(note));
    }
    if let Some(help) = &diag.help {
        title = title.element(Level::HELP.message(help.as_str()));
    }
    let report: [Group<'_>; 1] = [title];
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&report)
}

/// Renders every diagnostic, a blank line between them, then a summary line
/// (`error: 3 errors, 1 warning`); empty when there is nothing to say.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(d, sources, color));
        out.push_str("\n\n");
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if errors + warnings > 0 {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(plural(errors, "error"));
        }
        if warnings > 0 {
            parts.push(plural(warnings, "warning"));
        }
        out.push_str(&format!("platc: {}\n", parts.join(", ")));
    }
    out
}

/// Keeps a span inside the text and on character boundaries; an empty span at the end of a
/// line is widened to one character so the caret has something to point at.
fn clamp(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end == start && end < text.len() {
        end += text[start..].chars().next().map_or(0, char::len_utf8);
    }
    (start, end)
}
