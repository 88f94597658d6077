//! The proof of an import: the config is built in-process, and every mapped object is compared
//! with what the build writes for it, as data. What the build adds (platc's labels, the
//! restricted security context, scratch volumes) is reported as a change; what the input had
//! and the build lost or altered is restored with a patch on that object, or, when that takes
//! more than a few operations or the patch is refused, the object is kept as a manifest.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use super::toml::V;
use crate::expand::{LoadError, Loaded, Loader};
use crate::import::read::Pointer;
use crate::model::Quantity;

/// The files of an import, served to the in-process build.
pub struct Files {
    /// (path relative to the config's folder, text).
    pub files: HashMap<String, String>,
}

impl Loader for Files {
    fn load(&self, pattern: &str) -> Result<Vec<Loaded>, LoadError> {
        let p = glob::Pattern::new(pattern).map_err(|e| format!("invalid pattern: {e}"))?;
        let mut out: Vec<Loaded> = self
            .files
            .iter()
            .filter(|(path, _)| p.matches(path))
            .map(|(path, text)| Loaded {
                shown: path.clone(),
                rel: path.clone(),
                key: path.clone(),
                text: text.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.rel.cmp(&b.rel));
        if out.is_empty() {
            return Err("matches no files".into());
        }
        Ok(out)
    }
}

/// Which object: (group, kind, namespace, name).
pub type Key = (String, String, String, String);

/// Every object the build wrote, by what it is, with the cluster it went to (the first folder
/// of its path; `argocd` for Argo CD's objects).
pub type Built = HashMap<Key, Vec<(String, Json)>>;

/// Every object the build wrote.
pub fn built(objects: Vec<crate::compile::Object<Json>>) -> Built {
    // Each object's cluster and key, on every core: reading the namespace of each manifest,
    // fresh from the build and in no cache, was most of the index's time.
    let keys = crate::par::map(&objects, 4096, |o| {
        let cluster = o.folder.split('/').next().unwrap_or_default().to_string();
        let namespace = o
            .manifest
            .at("/metadata/namespace")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let key = (
            o.group.to_string(),
            o.kind.to_string(),
            namespace,
            o.name.clone(),
        );
        (cluster, key)
    });
    let mut out = Built::with_capacity(objects.len());
    for (o, (cluster, key)) in objects.into_iter().zip(keys) {
        out.entry(key).or_default().push((cluster, o.manifest));
    }
    // The first cluster in name order answers for an input that does not say which.
    for placed in out.values_mut() {
        placed.sort_by(|a, b| a.0.cmp(&b.0));
    }
    out
}

/// The built object for (`cluster`, group, kind, namespace, name); any cluster's when the input
/// does not say which.
pub fn find<'b>(
    built: &'b Built,
    cluster: Option<&str>,
    (group, kind, namespace, name): (&str, &str, &str, &str),
) -> Option<&'b Json> {
    let key = (group.into(), kind.into(), namespace.into(), name.into());
    built
        .get(&key)?
        .iter()
        .find(|(c, _)| cluster.is_none_or(|want| want == c || c == "argocd"))
        .map(|(_, v)| v)
}

/// How an input object differs from the built one.
#[derive(Debug, Default)]
pub struct Changes {
    /// Paths the build added that docs/import.md lists as what platc adds without changing
    /// what the object does: its labels and sync-wave annotations, the namespace, what the
    /// API server would set anyway.
    pub added: Vec<String>,
    /// Paths the build added that change what the object does (a pipeline's restricted
    /// security context, scratch volumes, Pod Security labels).
    pub changed: Vec<String>,
    /// Operations that restore what the input had: (`add`|`replace`, path, value).
    pub restore: Vec<(&'static str, String, Json)>,
}

/// Labels platc puts on every object.
const PLATC_LABELS: [&str; 2] = ["app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"];

/// Whether a label the build adds at `path` (a `.../metadata/labels` map) is one platc adds
/// without changing the object: its own, and on a pipeline's Jobs and pods the pipeline's name.
fn platc_label(kind: &str, path: &str, key: &str) -> bool {
    PLATC_LABELS.contains(&key)
        || (kind == "CronJob" && path.contains("emplate") && key == "app.kubernetes.io/name")
}

/// Whether an annotation the build adds is one platc adds without changing the object.
fn platc_annotation(kind: &str, key: &str, value: &Json) -> bool {
    key == "argocd.argoproj.io/sync-wave"
        || (key == "argocd.argoproj.io/sync-options"
            && value == "Prune=false"
            && matches!(kind, "Namespace" | "KafkaTopic"))
}

/// What the API server sets on an object of `kind` that does not say (Kubernetes' defaults,
/// or the default of the kind's CRD): the build writing it changes nothing.
fn api_default(kind: &str, path: &str, key: &str, value: &Json, input: &Json) -> bool {
    match (kind, path, key) {
        ("CronJob", "/spec", "concurrencyPolicy") => value == "Allow",
        ("CronJob", "/spec", "suspend") => value == false,
        ("CronJob", "/spec", "successfulJobsHistoryLimit") => value == 3,
        ("CronJob", "/spec", "failedJobsHistoryLimit") => value == 1,
        ("CronJob", "/spec/jobTemplate/spec", "backoffLimit") => value == 6,
        // Kubernetes reads a policy without `policyTypes` as an ingress policy, and an egress
        // policy too when it has egress rules.
        ("NetworkPolicy", "/spec", "policyTypes") => {
            let mut want = vec![Json::from("Ingress")];
            if input.pointer("/spec/egress").is_some() {
                want.push(Json::from("Egress"));
            }
            *value == Json::Array(want)
        }
        // The claims a StatefulSet makes are objects of their own: the API server (and
        // k8s-openapi) write their apiVersion and kind.
        ("StatefulSet", p, "apiVersion") if p.starts_with("/spec/volumeClaimTemplates/") => {
            value == "v1"
        }
        ("StatefulSet", p, "kind") if p.starts_with("/spec/volumeClaimTemplates/") => {
            value == "PersistentVolumeClaim"
        }
        ("ExternalSecret", "/spec/target", "creationPolicy") => value == "Owner",
        ("ExternalSecret", "/spec/target", "deletionPolicy") => value == "Retain",
        _ => false,
    }
}

/// Whether the build adding `key` = `value` at `path` of an object of `kind` (read as
/// `input`) leaves what the object does as it was (docs/import.md, "What comes back").
fn documented(kind: &str, path: &str, key: &str, value: &Json, input: &Json) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    let only = |v: &Json, ok: &dyn Fn(&str, &Json) -> bool| {
        v.as_object()
            .is_some_and(|m| m.iter().all(|(k, v)| ok(k, v)))
    };
    match (last, key) {
        ("metadata", "labels") => only(value, &|k, _| platc_label(kind, path, k)),
        ("labels", k) if path.ends_with("/metadata/labels") => platc_label(kind, path, k),
        ("metadata", "annotations") => only(value, &|k, v| platc_annotation(kind, k, v)),
        ("annotations", k) if path.ends_with("/metadata/annotations") => {
            platc_annotation(kind, k, value)
        }
        ("metadata", "namespace") => path == "/metadata",
        // A pipeline's Jobs carry the labels and annotations of its pods.
        ("jobTemplate", "metadata") => kind == "CronJob",
        _ => api_default(kind, path, key, value, input),
    }
}

/// The object being compared: its kind and the input's whole object.
struct Of<'a> {
    kind: &'a str,
    input: &'a Json,
}

/// Quantities written differently but equal (`1000m` and `1`), and numbers and their text.
fn same(a: &Json, b: &Json) -> bool {
    if a == b {
        return true;
    }
    let text = |v: &Json| match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match (text(a), text(b)) {
        (Some(x), Some(y)) => {
            matches!((Quantity::parse(&x), Quantity::parse(&y)), (Ok(p), Ok(q)) if p == q)
        }
        _ => false,
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Where in an object a value is: its JSON pointer, made into text only for a difference (most
/// fields have none, and the text of every field's pointer was most of the comparison's time).
#[derive(Clone, Copy)]
enum At<'p> {
    /// The pointer the comparison starts at.
    Root(&'p str),
    /// A field of an object.
    Key(&'p At<'p>, &'p str),
    /// An item of a list.
    Index(&'p At<'p>, usize),
}

impl At<'_> {
    /// The pointer as text.
    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            At::Root(p) => out.push_str(p),
            At::Key(up, k) => {
                up.write(out);
                out.push('/');
                out.push_str(&escape(k));
            }
            At::Index(up, j) => {
                up.write(out);
                out.push('/');
                out.push_str(&j.to_string());
            }
        }
    }
}

/// The differences between `input` (an object of `kind`) and `built`.
pub fn diff(kind: &str, input: &Json, built: &Json, out: &mut Changes) {
    diff_at(&Of { kind, input }, input, built, &At::Root(""), out);
}

fn diff_at(of: &Of<'_>, input: &Json, built: &Json, path: &At<'_>, out: &mut Changes) {
    match (input, built) {
        (Json::Object(i), Json::Object(b)) => {
            let mut found = 0;
            for (k, v) in i {
                let p = At::Key(path, k);
                match b.get(k) {
                    Some(bv) => {
                        found += 1;
                        diff_at(of, v, bv, &p, out);
                    }
                    None => out.restore.push(("add", p.text(), v.clone())),
                }
            }
            // When every key of `built` is one of the input's, it added none: no second look.
            if found < b.len() {
                let here = path.text();
                for (k, v) in b.iter().filter(|(k, _)| !i.contains_key(*k)) {
                    let p = At::Key(path, k).text();
                    if documented(of.kind, &here, k, v, of.input) {
                        out.added.push(p);
                    } else {
                        out.changed.push(p);
                    }
                }
            }
        }
        (Json::Array(i), Json::Array(b)) => {
            let named = |a: &[Json]| {
                a.iter()
                    .all(|x| x.get("name").and_then(Json::as_str).is_some())
            };
            if named(i) && named(b) && !i.is_empty() {
                // Lists of named items (containers, env, volumes, ports) match by name.
                for v in i {
                    let name = v.get("name");
                    match b.iter().position(|x| x.get("name") == name) {
                        Some(j) => diff_at(of, v, &b[j], &At::Index(path, j), out),
                        None => out
                            .restore
                            .push(("add", format!("{}/-", path.text()), v.clone())),
                    }
                }
                for x in b
                    .iter()
                    .filter(|x| !i.iter().any(|v| v.get("name") == x.get("name")))
                {
                    let name = x.get("name").and_then(Json::as_str).unwrap_or_default();
                    out.changed.push(format!("{}[{name}]", path.text()));
                }
            } else if i.len() == b.len() {
                for (j, (v, bv)) in i.iter().zip(b).enumerate() {
                    diff_at(of, v, bv, &At::Index(path, j), out);
                }
            } else if i.len() < b.len() && i.iter().zip(b).all(|(x, y)| same(x, y)) {
                out.changed.push(At::Index(path, i.len()).text());
            } else {
                out.restore.push(("replace", path.text(), input.clone()));
            }
        }
        _ if same(input, built) => {}
        _ => out.restore.push(("replace", path.text(), input.clone())),
    }
}

/// The restoring operations as the TOML of a patch.
pub fn ops(restore: &[(&'static str, String, Json)]) -> Vec<V> {
    restore
        .iter()
        .map(|(op, path, value)| {
            V::Inline(vec![
                ("op".into(), V::s(*op)),
                ("path".into(), V::s(path.clone())),
                ("value".into(), toml_value(value)),
            ])
        })
        .collect()
}

fn toml_value(v: &Json) -> V {
    match v {
        Json::Null => V::s(""),
        Json::Bool(b) => V::Bool(*b),
        Json::Number(n) => V::number(n),
        Json::String(s) => V::s(s.clone()),
        Json::Array(items) => V::Arr(items.iter().map(toml_value).collect()),
        Json::Object(m) => V::Inline(m.iter().map(|(k, v)| (k.clone(), toml_value(v))).collect()),
    }
}

/// Why the build adds what it adds, by where.
pub fn why(path: &str) -> &'static str {
    if path.contains("pod-security.kubernetes.io") {
        "the namespace's Pod Security level, restricted unless `pod_security` says"
    } else if path.contains("sync-options") {
        "Prune=false: deleting it from a cluster stays a human decision"
    } else if path.starts_with("/spec/jobTemplate/metadata") {
        "a pipeline's Jobs carry the labels and annotations of its pods"
    } else if path.contains("/annotations") {
        "the Argo CD sync wave of its kind"
    } else if path.contains("/metadata/labels") && !path.contains("template") {
        "platc labels every object (managed-by, part-of, [defaults])"
    } else if path.contains("template") && path.contains("/metadata") {
        "platc labels a pipeline's Jobs and pods"
    } else if path.contains("securityContext") {
        "platc runs every pipeline pod under the restricted Pod Security profile"
    } else if path.ends_with("/readOnly") {
        "platc mounts `files` read-only"
    } else if path.contains("volume") {
        "platc gives every step writable scratch space at /work and /tmp"
    } else if path.ends_with("/automountServiceAccountToken") {
        "the API token is mounted only where a role is bound to the pods' account"
    } else if path.ends_with("/concurrencyPolicy") {
        "written out (Kubernetes' default, Allow)"
    } else if path.ends_with("/restartPolicy") {
        "a pipeline's pods are never restarted in place; the Job retries"
    } else if path.contains("/metadata/namespace") {
        "its namespace"
    } else {
        "platc writes it"
    }
}

/// `Changes.added` as the report shows it: the fields, then why, once each.
pub fn summary(added: &[String]) -> String {
    let mut by_why: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in added {
        let field = p
            .rsplit('/')
            .next()
            .unwrap_or(p)
            .replace("~1", "/")
            .replace("~0", "~");
        let list = by_why.entry(why(p)).or_default();
        if !list.contains(&field) {
            list.push(field);
        }
    }
    by_why
        .into_iter()
        .map(|(why, fields)| format!("{} ({why})", fields.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}
