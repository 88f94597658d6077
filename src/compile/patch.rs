//! `[[namespaces.NAME.patches]]`, applied to the namespace's compiled objects (generated or
//! manifests) before they are rendered. The result must still be an object the API server
//! takes: it is read again as strictly as a manifest (its k8s-openapi type, or the upstream
//! schema of platc's custom resources, or the schema of a manifest's kind), keeps its kind,
//! name and namespace, and its pods still meet the namespace's Pod Security level. Every
//! problem is located at the patch.

use json_patch::PatchErrorKind;
use serde_json::Value as Json;

use super::{Manifest, Object};
use crate::diag::{Diagnostic, Span, codes, did_you_mean};
use crate::model::{self, pod_security};
use crate::yaml::de::ProblemKind;
use crate::yaml::{self, kinds};

/// Applies the patches of `ns` to `objects` (what `ns` compiled to on one cluster).
pub(super) fn apply(ns: &model::Namespace, objects: &mut [Object], errors: &mut Vec<Diagnostic>) {
    for patch in &ns.patches {
        let found = objects
            .iter()
            .position(|o| o.kind.eq_ignore_ascii_case(&patch.kind) && o.name == patch.name);
        let Some(i) = found else {
            errors.push(unknown_target(patch, objects));
            continue;
        };
        let object = &mut objects[i];
        let schema = ns
            .manifests
            .iter()
            .find(|m| m.kind == object.kind && m.name == object.name)
            .and_then(|m| m.schema.clone());
        match patched(ns, object, patch, schema.as_deref()) {
            Ok(json) => object.manifest = Manifest::Json(Box::new(json)),
            Err(mut found) => errors.append(&mut found),
        }
    }
}

fn unknown_target(patch: &model::Patch, objects: &[Object]) -> Diagnostic {
    let names: Vec<String> = objects
        .iter()
        .map(|o| format!("{}/{}", o.kind.to_ascii_lowercase(), o.name))
        .collect();
    let wanted = format!("{}/{}", patch.kind.to_ascii_lowercase(), patch.name);
    let help = did_you_mean(&wanted, names.iter().map(String::as_str))
        .unwrap_or_else(|| format!("objects of this namespace: {}", names.join(", ")));
    Diagnostic::error(
        codes::PATCH_TARGET,
        patch.span,
        format!(
            "patch target `{}/{}` is no object of this namespace",
            patch.kind, patch.name
        ),
    )
    .with_label("no such object")
    .with_help(help)
}

/// The fields that say which object an object is.
const IDENTITY: [&str; 4] = [
    "/apiVersion",
    "/kind",
    "/metadata/name",
    "/metadata/namespace",
];

/// The object with the patch applied and checked.
fn patched(
    ns: &model::Namespace,
    object: &Object,
    patch: &model::Patch,
    schema: Option<&yaml::schema::Schema>,
) -> Result<Json, Vec<Diagnostic>> {
    let mut doc = serde_json::to_value(&object.manifest).unwrap_or_default();
    // What says which object it is, which a patch must leave as it is.
    let identity = IDENTITY.map(|pointer| doc.pointer(pointer).cloned());
    for (op, span) in &patch.operations {
        if let Err(e) = json_patch::patch(&mut doc, std::slice::from_ref(op)) {
            return Err(vec![failed(&doc, op, &e.kind, *span, object)]);
        }
    }
    let what = format!("{} `{}`", object.kind, object.name);
    let at = patch.span;
    let result = |message: String| {
        Diagnostic::error(
            codes::PATCH_RESULT,
            at,
            format!("after the patch, {what} {message}"),
        )
        .with_label("this patch")
    };
    for (pointer, before) in IDENTITY.iter().zip(&identity) {
        if doc.pointer(pointer) != before.as_ref() {
            return Err(vec![result(format!("has another `{}`", &pointer[1..].replace('/', ".")))
                .with_help("a patch changes an object, never which object it is; write a manifest for another one")]);
        }
    }
    let api_version = doc
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let checked = if let Some(kind) = kinds::find(api_version, &object.kind) {
        let node = yaml::Node::from_json(doc, at);
        let (json, problems) = (kind.read)(&node);
        if !problems.is_empty() {
            return Err(problems
                .into_iter()
                .map(|p| match p.kind {
                    ProblemKind::UnknownField { field, expected } => {
                        let d = result(format!("has an unknown field `{field}`"));
                        match did_you_mean(&field, expected.iter().copied()) {
                            Some(h) => d.with_help(h),
                            None => d,
                        }
                    }
                    ProblemKind::Invalid { message, .. } => {
                        result(format!("is invalid: {message}"))
                    }
                    ProblemKind::Quantity { text, why } => {
                        result(format!("has an invalid quantity `{text}`: {why}"))
                            .with_help(crate::model::quantity::help(&text))
                    }
                })
                .collect());
        }
        json.unwrap_or_else(|| node.to_json())
    } else {
        let schema = schema.or_else(|| super::crd::schema(&object.kind));
        if let Some(schema) = schema {
            let violations = schema.check(&yaml::Node::from_json(doc.clone(), at), &doc);
            if !violations.is_empty() {
                return Err(violations
                    .into_iter()
                    .map(|v| {
                        let d = result(format!("does not match its schema: {}", v.message));
                        match v.help {
                            Some(h) => d.with_help(h),
                            None => d,
                        }
                    })
                    .collect());
            }
        }
        doc
    };
    // An object's pods met the namespace's level before (platc's own are checked when
    // validated, a manifest's when read); only a patch that changes what the check reads can
    // make them break it.
    if patch
        .operations
        .iter()
        .any(|(op, _)| touched(op).any(|p| pod_security::may_change_level(&object.kind, p)))
    {
        pods(ns, object, &checked, at)?;
    }
    Ok(checked)
}

/// The JSON Pointers an operation changes: its `path`, and the `from` a `move` takes away.
fn touched(op: &json_patch::PatchOperation) -> impl Iterator<Item = &str> {
    let from = match op {
        json_patch::PatchOperation::Move(m) => Some(m.from.as_str()),
        _ => None,
    };
    std::iter::once(op.path().as_str()).chain(from)
}

/// The patched object's pods against the namespace's Pod Security level.
fn pods(
    ns: &model::Namespace,
    object: &Object,
    doc: &Json,
    at: Span,
) -> Result<(), Vec<Diagnostic>> {
    let Some((path, spec)) = pod_security::pod_spec_of(&object.kind, doc) else {
        return Ok(());
    };
    let violations = pod_security::check(ns.pod_security, &spec);
    if violations.is_empty() {
        return Ok(());
    }
    Err(violations
        .into_iter()
        .map(|v| {
            let mut full: Vec<yaml::Step> = path.iter().map(|p| yaml::Step::Key((*p).into())).collect();
            full.extend(v.path);
            Diagnostic::error(
                codes::POD_SECURITY,
                at,
                format!(
                    "after the patch, {} `{}` breaks the namespace's Pod Security level at `{}`: {}",
                    object.kind,
                    object.name,
                    yaml::schema::show(&full),
                    v.what
                ),
            )
            .with_label("this patch")
            .with_help(v.help)
        })
        .collect())
}

/// Why an operation failed, and what is at the path instead.
fn failed(
    doc: &Json,
    op: &json_patch::PatchOperation,
    kind: &PatchErrorKind,
    span: Span,
    object: &Object,
) -> Diagnostic {
    let path = op.path().to_string();
    let name = match op {
        json_patch::PatchOperation::Add(_) => "add",
        json_patch::PatchOperation::Remove(_) => "remove",
        json_patch::PatchOperation::Replace(_) => "replace",
        json_patch::PatchOperation::Move(_) => "move",
        json_patch::PatchOperation::Copy(_) => "copy",
        json_patch::PatchOperation::Test(_) => "test",
    };
    let what = format!("{} `{}`", object.kind, object.name);
    let (message, help) = match kind {
        PatchErrorKind::TestFailed => (
            format!(
                "`test` of `{path}` failed: {what} holds {} there",
                short(doc.pointer(&path))
            ),
            "the patch expects another value; change the `test` or drop it".to_string(),
        ),
        PatchErrorKind::CannotMoveInsideItself => (
            format!("cannot move `{path}` inside itself"),
            "`from` must not be a prefix of `path`".to_string(),
        ),
        _ => {
            let shown = match (kind, op) {
                (PatchErrorKind::InvalidFromPointer, json_patch::PatchOperation::Move(m)) => {
                    m.from.to_string()
                }
                (PatchErrorKind::InvalidFromPointer, json_patch::PatchOperation::Copy(c)) => {
                    c.from.to_string()
                }
                _ => path.clone(),
            };
            (
                format!("`{name}` failed: {what} has nothing at `{shown}`"),
                deepest(doc, &shown),
            )
        }
    };
    Diagnostic::error(codes::PATCH_FAILED, span, message)
        .with_label("cannot apply")
        .with_help(help)
}

/// What the deepest existing part of `pointer` holds, for the help.
fn deepest(doc: &Json, pointer: &str) -> String {
    let mut at = pointer.to_string();
    while let Some((parent, _)) = at.rsplit_once('/') {
        at = parent.to_string();
        if let Some(v) = doc.pointer(&at) {
            let shown = if at.is_empty() {
                "the object"
            } else {
                at.as_str()
            };
            return match v {
                Json::Object(m) => format!(
                    "`{shown}` holds {}; `add` creates one missing key, but not its parents",
                    m.keys()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Json::Array(a) => format!(
                    "`{shown}` is a list of {} items; use an index below that or `-` to append",
                    a.len()
                ),
                _ => format!("`{shown}` is a single value"),
            };
        }
    }
    "paths are JSON Pointers, e.g. `/spec/template/spec/nodeSelector`".into()
}

fn short(v: Option<&Json>) -> String {
    match v {
        None => "nothing".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 60 {
                format!("`{}...`", text.chars().take(57).collect::<String>())
            } else {
                format!("`{text}`")
            }
        }
    }
}
