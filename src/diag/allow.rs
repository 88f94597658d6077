//! Per-code control over what a run reports: `[lints] allow = ["W0503"]` silences a warning or
//! note everywhere, and a `# platc:allow W0503` comment silences it on one line: on the line
//! of the finding (the TOML line, or the manifest's YAML line), or alone on the line above.
//! What was silenced is kept to be listed by `--verbose`; an allow that silences nothing is a
//! warning itself (W0827), once the run has no errors (lints do not run on a broken config).

use super::{Diagnostic, FileId, Severity, SourceMap, Span, codes};

/// A diagnostic an allow silenced, and which one.
#[derive(Debug, Clone)]
pub struct Allowed {
    /// The silenced finding.
    pub diagnostic: Diagnostic,
    /// `[lints] allow` or `# platc:allow` and where it is written.
    pub by: Span,
}

/// One `# platc:allow` comment.
struct Comment {
    file: FileId,
    /// 0-based line.
    line: usize,
    /// Whether nothing but the comment is on its line (then it also covers the next line).
    own_line: bool,
    /// The codes it names, each with its span and whether it silenced something.
    codes: Vec<(String, Span, bool)>,
}

const MARK: &str = "platc:allow";

/// Every `# platc:allow CODE ...` comment of every file read.
fn comments(sources: &SourceMap) -> Vec<Comment> {
    let mut out = Vec::new();
    for (id, file) in sources.files() {
        let text = file.text.as_str();
        for (at, _) in text.match_indices(MARK) {
            let before = text[..at].trim_end_matches([' ', '\t']);
            if !before.ends_with('#') {
                continue;
            }
            let hash = before.len() - 1;
            let line = file.line_of(at);
            let start = file.line_range(line).start;
            let own_line = text[start..hash].trim().is_empty();
            let mut codes = Vec::new();
            let mut offset = at + MARK.len();
            let rest = &text[offset..file.line_range(line).end.max(offset)];
            for word in rest.split_inclusive([' ', ',', '\t']) {
                let code = word.trim_end_matches([' ', ',', '\t']);
                if code.is_empty() {
                    offset += word.len();
                    continue;
                }
                let looks = code.len() == 5
                    && code.starts_with(['E', 'W', 'N'])
                    && code[1..].chars().all(|c| c.is_ascii_digit());
                if !looks {
                    break;
                }
                codes.push((
                    code.to_string(),
                    Span::new(id, offset..offset + code.len()),
                    false,
                ));
                offset += word.len();
            }
            out.push(Comment {
                file: id,
                line,
                own_line,
                codes,
            });
        }
    }
    out
}

/// Splits `diags` into what is reported and what an allow silenced; adds a W0827 for every
/// allow that silenced nothing when `judge_unused` (a run without errors).
pub fn apply(
    diags: Vec<Diagnostic>,
    sources: &SourceMap,
    platform: &[(String, Span)],
    judge_unused: bool,
) -> (Vec<Diagnostic>, Vec<Allowed>) {
    let mut comments = if sources.files().any(|(_, f)| f.text.contains(MARK)) {
        comments(sources)
    } else {
        Vec::new()
    };
    if comments.is_empty() && platform.is_empty() {
        return (diags, Vec::new());
    }
    let mut used = vec![false; platform.len()];
    let mut kept = Vec::with_capacity(diags.len());
    let mut allowed = Vec::new();
    for d in diags {
        if d.severity == Severity::Error {
            kept.push(d);
            continue;
        }
        let code = d.code.as_str();
        let by_comment = d.span.and_then(|span| {
            let line = sources.file(span.file).line_of(span.range().start);
            comments.iter_mut().find_map(|c| {
                let here =
                    c.file == span.file && (c.line == line || (c.own_line && c.line + 1 == line));
                if !here {
                    return None;
                }
                let entry = c.codes.iter_mut().find(|(x, _, _)| x == code)?;
                entry.2 = true;
                Some(entry.1)
            })
        });
        let by = by_comment.or_else(|| {
            let i = platform.iter().position(|(x, _)| x == code)?;
            used[i] = true;
            Some(platform[i].1)
        });
        match by {
            Some(by) => allowed.push(Allowed { diagnostic: d, by }),
            None => kept.push(d),
        }
    }
    if judge_unused {
        let unused = |span: Span, code: &str, how: &str| {
            Diagnostic::warning(
                codes::ALLOW_UNUSED,
                span,
                format!("{how} allows `{code}`, but nothing here reports it"),
            )
            .with_label("silences nothing")
            .with_help("remove it, or put the comment on the line the finding is reported at (or alone on the line above)")
        };
        for c in &comments {
            for (code, span, hit) in &c.codes {
                if !hit {
                    kept.push(unused(*span, code, "`# platc:allow`"));
                }
            }
        }
        for ((code, span), hit) in platform.iter().zip(used) {
            if !hit {
                kept.push(unused(*span, code, "`[lints] allow`"));
            }
        }
        super::sort(&mut kept);
    }
    (kept, allowed)
}
