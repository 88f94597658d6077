//! The report of an import: one line per object of the input, where it was read and what
//! became of it, in the order of the input.

use super::Folded;
use super::map::Outcome;
use super::read::Object;
use super::rounds::{Settled, what};
use super::verify;
use crate::diag::{SourceMap, Span};

/// The report's lines: each object's, each folded copy's and each empty List's, in input
/// order, then the notes.
pub fn lines(
    sources: &SourceMap,
    objects: &[Object],
    settled: &Settled,
    folded: &[Folded],
    empty_lists: &[Span],
) -> String {
    // A line per object, made on every core, joined in input order.
    let ids: Vec<usize> = (0..objects.len()).collect();
    let mut lines: Vec<(Span, String)> = crate::par::map(&ids, 1024, |&id| {
        let o = &objects[id];
        (o.origin, format!("{}: {}", what(o), outcome(settled, id)))
    });
    lines.extend(folded.iter().map(|f| {
        (
            f.at,
            format!(
                "{}: the same as {}, folded",
                f.what,
                sources.location(f.first)
            ),
        )
    }));
    lines.extend(
        empty_lists
            .iter()
            .map(|&at| (at, "List: empty, nothing to import".to_string())),
    );
    lines.sort_by_key(|(at, _)| (at.file, at.start));
    let mut out = String::new();
    for (at, line) in lines {
        out.push_str(&format!("{}  {line}\n", sources.location(at)));
    }
    for n in &settled.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

fn outcome(settled: &Settled, id: usize) -> String {
    match &settled.outcomes[id] {
        Outcome::Mapped => {
            let mut line = "mapped".to_string();
            if let Some(ops) = settled.patches.get(&id) {
                let paths: Vec<&str> = ops.iter().map(|(_, p, _)| p.as_str()).collect();
                line.push_str(&format!(
                    ", patched: {} (the model has no place for them)",
                    paths.join(", ")
                ));
            }
            match settled.changes.get(&id).filter(|c| !c.is_empty()) {
                Some(added) => format!("{line}, changed: {}", verify::summary(added)),
                None => line,
            }
        }
        Outcome::Kept(why) => match settled.kept_at.get(&id) {
            Some(path) => format!("kept as manifest: {why} -> {path}"),
            None => format!("kept as manifest: {why}"),
        },
        Outcome::NotCopied(why) => format!("not copied: {why}"),
    }
}
