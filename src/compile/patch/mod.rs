//! `[[namespaces.NAME.patches]]`, applied to the namespace's compiled objects (generated or
//! manifests) before they are rendered. The result must still be an object the API server
//! takes: it is read again as strictly as a manifest (its k8s-openapi type, or the upstream
//! schema of platc's custom resources, or the schema of a manifest's kind), keeps its kind,
//! name and namespace, and its pods still meet the namespace's Pod Security level. Every
//! problem is located at the patch.

use json_patch::PatchErrorKind;
use serde_json::Value as Json;

mod reread;

use super::{Manifest, Object};
use crate::diag::{Diagnostic, Span, codes, did_you_mean};
use crate::model::{self, pod_security};
use crate::yaml::de::ProblemKind;
use crate::yaml::{self, kinds};
use reread::{mark, reread, touched};

/// Applies the patches of `ns` to `objects` (what `ns` compiled to on one cluster).
pub(super) fn apply(ns: &model::Namespace, objects: &mut [Object], errors: &mut Vec<Diagnostic>) {
    for patch in &ns.patches {
        let found: Vec<usize> = objects
            .iter()
            .enumerate()
            .filter(|(_, o)| targets(patch, o))
            .map(|(i, _)| i)
            .collect();
        let i = match found.as_slice() {
            [i] => *i,
            [] => {
                errors.push(unknown_target(patch, objects));
                continue;
            }
            several => {
                errors.push(ambiguous_target(patch, several, objects));
                continue;
            }
        };
        let object = &mut objects[i];
        let schema = ns
            .manifests
            .iter()
            .find(|m| m.group == object.group && m.kind == object.kind && m.name == object.name)
            .and_then(|m| m.schema.clone());
        match patched(ns, object, patch, schema.as_deref()) {
            Ok(json) => object.manifest = Manifest::Json(Box::new(json)),
            Err(mut found) => errors.append(&mut found),
        }
    }
}

/// Whether `patch` names `object`: its kind (in any case), its API group where the target
/// names one, and its name.
fn targets(patch: &model::Patch, object: &Object) -> bool {
    object.kind.eq_ignore_ascii_case(&patch.kind)
        && object.name == patch.name
        && patch.group.as_ref().is_none_or(|g| *g == object.group)
}

/// `kind.group/name` as kubectl names an object (`kind/name` in the core group).
fn kubectl_name(o: &Object) -> String {
    let kind = o.kind.to_ascii_lowercase();
    if o.group.is_empty() {
        format!("{kind}/{}", o.name)
    } else {
        format!("{kind}.{}/{}", o.group, o.name)
    }
}

/// A target without a group that names objects of several API groups.
fn ambiguous_target(patch: &model::Patch, found: &[usize], objects: &[Object]) -> Diagnostic {
    let names: Vec<String> = found
        .iter()
        .map(|&i| format!("`{}`", kubectl_name(&objects[i])))
        .collect();
    Diagnostic::error(
        codes::PATCH_TARGET,
        patch.span,
        format!(
            "patch target `{}/{}` is ambiguous: it names {}",
            patch.kind,
            patch.name,
            names.join(" and ")
        ),
    )
    .with_label("more than one object")
    .with_help(format!(
        "add the API group as kubectl does: {}",
        names.join(" or ")
    ))
}

/// The bytes an operation writes into the object: the value of `add`, `replace` and `test`
/// (from the config), what a `copy` copies; `move` and `remove` write nothing new.
fn writes(doc: &Json, op: &json_patch::PatchOperation) -> u64 {
    use json_patch::PatchOperation as Op;
    match op {
        Op::Add(a) => json_bytes(&a.value),
        Op::Replace(r) => json_bytes(&r.value),
        Op::Test(t) => json_bytes(&t.value),
        Op::Copy(c) => doc.pointer(c.from.as_str()).map_or(0, json_bytes),
        Op::Move(_) | Op::Remove(_) => 0,
    }
}

/// About what a value takes written as JSON: its strings and keys, and a few bytes a value.
fn json_bytes(value: &Json) -> u64 {
    let mut bytes = 0u64;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        bytes += match v {
            Json::String(s) => s.len() as u64 + 2,
            Json::Array(items) => {
                stack.extend(items);
                2
            }
            Json::Object(map) => {
                for (k, v) in map {
                    bytes += k.len() as u64 + 3;
                    stack.push(v);
                }
                2
            }
            _ => 8,
        };
    }
    bytes
}

/// A patch that writes more than `patch-bytes` into its object.
fn too_large(object: &Object, patch: &model::Patch, at: Span, max: u64) -> Diagnostic {
    let name = "patch-bytes";
    Diagnostic::error(
        codes::WORK_LIMIT,
        at,
        format!(
            "the patch writes more than {} into {} `{}`",
            crate::limits::show(name, max),
            object.kind,
            object.name
        ),
    )
    .with_label("the bound is passed here")
    .with_related(Some(patch.span), "the patched object")
    .with_note(format!("an object the API server stores is at most about 1.5 MiB; platc lets one patch write at most {} (its values and what its `copy` operations copy: `--limit {name}`)", crate::limits::show(name, max)))
    .with_help(crate::limits::raise(name))
}

/// Secret material a patch put into an object, at the operation that wrote it (the last one
/// whose path is on the way to it, or below it), with the target as a second place.
fn secret_value(
    object: &Object,
    patch: &model::Patch,
    found: &crate::yaml::secrets::Found,
) -> Diagnostic {
    let pointer = found.pointer();
    let wrote = patch.operations.iter().rev().find(|(op, _)| {
        let path = match op {
            json_patch::PatchOperation::Test(_) | json_patch::PatchOperation::Remove(_) => {
                return false;
            }
            other => other.path().as_str(),
        };
        on_the_way(path, &pointer) || on_the_way(&pointer, path)
    });
    let at = wrote.map_or(patch.span, |(_, span)| *span);
    let d = Diagnostic::error(
        codes::SECRET_VALUE,
        at,
        format!(
            "after the patch, {} `{}` {}; secret values never go into git",
            object.kind, object.name, found.what
        ),
    )
    .with_label("writes secret material")
    .with_help(found.help);
    if at == patch.span {
        d
    } else {
        d.with_related(Some(patch.span), "the patched object")
    }
}

/// Whether the JSON Pointer `a` is `b` or a parent of it.
fn on_the_way(a: &str, b: &str) -> bool {
    b.strip_prefix(a)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn unknown_target(patch: &model::Patch, objects: &[Object]) -> Diagnostic {
    let names: Vec<String> = objects
        .iter()
        .map(|o| match patch.group {
            Some(_) => kubectl_name(o),
            None => format!("{}/{}", o.kind.to_ascii_lowercase(), o.name),
        })
        .collect();
    let group = patch
        .group
        .as_ref()
        .map(|g| format!(".{g}"))
        .unwrap_or_default();
    let wanted = format!("{}{group}/{}", patch.kind.to_ascii_lowercase(), patch.name);
    let help = did_you_mean(&wanted, names.iter().map(String::as_str))
        .unwrap_or_else(|| format!("objects of this namespace: {}", names.join(", ")));
    Diagnostic::error(
        codes::PATCH_TARGET,
        patch.span,
        format!(
            "patch target `{}{group}/{}` is no object of this namespace",
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
    let max = crate::limits::get().patch_bytes;
    let mut written = 0u64;
    for (op, span) in &patch.operations {
        // Counted before the operation runs: forty `copy` operations that each double a list
        // would otherwise take gigabytes before anything is checked.
        written = written.saturating_add(writes(&doc, op));
        if written > max {
            return Err(vec![too_large(object, patch, *span, max)]);
        }
        if let Err(e) = json_patch::patch(&mut doc, std::slice::from_ref(op)) {
            return Err(vec![failed(&doc, op, &e.kind, *span, object)]);
        }
    }
    let found = crate::yaml::secrets::material(&doc);
    if !found.is_empty() {
        return Err(found
            .into_iter()
            .map(|f| secret_value(object, patch, &f))
            .collect());
    }
    let what = format!("{} `{}`", object.kind, object.name);
    let at = patch.span;
    // At the operation that wrote the offending value, with the target as a second label;
    // at the target when no operation did.
    let result_at = |span: Span, message: String| {
        let d = Diagnostic::error(
            codes::PATCH_RESULT,
            span,
            format!("after the patch, {what} {message}"),
        );
        if span == at {
            d.with_label("this patch")
        } else {
            d.with_label("this operation")
                .with_related(Some(at), "the patch's target")
        }
    };
    for (pointer, before) in IDENTITY.iter().zip(&identity) {
        if doc.pointer(pointer) != before.as_ref() {
            let op = patch
                .operations
                .iter()
                .rev()
                .find(|(op, _)| {
                    touched(op).any(|p| {
                        p == *pointer || pointer.starts_with(&format!("{p}/")) || p.is_empty()
                    })
                })
                .map_or(at, |(_, s)| *s);
            return Err(vec![result_at(op, format!("has another `{}`", &pointer[1..].replace('/', ".")))
                .with_help("a patch changes an object, never which object it is; write a manifest for another one")]);
        }
    }
    let api_version = doc
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let checked = if let Some(kind) = kinds::find(api_version, &object.kind) {
        match reread(kind, doc, &patch.operations, at) {
            Ok(json) => json,
            Err(problems) => {
                return Err(problems
                    .into_iter()
                    .map(|p| {
                        let result = |message: String| result_at(p.span, message);
                        match p.kind {
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
                        }
                    })
                    .collect());
            }
        }
    } else {
        let schema = schema.or_else(|| super::crd::schema(&object.group, &object.kind));
        if let Some(schema) = schema {
            let mut node = yaml::Node::from_json(doc.clone(), at);
            mark(&mut node, &patch.operations);
            let violations = schema.check(&node, &doc);
            if !violations.is_empty() {
                return Err(violations
                    .into_iter()
                    .map(|v| {
                        let d =
                            result_at(v.span, format!("does not match its schema: {}", v.message));
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

#[cfg(test)]
mod tests {
    use super::reread::{changed_parts, reread_whole};
    use super::*;
    use crate::diag::FileId;
    use crate::yaml::de::Problem;
    use serde_json::json;

    /// Every object of a built-in kind in the golden outputs and manifests, in its stored
    /// form (as a patch finds it).
    fn objects() -> Vec<(&'static kinds::Kind, Json)> {
        let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
        let files = crate::fs::read_yaml_inputs(&[golden]).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        for (_, text) in files {
            for doc in yaml::parse(FileId(0), &text).unwrap_or_default() {
                let json = doc.root.to_json();
                let (Some(v), Some(k)) = (json["apiVersion"].as_str(), json["kind"].as_str())
                else {
                    continue;
                };
                if let Some(kind) = kinds::find(v, k)
                    && let (Some(stored), problems) = (kind.read)(&doc.root)
                    && problems.is_empty()
                {
                    out.push((kind, stored));
                }
            }
        }
        out
    }

    /// Every path in `doc`, as JSON Pointers.
    fn pointers(doc: &Json, at: String, out: &mut Vec<String>) {
        match doc {
            Json::Object(map) => {
                for (k, v) in map {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    pointers(v, p, out);
                }
            }
            Json::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    pointers(v, p, out);
                }
            }
            _ => {}
        }
    }

    /// Reading only the changed parts gives what reading the whole object gives: the same
    /// bytes, or the same problems. Random operations (deterministic) on every object of the
    /// golden outputs, with values of every type and real and unknown field names.
    #[test]
    fn reading_the_changed_parts_is_reading_the_whole() {
        let objects = objects();
        assert!(objects.len() > 50, "{} objects", objects.len());
        let mut next = crate::testing::numbers(0x2545_F491_4F6C_DD1D);
        let values = [
            json!("x"),
            json!(3),
            json!(-1),
            json!(1.5),
            json!(true),
            json!(null),
            json!({}),
            json!([]),
            json!({"unknown": 1}),
            json!({"name": "a"}),
            json!("250m"),
            json!("1Gi"),
            json!("2 cores"),
            json!(["a"]),
            json!({"key": "k", "operator": "Exists"}),
            json!({"node-pool": "batch"}),
            json!([{"name": "x", "image": "i:1"}]),
            json!({"cpu": "1", "memory": "2Gi"}),
        ];
        let names = [
            "nodeSelector",
            "tolerations",
            "labels",
            "annotations",
            "foo",
            "image",
            "name",
            "replicas",
            "cpu",
            "memory",
            "a/b",
            "zzz",
            "Aa",
            "apiVersion",
            "kind",
        ];
        let at = Span::new(FileId(0), 0..0);
        let rounds: usize = std::env::var("PLATC_PATCH_ROUNDS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20);
        let (mut same, mut parts_read) = (0, 0);
        for (kind, object) in &objects {
            let mut paths = Vec::new();
            pointers(object, String::new(), &mut paths);
            for _ in 0..rounds {
                let mut ops = Vec::new();
                for _ in 0..1 + next(3) {
                    let path = &paths[next(paths.len())];
                    let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
                    let value = values[next(values.len())].clone();
                    let new = format!("{parent}/{}", names[next(names.len())].replace('/', "~1"));
                    let op = match next(7) {
                        0 => json!({"op": "add", "path": new, "value": value}),
                        1 => json!({"op": "add", "path": path, "value": value}),
                        2 => json!({"op": "replace", "path": path, "value": value}),
                        3 => json!({"op": "remove", "path": path}),
                        4 => json!({"op": "move", "from": path, "path": new}),
                        5 => json!({"op": "copy", "from": path, "path": new}),
                        _ => json!({"op": "test", "path": path, "value": value}),
                    };
                    let op: json_patch::PatchOperation = serde_json::from_value(op).unwrap();
                    ops.push((op, at));
                }
                let mut doc = object.clone();
                if ops
                    .iter()
                    .any(|(op, _)| json_patch::patch(&mut doc, std::slice::from_ref(op)).is_err())
                {
                    continue;
                }
                if changed_parts(&doc, &ops).is_some() {
                    parts_read += 1;
                }
                let whole = reread_whole(kind, doc.clone(), at, &ops);
                let parts = reread(kind, doc.clone(), &ops, at);
                let shown = |r: &Result<Json, Vec<Problem>>| match r {
                    Ok(j) => serde_json::to_string(j).unwrap_or_default(),
                    Err(p) => format!("{p:?}"),
                };
                assert_eq!(
                    shown(&parts),
                    shown(&whole),
                    "{} {}: {:?}",
                    kind.kind,
                    object["metadata"]["name"],
                    ops.iter().map(|(o, _)| o.to_string()).collect::<Vec<_>>()
                );
                same += 1;
            }
        }
        assert!(
            same > 1000 && parts_read * 2 > same,
            "{same} compared, {parts_read} by parts"
        );
    }
}
