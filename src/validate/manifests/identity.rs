//! What every manifest must say about itself: `apiVersion`, `kind` (a kind name),
//! `metadata.name` (a name its kind accepts), and no namespace but the one that lists it.

use super::Place;
use crate::diag::{Diagnostic, Span, codes};
use crate::model::names;
use crate::validate::context::Ctx;
use crate::yaml::{Node, Value};

/// Who an object is.
pub(super) struct Identity {
    pub api_version: String,
    pub kind: String,
    pub kind_span: Span,
    pub name: String,
    pub name_span: Span,
    /// The namespace to set (`None` for cluster-scoped objects).
    pub namespace: Option<String>,
}

impl Identity {
    /// The object (as JSON) with `metadata.namespace` set to its namespace, unless it is
    /// cluster-scoped. (Metadata keys are sorted when the object is placed.)
    pub fn with_namespace(&self, mut json: serde_json::Value) -> serde_json::Value {
        if let Some(ns) = &self.namespace
            && let Some(meta) = json.get_mut("metadata").and_then(|m| m.as_object_mut())
        {
            meta.entry("namespace")
                .or_insert_with(|| serde_json::Value::String(ns.clone()));
        }
        json
    }
}

fn missing(ctx: &mut Ctx<'_>, at: Span, what: &str) {
    ctx.push(
        Diagnostic::error(codes::MANIFEST_IDENTITY, at, format!("the manifest has no `{what}`"))
            .with_label(format!("`{what}` missing"))
            .with_help("every object needs `apiVersion`, `kind` and `metadata.name`, e.g. `apiVersion: apps/v1`, `kind: Deployment`, `metadata: {name: api}`"),
    );
}

/// The string at `key` of a mapping; reports it missing or not a string.
fn string<'n>(ctx: &mut Ctx<'_>, map: &'n Node, key: &str, shown: &str) -> Option<(&'n str, Span)> {
    match map.get(key) {
        None => {
            missing(ctx, map.key.unwrap_or_else(|| map.anchor()), shown);
            None
        }
        Some(n) => match &n.value {
            Value::String(s) if !s.is_empty() => Some((s, n.span)),
            _ => {
                ctx.push(
                    Diagnostic::error(
                        codes::MANIFEST_IDENTITY,
                        n.span,
                        format!(
                            "`{shown}` must be a non-empty string, not {}",
                            n.type_name()
                        ),
                    )
                    .with_label("not a string"),
                );
                None
            }
        },
    }
}

/// `generateName` without a `name`: the API server makes a new object on every apply.
pub(crate) fn generate_name(at: &Node) -> Diagnostic {
    Diagnostic::error(
        codes::MANIFEST_IDENTITY,
        at.key.unwrap_or(at.span),
        "`metadata.generateName` without `metadata.name`: a new object would be created on every sync",
    )
    .with_label("platc writes named objects")
    .with_help(
        "give the object a `metadata.name`; Argo CD hooks that use `generateName` (a Job run on each sync) stay outside platc",
    )
}

/// Kinds whose names are DNS-1123 labels (RFC 1035 for Services), not subdomains.
const LABEL_NAMED: [&str; 2] = ["Namespace", "Service"];
/// Kinds whose names are any path segment (`system:aggregate-to-view`).
const SEGMENT_NAMED: [&str; 4] = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

/// Why `name` is not a name `kind` accepts.
fn name_problem(kind: &str, name: &str) -> Option<String> {
    if SEGMENT_NAMED.contains(&kind) {
        // The API server refuses `.`, `..`, `/` and `%`; platc also refuses what cannot be
        // in the name of the file the object is written to (`role-NAME.yaml`).
        return (name == "."
            || name == ".."
            || name.contains(['/', '%', '\\'])
            || name.contains(char::is_control))
        .then(|| "must not be `.` or `..` or hold `/`, `%`, `\\` or a control character".into());
    }
    if LABEL_NAMED.contains(&kind) {
        if let Some(p) = names::dns_label_problem(name) {
            return Some(p);
        }
        if kind == "Service" && name.starts_with(|c: char| c.is_ascii_digit()) {
            return Some("a Service name must start with a letter".into());
        }
        return None;
    }
    (!names::is_dns_subdomain(name)).then(|| {
        "must be a DNS-1123 subdomain: lower-case letters, digits, `-` and `.`, at most 253 characters, starting and ending with a letter or digit".into()
    })
}

/// Why `kind` is not a kind name: the API server takes a custom resource's kind only when,
/// lower-cased, it is a DNS-1035 label (`Widget`, `KafkaTopic`). It also names the file the
/// object is written to (`widget-NAME.yaml`).
fn kind_problem(kind: &str) -> Option<&'static str> {
    let valid = kind.starts_with(|c: char| c.is_ascii_alphabetic())
        && names::dns_label_problem(&kind.to_ascii_lowercase()).is_none();
    (!valid).then_some(
        "a kind starts with a letter and holds only letters, digits and `-`, at most 63 of them",
    )
}

/// Checks who `node` is; `None` when it cannot be placed at all (the problems are reported).
pub(super) fn check(ctx: &mut Ctx<'_>, node: &Node, place: Place<'_>) -> Option<Identity> {
    if !matches!(node.value, Value::Map(_)) {
        ctx.push(
            Diagnostic::error(
                codes::MANIFEST_IDENTITY,
                node.span,
                format!(
                    "a manifest must be a mapping (an object), not {}",
                    node.type_name()
                ),
            )
            .with_label("not an object"),
        );
        return None;
    }
    let api_version = string(ctx, node, "apiVersion", "apiVersion");
    let kind = string(ctx, node, "kind", "kind");
    let meta = match node.get("metadata") {
        None => {
            missing(ctx, node.anchor(), "metadata.name");
            None
        }
        Some(m) if matches!(m.value, Value::Map(_)) => Some(m),
        Some(m) => {
            ctx.push(
                Diagnostic::error(
                    codes::MANIFEST_IDENTITY,
                    m.span,
                    "`metadata` must be a mapping",
                )
                .with_label("not a mapping"),
            );
            None
        }
    };
    if let Some(g) = meta
        .filter(|m| m.get("name").is_none())
        .and_then(|m| m.get("generateName"))
    {
        ctx.push(generate_name(g));
        return None;
    }
    let name = meta.and_then(|m| string(ctx, m, "name", "metadata.name"));
    let (api_version, kind, (name, name_span)) = (api_version?, kind?, name?);
    let (kind, kind_span) = kind;
    if let Some(problem) = kind_problem(kind) {
        ctx.push(
            Diagnostic::error(
                codes::MANIFEST_IDENTITY,
                kind_span,
                format!("invalid kind `{kind}`: {problem}"),
            )
            .with_label("not a kind name")
            .with_help("a kind is a name in CamelCase, e.g. `Deployment` or `KafkaTopic`"),
        );
        return None;
    }
    if let Some(problem) = name_problem(kind, name) {
        ctx.push(
            Diagnostic::error(
                codes::MANIFEST_IDENTITY,
                name_span,
                format!("invalid {kind} name `{name}`: {problem}"),
            )
            .with_label("not a valid name"),
        );
    }
    let mut namespace = None;
    let written = meta.and_then(|m| m.get("namespace"));
    match place {
        Place::Namespace { name: ns, .. } => {
            match written.map(|n| (&n.value, n.span)) {
                Some((Value::String(s), _)) if s == ns => {}
                Some((_, span)) => ctx.push(
                    Diagnostic::error(codes::MANIFEST_IDENTITY, span, format!("{kind} `{name}` names another namespace; it is listed by namespace `{ns}`"))
                        .with_label("another namespace")
                        .with_help(format!("leave out `metadata.namespace` (platc sets `{ns}`), or list the file in that namespace's `manifests`")),
                ),
                None => namespace = Some(ns.to_string()),
            }
        }
        Place::Cluster(cluster) => {
            if let Some(n) = written {
                ctx.push(
                    Diagnostic::error(codes::MANIFEST_IDENTITY, n.span, format!("{kind} `{name}` has a namespace, but it is listed by cluster `{cluster}`"))
                        .with_label("cluster-scoped objects have no namespace")
                        .with_help("remove `metadata.namespace`, or list the file in that namespace's `manifests`"),
                );
            }
        }
    }
    if let Some(labels) = meta.and_then(|m| m.get("labels")) {
        check_labels(ctx, labels);
    }
    Some(Identity {
        api_version: api_version.0.to_string(),
        kind: kind.to_string(),
        kind_span,
        name: name.to_string(),
        name_span,
        namespace,
    })
}

fn check_labels(ctx: &mut Ctx<'_>, labels: &Node) {
    let Value::Map(entries) = &labels.value else {
        return;
    };
    for (k, v) in entries {
        if let Some(problem) = names::label_key_problem(k) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_LABEL,
                    v.key.unwrap_or(v.span),
                    format!("invalid label key `{k}`: {problem}"),
                )
                .with_label("invalid key"),
            );
        }
        if let Value::String(s) = &v.value
            && let Some(problem) = names::label_value_problem(s)
        {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_LABEL,
                    v.span,
                    format!("invalid value for label `{k}`: {problem}"),
                )
                .with_label("invalid value"),
            );
        }
    }
}
