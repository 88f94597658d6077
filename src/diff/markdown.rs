//! `platc diff --format markdown`: a pull-request comment. A summary table of the objects that
//! are added, changed and removed, then each change in a collapsible ```diff block. Long diffs
//! are cut with a note, and the whole comment never exceeds [`COMMENT_LIMIT`] bytes, below
//! GitHub's 65,536-character limit for a comment.

use similar::TextDiff;

use super::json::status_word;
use super::object::{Described, Field, describe};
use super::review::Review;
use super::{Change, Counts, Status};

/// The most bytes the comment may take: GitHub's limit is 65,536 characters (a byte is at most
/// one character); the rest leaves room for whatever a CI step wraps around it.
pub const COMMENT_LIMIT: usize = 60_000;
/// The hidden first line, so a CI job can find and update its earlier comment.
pub const MARKER: &str = "<!-- platc-diff -->";
/// Lines of one object's diff shown before it is cut.
const DIFF_LINES: usize = 150;
/// Changed fields listed above one object's diff before the list is cut.
const FIELD_LINES: usize = 20;
/// Lines of one multi-line value's diff shown in the field list before it is cut.
const VALUE_LINES: usize = 40;
/// Bytes kept for the closing notes.
const RESERVE: usize = 600;

/// The comment. `from` and `to` say what was compared (old side, new side), `prefix` is the
/// output folder as the user named it.
pub fn markdown(changes: &[Change<'_>], prefix: &str, from: &str, to: &str) -> String {
    noted(changes, prefix, from, to, None)
}

/// [`markdown`] with a `note` about the old side under the heading (the base's config did not
/// compile, so `from` is the `out/` committed there).
pub fn noted(
    changes: &[Change<'_>],
    prefix: &str,
    from: &str,
    to: &str,
    note: Option<&str>,
) -> String {
    render(changes, prefix, from, to, note, COMMENT_LIMIT)
}

/// The note as a quoted paragraph.
fn note_block(note: Option<&str>) -> String {
    noted_block(note, None)
}

/// The quoted paragraph of `note` (text, escaped) and `written` (markdown already).
fn noted_block(note: Option<&str>, written: Option<&str>) -> String {
    let note = note.map(|n| text(&n.replace(['\n', '\r'], " ")));
    let parts: Vec<&str> = note.as_deref().into_iter().chain(written).collect();
    if parts.is_empty() {
        return String::new();
    }
    format!("> **Note:** {}\n\n", parts.join(" "))
}

// Everything below that comes from the compared trees (names, kinds, paths, values, the
// revisions compared) is written so that the comment shows it as text and nothing else: a pull
// request chooses those names, and the comment is posted under the CI's account. In a table cell
// or a sentence a value is a code span, which markdown shows as it is (no HTML, links,
// emphasis, mentions or autolinks); inside the HTML of a `<summary>` it is escaped HTML.

/// A table cell: a code span (with `|` escaped, which GFM reads as a cell's end even inside
/// one), or `–` when empty.
fn cell(value: Option<&str>) -> String {
    match value {
        None | Some("") => "–".into(),
        Some(v) => code_span(v).replace('|', "\\|"),
    }
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A code fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    "`".repeat((longest_backtick_run(text) + 1).max(3))
}

/// Inline code that shows `text` as it is: delimited by more backticks than any run in it,
/// padded with a space where it starts or ends with a backtick or a space (which markdown
/// would otherwise take as part of the delimiter or strip).
fn code_span(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Text in HTML (the `<summary>` line, which markdown leaves as HTML): escaped, and an `@`
/// followed by an invisible space so that no name mentions anyone.
fn escape_html(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('@', "@&#8203;")
}

/// Text in a markdown sentence: every character markdown or HTML gives a meaning escaped, and
/// `@` kept from mentioning.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@&#8203;"),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The first `max` lines of `text`, and a note of how many were cut (indented for a list).
fn cut_lines(text: &str, max: usize) -> (String, String) {
    let total = text.lines().count();
    let kept: String = text.lines().take(max).map(|l| format!("{l}\n")).collect();
    let cut = if total > max {
        format!("  ... {} more lines cut\n", total - max)
    } else {
        String::new()
    };
    (kept, cut)
}

/// The diff body of one change: hunks only, cut after [`DIFF_LINES`] lines.
fn diff_body(d: &Described<'_, '_>) -> (String, usize, usize) {
    let diff = TextDiff::from_lines(d.change.old, d.change.new);
    let text = diff.unified_diff().context_radius(3).to_string();
    let total = text.lines().count();
    let mut body = String::new();
    for line in text.lines().take(DIFF_LINES) {
        body.push_str(line);
        body.push('\n');
    }
    let (added, removed) = super::line_counts(d.change);
    let cut = total.saturating_sub(DIFF_LINES);
    if cut > 0 {
        body.push_str(&format!("... {cut} more lines cut\n"));
    }
    (body, added, removed)
}

fn details(d: &Described<'_, '_>, prefix: &str) -> String {
    let (body, added, removed) = diff_body(d);
    let what = match (&d.name, d.is_kustomization()) {
        (_, true) => "Kustomization".to_string(),
        (Some(name), false) => format!("{} {name}", d.kind),
        (None, false) => d.kind.clone(),
    };
    let mut out = format!(
        "<details><summary>{} <b>{}</b> <code>{}</code> (+{added} −{removed})</summary>\n\n",
        status_word(d.change.status),
        escape_html(&what),
        escape_html(&super::joined(prefix, d.change.path)),
    );
    // The summary line is HTML up to the blank line after it; a line break in a name would end
    // it early and let the rest be read as markdown.
    debug_assert!(!out.trim_end().contains('\n'));
    if !d.fields.is_empty() {
        for f in d.fields.iter().take(FIELD_LINES) {
            match f.value_diff() {
                // A value of several lines: its own line diff, not both values in one line.
                Some(diff) => {
                    let (diff, cut) = cut_lines(&diff, VALUE_LINES);
                    let fence = fence(&diff);
                    out.push_str(&format!(
                        "- {}:\n\n  {fence}diff\n{}{cut}  {fence}\n",
                        code_span(&f.path),
                        diff.lines().map(|l| format!("  {l}\n")).collect::<String>()
                    ));
                }
                None => out.push_str(&format!("- {}\n", code_span(&Field::line(f)))),
            }
        }
        if d.fields.len() > FIELD_LINES {
            out.push_str(&format!(
                "- … {} more fields changed\n",
                d.fields.len() - FIELD_LINES
            ));
        }
        out.push('\n');
    }
    let f = fence(&body);
    out.push_str(&format!("{f}diff\n{body}{f}\n\n</details>\n\n"));
    out
}

/// The cluster (`part` 0) or namespace (1) of a moved object as `old → new` where it changed.
fn moved_from(d: &Described<'_, '_>, now: Option<&str>, part: usize) -> Option<String> {
    // Only for `<cluster>/<namespace>/<file>`.
    let was = d
        .change
        .from
        .filter(|f| f.matches('/').count() == 2)
        .and_then(|f| f.split('/').nth(part))
        .filter(|w| Some(*w) != now);
    match (was, now) {
        (Some(was), Some(now)) => Some(format!("{was} → {now}")),
        _ => now.map(str::to_string),
    }
}

/// The kinds that more than one API group has among `objects`: the table names their group
/// (`Certificate.cert-manager.io`, as kubectl does), the others only their kind.
fn shared_kinds<'a>(objects: &[&'a Described<'_, '_>]) -> std::collections::BTreeSet<&'a str> {
    let mut groups: std::collections::BTreeMap<&str, &Option<String>> = Default::default();
    let mut shared = std::collections::BTreeSet::new();
    for d in objects {
        if let Some(first) = groups.insert(d.kind.as_str(), &d.group)
            && first != &d.group
        {
            shared.insert(d.kind.as_str());
        }
    }
    shared
}

fn render(
    changes: &[Change<'_>],
    prefix: &str,
    from: &str,
    to: &str,
    note: Option<&str>,
    limit: usize,
) -> String {
    reviewed(changes, prefix, (from, to), note, &Review::default(), limit)
}

/// The comment for `diff --base`, with what [`Review`] adds: the changes of clusters that wait
/// for promotion marked, and a section per cluster whose revision moved.
pub fn review(
    changes: &[Change<'_>],
    prefix: &str,
    (from, to): (&str, &str),
    note: Option<&str>,
    review: &Review<'_>,
) -> String {
    reviewed(changes, prefix, (from, to), note, review, COMMENT_LIMIT)
}

fn heading(counts: &Counts) -> String {
    let moved = if counts.moved > 0 {
        format!(", {} moved", counts.moved)
    } else {
        String::new()
    };
    format!(
        "{} added, {} changed, {} removed{moved}",
        counts.added, counts.changed, counts.removed
    )
}

/// "cluster `prod` syncs `v1.4.0`, not `main`: its changes wait for promotion", when clusters
/// sync another revision than the branch under review. The names and revisions are a pull
/// request's: code spans; the sentence is plain text.
fn waiting_note(review: &Review<'_>) -> Option<String> {
    if review.waiting.is_empty() {
        return None;
    }
    let branch = review
        .branch
        .as_deref()
        .map_or_else(|| "the branch under review".to_string(), code_span);
    let each: Vec<String> = review
        .waiting
        .iter()
        .map(|(c, r)| format!("cluster {} syncs {}", code_span(c), code_span(r)))
        .collect();
    let their = if review.waiting.len() == 1 {
        "its"
    } else {
        "their"
    };
    Some(format!(
        "{}, not {branch}: {their} changes wait for promotion (a change of {their} `revision`) \
         instead of deploying when this merges.",
        each.join(", ")
    ))
}

fn reviewed(
    changes: &[Change<'_>],
    prefix: &str,
    (from, to): (&str, &str),
    note: Option<&str>,
    review: &Review<'_>,
    limit: usize,
) -> String {
    let mut out = format!("{MARKER}\n");
    let waiting = waiting_note(review);
    let block = noted_block(note, waiting.as_deref());
    if changes.is_empty() {
        out.push_str(&format!(
            "### platc: no changes\n\n{block}{} and {} hold the same manifests.\n",
            code_span(from),
            code_span(to)
        ));
    } else {
        out.push_str(&format!(
            "### platc: {}\n\n{block}Kubernetes objects that change from {} to {}.\n\n",
            heading(&Counts::of(changes)),
            code_span(from),
            code_span(to)
        ));
        // The promotions get a share of the room as well.
        let share = limit / (1 + review.promotions.len());
        body(&mut out, changes, prefix, review, share);
    }
    for p in &review.promotions {
        out.push_str(&format!(
            "\n### Cluster {}: revision {} → {}\n\n",
            code_span(&p.cluster),
            code_span(&p.from),
            code_span(&p.to)
        ));
        if let Some(n) = &p.note {
            out.push_str(&note_block(Some(n)));
        }
        if p.changes.is_empty() {
            out.push_str("It runs the same objects at both revisions.\n");
            continue;
        }
        out.push_str(&format!(
            "What the cluster runs changes by {}: {} at {} against at {}.\n\n",
            heading(&Counts::of(&p.changes)),
            code_span(&format!("{prefix}/")),
            code_span(&p.from),
            code_span(&p.to)
        ));
        let room = limit.saturating_sub(out.len() + RESERVE);
        let mut section = String::new();
        body(&mut section, &p.changes, prefix, &Review::default(), room);
        out.push_str(&section);
    }
    out
}

/// The table of objects, the count of listings and a collapsed diff per object, within
/// `limit` bytes of `out` as a whole.
fn body(out: &mut String, changes: &[Change<'_>], prefix: &str, review: &Review<'_>, limit: usize) {
    let start = out.len();
    let limit = start + limit;
    let described: Vec<Described<'_, '_>> = changes.iter().map(describe).collect();
    let kustomizations = Counts::of(changes).kustomizations;
    let objects: Vec<&Described<'_, '_>> =
        described.iter().filter(|d| !d.is_kustomization()).collect();
    if !objects.is_empty() {
        // The table gets at most half the room; the diffs the rest.
        let table_limit = start + (limit - start) / 2;
        // `compare` leaves the cluster out of every path: no column for it then.
        let clusters = objects.iter().any(|d| d.cluster.is_some());
        out.push_str(if clusters {
            "| change | cluster | namespace | kind | name |\n|---|---|---|---|---|\n"
        } else {
            "| change | namespace | kind | name |\n|---|---|---|---|\n"
        });
        let shared = shared_kinds(&objects);
        let mut shown = 0;
        for d in &objects {
            let waits = review
                .waits(d.change.path)
                .map_or("", |_| ", waits for promotion");
            let kind = match &d.group {
                Some(group) if !group.is_empty() && shared.contains(d.kind.as_str()) => {
                    format!("{}.{group}", d.kind)
                }
                _ => d.kind.clone(),
            };
            let cluster = if clusters {
                format!(
                    " {} |",
                    cell(moved_from(d, d.cluster.as_deref(), 0).as_deref())
                )
            } else {
                String::new()
            };
            let row = format!(
                "| {}{waits} |{cluster} {} | {} | {} |\n",
                status_word(d.change.status),
                cell(moved_from(d, d.namespace.as_deref(), 1).as_deref()),
                cell(Some(&kind)),
                cell(d.name.as_deref()),
            );
            if out.len() + row.len() > table_limit {
                break;
            }
            out.push_str(&row);
            shown += 1;
        }
        if shown < objects.len() {
            out.push_str(&format!(
                "\n_… and {} more objects, left out to fit a comment; `platc diff --format stat` lists them all._\n",
                objects.len() - shown
            ));
        }
        out.push('\n');
    }
    if kustomizations > 0 {
        out.push_str(&format!(
            "Also {kustomizations} `kustomization.yaml` file{} (the folder listings).\n\n",
            if kustomizations == 1 { "" } else { "s" }
        ));
    }
    let mut left_out = 0;
    // A moved object's bytes are the same: the table says all there is.
    for d in described
        .iter()
        .filter(|d| d.change.status != Status::Moved)
    {
        if left_out > 0 {
            left_out += 1;
            continue;
        }
        let block = details(d, prefix);
        if out.len() + block.len() + RESERVE > limit {
            left_out = 1;
            continue;
        }
        out.push_str(&block);
    }
    if left_out > 0 {
        out.push_str(&format!(
            "_{left_out} more diff{} left out to stay under GitHub's comment size limit; run `platc diff` for the full drift._\n",
            if left_out == 1 { "" } else { "s" }
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Status;

    #[test]
    fn table_then_collapsible_diffs() {
        let changes = [
            Change {
                path: "default/prod/kustomization.yaml",
                status: Status::Changed,
                from: None,
                old: "resources:\n- a.yaml\n",
                new: "resources:\n- a.yaml\n- b.yaml\n",
            },
            Change {
                path: "default/prod/resourcequota-prod-quota.yaml",
                status: Status::Changed,
                from: None,
                old: "kind: ResourceQuota\nmetadata:\n  name: prod-quota\nspec:\n  hard:\n    pods: '200'\n",
                new: "kind: ResourceQuota\nmetadata:\n  name: prod-quota\nspec:\n  hard:\n    pods: '250'\n",
            },
            Change {
                path: "default/prod/configmap-x.yaml",
                status: Status::Added,
                from: None,
                old: "",
                new: "kind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"```\"\n",
            },
        ];
        let md = markdown(&changes, "out", "out", "platform.toml");
        assert!(
            md.starts_with("<!-- platc-diff -->\n### platc: 1 added, 1 changed, 0 removed\n"),
            "{md}"
        );
        assert!(
            md.contains("| changed | `default` | `prod` | `ResourceQuota` | `prod-quota` |\n"),
            "{md}"
        );
        assert!(
            md.contains("| added | `default` | `prod` | `ConfigMap` | `x` |\n"),
            "{md}"
        );
        assert!(!md.contains("| Kustomization"), "{md}");
        assert!(md.contains("- `spec.hard.pods: 200 → 250`\n"), "{md}");
        assert!(md.contains("```diff\n@@"), "{md}");
        assert!(md.contains("-    pods: '200'\n+    pods: '250'\n"), "{md}");
        // A value holding a fence gets a longer fence.
        assert!(md.contains("````diff\n"), "{md}");
        assert_eq!(md.matches("<details>").count(), 3);
        assert_eq!(md.matches("</details>").count(), 3);
    }

    /// The comment of one added ConfigMap named `name` (in a namespace of that name too).
    fn comment_naming(name: &str) -> String {
        let new = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n  namespace: {}\n",
            serde_json::to_string(name).unwrap(),
            serde_json::to_string(name).unwrap()
        );
        let changes = [Change {
            path: "default/prod/configmap-x.yaml",
            status: Status::Added,
            from: None,
            old: "",
            new: &new,
        }];
        markdown(&changes, "out", name, "platform.toml")
    }

    /// The table row of the comment, and the `<summary>` line.
    fn row_and_summary(md: &str) -> (&str, &str) {
        let row = md.lines().find(|l| l.starts_with("| added |")).unwrap();
        let summary = md.lines().find(|l| l.starts_with("<details>")).unwrap();
        (row, summary)
    }

    #[test]
    fn html_in_a_name_is_shown_not_rendered() {
        for name in [
            "<img src=x onerror=alert(1)>",
            "<!-- hide the rest",
            "a</summary></details><script>",
        ] {
            let md = comment_naming(name);
            let (row, summary) = row_and_summary(&md);
            assert!(row.contains(&format!("`{name}`")), "{row}");
            assert!(
                !summary.contains('<') || !summary.contains(name),
                "{summary}"
            );
            assert!(summary.contains("&lt;"), "{summary}");
            // Outside code spans and escaped HTML, no `<` of the name is left.
            let outside: String = md.split('`').step_by(2).collect();
            assert!(
                !outside.contains("<img")
                    && !outside.contains("<!-- hide")
                    && !outside.contains("<script"),
                "{md}"
            );
        }
    }

    #[test]
    fn links_mentions_and_emphasis_in_a_name_are_text() {
        for name in [
            "[x](https://evil.example)",
            "@octocat",
            "*bold* _it_ ~~gone~~",
            "#1 www.evil.example",
        ] {
            let md = comment_naming(name);
            let (row, summary) = row_and_summary(&md);
            assert!(row.contains(&format!("| `{name}` |")), "{row}");
            if name.contains('@') {
                assert!(
                    summary.contains("@&#8203;octocat") && !summary.contains("@octocat"),
                    "{summary}"
                );
                assert!(!md.contains("from @octocat"), "{md}");
            }
        }
    }

    #[test]
    fn pipes_and_backticks_cannot_break_out() {
        let md = comment_naming("a|b");
        let (row, _) = row_and_summary(&md);
        assert!(row.contains("| `a\\|b` |"), "{row}");
        assert_eq!(row.matches(" | ").count(), 4, "five cells: {row}");
        // A value with backtick runs gets a longer delimiter, padded where it starts or ends
        // with one.
        assert_eq!(code_span("a``b"), "```a``b```");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_span("x"), "`x`");
        let md = comment_naming("``");
        let (row, _) = row_and_summary(&md);
        assert!(row.contains("| ``` `` ``` |"), "{row}");
        // The revisions compared are code spans too (escaped HTML there showed `&lt;`).
        let md = comment_naming("main<b>");
        assert!(md.contains("from `main<b>` to `platform.toml`"), "{md}");
    }

    #[test]
    fn notes_escape_markdown_and_html() {
        let note = text("see <img src=x> [link](http://x) @team *now*");
        assert_eq!(
            note,
            "see &lt;img src\\=x&gt; \\[link\\]\\(http\\:\\/\\/x\\) @&#8203;team \\*now\\*"
        );
    }

    #[test]
    fn a_value_of_several_lines_shows_its_own_line_diff() {
        let rule = |threshold: &str| {
            format!(
                "kind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  expr: |\n    sum(x)\n    by (y)\n    > {threshold}\n    unless z\n"
            )
        };
        let (old, new) = (rule("1"), rule("2"));
        let changes = [Change {
            path: "prod/team/prometheusrule-r.yaml",
            status: Status::Changed,
            from: None,
            old: &old,
            new: &new,
        }];
        let md = markdown(&changes, "out", "main", "platform.toml");
        assert!(
            md.contains("- `spec.expr`:\n\n  ```diff\n  @@ -1,4 +1,4 @@\n   sum(x)\n   by (y)\n  -> 1\n  +> 2\n   unless z\n  ```\n"),
            "{md}"
        );
        assert!(
            !md.contains("sum(x)\nby (y)"),
            "the two values are not shown whole: {md}"
        );
    }

    #[test]
    fn no_changes() {
        let md = markdown(&[], "out", "out", "platform.toml");
        assert!(md.contains("no changes"), "{md}");
    }

    #[test]
    fn long_diffs_are_cut() {
        let new: String = (0..1000).map(|i| format!("line{i}: x\n")).collect();
        let new = format!("kind: ConfigMap\nmetadata:\n  name: big\ndata:\n{new}");
        let changes = [Change {
            path: "default/prod/configmap-big.yaml",
            status: Status::Added,
            from: None,
            old: "",
            new: &new,
        }];
        let md = markdown(&changes, "out", "out", "platform.toml");
        assert!(md.contains("more lines cut\n"), "{md}");
        assert!(md.lines().count() < DIFF_LINES + 40);
    }
}
