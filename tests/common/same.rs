//! The promise of `platc import`, checked from outside: every object of the input is an object
//! of the `out/` tree that `build` writes from the import, equal as data, field by field, but
//! for the differences docs/import.md lists ("What comes back"); and `out/` holds no object the
//! input did not have. The input is read here with serde-saphyr, not with platc's reader.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// One input object and where it was read (`file#document`).
pub struct Input {
    /// `file#n`.
    pub at: String,
    /// The object.
    pub object: Value,
}

/// Every object of the YAML files under `dir` (or the file `dir`), in path order: each
/// document, a `...List` unpacked, `kustomization.yaml` skipped.
pub fn inputs(dir: &Path) -> Vec<Input> {
    let files: BTreeMap<String, Vec<u8>> = if dir.is_file() {
        BTreeMap::from([(
            dir.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(dir).unwrap(),
        )])
    } else {
        super::read_tree(dir)
    };
    let mut out = Vec::new();
    for (file, bytes) in files {
        let name = file.rsplit('/').next().unwrap_or(&file);
        if !(file.ends_with(".yaml") || file.ends_with(".yml"))
            || name.starts_with("kustomization.")
        {
            continue;
        }
        out.extend(parse(&file, &String::from_utf8_lossy(&bytes)));
    }
    out
}

/// The objects of one YAML text.
pub fn parse(file: &str, text: &str) -> Vec<Input> {
    let options = serde_saphyr::options! { legacy_octal_numbers: true };
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options)
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut out = Vec::new();
    for (n, doc) in docs.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let list =
            doc["kind"].as_str().is_some_and(|k| k.ends_with("List")) && doc["items"].is_array();
        if list {
            for (i, item) in doc["items"].as_array().unwrap().iter().enumerate() {
                out.push(Input {
                    at: format!("{file}#{n}.items[{i}]"),
                    object: item.clone(),
                });
            }
        } else {
            out.push(Input {
                at: format!("{file}#{n}"),
                object: doc,
            });
        }
    }
    out
}

/// Every object of an `out/` tree by path (kustomizations left out).
pub fn built(out: &Path) -> BTreeMap<String, Value> {
    super::read_tree(out)
        .into_iter()
        .filter(|(p, _)| !p.ends_with("kustomization.yaml"))
        .map(|(p, bytes)| {
            let v: Value = serde_saphyr::from_str(&String::from_utf8_lossy(&bytes))
                .unwrap_or_else(|e| panic!("{p}: {e}"));
            (p, v)
        })
        .collect()
}

/// Labels platc puts on objects (docs/import.md): on every object, and on a pipeline's Jobs
/// and pods.
const PLATC_LABELS: [&str; 2] = ["app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"];

/// Whether `input` has values: a Secret with `data` or `stringData` is never copied.
fn secret_with_values(o: &Value) -> bool {
    o["kind"] == "Secret"
        && o["apiVersion"] == "v1"
        && (o.get("data").is_some() || o.get("stringData").is_some())
}

fn group(o: &Value) -> &str {
    o["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map_or("", |(g, _)| g)
}

/// What the API server adds and a repository never declares: dropped from the input.
fn without_server_fields(mut o: Value) -> Value {
    if let Some(m) = o.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in [
            "creationTimestamp",
            "resourceVersion",
            "uid",
            "generation",
            "managedFields",
            "selfLink",
            "ownerReferences",
        ] {
            meta.remove(f);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    o
}

/// Quantities equal as the API server reads them (`1000m` and `1`).
fn same(a: &Value, b: &Value) -> bool {
    let q = |v: &Value| match v {
        Value::String(s) => platc::model::Quantity::parse(s).ok(),
        Value::Number(n) => platc::model::Quantity::parse(&n.to_string()).ok(),
        _ => None,
    };
    a == b || matches!((q(a), q(b)), (Some(x), Some(y)) if x == y)
}

/// Why the build may add `key` (with `value`) at `path` of a `kind`, per docs/import.md; `None`
/// when it may not.
fn documented(kind: &str, path: &str, key: &str, value: &Value) -> Option<&'static str> {
    let labels_of_platc = |v: &Value| {
        v.as_object().is_some_and(|m| {
            m.keys()
                .all(|k| PLATC_LABELS.contains(&k.as_str()) || pipeline_label(kind, path, k))
        })
    };
    match (path.rsplit('/').next().unwrap_or(""), key) {
        ("metadata", "labels") if labels_of_platc(value) => Some("platc's labels"),
        ("labels", k) if PLATC_LABELS.contains(&k) || pipeline_label(kind, path, k) => {
            Some("platc's labels")
        }
        ("metadata", "annotations")
            if value
                .as_object()
                .is_some_and(|m| m.iter().all(|(k, v)| own_annotation(kind, k, v))) =>
        {
            Some("sync wave")
        }
        ("annotations", k) if own_annotation(kind, k, value) => Some("sync wave"),
        ("metadata", "namespace") if path == "/metadata" => Some("its namespace"),
        ("jobTemplate", "metadata") if kind == "CronJob" => {
            Some("a pipeline's Jobs carry the labels and annotations of its pods")
        }
        ("spec", "policyTypes") if kind == "NetworkPolicy" && path == "/spec" => {
            Some("the API server's default")
        }
        ("target", "creationPolicy") if kind == "ExternalSecret" && value == "Owner" => {
            Some("the default of External Secrets' CRD")
        }
        ("spec", "concurrencyPolicy") if kind == "CronJob" && value == "Allow" => {
            Some("the API server's default")
        }
        (_, "apiVersion" | "kind")
            if kind == "StatefulSet" && path.starts_with("/spec/volumeClaimTemplates/") =>
        {
            Some("a StatefulSet's claim templates are objects of their own")
        }
        _ => None,
    }
}

fn pipeline_label(kind: &str, path: &str, key: &str) -> bool {
    kind == "CronJob" && path.contains("template") && key == "app.kubernetes.io/name"
}

fn own_annotation(kind: &str, key: &str, value: &Value) -> bool {
    key == "argocd.argoproj.io/sync-wave"
        || (key == "argocd.argoproj.io/sync-options"
            && value == "Prune=false"
            && matches!(kind, "Namespace" | "KafkaTopic"))
}

/// Every difference between `input` and `built` below `path` that docs/import.md does not
/// list.
fn differences(kind: &str, input: &Value, built: &Value, path: &str, out: &mut Vec<String>) {
    match (input, built) {
        (Value::Object(i), Value::Object(b)) => {
            for (k, v) in i {
                match b.get(k) {
                    Some(bv) => differences(kind, v, bv, &format!("{path}/{k}"), out),
                    None => out.push(format!("{path}/{k} is lost")),
                }
            }
            for (k, v) in b.iter().filter(|(k, _)| !i.contains_key(*k)) {
                if documented(kind, path, k, v).is_none() {
                    out.push(format!("{path}/{k} is added: {v}"));
                }
            }
        }
        (Value::Array(i), Value::Array(b)) if i.len() == b.len() => {
            for (n, (v, bv)) in i.iter().zip(b).enumerate() {
                differences(kind, v, bv, &format!("{path}/{n}"), out);
            }
        }
        _ if same(input, built) => {}
        _ => out.push(format!("{path} is {built}, not {input}")),
    }
}

/// Every way in which the `out/` tree at `out` breaks the promise of import for `inputs`:
/// an input object that is not built back as it was (but for the documented differences), or
/// a built object that is no input object.
pub fn broken_promises(inputs: &[Input], out: &Path) -> Vec<String> {
    let built = built(out);
    let mut used = vec![false; built.len()];
    let entries: Vec<(&String, &Value)> = built.iter().collect();
    let argocd_in_input = inputs.iter().any(|i| group(&i.object) == "argoproj.io");
    let mut problems = Vec::new();
    for input in inputs {
        let o = without_server_fields(input.object.clone());
        if secret_with_values(&o) {
            continue;
        }
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        let name = o["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let ns = o["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string();
        let kind = kind.as_str();
        let found = entries.iter().position(|(_, b)| {
            b["kind"] == kind
                && group(b) == group(&o)
                && b["metadata"]["name"] == name
                && b["metadata"]["namespace"]
                    .as_str()
                    .is_none_or(|bns| bns == ns)
        });
        let Some(at) = found else {
            problems.push(format!("{}: {kind} {ns}/{name} is not built", input.at));
            continue;
        };
        if used[at] {
            // A duplicate of an equal object, folded.
            continue;
        }
        used[at] = true;
        let mut diffs = Vec::new();
        let mut o = o;
        if entries[at].1["metadata"].get("namespace").is_none()
            && let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut)
        {
            // A cluster-scoped object: a namespace written on it means nothing.
            meta.remove("namespace");
        }
        differences(kind, &o, entries[at].1, "", &mut diffs);
        for d in diffs {
            problems.push(format!("{}: {kind} {ns}/{name}: {d}", input.at));
        }
    }
    for ((path, _), used) in entries.iter().zip(&used) {
        if !(*used || argocd_in_input && path.starts_with("argocd/")) {
            problems.push(format!("{path} is no input object"));
        }
    }
    problems
}
