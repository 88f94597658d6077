//! A pipeline's steps: unique container names, images and commands, and the resources each
//! step's container gets: the step's own amounts, else the pipeline's, resource by resource,
//! with every limit at least its request.

use std::collections::BTreeSet;

use super::image;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, ResourceList};
use crate::syntax::Path;
use crate::syntax::config::{self, ContainerResources};
use crate::validate::context::Ctx;

/// The requests and limits of one `resources` table at `p`, each limit checked against its
/// request.
fn resources(
    ctx: &mut Ctx<'_>,
    p: &Path,
    r: Option<&ContainerResources>,
) -> (ResourceList, ResourceList) {
    let Some(r) = r else {
        return Default::default();
    };
    let requests = r
        .requests
        .as_ref()
        .map(|x| ctx.resources(&p.key("requests"), x))
        .unwrap_or_default();
    let limits = r
        .limits
        .as_ref()
        .map(|x| ctx.resources(&p.key("limits"), x))
        .unwrap_or_default();
    ctx.limit_at_least_request(p, "requests", "limits", &requests, &limits);
    (requests, limits)
}

pub(super) fn steps(ctx: &mut Ctx<'_>, p: &Path, pl: &config::Pipeline) -> Vec<model::Step> {
    if pl.steps.is_empty() {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&p.key("steps")),
                "a pipeline needs at least one step",
            )
            .with_label("no steps")
            .with_help("e.g. `steps = [{ name = \"run\", args = [\"run\"] }]`"),
        );
    }
    let rp = p.key("resources");
    let (requests, limits) = resources(ctx, &rp, pl.resources.as_ref());
    let mut seen = BTreeSet::new();
    pl.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sp = p.key("steps").index(i);
            if ctx.dns_label(&sp.key("name"), &s.name, "step name", false)
                && !seen.insert(s.name.as_str())
            {
                ctx.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        ctx.val(&sp.key("name")),
                        format!("step name `{}` is used twice", s.name),
                    )
                    .with_label("duplicate step name")
                    .with_help("each step is a container; container names are unique within a pod"),
                );
            }
            if let Some(img) = &s.image {
                image(ctx, &sp.key("image"), img);
            }
            if let Some(cmd) = &s.command
                && cmd.is_empty()
            {
                ctx.push(
                    Diagnostic::error(
                        codes::OUT_OF_RANGE,
                        ctx.val(&sp.key("command")),
                        "`command` is empty",
                    )
                    .with_label("omit it to use the image's entrypoint"),
                );
            }
            let srp = sp.key("resources");
            let (own_requests, own_limits) = resources(ctx, &srp, s.resources.as_ref());
            let merge = |base: &ResourceList, own: &ResourceList| {
                let mut out = base.clone();
                for (k, v) in own {
                    out.insert(k.clone(), v.clone());
                }
                out
            };
            let step_requests = merge(&requests, &own_requests);
            let step_limits = merge(&limits, &own_limits);
            // A limit and a request from the same table were compared above; one of each
            // only meets here.
            for (res, limit) in &step_limits {
                let Some(request) = step_requests.get(res) else {
                    continue;
                };
                let (limit_own, request_own) =
                    (own_limits.contains_key(res), own_requests.contains_key(res));
                if limit >= request || limit_own == request_own {
                    continue;
                }
                let at = |own: bool, kind: &str| {
                    if own { &srp } else { &rp }.key(kind).key(res.as_str())
                };
                let (here, there, there_label) = if limit_own {
                    (
                        at(true, "limits"),
                        at(false, "requests"),
                        "the pipeline's request",
                    )
                } else {
                    (
                        at(true, "requests"),
                        at(false, "limits"),
                        "the pipeline's limit",
                    )
                };
                ctx.push(
                    Diagnostic::error(
                        codes::LIMIT_BELOW_REQUEST,
                        ctx.val(&here),
                        format!(
                            "step `{}` gets a {res} limit {limit} below its request {request}",
                            s.name
                        ),
                    )
                    .with_label(if limit_own {
                        "limit below the pipeline's request"
                    } else {
                        "request above the pipeline's limit"
                    })
                    .with_related(Some(ctx.val(&there)), there_label)
                    .with_help(format!(
                        "a step's own amounts replace the pipeline's one by one: give the step \
                         both a {res} request and a limit, with the limit at least the request"
                    )),
                );
            }
            model::Step {
                name: s.name.clone(),
                image: s.image.clone().unwrap_or_else(|| pl.image.clone()),
                command: s.command.clone(),
                args: s.args.clone(),
                requests: step_requests,
                limits: step_limits,
            }
        })
        .collect()
}
