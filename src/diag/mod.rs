//! Diagnostics: what platc tells a user about their config, with stable codes and exact spans.
//!
//! Every stage that finds a problem returns [`Diagnostic`]s; nothing prints. `main` renders them
//! with [`render`] (rustc-style, with carets) once every problem of a run has been collected.

pub mod codes;
mod render;
mod source;

pub use codes::{CODES, Code, explain};
pub use render::{render, render_all};
pub use source::{FileId, SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The config cannot be compiled.
    Error,
    /// The config compiles, but something is likely wrong; `--deny-warnings` makes it an error.
    Warning,
    /// Advice that never fails a run.
    Note,
}

/// One problem found in a config, located at a span of one of its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// The stable code (`E0201`), documented by `platc explain`.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where: the offending key or value. `None` for problems that are not about one place.
    pub span: Option<Span>,
    /// The label under the caret (defaults to the message's gist).
    pub label: Option<String>,
    /// Extra places that explain the problem (the first definition of a duplicate, ...).
    pub related: Vec<(Span, String)>,
    /// What would be valid: "did you mean `labels`?", "valid values: forbid, allow, replace".
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with `code` at `span`.
    pub fn error(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span, message)
    }

    /// A warning with `code` at `span`.
    pub fn warning(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span, message)
    }

    /// A note with `code` at `span`.
    pub fn note(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, span, message)
    }

    fn new(
        severity: Severity,
        code: Code,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            span: span.into(),
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// Sets the text under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the hint saying what would be valid.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds another place that explains the problem.
    pub fn with_related(mut self, span: Option<Span>, label: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.related.push((span, label.into()));
        }
        self
    }

    /// Whether this diagnostic fails the run (errors always; warnings when denied).
    pub fn is_fatal(&self, deny_warnings: bool) -> bool {
        match self.severity {
            Severity::Error => true,
            Severity::Warning => deny_warnings,
            Severity::Note => false,
        }
    }
}

/// Sorts diagnostics by file, then position, then code, and removes exact duplicates, so output
/// is stable however the checks were ordered.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.span
                .map(|s| (0, s.file, s.start, s.end))
                .unwrap_or((1, FileId::default(), 0, 0))
        };
        key(a)
            .cmp(&key(b))
            .then(a.severity.cmp(&b.severity))
            .then(a.code.cmp(&b.code))
            .then(a.message.cmp(&b.message))
    });
    diags.dedup();
}

/// "did you mean `x`?" for the candidate closest to `got`, when one is close enough.
pub fn did_you_mean<'a>(
    got: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(got, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}
