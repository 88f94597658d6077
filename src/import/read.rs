//! The objects of the YAML being imported: every document of every file (a `kind: List`
//! unpacked, `kustomization.yaml` files skipped), each with `apiVersion`, `kind` and
//! `metadata.name`, and without what the API server adds (`status`, `managedFields`, ...).

use serde_json::Value as Json;

use crate::diag::{Diagnostic, SourceMap, Span, codes};
use crate::yaml::{self, Node};

/// One object to import.
#[derive(Debug, Clone)]
pub struct Object {
    /// `apps/v1`.
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, when it has one.
    pub namespace: Option<String>,
    /// The object, without what the API server adds.
    pub json: Json,
    /// Where its name is written.
    pub origin: Span,
    /// The cluster its file's path names (`out/<cluster>/<namespace>/...`), when it does.
    pub cluster: Option<String>,
}

impl Object {
    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// Its labels.
    pub fn labels(&self) -> Vec<(String, String)> {
        string_map(self.json.at("/metadata/labels"))
    }

    /// Its labels, borrowed.
    pub fn label_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        string_pairs(self.json.at("/metadata/labels"))
    }

    /// Its annotations.
    pub fn annotations(&self) -> Vec<(String, String)> {
        string_map(self.json.at("/metadata/annotations"))
    }

    /// `kind/name` as a patch's target names it, or with its group (`kind.group/name`, as
    /// kubectl writes it) where another object shares its kind and name.
    pub fn id(&self, with_group: bool) -> String {
        let kind = self.kind.to_ascii_lowercase();
        match self.group() {
            group if with_group && !group.is_empty() => format!("{kind}.{group}/{}", self.name),
            _ => format!("{kind}/{}", self.name),
        }
    }
}

/// [`Json::pointer`] without its allocations (it copies every token to unescape it), for the
/// lookups made for every object: the value at a JSON pointer (`/spec/groups`, `/a/0`).
pub trait Pointer {
    /// The value at `pointer`, as [`Json::pointer`] finds it.
    fn at(&self, pointer: &str) -> Option<&Json>;
}

impl Pointer for Json {
    fn at(&self, pointer: &str) -> Option<&Json> {
        if pointer.is_empty() || pointer.contains('~') {
            return self.pointer(pointer);
        }
        pointer
            .strip_prefix('/')?
            .split('/')
            .try_fold(self, |v, token| match v {
                Json::Object(m) => m.get(token),
                // An index as `Json::pointer` takes it: no sign, no leading zeros.
                Json::Array(a) if !token.starts_with('+') && !token.starts_with("0") => {
                    token.parse().ok().and_then(|i: usize| a.get(i))
                }
                Json::Array(a) if token == "0" => a.first(),
                _ => None,
            })
    }
}

/// A string-to-string map of a JSON object (other values skipped).
pub fn string_map(v: Option<&Json>) -> Vec<(String, String)> {
    string_pairs(v)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The entries of a JSON object whose values are strings, borrowed.
fn string_pairs(v: Option<&Json>) -> impl Iterator<Item = (&str, &str)> {
    v.and_then(Json::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
}

/// Fields the API server sets, never part of what a repository declares.
const SERVER_FIELDS: [&str; 7] = [
    "creationTimestamp",
    "resourceVersion",
    "uid",
    "generation",
    "managedFields",
    "selfLink",
    "ownerReferences",
];

/// Reads every object of the files in `sources` (all of them are inputs), on all cores.
pub fn objects(
    sources: &SourceMap,
    files: &[crate::diag::FileId],
) -> Result<Vec<Object>, Vec<Diagnostic>> {
    let read = crate::par::map(files, 64, |&file| {
        let f = sources.file(file);
        let name = f.name.rsplit('/').next().unwrap_or(&f.name);
        if name == "kustomization.yaml" || name == "kustomization.yml" {
            return Ok(Vec::new());
        }
        let place = place_of(&f.name);
        let docs = yaml::parse(file, &f.text)?;
        let mut objects = Vec::new();
        let mut errors = Vec::new();
        for doc in docs {
            for node in items(doc.root) {
                match object(node) {
                    Ok(mut o) => {
                        o.cluster = cluster(&o, place.as_ref());
                        objects.push(o);
                    }
                    Err(d) => errors.push(d),
                }
            }
        }
        if errors.is_empty() {
            Ok(objects)
        } else {
            Err(errors)
        }
    });
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for r in read {
        match r {
            Ok(o) => objects.extend(o),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        errors = twice(&objects);
    }
    if errors.is_empty() {
        Ok(objects)
    } else {
        Err(errors)
    }
}

/// The objects the input holds twice: one API group, kind, namespace and name (on one cluster,
/// where the paths say), each an error at the second naming the first. Kubernetes keeps one of
/// them; which one an import kept would be a silent guess.
fn twice(objects: &[Object]) -> Vec<Diagnostic> {
    let mut first: std::collections::HashMap<_, &Object> = std::collections::HashMap::new();
    let mut errors = Vec::new();
    for o in objects {
        let id = (
            o.cluster.as_deref(),
            o.group(),
            o.kind.as_str(),
            o.namespace.as_deref(),
            o.name.as_str(),
        );
        if let Some(before) = first.insert(id, o) {
            let place = o
                .namespace
                .as_ref()
                .map(|ns| format!(" in namespace `{ns}`"))
                .unwrap_or_default();
            errors.push(
                Diagnostic::error(
                    codes::DUPLICATE_OBJECT,
                    o.origin,
                    format!("{} `{}`{place} is in the input twice", o.kind, o.name),
                )
                .with_label("again here")
                .with_related(Some(before.origin), "first here")
                .with_help("Kubernetes keeps one object per API group, kind, namespace and name: remove one of them from the input"),
            );
        }
    }
    errors
}

/// The last two folders of a path: `(c, f)` of `.../c/f/<file>`.
fn place_of(path: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    (parts.len() >= 3).then(|| {
        (
            parts[parts.len() - 3].to_string(),
            parts[parts.len() - 2].to_string(),
        )
    })
}

/// The cluster of an object read from an `out/` tree as platc writes it:
/// `<cluster>/<namespace>/<kind>-<name>.yaml` (`<cluster>/_cluster/...` for cluster-scoped
/// objects). A path of any other shape says nothing.
fn cluster(o: &Object, place: Option<&(String, String)>) -> Option<String> {
    let (cluster, folder) = place?;
    let scoped =
        crate::yaml::kinds::find(&o.api_version, &o.kind).is_some_and(|k| k.cluster_scoped);
    let expected = match o.kind.as_str() {
        "Namespace" if scoped => o.name.as_str(),
        _ if scoped => "_cluster",
        _ => o.namespace.as_deref().unwrap_or("default"),
    };
    (folder == expected).then(|| cluster.clone())
}

/// The objects of a document: the items of a `kind: List`, else the document.
fn items(root: Node) -> Vec<Node> {
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k == "List" || k.ends_with("List"))
        && matches!(
            root.get("items").map(|i| &i.value),
            Some(yaml::Value::Seq(_))
        );
    if !is_list {
        return vec![root];
    }
    let yaml::Value::Map(entries) = root.value else {
        return Vec::new();
    };
    entries
        .into_iter()
        .find_map(|(k, v)| match v.value {
            yaml::Value::Seq(items) if k == "items" => Some(items),
            _ => None,
        })
        .unwrap_or_default()
}

fn object(node: Node) -> Result<Object, Diagnostic> {
    let missing = |what: &str, at: Span| {
        Diagnostic::error(
            codes::MANIFEST_IDENTITY,
            at,
            format!("the object has no `{what}`"),
        )
        .with_label(format!("`{what}` missing"))
        .with_help("every object needs `apiVersion`, `kind` and `metadata.name`")
    };
    if !matches!(node.value, yaml::Value::Map(_)) {
        return Err(Diagnostic::error(
            codes::MANIFEST_IDENTITY,
            node.span,
            format!("an object must be a mapping, not {}", node.type_name()),
        )
        .with_label("not an object"));
    }
    fn text(n: Option<&Node>) -> Option<&str> {
        n.and_then(Node::as_str).filter(|s| !s.is_empty())
    }
    let api_version =
        text(node.get("apiVersion")).ok_or_else(|| missing("apiVersion", node.anchor()))?;
    let kind = text(node.get("kind")).ok_or_else(|| missing("kind", node.anchor()))?;
    let meta = node.get("metadata");
    let name_node = meta.and_then(|m| m.get("name"));
    let name = text(name_node).ok_or_else(|| {
        missing(
            "metadata.name",
            meta.map_or(node.anchor(), |m| m.key.unwrap_or(m.span)),
        )
    })?;
    let (api_version, kind, name) = (api_version.to_string(), kind.to_string(), name.to_string());
    let namespace = text(meta.and_then(|m| m.get("namespace"))).map(str::to_string);
    let origin = name_node.map_or(node.span, |n| n.span);
    let mut json = node.into_json();
    if let Some(m) = json.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = json.get_mut("metadata").and_then(Json::as_object_mut) {
        for f in SERVER_FIELDS {
            meta.remove(f);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Json::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    Ok(Object {
        api_version,
        kind,
        name,
        namespace,
        json,
        origin,
        cluster: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_finds_what_pointer_finds() {
        let v: Json = serde_json::json!({
            "a": {"b": [10, {"c": "x"}], "": 1, "d/e": 2, "f~g": 3},
            "0": {"01": 4}
        });
        for p in [
            "",
            "/",
            "/a",
            "/a/b",
            "/a/b/0",
            "/a/b/1/c",
            "/a/b/01",
            "/a/b/+1",
            "/a/b/2",
            "/a/b/-",
            "/a/",
            "/a/d~1e",
            "/a/f~0g",
            "/0/01",
            "a",
            "/x/y",
            "/a/b/1/c/d",
        ] {
            assert_eq!(v.at(p), v.pointer(p), "{p}");
        }
    }
}
