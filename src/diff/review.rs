//! What `platc diff --base` adds where clusters sync different revisions: the changes of a
//! cluster whose Applications sync another revision than the branch under review wait for
//! promotion (they deploy when its `revision` moves, not when this merges); and a cluster
//! whose `revision` moves is reviewed by what it will run, `out/` at its old revision
//! against `out/` at its new one.

use std::collections::BTreeMap;

use super::{Change, Counts, Style};

/// What a review shows besides the change itself.
#[derive(Debug, Default)]
pub struct Review<'a> {
    /// The branch under review (what the change merges into).
    pub branch: Option<String>,
    /// The clusters that sync another revision than `branch`, with theirs.
    pub waiting: BTreeMap<String, String>,
    /// The clusters whose revision moves, and what that changes.
    pub promotions: Vec<Promotion<'a>>,
}

/// A cluster whose `revision` moves, and what it will run differently.
#[derive(Debug)]
pub struct Promotion<'a> {
    /// The cluster.
    pub cluster: String,
    /// Its revision before.
    pub from: String,
    /// Its revision after.
    pub to: String,
    /// Its objects at `from` against at `to` (paths under `out/`, its folder only).
    pub changes: Vec<Change<'a>>,
    /// Why its objects could not be read at one of the revisions, when they could not.
    pub note: Option<String>,
}

impl Review<'_> {
    /// The revision the cluster of `path` (under `out/`) syncs, when it waits for promotion.
    pub fn waits(&self, path: &str) -> Option<&str> {
        let cluster = path.split_once('/')?.0;
        self.waiting.get(cluster).map(String::as_str)
    }

    /// How many of `changes` wait for promotion.
    pub fn waiting_count(&self, changes: &[Change<'_>]) -> usize {
        changes
            .iter()
            .filter(|c| !super::is_kustomization(c.path) && self.waits(c.path).is_some())
            .count()
    }
}

/// The unified diff, with a line before the changes of each cluster that waits for
/// promotion, then a section per promotion.
pub fn unified(review: &Review<'_>, changes: &[Change<'_>], prefix: &str, style: Style) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < changes.len() {
        let cluster = changes[start].path.split('/').next().unwrap_or_default();
        let end = changes[start..]
            .iter()
            .position(|c| c.path.split('/').next() != Some(cluster))
            .map_or(changes.len(), |n| start + n);
        if let Some(revision) = review.waits(changes[start].path) {
            out.push_str(&style.paint(
                "33",
                &format!(
                    "# cluster `{cluster}` syncs `{revision}`: these changes wait for promotion"
                ),
            ));
            out.push('\n');
        }
        out.push_str(&super::unified(&changes[start..end], prefix, style));
        start = end;
    }
    for p in &review.promotions {
        out.push_str(&style.paint("1", &promotion_line(p)));
        out.push('\n');
        out.push_str(&super::unified(&p.changes, prefix, style));
    }
    out
}

/// The stat, each line of a cluster that waits for promotion marked, then a section per
/// promotion.
pub fn stat(review: &Review<'_>, changes: &[Change<'_>], prefix: &str, style: Style) -> String {
    let text = super::stat(changes, prefix, style);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (line, c) in lines.iter_mut().zip(changes) {
        if review.waits(c.path).is_some() {
            line.push_str(" (waits for promotion)");
        }
    }
    let mut out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    for p in &review.promotions {
        out.push_str(&promotion_line(p));
        out.push('\n');
        out.push_str(&super::stat(&p.changes, prefix, style));
    }
    out
}

/// `cluster `staging`: revision `staging` → `v1.5.0`: 3 objects (...)`.
pub fn promotion_line(p: &Promotion<'_>) -> String {
    let what = if let Some(note) = &p.note {
        note.clone()
    } else if p.changes.is_empty() {
        "it runs the same objects at both".to_string()
    } else {
        format!(
            "what it runs changes by {}",
            Counts::of(&p.changes).describe()
        )
    };
    format!(
        "# cluster `{}`: revision `{}` → `{}`: {what}",
        p.cluster, p.from, p.to
    )
}
