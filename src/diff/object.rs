//! What a drifted file means to a reviewer: which object it is (cluster, namespace, kind, name)
//! and which fields changed, found by parsing both YAML versions and walking them.

use serde_json::Value;

use super::{Change, Status};

/// One changed field: its path (`spec.hard.pods`, `metadata.labels["app.kubernetes.io/name"]`,
/// `spec.containers[0].image`) and its values before and after (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Dotted path from the document root.
    pub path: String,
    /// Value before.
    pub old: Option<Value>,
    /// Value after.
    pub new: Option<Value>,
}

impl Field {
    /// For a string value of several lines (a dashboard, a script, a rule expression): the
    /// line diff of the value, hunks with 3 lines of context, instead of both values whole.
    pub fn value_diff(&self) -> Option<String> {
        fn text(v: &Option<Value>) -> Option<&str> {
            match v {
                Some(Value::String(s)) => Some(s.as_str()),
                None => Some(""),
                Some(_) => None,
            }
        }
        let (old, new) = (text(&self.old)?, text(&self.new)?);
        if !old.contains('\n') && !new.contains('\n') {
            return None;
        }
        let diff = similar::TextDiff::from_lines(old, new);
        let mut out = diff.unified_diff().context_radius(3).to_string();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        Some(out)
    }

    /// `spec.hard.pods: 200 → 250`.
    pub fn line(&self) -> String {
        format!(
            "{}: {} → {}",
            self.path,
            show(self.old.as_ref()),
            show(self.new.as_ref())
        )
    }
}

/// A value for a one-line summary: strings bare, the rest as compact JSON.
pub fn show(v: Option<&Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A drifted file seen as a Kubernetes object.
#[derive(Debug, Clone)]
pub struct Described<'c, 'a> {
    /// The file change.
    pub change: &'c Change<'a>,
    /// Cluster folder (`None` for `argocd/`).
    pub cluster: Option<String>,
    /// The object's namespace (the folder's, or `metadata.namespace`).
    pub namespace: Option<String>,
    /// Kind (`CronJob`; `Kustomization` for kustomization.yaml).
    pub kind: String,
    /// API group (`batch`, `""` for the core group), from `apiVersion`; `None` where the file
    /// does not say (a file that is not YAML).
    pub group: Option<String>,
    /// metadata.name (`None` for kustomization.yaml).
    pub name: Option<String>,
    /// Changed fields, in document order (empty unless changed).
    pub fields: Vec<Field>,
}

impl Described<'_, '_> {
    /// Whether this is a folder's kustomization.yaml rather than a cluster object.
    pub fn is_kustomization(&self) -> bool {
        super::is_kustomization(self.change.path)
    }
}

fn parse(text: &str) -> Option<Value> {
    if text.is_empty() {
        return None;
    }
    serde_saphyr::from_str::<Value>(text).ok()
}

/// Describes a change. Content that is not YAML (a hand-edited file) falls back to what the
/// file name says.
pub fn describe<'c, 'a>(change: &'c Change<'a>) -> Described<'c, 'a> {
    let old = parse(change.old);
    let new = parse(change.new);
    let doc = new.as_ref().or(old.as_ref());
    let segments: Vec<&str> = change.path.split('/').collect();
    let file = segments.last().copied().unwrap_or_default();
    let stem = file.strip_suffix(".yaml").unwrap_or(file);
    let (file_kind, file_name) = stem.split_once('-').unwrap_or((stem, ""));
    let text = |v: &Value| v.as_str().map(str::to_string);
    let kind = doc
        .and_then(|d| text(&d["kind"]))
        .unwrap_or_else(|| file_kind.to_string());
    let group = doc
        .and_then(|d| text(&d["apiVersion"]))
        .map(|v| match v.rsplit_once('/') {
            Some((group, _)) => group.to_string(),
            None => String::new(),
        });
    let name = doc
        .and_then(|d| text(&d["metadata"]["name"]))
        .or_else(|| (!file_name.is_empty()).then(|| file_name.to_string()));
    let (cluster, namespace) = match segments.as_slice() {
        [cluster, namespace, _] => (Some(cluster.to_string()), Some(namespace.to_string())),
        _ => (None, doc.and_then(|d| text(&d["metadata"]["namespace"]))),
    };
    let mut fields = Vec::new();
    if change.status == Status::Changed {
        match (&old, &new) {
            (Some(o), Some(n)) => walk(String::new(), o, n, &mut fields),
            _ => fields.push(Field {
                path: "(file)".into(),
                old: Some(Value::String("(not YAML)".into())),
                new: new.clone(),
            }),
        }
    }
    Described {
        change,
        cluster,
        namespace,
        kind,
        group,
        name,
        fields,
    }
}

fn key_path(prefix: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, prefix.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{prefix}.{key}"),
        (false, _) => format!("{prefix}[{}]", Value::String(key.to_string())),
    }
}

/// Appends every difference between `old` and `new` below `path`.
pub fn walk(path: String, old: &Value, new: &Value, out: &mut Vec<Field>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => walk(key_path(&path, k), va, vb, out),
                    None => out.push(Field {
                        path: key_path(&path, k),
                        old: Some(va.clone()),
                        new: None,
                    }),
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.push(Field {
                        path: key_path(&path, k),
                        old: None,
                        new: Some(vb.clone()),
                    });
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let p = format!("{path}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(va), Some(vb)) => walk(p, va, vb, out),
                    (va, vb) => out.push(Field {
                        path: p,
                        old: va.cloned(),
                        new: vb.cloned(),
                    }),
                }
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Field {
            path: if path.is_empty() {
                "(root)".into()
            } else {
                path
            },
            old: Some(a.clone()),
            new: Some(b.clone()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change<'a>(path: &'a str, old: &'a str, new: &'a str) -> Change<'a> {
        Change {
            path,
            status: Status::Changed,
            from: None,
            old,
            new,
        }
    }

    #[test]
    fn fields_are_paths_with_old_and_new_values() {
        let old = "kind: ResourceQuota\nmetadata:\n  name: q\n  labels:\n    app.kubernetes.io/x: a\nspec:\n  hard:\n    pods: '200'\n    cpu: '1'\n  list: [a, b]\n";
        let new = "kind: ResourceQuota\nmetadata:\n  name: q\n  labels:\n    app.kubernetes.io/x: b\nspec:\n  hard:\n    pods: '250'\n    memory: 1Gi\n  list: [a]\n";
        let c = change("prod/team/resourcequota-q.yaml", old, new);
        let d = describe(&c);
        assert_eq!(d.cluster.as_deref(), Some("prod"));
        assert_eq!(d.namespace.as_deref(), Some("team"));
        assert_eq!(d.kind, "ResourceQuota");
        assert_eq!(d.name.as_deref(), Some("q"));
        let lines: Vec<String> = d.fields.iter().map(Field::line).collect();
        assert_eq!(
            lines,
            [
                "metadata.labels[\"app.kubernetes.io/x\"]: a → b",
                "spec.hard.pods: 200 → 250",
                "spec.hard.cpu: 1 → (none)",
                "spec.hard.memory: (none) → 1Gi",
                "spec.list[1]: b → (none)",
            ]
        );
    }

    #[test]
    fn unparsable_files_fall_back_to_their_name() {
        let c = Change {
            path: "argocd/application-prod-team.yaml",
            status: Status::Removed,
            from: None,
            old: "{{{ not yaml",
            new: "",
        };
        let d = describe(&c);
        assert_eq!(d.kind, "application");
        assert_eq!(d.name.as_deref(), Some("prod-team"));
        assert_eq!(d.cluster, None);
    }
}
