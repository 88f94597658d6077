//! Diagnostics as JSON, for CI bots (`platc check --format json`): every diagnostic with its
//! file, line, column, code, severity and message.

use serde_json::{Value as Json, json};

use super::{Diagnostic, Severity, SourceMap, Span};

fn place(sources: &SourceMap, span: Span) -> Json {
    let (line, column) = sources.line_col(span.file, span.range().start);
    let (end_line, end_column) = sources.line_col(span.file, span.range().end);
    json!({
        "file": sources.file(span.file).name,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

/// `error`, `warning` or `note`.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// One diagnostic.
pub fn diagnostic(d: &Diagnostic, sources: &SourceMap) -> Json {
    let mut out = json!({
        "severity": severity(d.severity),
        "code": d.code.as_str(),
        "name": super::explain(d.code.as_str()).map(|e| e.1),
        "message": d.message,
    });
    if let (Some(span), Json::Object(map)) = (d.span, &mut out)
        && let Json::Object(p) = place(sources, span)
    {
        map.extend(p);
    }
    if let Json::Object(map) = &mut out {
        if let Some(label) = &d.label {
            map.insert("label".into(), json!(label));
        }
        if let Some(help) = &d.help {
            map.insert("help".into(), json!(help));
        }
        let mut notes = d.notes.clone();
        if let Some(note) = d.span.and_then(|s| s.via).and_then(|v| sources.note(v)) {
            notes.insert(0, note);
        }
        if !notes.is_empty() {
            map.insert("notes".into(), json!(notes));
        }
        if !d.related.is_empty() {
            let related: Vec<Json> = d
                .related
                .iter()
                .map(|(span, label)| {
                    let mut p = place(sources, *span);
                    if let Json::Object(m) = &mut p {
                        m.insert("label".into(), json!(label));
                    }
                    p
                })
                .collect();
            map.insert("related".into(), json!(related));
        }
    }
    out
}

/// The whole report: counts and every diagnostic, sorted by position.
pub fn report(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let doc = json!({
        "version": 1,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "notes": count(Severity::Note),
        "diagnostics": diags.iter().map(|d| diagnostic(d, sources)).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
