//! Drift: the compiled tree against the tree on disk (or against the tree of another revision),
//! file by file, rendered as a unified diff, a `git diff --stat`-style summary, a pull-request
//! comment ([`markdown`]) or JSON for bots ([`json`]).

pub mod hand_edits;
pub mod json;
pub mod markdown;
pub mod object;
pub mod review;

use similar::TextDiff;

use crate::render::{DiskTree, OnDisk, Tree};

/// How one file differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Compiled, not on disk.
    Added,
    /// On disk, no longer compiled.
    Removed,
    /// On disk with other bytes.
    Changed,
    /// The same bytes at another path (a cluster renamed, a namespace moved to another
    /// cluster): [`Change::from`] is where it was.
    Moved,
}

/// One drifted file.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// Path under `out/`.
    pub path: &'a str,
    /// What happened to it.
    pub status: Status,
    /// Where a moved file was.
    pub from: Option<&'a str>,
    /// Content on disk (empty when added).
    pub old: &'a str,
    /// Compiled content (empty when removed).
    pub new: &'a str,
}

/// Whether a path under `out/` is a folder's `kustomization.yaml` (a listing Kustomize reads,
/// not an object Argo CD applies).
pub fn is_kustomization(path: &str) -> bool {
    path.ends_with("/kustomization.yaml") || path == "kustomization.yaml"
}

/// The one count of a drift that every format shows (the summary line, `stat`, the markdown
/// heading, the JSON summary): Kubernetes objects added, changed and removed, one a file, and
/// apart from them the `kustomization.yaml` folder listings that change.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Objects compiled, not in the old tree.
    pub added: usize,
    /// Objects in both, with other bytes.
    pub changed: usize,
    /// Objects in the old tree, no longer compiled.
    pub removed: usize,
    /// Objects unchanged at another path.
    pub moved: usize,
    /// `kustomization.yaml` files added, changed, removed or moved.
    pub kustomizations: usize,
}

impl Counts {
    /// Counts `changes`.
    pub fn of(changes: &[Change<'_>]) -> Self {
        let mut counts = Self::default();
        for c in changes {
            let n = match c.status {
                _ if is_kustomization(c.path) => &mut counts.kustomizations,
                Status::Added => &mut counts.added,
                Status::Changed => &mut counts.changed,
                Status::Removed => &mut counts.removed,
                Status::Moved => &mut counts.moved,
            };
            *n += 1;
        }
        counts
    }

    /// Objects added, changed, removed or moved.
    pub fn objects(&self) -> usize {
        self.added + self.changed + self.removed + self.moved
    }

    /// `3 objects (1 added, 1 changed, 1 removed) and 1 kustomization.yaml`, with `, 2 moved`
    /// when objects moved; the listings are left out when none changed, the objects when only
    /// listings did.
    pub fn describe(&self) -> String {
        let moved = if self.moved > 0 {
            format!(", {} moved", self.moved)
        } else {
            String::new()
        };
        let objects = format!(
            "{} object{} ({} added, {} changed, {} removed{moved})",
            self.objects(),
            if self.objects() == 1 { "" } else { "s" },
            self.added,
            self.changed,
            self.removed
        );
        let listings = match self.kustomizations {
            1 => "1 kustomization.yaml".to_string(),
            n => format!("{n} kustomization.yaml files"),
        };
        match (self.objects(), self.kustomizations) {
            (_, 0) => objects,
            (0, _) => listings,
            _ => format!("{objects} and {listings}"),
        }
    }
}

/// Every drifted file, sorted by path; a file removed at one path and added with the same
/// bytes at another is one moved file.
pub fn changes<'a>(desired: &'a Tree, current: &'a DiskTree) -> Vec<Change<'a>> {
    let text = |b: &'a [u8]| std::str::from_utf8(b).unwrap_or("<binary>");
    let mut out = Vec::new();
    for (path, new) in desired {
        match current.get(path) {
            None => out.push(Change {
                path,
                status: Status::Added,
                from: None,
                old: "",
                new: text(new),
            }),
            Some(OnDisk::Bytes(old)) if old != new => out.push(Change {
                path,
                status: Status::Changed,
                from: None,
                old: text(old),
                new: text(new),
            }),
            Some(_) => {}
        }
    }
    for (path, old) in current {
        // A file that matched a compiled one is never removed; it has no bytes to show.
        if let OnDisk::Bytes(old) = old
            && !desired.contains_key(path)
        {
            out.push(Change {
                path,
                status: Status::Removed,
                from: None,
                old: text(old),
                new: "",
            });
        }
    }
    let mut out = moves(out);
    out.sort_by(|a, b| a.path.cmp(b.path));
    out
}

/// The file name and the folder it is in (`production`, `resourcequota-q.yaml`).
fn folder_and_name(path: &str) -> (&str, &str) {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    (dir.rsplit('/').next().unwrap_or(dir), name)
}

/// Pairs each added file with a removed file of the same name and bytes (one of the same
/// folder name first: the namespace that moved to another cluster, the cluster renamed), in
/// path order, into one moved file.
fn moves(changes: Vec<Change<'_>>) -> Vec<Change<'_>> {
    let has = |s: Status| changes.iter().any(|c| c.status == s);
    if !has(Status::Added) || !has(Status::Removed) {
        return changes;
    }
    let mut removed: std::collections::HashMap<(&str, &str), Vec<usize>> =
        std::collections::HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if c.status == Status::Removed {
            removed
                .entry((folder_and_name(c.path).1, c.old))
                .or_default()
                .push(i);
        }
    }
    let mut gone = vec![false; changes.len()];
    let mut moved: Vec<(usize, usize)> = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        if c.status != Status::Added {
            continue;
        }
        let (folder, name) = folder_and_name(c.path);
        let Some(candidates) = removed.get_mut(&(name, c.new)) else {
            continue;
        };
        let pick = candidates
            .iter()
            .position(|&r| folder_and_name(changes[r].path).0 == folder)
            .unwrap_or(0);
        if pick < candidates.len() {
            let r = candidates.remove(pick);
            gone[r] = true;
            moved.push((i, r));
        }
    }
    let from: std::collections::HashMap<usize, usize> = moved.into_iter().collect();
    changes
        .iter()
        .enumerate()
        .filter(|(i, _)| !gone[*i])
        .map(|(i, c)| match from.get(&i) {
            Some(&r) => Change {
                path: c.path,
                status: Status::Moved,
                from: Some(changes[r].path),
                old: changes[r].old,
                new: c.new,
            },
            None => c.clone(),
        })
        .collect()
}

/// Colours for terminal output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to emit ANSI colours.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, line: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{line}\x1b[0m")
        } else {
            line.to_string()
        }
    }
}

/// `prefix/path`, or `path` alone for an empty prefix.
pub fn joined(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_string()
    } else {
        format!("{prefix}/{path}")
    }
}

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, hunks with 3 lines of context); a moved file as
/// git shows a rename. `prefix` is the output folder as the user named it, so paths can be
/// pasted.
pub fn unified(changes: &[Change<'_>], prefix: &str, style: Style) -> String {
    unified_between(changes, prefix, prefix, style)
}

/// [`unified`], with the old side's paths under `old_prefix` and the new side's under
/// `new_prefix` (`platc compare`: the two clusters' folders).
pub fn unified_between(
    changes: &[Change<'_>],
    old_prefix: &str,
    new_prefix: &str,
    style: Style,
) -> String {
    let mut out = String::new();
    for c in changes {
        let old_path = joined(old_prefix, c.from.unwrap_or(c.path));
        let new_path = joined(new_prefix, c.path);
        let (old_name, new_name) = match c.status {
            Status::Added => ("/dev/null".to_string(), format!("b/{new_path}")),
            Status::Removed => (format!("a/{old_path}"), "/dev/null".to_string()),
            Status::Changed => (format!("a/{old_path}"), format!("b/{new_path}")),
            Status::Moved => {
                for line in [
                    format!("diff --git a/{old_path} b/{new_path}"),
                    "similarity index 100%".to_string(),
                    format!("rename from {old_path}"),
                    format!("rename to {new_path}"),
                ] {
                    out.push_str(&style.paint("1", &line));
                    out.push('\n');
                }
                continue;
            }
        };
        let diff = TextDiff::from_lines(c.old, c.new);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &new_name)
            .to_string();
        for line in text.lines() {
            let painted = if line.starts_with("+++") || line.starts_with("---") {
                style.paint("1", line)
            } else if line.starts_with('+') {
                style.paint("32", line)
            } else if line.starts_with('-') {
                style.paint("31", line)
            } else if line.starts_with("@@") {
                style.paint("36", line)
            } else {
                line.to_string()
            };
            out.push_str(&painted);
            out.push('\n');
        }
    }
    out
}

/// Lines added and removed by a change.
pub fn line_counts(c: &Change<'_>) -> (usize, usize) {
    let diff = TextDiff::from_lines(c.old, c.new);
    let mut added = 0;
    let mut removed = 0;
    for op in diff.ops() {
        for change in diff.iter_changes(op) {
            match change.tag() {
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
    }
    (added, removed)
}

/// A `git diff --stat`-style summary.
pub fn stat(changes: &[Change<'_>], prefix: &str, style: Style) -> String {
    let rows: Vec<(String, usize, usize, Status)> = changes
        .iter()
        .map(|c| {
            let (a, r) = line_counts(c);
            let path = match c.from {
                Some(from) => format!("{} => {}", joined(prefix, from), joined(prefix, c.path)),
                None => joined(prefix, c.path),
            };
            (path, a, r, c.status)
        })
        .collect();
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let max_lines = rows.iter().map(|r| r.1 + r.2).max().unwrap_or(0);
    let num_width = max_lines.to_string().len();
    let mut out = String::new();
    let (mut total_a, mut total_r) = (0, 0);
    for (path, a, r, status) in &rows {
        total_a += a;
        total_r += r;
        let scale = |n: usize| {
            if max_lines > 50 {
                (n * 50).div_ceil(max_lines)
            } else {
                n
            }
        };
        let bar = format!(
            "{}{}",
            style.paint("32", &"+".repeat(scale(*a))),
            style.paint("31", &"-".repeat(scale(*r)))
        );
        let tag = match status {
            Status::Added => " (new)",
            Status::Removed => " (gone)",
            Status::Changed => "",
            Status::Moved => " (moved)",
        };
        let bar = if a + r == 0 {
            String::new()
        } else {
            format!(" {bar}")
        };
        out.push_str(&format!(
            " {path:<width$} | {:>num_width$}{bar}{tag}\n",
            a + r
        ));
    }
    out.push_str(&format!(
        " {}: {total_a} insertion{}(+), {total_r} deletion{}(-)\n",
        Counts::of(changes).describe(),
        if total_a == 1 { "" } else { "s" },
        if total_r == 1 { "" } else { "s" },
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(items: &[(&str, &str)]) -> Tree {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn classifies_added_removed_changed() {
        let desired = tree(&[
            ("a.yaml", "x\n"),
            ("b.yaml", "y\n"),
            ("c.yaml", "same\n"),
            ("e.yaml", "matched as read\n"),
        ]);
        let mut current = crate::render::on_disk(tree(&[
            ("b.yaml", "old\n"),
            ("c.yaml", "same\n"),
            ("d.yaml", "gone\n"),
        ]));
        current.insert("e.yaml".into(), OnDisk::Matches);
        let c = changes(&desired, &current);
        let got: Vec<_> = c.iter().map(|c| (c.path, c.status)).collect();
        assert_eq!(
            got,
            vec![
                ("a.yaml", Status::Added),
                ("b.yaml", Status::Changed),
                ("d.yaml", Status::Removed)
            ]
        );
        let u = unified(&c, "out", Style { color: false });
        assert!(u.contains("--- a/out/b.yaml\n+++ b/out/b.yaml\n"), "{u}");
        assert!(u.contains("-old\n+y\n"), "{u}");
        assert!(u.contains("--- /dev/null\n+++ b/out/a.yaml"), "{u}");
        let s = stat(&c, "out", Style { color: false });
        assert!(
            s.ends_with(
                " 3 objects (1 added, 1 changed, 1 removed): 2 insertions(+), 2 deletions(-)\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn an_object_at_another_path_with_the_same_bytes_moved() {
        let app = |c: &str| format!("kind: Application\nspec: {{destination: {c}}}\n");
        let desired = tree(&[
            ("argocd/application-stg-p.yaml", &app("stg")),
            (
                "stg/p/kustomization.yaml",
                "resources: [namespace-p.yaml]\n",
            ),
            ("stg/p/namespace-p.yaml", "kind: Namespace\n"),
            ("stg/q/namespace-p.yaml", "kind: Namespace\n"),
        ]);
        let current = crate::render::on_disk(tree(&[
            ("argocd/application-staging-p.yaml", &app("staging")),
            (
                "staging/p/kustomization.yaml",
                "resources: [namespace-p.yaml]\n",
            ),
            ("staging/p/namespace-p.yaml", "kind: Namespace\n"),
        ]));
        let c = changes(&desired, &current);
        let got: Vec<_> = c.iter().map(|c| (c.path, c.status, c.from)).collect();
        assert_eq!(
            got,
            [
                ("argocd/application-staging-p.yaml", Status::Removed, None),
                ("argocd/application-stg-p.yaml", Status::Added, None),
                (
                    "stg/p/kustomization.yaml",
                    Status::Moved,
                    Some("staging/p/kustomization.yaml")
                ),
                // Of two copies, the one in the folder of the same name moved.
                (
                    "stg/p/namespace-p.yaml",
                    Status::Moved,
                    Some("staging/p/namespace-p.yaml")
                ),
                ("stg/q/namespace-p.yaml", Status::Added, None),
            ]
        );
        let counts = Counts::of(&c);
        assert_eq!((counts.added, counts.removed, counts.moved), (2, 1, 1));
        assert_eq!(
            counts.describe(),
            "4 objects (2 added, 0 changed, 1 removed, 1 moved) and 1 kustomization.yaml"
        );
        let u = unified(&c, "out", Style { color: false });
        assert!(
            u.contains("diff --git a/out/staging/p/namespace-p.yaml b/out/stg/p/namespace-p.yaml\nsimilarity index 100%\nrename from out/staging/p/namespace-p.yaml\nrename to out/stg/p/namespace-p.yaml\n"),
            "{u}"
        );
        let s = stat(&c, "out", Style { color: false });
        assert!(
            s.lines().any(|l| l
                .starts_with(" out/staging/p/namespace-p.yaml => out/stg/p/namespace-p.yaml ")
                && l.ends_with("| 0 (moved)")),
            "{s}"
        );
        let md = markdown::markdown(&c, "out", "main", "platform.toml");
        assert!(
            md.contains("### platc: 2 added, 0 changed, 1 removed, 1 moved\n"),
            "{md}"
        );
        assert!(
            md.contains("| moved | `staging → stg` | `p` | `Namespace` | `p` |\n"),
            "{md}"
        );
    }

    #[test]
    fn counts_objects_and_listings_apart() {
        let change = |path, status| Change {
            path,
            status,
            from: None,
            old: "",
            new: "",
        };
        let changes = [
            change("a/b/kustomization.yaml", Status::Changed),
            change("a/b/namespace-b.yaml", Status::Added),
            change("argocd/kustomization.yaml", Status::Added),
        ];
        let counts = Counts::of(&changes);
        assert_eq!(
            (
                counts.added,
                counts.changed,
                counts.removed,
                counts.kustomizations
            ),
            (1, 0, 0, 2)
        );
        assert_eq!(
            counts.describe(),
            "1 object (1 added, 0 changed, 0 removed) and 2 kustomization.yaml files"
        );
        assert_eq!(Counts::of(&changes[..1]).describe(), "1 kustomization.yaml");
        assert_eq!(
            Counts::of(&changes[1..2]).describe(),
            "1 object (1 added, 0 changed, 0 removed)"
        );
    }
}
