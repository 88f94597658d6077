//! The settings of a pipeline's pods besides its containers: names of the objects they use
//! (`secrets`, `config_maps`, `image_pull_secrets`), the scratch volumes' size, tolerations,
//! and the Jobs' and pods' own labels and annotations.

use std::collections::BTreeSet;

use crate::diag::{Diagnostic, codes};
use crate::model::{self, Quantity, TaintEffect, TolerationOperator, names};
use crate::syntax::Path;
use crate::syntax::config;
use crate::validate::context::Ctx;
use crate::validate::env::Here;

/// The scratch volumes' size when the pipeline sets none (and the pods' ephemeral-storage
/// limit is not smaller).
pub const DEFAULT_SCRATCH: &str = "1Gi";

/// Labels platc sets on every Job and pod of a pipeline.
const OWN_LABELS: [&str; 3] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
];

/// Checks a list of object names: DNS subdomains, each once.
pub(super) fn names(ctx: &mut Ctx<'_>, p: &Path, list: &[String], what: &str) {
    let mut seen = BTreeSet::new();
    for (i, n) in list.iter().enumerate() {
        let ip = p.index(i);
        if !names::is_dns_subdomain(n) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_NAME,
                    ctx.val(&ip),
                    format!("invalid {what} name `{n}`"),
                )
                .with_label("not a DNS-1123 subdomain")
                .with_help(format!(
                    "{what} names are lower-case letters, digits, `-` and `.`"
                )),
            );
        } else if !seen.insert(n) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.val(&ip),
                    format!("{what} `{n}` is listed twice"),
                )
                .with_label("duplicate"),
            );
        }
    }
}

/// The ephemeral-storage limit the kubelet evicts a pod of the pipeline at: the largest of its
/// containers' limits (all but one are init containers, which run one at a time), each the
/// container's own, else the LimitRange's `default`, else its `max`; and where it is written.
fn pod_storage_limit(
    here: &Here<'_>,
    p: &Path,
    pl: &config::Pipeline,
    steps: &[model::Step],
) -> Option<(Quantity, Path)> {
    const RES: &str = "ephemeral-storage";
    let lr = here.path.key("limits");
    let limit_range = |key: &str, f: fn(&model::Limits) -> &model::ResourceList| {
        here.limits
            .and_then(|l| f(l).get(RES))
            .map(|q| (q.clone(), lr.key(key).key(RES)))
    };
    let mut largest: Option<(Quantity, Path)> = None;
    for (i, step) in steps.iter().enumerate() {
        let own = pl.steps.get(i).and_then(|s| s.resources.as_ref());
        let written_here = own
            .and_then(|r| r.limits.as_ref())
            .is_some_and(|l| l.ephemeral_storage.is_some());
        let amount = match step.limits.get(RES) {
            Some(q) if written_here => Some((
                q.clone(),
                p.key("steps")
                    .index(i)
                    .key("resources")
                    .key("limits")
                    .key(RES),
            )),
            Some(q) => Some((q.clone(), p.key("resources").key("limits").key(RES))),
            None => {
                limit_range("default", |l| &l.default).or_else(|| limit_range("max", |l| &l.max))
            }
        };
        if let Some((q, at)) = amount
            && largest.as_ref().is_none_or(|(l, _)| q > *l)
        {
            largest = Some((q, at));
        }
    }
    largest
}

/// The size limit of the `/work` and `/tmp` volumes: `scratch`, at most the pods'
/// ephemeral-storage limit; by default [`DEFAULT_SCRATCH`] or that limit if it is smaller.
pub(super) fn scratch(
    ctx: &mut Ctx<'_>,
    here: &Here<'_>,
    p: &Path,
    pl: &config::Pipeline,
    steps: &[model::Step],
) -> Quantity {
    let default = Quantity::parse(DEFAULT_SCRATCH).unwrap_or_else(|_| unreachable!());
    let limit = pod_storage_limit(here, p, pl, steps);
    let Some(text) = &pl.scratch else {
        return match limit {
            Some((l, _)) if l < default => l,
            _ => default,
        };
    };
    let sp = p.key("scratch");
    let Some(size) = ctx.quantity(&sp, text) else {
        return default;
    };
    if size.nanos() <= 0 {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&sp),
                "`scratch` must be more than 0",
            )
            .with_label("no room to write")
            .with_help(format!(
                "leave it out for {DEFAULT_SCRATCH}, or give a size such as `512Mi`"
            )),
        );
    } else if let Some((limit, from)) = limit
        && size > limit
    {
        ctx.push(
            Diagnostic::error(
                codes::OUT_OF_RANGE,
                ctx.val(&sp),
                format!("`scratch` {size} is above the pods' ephemeral-storage limit {limit}"),
            )
            .with_label("the pod would be evicted before the volume is full")
            .with_related(Some(ctx.val(&from)), "the limit")
            .with_help(format!(
                "the kubelet evicts a pod whose containers and scratch volumes together use \
                 more than its ephemeral-storage limit: lower `scratch` to at most {limit}, or \
                 raise the limit"
            )),
        );
    }
    size
}

pub(super) fn tolerations(
    ctx: &mut Ctx<'_>,
    p: &Path,
    list: &[config::Toleration],
) -> Vec<model::Toleration> {
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            let tp = p.index(i);
            let key = t.key.clone().filter(|k| !k.is_empty());
            let exists = t.operator == Some(TolerationOperator::Exists);
            match &key {
                Some(k) => {
                    if let Some(problem) = names::label_key_problem(k) {
                        ctx.push(
                            Diagnostic::error(
                                codes::INVALID_LABEL,
                                ctx.val(&tp.key("key")),
                                format!("invalid taint key `{k}`: {problem}"),
                            )
                            .with_label("not a taint key")
                            .with_help("taint keys are label keys, e.g. `dedicated` or `example.com/pool`"),
                        );
                    }
                }
                None if !exists => {
                    let at = if t.operator.is_some() {
                        ctx.val(&tp.key("operator"))
                    } else {
                        ctx.val(&tp)
                    };
                    ctx.push(
                        Diagnostic::error(codes::MISSING_KEY, at, "a toleration without `key` must have `operator = \"Exists\"`")
                            .with_label("which taint?")
                            .with_help("add the taint's `key` (e.g. `key = \"dedicated\"`), or write `operator = \"Exists\"` to tolerate every taint"),
                    );
                }
                None => {}
            }
            match &t.value {
                Some(v) if exists && !v.is_empty() => ctx.push(
                    Diagnostic::error(codes::CONFLICTING_KEYS, ctx.val(&tp.key("value")), "`operator = \"Exists\"` takes no `value`")
                        .with_label("Exists matches any value")
                        .with_related(Some(ctx.val(&tp.key("operator"))), "`Exists` set here")
                        .with_help("remove `value`, or use `operator = \"Equal\"` to match this value only"),
                ),
                Some(v) if !exists => {
                    if let Some(problem) = names::label_value_problem(v) {
                        ctx.push(
                            Diagnostic::error(codes::INVALID_LABEL, ctx.val(&tp.key("value")), format!("invalid taint value `{v}`: {problem}"))
                                .with_label("not a taint value")
                                .with_help("taint values are label values: at most 63 of letters, digits, `-`, `_` and `.`"),
                        );
                    }
                }
                _ => {}
            }
            if t.toleration_seconds.is_some() && t.effect != Some(TaintEffect::NoExecute) {
                let mut d = Diagnostic::error(
                    codes::CONFLICTING_KEYS,
                    ctx.key(&tp.key("toleration_seconds")),
                    "`toleration_seconds` needs `effect = \"NoExecute\"`",
                )
                .with_label("only NoExecute taints evict running pods")
                .with_help("set `effect = \"NoExecute\"`, or remove `toleration_seconds`");
                if t.effect.is_some() {
                    d = d.with_related(Some(ctx.val(&tp.key("effect"))), "the effect");
                }
                ctx.push(d);
            }
            model::Toleration {
                key,
                operator: t.operator,
                value: t.value.clone().filter(|v| !v.is_empty()),
                effect: t.effect,
                seconds: t.toleration_seconds,
            }
        })
        .collect()
}

/// The Jobs' and pods' labels and annotations: valid, and none of platc's own labels nor of
/// those the Job controller sets.
pub(super) fn labels(ctx: &mut Ctx<'_>, p: &Path, pl: &config::Pipeline) {
    let lp = p.key("labels");
    ctx.labels(&lp, &pl.labels);
    for key in pl.labels.keys() {
        let why = if OWN_LABELS.contains(&key.as_str()) {
            "platc sets it on every Job and pod of the pipeline"
        } else if key == "job-name"
            || key == "controller-uid"
            || key.starts_with("batch.kubernetes.io/")
        {
            "the Job controller sets it on every pod, replacing any value written here"
        } else {
            continue;
        };
        ctx.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                ctx.key(&lp.key(key.as_str())),
                format!("label `{key}` cannot be set here: {why}"),
            )
            .with_label("reserved label")
            .with_help(
                "select a pipeline's runs by `app.kubernetes.io/name` (its name); put your own \
                 labels under other keys",
            ),
        );
    }
    let ap = p.key("annotations");
    for key in pl.annotations.keys() {
        if let Some(problem) = names::label_key_problem(key) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_LABEL,
                    ctx.key(&ap.key(key.as_str())),
                    format!("invalid annotation key `{key}`: {problem}"),
                )
                .with_label("invalid key")
                .with_help("annotation keys look like `team` or `example.com/owner`"),
            );
        }
    }
}
