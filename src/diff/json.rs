//! `platc diff --format json`: the drift for bots, one entry per file with the object it holds
//! and, for changed objects, every changed field with its old and new value.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::object::{Described, describe};
use super::review::Review;
use super::{Change, Counts, Status};

#[derive(Serialize)]
struct Report<'a> {
    /// What was compared with what (`out` / `platform.toml`, or a revision).
    from: &'a str,
    to: &'a str,
    /// Why the old side is what it is, when that needs saying (the base did not compile).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    summary: Counts,
    changes: Vec<Entry>,
    /// The branch under review, where clusters sync other revisions.
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<&'a str>,
    /// The clusters that sync another revision than `branch`: their changes wait for
    /// promotion.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    waiting: &'a BTreeMap<String, String>,
    /// The clusters whose revision moves: what each will run differently.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    promotions: Vec<PromotionEntry<'a>>,
}

#[derive(Serialize)]
struct PromotionEntry<'a> {
    cluster: &'a str,
    from: &'a str,
    to: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    summary: Counts,
    changes: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    status: &'static str,
    /// Where a moved object was.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    /// Its cluster syncs another revision than the branch under review.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    waiting_for_promotion: bool,
    cluster: Option<String>,
    namespace: Option<String>,
    kind: String,
    /// The API group (`""` for the core group); `null` where the file does not say.
    group: Option<String>,
    name: Option<String>,
    path: String,
    fields: Vec<FieldEntry>,
}

#[derive(Serialize)]
struct FieldEntry {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<Value>,
    /// For a string of several lines: its line diff, in place of both values.
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

/// The status as a lower-case word.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Added => "added",
        Status::Changed => "changed",
        Status::Removed => "removed",
        Status::Moved => "moved",
    }
}

/// Pretty JSON of every change. `prefix` is the output folder as the user named it; `from` and
/// `to` say what was compared (old side, new side).
pub fn json(changes: &[Change<'_>], prefix: &str, from: &str, to: &str) -> String {
    noted(changes, prefix, from, to, None)
}

/// [`json`] with a `note` about the old side (the base's config did not compile, so `from` is
/// the `out/` committed there).
pub fn noted(
    changes: &[Change<'_>],
    prefix: &str,
    from: &str,
    to: &str,
    note: Option<&str>,
) -> String {
    review(changes, prefix, (from, to), note, &Review::default())
}

/// [`noted`] for `diff --base`, with what [`Review`] adds.
pub fn review(
    changes: &[Change<'_>],
    prefix: &str,
    (from, to): (&str, &str),
    note: Option<&str>,
    review: &Review<'_>,
) -> String {
    let report = Report {
        from,
        to,
        note,
        summary: Counts::of(changes),
        changes: entries(changes, prefix, review),
        branch: review
            .branch
            .as_deref()
            .filter(|_| !review.waiting.is_empty()),
        waiting: &review.waiting,
        promotions: review
            .promotions
            .iter()
            .map(|p| PromotionEntry {
                cluster: &p.cluster,
                from: &p.from,
                to: &p.to,
                note: p.note.as_deref(),
                summary: Counts::of(&p.changes),
                changes: entries(&p.changes, prefix, &Review::default()),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

fn entries(changes: &[Change<'_>], prefix: &str, review: &Review<'_>) -> Vec<Entry> {
    changes
        .iter()
        .map(|c| {
            let Described {
                cluster,
                namespace,
                kind,
                group,
                name,
                fields,
                ..
            } = describe(c);
            Entry {
                status: status_word(c.status),
                from: c.from.map(|f| super::joined(prefix, f)),
                waiting_for_promotion: review.waits(c.path).is_some(),
                cluster,
                namespace,
                kind,
                group,
                name,
                path: super::joined(prefix, c.path),
                fields: fields
                    .into_iter()
                    .map(|f| match f.value_diff() {
                        Some(diff) => FieldEntry {
                            path: f.path,
                            old: None,
                            new: None,
                            diff: Some(diff),
                        },
                        None => FieldEntry {
                            path: f.path,
                            old: f.old,
                            new: f.new,
                            diff: None,
                        },
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_file_with_fields() {
        let changes = [
            Change {
                path: "default/prod/resourcequota-prod-quota.yaml",
                status: Status::Changed,
                from: None,
                old: "kind: ResourceQuota\nmetadata:\n  name: prod-quota\nspec:\n  hard:\n    pods: '200'\n",
                new: "kind: ResourceQuota\nmetadata:\n  name: prod-quota\nspec:\n  hard:\n    pods: '250'\n",
            },
            Change {
                path: "argocd/application-default-prod.yaml",
                status: Status::Added,
                from: None,
                old: "",
                new: "kind: Application\nmetadata:\n  name: default-prod\n  namespace: argocd\n",
            },
        ];
        let v: Value =
            serde_json::from_str(&json(&changes, "out", "out", "platform.toml")).unwrap();
        assert_eq!(
            v["summary"],
            serde_json::json!({"added": 1, "changed": 1, "removed": 0, "moved": 0, "kustomizations": 0})
        );
        assert_eq!(
            v["changes"][0],
            serde_json::json!({
                "status": "changed", "cluster": "default", "namespace": "prod",
                "kind": "ResourceQuota", "group": null, "name": "prod-quota",
                "path": "out/default/prod/resourcequota-prod-quota.yaml",
                "fields": [{"path": "spec.hard.pods", "old": "200", "new": "250"}]
            })
        );
        assert_eq!(v["changes"][1]["cluster"], Value::Null);
        assert_eq!(v["changes"][1]["namespace"], "argocd");
        assert_eq!(v["changes"][1]["fields"], serde_json::json!([]));
    }

    #[test]
    fn moved_objects_and_values_of_several_lines() {
        let old = "kind: ConfigMap\nmetadata:\n  name: d\ndata:\n  x.json: |\n    {\n      \"a\": 1,\n      \"b\": 2\n    }\n";
        let new = old.replace("\"b\": 2", "\"b\": 3");
        let changes = [
            Change {
                path: "prod/team/configmap-d.yaml",
                status: Status::Changed,
                from: None,
                old,
                new: &new,
            },
            Change {
                path: "stg/team/namespace-team.yaml",
                status: Status::Moved,
                from: Some("staging/team/namespace-team.yaml"),
                old: "kind: Namespace\n",
                new: "kind: Namespace\n",
            },
        ];
        let v: Value =
            serde_json::from_str(&json(&changes, "out", "main", "platform.toml")).unwrap();
        assert_eq!(v["summary"]["moved"], 1);
        assert_eq!(v["summary"]["changed"], 1);
        let field = &v["changes"][0]["fields"][0];
        assert_eq!(field["path"], "data[\"x.json\"]");
        assert!(
            field.get("old").is_none() && field.get("new").is_none(),
            "{field}"
        );
        assert_eq!(
            field["diff"],
            "@@ -1,4 +1,4 @@\n {\n   \"a\": 1,\n-  \"b\": 2\n+  \"b\": 3\n }\n"
        );
        assert_eq!(v["changes"][1]["status"], "moved");
        assert_eq!(
            v["changes"][1]["from"],
            "out/staging/team/namespace-team.yaml"
        );
        assert_eq!(v["changes"][1]["cluster"], "stg");
    }
}
