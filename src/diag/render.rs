//! Human rendering of diagnostics: rustc-style, `--> FILE:LINE:COL`, the source line, a caret.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Diagnostic, Severity, SourceMap, Span};

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
    // Each snippet holds only the lines around its spans (annotate-snippets would otherwise
    // walk the whole file for every diagnostic). Related places close to the primary one share
    // its snippet; far or in other files, they get their own.
    if let Some(span) = diag.span {
        let label = diag.label.as_deref().unwrap_or("");
        let mut near = Vec::new();
        let mut far = Vec::new();
        let primary_line = sources.file(span.file).line_of(span.range().start);
        for (rel, rel_label) in &diag.related {
            let close = rel.file == span.file
                && sources
                    .file(rel.file)
                    .line_of(rel.range().start)
                    .abs_diff(primary_line)
                    <= NEAR_LINES;
            if close {
                near.push((*rel, rel_label.as_str()));
            } else {
                far.push((*rel, rel_label.as_str()));
            }
        }
        let mut spans = vec![(span, label, true)];
        spans.extend(near.into_iter().map(|(s, l)| (s, l, false)));
        title = title.element(snippet(sources, &spans));
        for (rel, rel_label) in far {
            title = title.element(snippet(sources, &[(rel, rel_label, false)]));
        }
    }
    if let Some(note) = diag.span.and_then(|s| s.via).and_then(|v| sources.note(v)) {
        title = title.element(Level::NOTE.message(note));
    }
    for note in &diag.notes {
        title = title.element(Level::NOTE.message(note.as_str()));
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

/// Related places within this many lines of the primary span share its snippet.
const NEAR_LINES: usize = 12;

/// A snippet of the lines covering `spans` (all in one file), the first one primary. A span
/// is shown on its first line only: a diagnostic quotes the line at fault, never more of a
/// file, which might not be the YAML or TOML platc expected at all (a key, a password file;
/// a document that is one long multi-line scalar would otherwise be quoted whole).
fn snippet<'a>(
    sources: &'a SourceMap,
    spans: &[(Span, &'a str, bool)],
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let file = sources.file(spans[0].0.file);
    let text = file.text.as_str();
    let lines: Vec<usize> = spans
        .iter()
        .map(|(s, _, _)| file.line_of(s.range().start.min(text.len())))
        .collect();
    let first = lines.iter().copied().min().unwrap_or(0);
    let last = lines.iter().copied().max().unwrap_or(0);
    let window = file.line_range(first).start..file.line_range(last).end;
    let window_text = &text[window.clone()];
    let mut snippet = Snippet::source(window_text)
        .path(file.name.as_str())
        .line_start(first + 1)
        .fold(true);
    for ((span, label, primary), line) in spans.iter().zip(lines) {
        let line_end = file.line_range(line).end;
        let (s, e) = clamp(text, span.range().start, span.range().end.min(line_end));
        let s = s.clamp(window.start, window.end) - window.start;
        let e = e.clamp(window.start, window.end) - window.start;
        let (s, e) = clamp(window_text, s, e);
        let kind = if *primary {
            AnnotationKind::Primary
        } else {
            AnnotationKind::Context
        };
        snippet = snippet.annotation(kind.span(s..e).label(*label));
    }
    snippet
}

/// Renders every diagnostic, a blank line between them, then a summary line
/// (`error: 3 errors, 1 warning`); empty when there is nothing to say.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    render_at_most(
        diags,
        sources,
        color,
        usize::try_from(crate::limits::get().diagnostics).unwrap_or(usize::MAX),
    )
}

/// [`render_all`] showing at most `limit` diagnostics: errors before warnings before notes
/// (a run's one error is never hidden behind its warnings), each shown in the order given;
/// the rest are counted in one line. The totals count them all.
fn render_at_most(diags: &[Diagnostic], sources: &SourceMap, color: bool, limit: usize) -> String {
    let mut out = String::new();
    let shown: Vec<&Diagnostic> = if diags.len() > limit {
        let mut by_severity: Vec<usize> = (0..diags.len()).collect();
        by_severity.sort_by_key(|&i| diags[i].severity);
        by_severity.truncate(limit);
        by_severity.sort_unstable();
        by_severity.into_iter().map(|i| &diags[i]).collect()
    } else {
        diags.iter().collect()
    };
    // A large platform can carry thousands of warnings; each renders on its own.
    for text in crate::par::map(&shown, 256, |d| render(d, sources, color)) {
        out.push_str(&text);
        out.push_str("\n\n");
    }
    let count = |severity| diags.iter().filter(|d| d.severity == severity).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if shown.len() < diags.len() {
        let hidden =
            |severity| count(severity) - shown.iter().filter(|d| d.severity == severity).count();
        let parts: Vec<String> = [
            (Severity::Error, "error"),
            (Severity::Warning, "warning"),
            (Severity::Note, "note"),
        ]
        .into_iter()
        .filter(|(s, _)| hidden(*s) > 0)
        .map(|(s, word)| plural(hidden(s), word))
        .collect();
        out.push_str(&format!(
            "platc: not shown: {} (at most {} diagnostics a run; `--limit diagnostics=N` shows more)\n",
            parts.join(", "),
            crate::limits::show("diagnostics", limit as u64)
        ));
    }
    let errors = count(Severity::Error);
    let warnings = count(Severity::Warning);
    if errors + warnings > 0 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::codes;

    #[test]
    fn errors_are_shown_before_warnings_and_the_rest_counted() {
        let mut diags: Vec<Diagnostic> = (0..5)
            .map(|i| Diagnostic::warning(codes::UNKNOWN_KEY, None, format!("w{i}")))
            .collect();
        diags.push(Diagnostic::error(codes::UNKNOWN_KEY, None, "the error"));
        let out = render_at_most(&diags, &SourceMap::default(), false, 3);
        assert!(out.contains("the error"), "{out}");
        assert!(
            out.contains("w0") && out.contains("w1") && !out.contains("w2"),
            "{out}"
        );
        assert!(
            out.contains("platc: not shown: 3 warnings (at most 3 diagnostics a run"),
            "{out}"
        );
        assert!(out.ends_with("platc: 1 error, 5 warnings\n"), "{out}");
        let all = render_at_most(&diags, &SourceMap::default(), false, 6);
        assert!(!all.contains("not shown"), "{all}");
    }
}
