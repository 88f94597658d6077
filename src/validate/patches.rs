//! `[[namespaces.NAME.patches]]`: each `target` is `KIND/NAME` (or `KIND.GROUP/NAME`, as
//! kubectl writes it, where two API groups have the kind), each operation a well-formed
//! RFC 6902 operation (a JSON Pointer `path`, `value` where the operation takes one, `from`
//! for `move` and `copy`). Whether the target exists and the operations apply is known only
//! once the namespace's objects are compiled (`compile::patch`).

use json_patch::jsonptr::PointerBuf;
use json_patch::{
    AddOperation, CopyOperation, MoveOperation, PatchOperation, RemoveOperation, ReplaceOperation,
    TestOperation,
};

use super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model;
use crate::syntax::Path;
use crate::syntax::config::{Patch, PatchOp};

/// The patches of the namespace at `ns_path`.
pub(crate) fn patches(ctx: &mut Ctx<'_>, ns_path: &Path, patches: &[Patch]) -> Vec<model::Patch> {
    patches
        .iter()
        .enumerate()
        .filter_map(|(i, p)| patch(ctx, &ns_path.key("patches").index(i), p))
        .collect()
}

fn patch(ctx: &mut Ctx<'_>, p: &Path, patch: &Patch) -> Option<model::Patch> {
    let target = ctx.val(&p.key("target"));
    let parsed = patch
        .target
        .split_once('/')
        .filter(|(k, n)| !k.is_empty() && !n.is_empty() && !n.contains('/'));
    let parsed = parsed.and_then(|(kind, name)| match kind.split_once('.') {
        None => Some((kind, None, name)),
        Some((kind, group)) if !kind.is_empty() && !group.is_empty() => {
            Some((kind, Some(group), name))
        }
        Some(_) => None,
    });
    let Some((kind, group, name)) = parsed else {
        ctx.push(
            Diagnostic::error(codes::PATCH_TARGET, target, format!("patch target `{}` is not `KIND/NAME`", patch.target))
                .with_label("not KIND/NAME")
                .with_help("name the object as `kubectl get` does, e.g. `cronjob/commodity-prices` or `deployment/api`"),
        );
        return None;
    };
    if patch.patch.is_empty() {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&p.key("patch")),
                "the patch has no operations",
            )
            .with_label("changes nothing")
            .with_help("e.g. `patch = [{ op = \"add\", path = \"/spec/suspend\", value = true }]`"),
        );
    }
    let mut operations = Vec::new();
    for (j, op) in patch.patch.iter().enumerate() {
        let at = p.key("patch").index(j);
        if let Some(o) = operation(ctx, &at, op) {
            operations.push((o, ctx.val(&at)));
        }
    }
    (operations.len() == patch.patch.len()).then(|| model::Patch {
        kind: kind.to_string(),
        group: group.map(str::to_string),
        name: name.to_string(),
        span: target,
        operations,
    })
}

/// How deep a patch's path may reach. An object the API server takes is a few dozen levels
/// deep at most; each `add` one level deeper would otherwise nest an object until writing it
/// overflows the stack.
const MAX_POINTER_DEPTH: usize = 64;

fn pointer(ctx: &mut Ctx<'_>, at: &Path, text: &str) -> Option<PointerBuf> {
    match PointerBuf::parse(text) {
        Ok(p) if p.count() > MAX_POINTER_DEPTH => {
            ctx.push(
                Diagnostic::error(codes::PATCH_FAILED, ctx.val(at), format!("`{}...` reaches more than {MAX_POINTER_DEPTH} levels deep", text.chars().take(40).collect::<String>()))
                    .with_label("too deep")
                    .with_help("a path names the keys down to one field of an object, e.g. `/spec/template/spec/nodeSelector`"),
            );
            None
        }
        Ok(p) => Some(p),
        Err(e) => {
            ctx.push(
                Diagnostic::error(codes::PATCH_FAILED, ctx.val(at), format!("`{text}` is not a JSON Pointer: {e}"))
                    .with_label("not a JSON Pointer")
                    .with_help("a JSON Pointer starts with `/` and names each key on the way, e.g. `/spec/template/spec/nodeSelector`; write `~1` for a `/` inside a key"),
            );
            None
        }
    }
}

fn operation(
    ctx: &mut Ctx<'_>,
    at: &Path,
    op: &crate::syntax::config::PatchOperation,
) -> Option<PatchOperation> {
    let name = format!("{:?}", op.op).to_ascii_lowercase();
    let takes_value = matches!(op.op, PatchOp::Add | PatchOp::Replace | PatchOp::Test);
    let takes_from = matches!(op.op, PatchOp::Move | PatchOp::Copy);
    let mut ok = true;
    for (key, given, wanted) in [
        ("value", op.value.is_some(), takes_value),
        ("from", op.from.is_some(), takes_from),
    ] {
        if given == wanted {
            continue;
        }
        ok = false;
        let (span, message, label) = if given {
            (
                ctx.key(&at.key(key)),
                format!("`{name}` takes no `{key}`"),
                "not used by this operation",
            )
        } else {
            (
                ctx.val(at),
                format!("`{name}` needs a `{key}`"),
                "incomplete operation",
            )
        };
        ctx.push(
            Diagnostic::error(codes::PATCH_FAILED, span, message)
                .with_label(label)
                .with_help("`add`, `replace` and `test` take `value`; `move` and `copy` take `from`; `remove` takes only `path`"),
        );
    }
    let path = pointer(ctx, &at.key("path"), &op.path)?;
    let from = match &op.from {
        Some(f) => Some(pointer(ctx, &at.key("from"), f)?),
        None => None,
    };
    if !ok {
        return None;
    }
    let value = op.value.clone().unwrap_or_default();
    let from = from.unwrap_or_default();
    Some(match op.op {
        PatchOp::Add => PatchOperation::Add(AddOperation { path, value }),
        PatchOp::Remove => PatchOperation::Remove(RemoveOperation { path }),
        PatchOp::Replace => PatchOperation::Replace(ReplaceOperation { path, value }),
        PatchOp::Move => PatchOperation::Move(MoveOperation { from, path }),
        PatchOp::Copy => PatchOperation::Copy(CopyOperation { from, path }),
        PatchOp::Test => PatchOperation::Test(TestOperation { path, value }),
    })
}
