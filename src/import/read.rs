//! The objects of the YAML being imported: every document of every file (a `kind: List`
//! unpacked, `kustomization.yaml` files skipped), each with `apiVersion`, `kind` and
//! `metadata.name`, and without what the API server adds (`status`, `managedFields`, ...).

use serde_json::Value as Json;

use crate::diag::{Diagnostic, SourceMap, Span, codes};
use crate::yaml::secrets::{self, Rule};
use crate::yaml::{self, Node, kinds};

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
    /// Where its `kind` is written.
    pub kind_span: Span,
    /// The cluster its file's path names (`out/<cluster>/<namespace>/...`), when it does.
    pub cluster: Option<String>,
    /// Whether it lives outside namespaces (set by [`scopes`]).
    pub cluster_scoped: bool,
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

    /// Its namespace as `kubectl apply` places it: none for a cluster-scoped object, else its
    /// own or `default`.
    pub fn placed_namespace(&self) -> &str {
        if self.cluster_scoped {
            ""
        } else {
            self.namespace.as_deref().unwrap_or("default")
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

/// What the inputs hold.
pub struct Read {
    /// Every object, in input order.
    pub objects: Vec<Object>,
    /// Where each List without items is (its `items`).
    pub empty_lists: Vec<Span>,
}

/// Reads every object of the files in `sources` (all of them are inputs), on all cores.
pub fn objects(
    sources: &SourceMap,
    files: &[crate::diag::FileId],
) -> Result<Read, Vec<Diagnostic>> {
    let read = crate::par::map(files, 64, |&file| {
        let f = sources.file(file);
        let name = f.name.rsplit('/').next().unwrap_or(&f.name);
        if name == "kustomization.yaml" || name == "kustomization.yml" {
            return Ok((Vec::new(), Vec::new()));
        }
        let place = place_of(&f.name);
        let docs = yaml::parse(file, &f.text)?;
        let mut objects = Vec::new();
        let mut errors = Vec::new();
        let mut empty = Vec::new();
        for doc in docs {
            if let Some(at) = empty_list(&doc.root) {
                empty.push(at);
            }
            for node in items(doc.root) {
                match object(node) {
                    Ok(mut o) => {
                        o.cluster = cluster(&o, place.as_ref());
                        objects.push(o);
                    }
                    Err(d) => errors.extend(d),
                }
            }
        }
        if errors.is_empty() {
            Ok((objects, empty))
        } else {
            Err(errors)
        }
    });
    let mut out = Read {
        objects: Vec::new(),
        empty_lists: Vec::new(),
    };
    let mut errors = Vec::new();
    for r in read {
        match r {
            Ok((o, empty)) => {
                out.objects.extend(o);
                out.empty_lists.extend(empty);
            }
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Where the `items` of a List without any are.
pub fn empty_list(root: &Node) -> Option<Span> {
    let items = root.get("items")?;
    (is_list(root) && matches!(&items.value, yaml::Value::Seq(i) if i.is_empty()))
        .then_some(items.key.unwrap_or(items.span))
}

/// The objects without the copies of one written twice: a copy equal (as data) to the first
/// is folded into it; one that differs is an error naming both. An object is the same as
/// another when its API group, kind, namespace, name and cluster are.
pub fn fold_duplicates(objects: Vec<Object>) -> (Vec<Object>, Vec<super::Folded>, Vec<Diagnostic>) {
    let mut first: std::collections::HashMap<
        (String, String, String, String, Option<String>),
        usize,
    > = std::collections::HashMap::new();
    let mut kept: Vec<Object> = Vec::with_capacity(objects.len());
    let mut folded = Vec::new();
    let mut errors = Vec::new();
    for o in objects {
        let key = (
            o.group().to_string(),
            o.kind.clone(),
            o.placed_namespace().to_string(),
            o.name.clone(),
            o.cluster.clone(),
        );
        match first.get(&key) {
            None => {
                first.insert(key, kept.len());
                kept.push(o);
            }
            Some(&at) if kept[at].json == o.json => folded.push(super::Folded {
                at: o.origin,
                what: super::rounds::what(&o),
                first: kept[at].origin,
            }),
            Some(&at) => errors.push(
                Diagnostic::error(
                    codes::DUPLICATE_INPUT,
                    o.origin,
                    format!("{} is defined twice, differently", super::rounds::what(&o)),
                )
                .with_label("defined again here")
                .with_related(Some(kept[at].origin), "first defined here")
                .with_help(
                    "Kubernetes keeps one object of each kind, namespace and name: delete the copy that is wrong, or rename one",
                ),
            ),
        }
    }
    (kept, folded, errors)
}

/// The last two folders of a path, `(c, f)` of `.../c/f/<file>`, when `c` can be a cluster's
/// name: a folder no cluster can be named (`_archived`, `My Stuff`) is not `out/CLUSTER`.
pub(crate) fn place_of(path: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    let [.., cluster, folder, _] = parts.as_slice() else {
        return None;
    };
    crate::model::names::dns_label_problem(cluster)
        .is_none()
        .then(|| (cluster.to_string(), folder.to_string()))
}

/// The cluster of an object read from an `out/` tree as platc writes it:
/// `<cluster>/<namespace>/<kind>-<name>.yaml` (`<cluster>/_cluster/...` for cluster-scoped
/// objects). A path of any other shape says nothing.
fn cluster(o: &Object, place: Option<&(String, String)>) -> Option<String> {
    let (cluster, folder) = place?;
    let placed = match o.namespace.as_deref() {
        _ if o.kind == "Namespace" && o.group().is_empty() => folder == &o.name,
        // Cluster-scoped (whatever the kind: a custom resource's scope is not known yet).
        None if folder == "_cluster" => true,
        ns => folder == ns.unwrap_or("default"),
    };
    placed.then(|| cluster.clone())
}

/// The objects of a document: the items of a `kind: List` (or any `...List` with `items`, as
/// kubectl takes them), else the document.
fn items(root: Node) -> Vec<Node> {
    if !is_list(&root) {
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

/// Whether a document is a List of objects: `kind: List` or `...List`, with `items` a sequence.
pub fn is_list(root: &Node) -> bool {
    root.get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && matches!(
            root.get("items").map(|i| &i.value),
            Some(yaml::Value::Seq(_))
        )
}

fn object(node: Node) -> Result<Object, Vec<Diagnostic>> {
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
        return Err(vec![
            Diagnostic::error(
                codes::MANIFEST_IDENTITY,
                node.span,
                format!("an object must be a mapping, not {}", node.type_name()),
            )
            .with_label("not an object"),
        ]);
    }
    fn text(n: Option<&Node>) -> Option<&str> {
        n.and_then(Node::as_str).filter(|s| !s.is_empty())
    }
    let api_version =
        text(node.get("apiVersion")).ok_or_else(|| vec![missing("apiVersion", node.anchor())])?;
    let kind = text(node.get("kind")).ok_or_else(|| vec![missing("kind", node.anchor())])?;
    let meta = node.get("metadata");
    let name_node = meta.and_then(|m| m.get("name"));
    if let Some(n) = name_node.filter(|n| !matches!(n.value, yaml::Value::String(_))) {
        return Err(vec![
            Diagnostic::error(
                codes::MANIFEST_IDENTITY,
                n.span,
                format!("`metadata.name` must be a string, not {}", n.type_name()),
            )
            .with_label("not a string")
            .with_help(
                "quote it: YAML reads an unquoted number, `yes` or `~` as something else than text",
            ),
        ]);
    }
    if let (None, Some(g)) = (name_node, meta.and_then(|m| m.get("generateName"))) {
        return Err(vec![crate::validate::generate_name(g)]);
    }
    let name = text(name_node).ok_or_else(|| {
        vec![missing(
            "metadata.name",
            meta.map_or(node.anchor(), |m| m.key.unwrap_or(m.span)),
        )]
    })?;
    // An ExternalSecret's literal template values and pasted credentials would be copied into
    // the config or a kept manifest. (A Secret with values is reported as not copied, see
    // `map::platform`; the last-applied annotation is dropped below.)
    let values: Vec<Diagnostic> = secrets::material(&node)
        .into_iter()
        .filter(|f| matches!(f.rule, Rule::Template | Rule::RemoteKey))
        .map(|f| {
            Diagnostic::error(
                codes::SECRET_VALUE,
                node.span_at(&f.path, f.at_key),
                format!(
                    "{kind} `{name}` {}; platc import never copies secret values",
                    f.what
                ),
            )
            .with_label("secret material")
            .with_help(f.help)
        })
        .collect();
    if !values.is_empty() {
        return Err(values);
    }
    let (api_version, kind, name) = (api_version.to_string(), kind.to_string(), name.to_string());
    let namespace = text(meta.and_then(|m| m.get("namespace"))).map(str::to_string);
    let origin = name_node.map_or(node.span, |n| n.span);
    let kind_span = node.get("kind").map_or(node.span, |n| n.span);
    let version_span = node.get("apiVersion").map_or(node.span, |n| n.span);
    if let Some(d) = not_served(&api_version, &kind, version_span, kind_span) {
        return Err(vec![d]);
    }
    let mut json = node.into_json();
    if let Some(m) = json.as_object_mut() {
        m.remove("status");
    }
    if let Some(meta) = json.get_mut("metadata").and_then(Json::as_object_mut) {
        for f in SERVER_FIELDS {
            meta.remove(f);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Json::as_object_mut) {
            a.remove(secrets::LAST_APPLIED);
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
        kind_span,
        cluster: None,
        cluster_scoped: false,
    })
}

/// A built-in kind under an API version Kubernetes 1.33 does not serve (`batch/v1beta1`
/// CronJob), or a kind its built-in group does not have: one error, at the version or kind.
pub fn not_served(
    api_version: &str,
    kind: &str,
    version_span: Span,
    kind_span: Span,
) -> Option<Diagnostic> {
    let problem = kinds::not_served(api_version, kind)?;
    let span = if problem.at_version {
        version_span
    } else {
        kind_span
    };
    Some(
        Diagnostic::error(codes::MANIFEST_KIND, span, problem.message)
            .with_label("not a Kubernetes kind")
            .with_help(problem.help),
    )
}

/// Sets each object's scope: a built-in kind's from k8s-openapi; a custom resource's from its
/// CustomResourceDefinition among the objects, else from the kinds platc knows. A custom
/// resource of unknown scope is namespaced when it names a namespace, and an error when it
/// does not (platc cannot tell where it goes). A namespace written on a cluster-scoped object
/// means nothing (kubectl ignores it) and is dropped.
pub fn scopes(objects: &mut [Object]) -> Vec<Diagnostic> {
    let mut defined: std::collections::HashMap<(String, String), bool> =
        std::collections::HashMap::new();
    for o in objects.iter().filter(|o| crate::yaml::crd::is_crd(&o.json)) {
        if let Ok(crd) = crate::yaml::crd::read(&o.json) {
            defined.insert((crd.group, crd.kind), crd.cluster_scoped);
        }
    }
    let mut errors = Vec::new();
    for o in objects.iter_mut() {
        let group = kinds::group_of(&o.api_version);
        let scope = match kinds::find(&o.api_version, &o.kind) {
            Some(k) => Some(k.cluster_scoped),
            None => defined
                .get(&(group.to_string(), o.kind.clone()))
                .copied()
                .or_else(|| crate::yaml::crd::known_scope(group, &o.kind)),
        };
        o.cluster_scoped = match (scope, &o.namespace) {
            (Some(s), _) => s,
            (None, Some(_)) => false,
            (None, None) => {
                errors.push(
                    Diagnostic::error(
                        codes::UNKNOWN_SCOPE,
                        o.kind_span,
                        format!(
                            "platc cannot tell whether {} ({group}) is namespaced or cluster-scoped",
                            o.kind
                        ),
                    )
                    .with_label("scope unknown")
                    .with_help(
                        "add the file of its CustomResourceDefinition to what you import, or give the object a `metadata.namespace` if it is namespaced",
                    ),
                );
                false
            }
        };
        if o.cluster_scoped
            && o.namespace.take().is_some()
            && let Some(meta) = o.json.get_mut("metadata").and_then(Json::as_object_mut)
        {
            meta.remove("namespace");
        }
    }
    errors
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
