//! A patched object read again as its kind: only the parts the operations changed when it
//! can, the whole object when it must; either way the result is the whole re-read's.

use serde_json::Value as Json;

use crate::diag::Span;
use crate::yaml::de::Problem;
use crate::yaml::{self, kinds};

/// The patched object read again as its kind, as strictly as a manifest, and written back
/// in the form the API server stores.
///
/// Only what the operations changed can have broken: the rest of the object was read as
/// strictly before (or built by platc from its typed structs). So when every change is below
/// the object's top, only the changed parts are read again ([`changed_parts`]), with the keys
/// on the way to them, and their stored form replaces them; the rest is kept. The result is
/// the whole re-read's, byte for byte (a property test holds them equal), at a fraction of
/// the cost for the usual patch (a `nodeSelector`, a toleration, a label).
pub(super) fn reread(
    kind: &kinds::Kind,
    doc: Json,
    ops: &[(json_patch::PatchOperation, Span)],
    at: Span,
) -> Result<Json, Vec<Problem>> {
    match changed_parts(&doc, ops) {
        Some(parts) => reread_parts(kind, doc, &parts, at, ops),
        None => reread_whole(kind, doc, at, ops),
    }
}

/// The whole object read again.
pub(super) fn reread_whole(
    kind: &kinds::Kind,
    doc: Json,
    at: Span,
    ops: &[(json_patch::PatchOperation, Span)],
) -> Result<Json, Vec<Problem>> {
    let mut node = yaml::Node::from_json(doc, at);
    mark(&mut node, ops);
    let (json, problems) = (kind.read)(&node);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(json.unwrap_or_else(|| node.into_json()))
}

/// The parts of `doc` that `ops` changed, as paths of keys from the top: the `path` of every
/// operation but `test` and the parent of what `remove` and `move` take away, each cut at the
/// first list on its way (a list is read whole), none inside another. `None` when a part is
/// the whole object.
pub(super) fn changed_parts(
    doc: &Json,
    ops: &[(json_patch::PatchOperation, Span)],
) -> Option<Vec<Vec<String>>> {
    use json_patch::PatchOperation as Op;
    let mut parts: Vec<Vec<String>> = Vec::new();
    for (op, _) in ops {
        let (path, removed) = match op {
            Op::Test(_) => continue,
            Op::Remove(r) => (None, Some(&r.path)),
            Op::Move(m) => (Some(&m.path), Some(&m.from)),
            Op::Add(a) => (Some(&a.path), None),
            Op::Replace(r) => (Some(&r.path), None),
            Op::Copy(c) => (Some(&c.path), None),
        };
        for (pointer, parent) in [(path, false), (removed, true)] {
            let Some(pointer) = pointer else { continue };
            let mut tokens: Vec<String> =
                pointer.tokens().map(|t| t.decoded().into_owned()).collect();
            if parent {
                tokens.pop();
            }
            // Cut at the first list: its items have no key to be a part by. (A key that is
            // not there ends the part.)
            let mut at = Some(doc);
            let keep = tokens
                .iter()
                .take_while(|token| match at.and_then(Json::as_object) {
                    Some(map) => {
                        at = map.get(token.as_str());
                        true
                    }
                    None => false,
                })
                .count();
            tokens.truncate(keep);
            if tokens.is_empty() {
                return None;
            }
            parts.push(tokens);
        }
    }
    parts.sort();
    parts.dedup();
    // A part inside another is read with it.
    let all = parts.clone();
    parts.retain(|p| !all.iter().any(|q| q.len() < p.len() && p.starts_with(q)));
    Some(parts)
}

/// The changed parts read again; their stored form replaces them in `doc`.
fn reread_parts(
    kind: &kinds::Kind,
    mut doc: Json,
    parts: &[Vec<String>],
    at: Span,
    ops: &[(json_patch::PatchOperation, Span)],
) -> Result<Json, Vec<Problem>> {
    let refs: Vec<&[String]> = parts.iter().map(Vec::as_slice).collect();
    let mut node = yaml::Node::from_json(pruned(&doc, &refs), at);
    mark(&mut node, ops);
    let (json, problems) = (kind.read_parts)(&node, &refs);
    if !problems.is_empty() {
        return Err(problems);
    }
    let Some(mut json) = json else {
        return reread_whole(kind, doc, at, ops);
    };
    for part in parts {
        let Some((last, up)) = part.split_last() else {
            continue;
        };
        let Some(Json::Object(parent)) = lookup_mut(&mut doc, up) else {
            continue;
        };
        if !parent.contains_key(last) {
            continue;
        }
        match lookup_mut(&mut json, part).map(std::mem::take) {
            Some(stored) => {
                parent.insert(last.clone(), stored);
            }
            None => {
                parent.shift_remove(last);
            }
        }
        // A key the patch added went to the end; the stored form has the type's order:
        // sorted, with `apiVersion` and `kind` first in an object (as k8s-openapi writes
        // fields) but not in a map of strings (a BTreeMap). The other keys tell which of
        // the two this is, or the whole object is read again.
        let others: Vec<&String> = parent.keys().filter(|k| *k != last).collect();
        let mut by_bytes: Vec<&String> = parent.keys().collect();
        by_bytes.sort();
        let mut by_fields = by_bytes.clone();
        by_fields.sort_by(|a, b| field_order(a, b));
        let order = match (
            others.is_sorted(),
            others.is_sorted_by(|a, b| field_order(a, b).is_le()),
        ) {
            (true, false) => by_bytes,
            (false, true) => by_fields,
            (true, true) if by_bytes == by_fields => by_bytes,
            _ => return reread_whole(kind, doc, at, ops),
        };
        if !parent.keys().eq(order.iter().copied()) {
            let order: Vec<String> = order.into_iter().cloned().collect();
            let mut entries = std::mem::take(parent);
            for key in order {
                if let Some(value) = entries.shift_remove(&key) {
                    parent.insert(key, value);
                }
            }
        }
    }
    Ok(doc)
}

/// Points every value an operation wrote at that operation (the last one to write it wins),
/// and what `remove` took away from at the `remove`: a problem in the patched object is then
/// reported at the operation responsible, not only at the target.
pub(super) fn mark(node: &mut yaml::Node, ops: &[(json_patch::PatchOperation, Span)]) {
    use json_patch::PatchOperation as Op;
    fn find<'n>(node: &'n mut yaml::Node, tokens: &[String]) -> Option<&'n mut yaml::Node> {
        let Some((first, rest)) = tokens.split_first() else {
            return Some(node);
        };
        let next = match &mut node.value {
            yaml::Value::Map(entries) => {
                entries.iter_mut().find(|(k, _)| k == first).map(|(_, v)| v)
            }
            yaml::Value::Seq(items) => {
                let i = if first == "-" {
                    items.len().checked_sub(1)
                } else {
                    first.parse().ok()
                };
                i.and_then(|i| items.get_mut(i))
            }
            _ => None,
        }?;
        find(next, rest)
    }
    fn paint(node: &mut yaml::Node, span: Span) {
        node.span = span;
        if node.key.is_some() {
            node.key = Some(span);
        }
        match &mut node.value {
            yaml::Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| paint(v, span)),
            yaml::Value::Seq(items) => items.iter_mut().for_each(|v| paint(v, span)),
            _ => {}
        }
    }
    for (op, span) in ops {
        let (pointer, whole) = match op {
            Op::Test(_) => continue,
            Op::Remove(r) => (&r.path, false),
            Op::Add(a) => (&a.path, true),
            Op::Replace(r) => (&r.path, true),
            Op::Copy(c) => (&c.path, true),
            Op::Move(m) => (&m.path, true),
        };
        let mut tokens: Vec<String> = pointer.tokens().map(|t| t.decoded().into_owned()).collect();
        if !whole {
            tokens.pop();
        }
        if let Some(at) = find(node, &tokens) {
            if whole {
                paint(at, *span);
            } else {
                at.span = *span;
            }
        }
    }
}

/// The order of an object's fields as k8s-openapi writes them: `apiVersion`, `kind`, then
/// the others sorted.
fn field_order(a: &str, b: &str) -> std::cmp::Ordering {
    let rank = |k: &str| match k {
        "apiVersion" => 0,
        "kind" => 1,
        _ => 2,
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// `doc` with `apiVersion`, `kind` and only the keys on the way to `parts`, each part whole,
/// in `doc`'s order.
fn pruned(doc: &Json, parts: &[&[String]]) -> Json {
    let Json::Object(map) = doc else {
        return doc.clone();
    };
    let mut out = serde_json::Map::new();
    for (key, value) in map {
        let below = kinds::parts_below(parts, key);
        if below.iter().any(|p| p.is_empty()) {
            out.insert(key.clone(), value.clone());
        } else if !below.is_empty() {
            out.insert(key.clone(), pruned(value, &below));
        } else if key == "apiVersion" || key == "kind" {
            out.insert(key.clone(), value.clone());
        }
    }
    Json::Object(out)
}

fn lookup_mut<'a>(doc: &'a mut Json, path: &[String]) -> Option<&'a mut Json> {
    path.iter()
        .try_fold(doc, |at, key| at.as_object_mut()?.get_mut(key))
}

/// The JSON Pointers an operation changes: its `path`, and the `from` a `move` takes away.
pub(super) fn touched(op: &json_patch::PatchOperation) -> impl Iterator<Item = &str> {
    let from = match op {
        json_patch::PatchOperation::Move(m) => Some(m.from.as_str()),
        _ => None,
    };
    std::iter::once(op.path().as_str()).chain(from)
}
