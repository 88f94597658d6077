//! The objects of `manifests` files: every document of every file a namespace's (or a
//! cluster's) patterns match, checked as the API server would check it, and each problem
//! located at the YAML line it is about.
//!
//! An object needs `apiVersion`, `kind` and `metadata.name`; its namespace is the one that
//! lists the file. A built-in kind is read strictly into its k8s-openapi type
//! ([`yaml::kinds`](crate::yaml::kinds)); a custom resource is checked against its schema from
//! `[platform] crd_schemas` or `crds` when there is one, and kept as it is written otherwise. Pods get the
//! namespace's Pod Security level ([`pods`]); roles and policies get the RBAC and network lints.

mod api;
mod identity;
mod pods;
pub(crate) mod schemas;

use serde_json::{Map, Value as Json};

use super::context::Ctx;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::expand::Attached;
use crate::model::{PodSecurity, UserManifest, Workload};
use crate::syntax::{NodeValue, Path};
use crate::yaml::de::{Problem, ProblemKind};
use crate::yaml::{self, kinds};
pub(crate) use identity::generate_name;
pub(crate) use schemas::Schemas;

/// Where the objects go: a namespace (with its Pod Security level) or a cluster's own folder.
#[derive(Clone, Copy)]
pub(crate) enum Place<'a> {
    /// `[namespaces.NAME] manifests`.
    Namespace {
        /// Its name.
        name: &'a str,
        /// Its Pod Security level.
        level: PodSecurity,
    },
    /// `[clusters.NAME] manifests`: cluster-scoped objects.
    Cluster(&'a str),
}

/// What the manifests of one place hold.
#[derive(Default)]
pub(crate) struct Read {
    /// The objects, in file and document order.
    pub objects: Vec<UserManifest>,
    /// What their pods ask for, for the quota check.
    pub workloads: Vec<Workload>,
    /// What the cross-object checks need to know of them.
    pub facts: Vec<crate::validate::whole::facts::Fact>,
}

/// Reads every object the patterns at `list` (a `manifests` array) name.
pub(crate) fn read(
    ctx: &mut Ctx<'_>,
    attached: &Attached,
    schemas: &Schemas,
    list: &Path,
    place: Place<'_>,
) -> Read {
    let mut read = Read::default();
    let Some(NodeValue::Array(patterns)) = ctx.node(list).map(|n| n.value.clone()) else {
        return read;
    };
    // A file two patterns match is read once.
    let mut seen = std::collections::HashSet::new();
    for pattern in &patterns {
        let files = match attached.files(pattern) {
            Ok(files) => files,
            Err(why) => {
                let shown = match &pattern.value {
                    NodeValue::String(s) => s.as_str(),
                    _ => "",
                };
                ctx.push(crate::expand::pattern_error(
                    why,
                    codes::MANIFEST_FILE,
                    pattern.span,
                    &format!("manifests `{shown}`"),
                    "no manifests here",
                    "patterns are relative to the file they are written in, e.g. `manifests/*.yaml`",
                ));
                continue;
            }
        };
        for file in files {
            if !seen.insert(*file) {
                continue;
            }
            // Syntax errors are reported once per file, by `validate`.
            let Some(Ok(documents)) = attached.yaml(*file) else {
                continue;
            };
            for document in documents {
                empty_list(ctx, &document.root);
                for node in items(&document.root) {
                    if let Some((object, workload)) = object(ctx, schemas, node, place) {
                        if let Place::Namespace { .. } = place {
                            crate::validate::whole::read::of(&object, node, &mut read.facts);
                        }
                        read.objects.push(object);
                        read.workloads.extend(workload);
                    }
                }
            }
        }
    }
    read
}

/// The objects of a document: itself, or the items of a `kind: List` (or any `...List` with
/// `items`, `ConfigMapList` too, as kubectl takes them).
pub(crate) fn items(root: &yaml::Node) -> Vec<&yaml::Node> {
    let is_list = root
        .get("kind")
        .and_then(yaml::Node::as_str)
        .is_some_and(|k| k.ends_with("List"));
    match root.get("items").map(|i| &i.value) {
        Some(yaml::Value::Seq(items)) if is_list => items.iter().collect(),
        _ => vec![root],
    }
}

/// A List without items is an error: whatever it was meant to hold is missing.
fn empty_list(ctx: &mut Ctx<'_>, root: &yaml::Node) {
    let kind = root
        .get("kind")
        .and_then(yaml::Node::as_str)
        .unwrap_or_default();
    if let Some(items) = root.get("items")
        && kind.ends_with("List")
        && matches!(&items.value, yaml::Value::Seq(i) if i.is_empty())
    {
        ctx.push(
            Diagnostic::error(
                codes::EMPTY_LIST,
                items.key.unwrap_or(items.span),
                format!("the {kind} is empty"),
            )
            .with_label("no items")
            .with_help("remove the file, or put the objects it was meant to hold in `items`"),
        );
    }
}

/// One object: checked, and with what its pods ask for.
fn object(
    ctx: &mut Ctx<'_>,
    schemas: &Schemas,
    node: &yaml::Node,
    place: Place<'_>,
) -> Option<(UserManifest, Option<Workload>)> {
    let id = identity::check(ctx, node, place)?;
    let group = kinds::group_of(&id.api_version);
    let cluster_scoped = match kinds::find(&id.api_version, &id.kind) {
        Some(k) => Some(k.cluster_scoped),
        None if kinds::is_builtin_group(group) => {
            unknown_builtin(ctx, node, &id.api_version, &id.kind);
            return None;
        }
        None => schemas.cluster_scoped(group, &id.kind),
    };
    match (place, cluster_scoped) {
        (Place::Namespace { name, .. }, Some(true)) => {
            ctx.push(
                Diagnostic::error(codes::MANIFEST_KIND, id.kind_span, format!("{} is cluster-scoped; it cannot be among the manifests of namespace `{name}`", id.kind))
                    .with_label("cluster-scoped kind")
                    .with_help("list its file in `[clusters.NAME] manifests`: cluster-scoped objects get their own folder and Argo CD Application"),
            );
            return None;
        }
        (Place::Cluster(cluster), Some(false)) => {
            ctx.push(
                Diagnostic::error(codes::MANIFEST_KIND, id.kind_span, format!("{} lives in a namespace; it cannot be among the manifests of cluster `{cluster}`", id.kind))
                    .with_label("namespaced kind")
                    .with_help("list its file in the `manifests` of the namespace it belongs to"),
            );
            return None;
        }
        _ => {}
    }
    let found = yaml::secrets::material(node);
    if !found.is_empty() {
        for f in found {
            ctx.push(
                Diagnostic::error(
                    codes::SECRET_VALUE,
                    node.span_at(&f.path, f.at_key),
                    format!(
                        "{} `{}` {}; secret values never go into git",
                        id.kind, id.name, f.what
                    ),
                )
                .with_label("secret material")
                .with_help(f.help),
            );
        }
        return None;
    }
    let schema = schemas.get(&id.api_version, &id.kind).cloned();
    let body = match kinds::find(&id.api_version, &id.kind) {
        Some(kind) => {
            let (json, problems) = (kind.read)(node);
            let clean = problems.is_empty();
            report(ctx, &id.kind, problems);
            let json = id.with_namespace(json?);
            if clean {
                api::check(ctx, node, &id);
            }
            json
        }
        None => {
            if let Some(schema) = &schema {
                let violations = schema.check(node, &id.with_namespace(node.to_json()));
                let ok = violations.is_empty();
                for v in violations {
                    let d = Diagnostic::error(
                        codes::MANIFEST_SCHEMA,
                        v.span,
                        format!("{} `{}`: {}", id.kind, id.name, v.message),
                    )
                    .with_label("not what the CRD allows");
                    ctx.push(match v.help {
                        Some(h) => d.with_help(h),
                        None => d,
                    });
                }
                if !ok {
                    return None;
                }
            }
            sorted(id.with_namespace(node.to_json()))
        }
    };
    let workload = match place {
        Place::Namespace { level, .. } => pods::check(ctx, node, &id, &body, level),
        Place::Cluster(_) => None,
    };
    if id.kind == "Role" || id.kind == "ClusterRole" {
        super::lints::rbac::manifest(ctx, node, &id.name);
    }
    if id.kind == "NetworkPolicy" {
        super::lints::network::manifest(ctx, node, &id.name);
    }
    Some((
        UserManifest {
            group: kinds::group_of(&id.api_version).to_string(),
            api_version: id.api_version,
            kind: id.kind,
            name: id.name,
            span: id.name_span,
            body: std::sync::Arc::new(body),
            schema,
        },
        workload,
    ))
}

/// A kind of a built-in API group that Kubernetes 1.33 does not serve under that version.
fn unknown_builtin(ctx: &mut Ctx<'_>, node: &yaml::Node, api_version: &str, kind: &str) {
    let Some(problem) = kinds::not_served(api_version, kind) else {
        return;
    };
    let at = if problem.at_version {
        "apiVersion"
    } else {
        "kind"
    };
    ctx.push(
        Diagnostic::error(
            codes::MANIFEST_KIND,
            node.get(at).map_or(node.span, |n| n.span),
            problem.message,
        )
        .with_label("not a Kubernetes kind")
        .with_help(problem.help),
    );
}

/// Reports what the typed read found.
fn report(ctx: &mut Ctx<'_>, kind: &str, problems: Vec<Problem>) {
    for p in problems {
        let d = match p.kind {
            ProblemKind::UnknownField { field, expected } => {
                let help = did_you_mean(&field, expected.iter().copied())
                    .unwrap_or_else(|| format!("fields here: {}", expected.join(", ")));
                Diagnostic::error(
                    codes::MANIFEST_FIELD,
                    p.span,
                    format!("unknown field `{field}` in {kind}"),
                )
                .with_label("no such field")
                .with_help(help)
            }
            ProblemKind::Invalid { message, unquoted } => {
                let d = Diagnostic::error(
                    codes::MANIFEST_VALUE,
                    p.span,
                    format!("invalid {kind}: {message}"),
                )
                .with_label("not what the API accepts");
                if unquoted && message.contains("expected a string") {
                    d.with_help("YAML reads unquoted `yes`, `no`, `on`, `off`, numbers and `~` as booleans, numbers and null, as kubectl does; quote the value to keep it a string")
                } else {
                    d
                }
            }
            ProblemKind::Quantity { text, why } => Diagnostic::error(
                codes::INVALID_QUANTITY,
                p.span,
                format!("invalid quantity `{text}`: {why}"),
            )
            .with_label("not a Kubernetes quantity")
            .with_help(crate::model::quantity::help(&text)),
        };
        ctx.push(d);
    }
}

/// A custom resource as written, keys sorted (after `apiVersion`, `kind` and `metadata`), so
/// the order in which it is written never shows as a change.
fn sorted(json: Json) -> Json {
    fn sort(v: Json) -> Json {
        match v {
            Json::Object(m) => {
                let mut entries: Vec<(String, Json)> = m.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Json::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            Json::Array(items) => Json::Array(items.into_iter().map(sort).collect()),
            other => other,
        }
    }
    let Json::Object(mut top) = json else {
        return json;
    };
    let mut out = Map::new();
    for first in ["apiVersion", "kind", "metadata"] {
        if let Some(v) = top.remove(first) {
            out.insert(first.to_string(), sort(v));
        }
    }
    if let Json::Object(rest) = sort(Json::Object(top)) {
        out.extend(rest);
    }
    Json::Object(out)
}
