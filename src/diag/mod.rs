//! Diagnostics: what platc tells a user about their config, with stable codes and exact spans.
//!
//! Every stage that finds a problem returns [`Diagnostic`]s; nothing prints. `main` renders them
//! with [`render`] (rustc-style, with carets) once every problem of a run has been collected.

pub mod allow;
mod attribute;
pub mod codes;
pub mod json;
mod render;
mod source;

pub use attribute::{attribute, only_on};
pub use codes::{CODES, Code, explain};
pub use render::{render, render_all};
pub use source::{FileId, Origin, SourceMap, Span, Stamp, VarUse};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The config cannot be compiled.
    Error,
    /// The config compiles, but something is likely wrong; `--deny-warnings` makes it an error.
    Warning,
    /// Advice that never fails a run.
    Note,
}

/// One problem found in a config, located at a span of one of its files.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// Further context, each shown as a `note:` line.
    pub notes: Vec<String>,
    /// The offending part of the string value at `span`, as a byte range of the value (after
    /// `{{ ... }}` is rendered), when narrower than the whole: `monitoring` in
    /// `namespace:monitoring`. Lets a diagnostic about a rendered value point at the variable
    /// that part came from.
    pub part: Option<(u32, u32)>,
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
            notes: Vec::new(),
            part: None,
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

    /// Adds a `note:` line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Narrows the problem to bytes `range` of the string value at the span (see
    /// [`Diagnostic::part`]).
    pub fn with_part(mut self, range: std::ops::Range<usize>) -> Self {
        let offset = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
        self.part = Some((offset(range.start), offset(range.end)));
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

/// The first of a file's syntax errors by position, alone. A file named by a pattern that does
/// not parse may not be the YAML, TOML or JSON platc expected at all (a key, a password file,
/// credentials a CI step left in the checkout), and each further error would quote another of
/// its lines: one error quotes one line, the line at fault.
pub fn first_only(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    sort(&mut diags);
    diags.truncate(1);
    diags
}

/// "did you mean `x`?" for the candidate closest to `got`, when one is close enough (see
/// [`closest`]).
pub fn did_you_mean<'a>(
    got: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(got, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `got`, when close enough to be what was meant: at most half the
/// characters of the longer of the two edited (insertions, deletions, substitutions and swaps
/// of neighbours, ignoring case). A typo (`lables`, `elt`, `kafak`), a missing or extra letter
/// (`replica`, `postgres`) and a near spelling (`retry` for `retries`) are close; a word that
/// merely starts like a candidate (`image_pull_secrets` and `image`, `production` and `prod`)
/// is not. Among close candidates the fewest edits relative to length win, then Jaro-Winkler
/// (which favours a common start), then the first.
pub fn closest<'a>(got: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let got_lower = got.to_lowercase();
    let mut best: Option<(f64, f64, &str)> = None;
    for candidate in candidates {
        let lower = candidate.to_lowercase();
        let longer = got_lower.chars().count().max(lower.chars().count());
        if longer == 0 {
            continue;
        }
        let edits = strsim::osa_distance(&got_lower, &lower);
        let similarity = 1.0 - edits as f64 / longer as f64;
        if similarity < MIN_SIMILARITY {
            continue;
        }
        let tie = strsim::jaro_winkler(&got_lower, &lower);
        if best.is_none_or(|(s, t, _)| similarity > s || (similarity == s && tie > t)) {
            best = Some((similarity, tie, candidate));
        }
    }
    best.map(|(_, _, c)| c)
}

/// How similar a candidate must be to be suggested: 1 - edits / length of the longer. Measured
/// on every hint of `tests/invalid/` and `tests/fuzz-corpus/`: the weakest wanted hint is
/// `retry` → `retries` (0.57), the strongest unwanted one `production` → `prod` (0.40).
const MIN_SIMILARITY: f64 = 0.5;

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_typos_not_words_that_start_alike() {
        let pipeline = [
            "schedule",
            "time_zone",
            "concurrency",
            "history",
            "retries",
            "service_account",
            "image",
            "resources",
            "env",
            "secrets",
            "config_maps",
            "steps",
            "deadline",
        ];
        for (typo, meant) in [
            ("shedule", "schedule"),
            ("retry", "retries"),
            ("imgae", "image"),
            ("resource", "resources"),
            ("config_map", "config_maps"),
            ("Image", "image"),
            ("servce_account", "service_account"),
        ] {
            assert_eq!(closest(typo, pipeline), Some(meant), "{typo}");
        }
        for other in [
            "image_pull_secrets",
            "imagePullSecrets",
            "env_from",
            "tz",
            "x",
            "",
        ] {
            assert_eq!(closest(other, pipeline), None, "{other}");
        }
        assert_eq!(closest("production", ["prod", "staging"]), None);
        assert_eq!(closest("elt", ["etl"]), Some("etl"));
        assert_eq!(closest("c", ["a", "b"]), None);
    }
}
