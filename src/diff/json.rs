//! `platc diff --format json`: the drift for bots, one entry per file with the object it holds
//! and, for changed objects, every changed field with its old and new value.

use serde::Serialize;
use serde_json::Value;

use super::object::{Described, describe};
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
}

#[derive(Serialize)]
struct Entry {
    status: &'static str,
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
}

/// The status as a lower-case word.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Added => "added",
        Status::Changed => "changed",
        Status::Removed => "removed",
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
    let summary = Counts::of(changes);
    let entries = changes
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
                cluster,
                namespace,
                kind,
                group,
                name,
                path: format!("{prefix}/{}", c.path),
                fields: fields
                    .into_iter()
                    .map(|f| FieldEntry {
                        path: f.path,
                        old: f.old,
                        new: f.new,
                    })
                    .collect(),
            }
        })
        .collect();
    let report = Report {
        from,
        to,
        note,
        summary,
        changes: entries,
    };
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
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
                old: "kind: ResourceQuota\nmetadata:\n  name: prod-quota\nspec:\n  hard:\n    pods: '200'\n",
                new: "kind: ResourceQuota\nmetadata:\n  name: prod-quota\nspec:\n  hard:\n    pods: '250'\n",
            },
            Change {
                path: "argocd/application-default-prod.yaml",
                status: Status::Added,
                old: "",
                new: "kind: Application\nmetadata:\n  name: default-prod\n  namespace: argocd\n",
            },
        ];
        let v: Value =
            serde_json::from_str(&json(&changes, "out", "out", "platform.toml")).unwrap();
        assert_eq!(
            v["summary"],
            serde_json::json!({"added": 1, "changed": 1, "removed": 0, "kustomizations": 0})
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
}
