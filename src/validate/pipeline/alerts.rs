//! A pipeline's alerts: a severity that is a label value, labels, and no `severity` set twice.

use super::seconds;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, names};
use crate::syntax::Path;
use crate::syntax::config;
use crate::validate::context::Ctx;

pub(super) fn alerts(ctx: &mut Ctx<'_>, p: &Path, a: &config::Alerts) -> model::Alerts {
    if let Some(sev) = &a.on_failure
        && (sev.is_empty() || names::label_value_problem(sev).is_some())
    {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                ctx.val(&p.key("on_failure")),
                format!("invalid severity `{sev}`"),
            )
            .with_label("not a label value")
            .with_help(
                "use a severity your Alertmanager routes, e.g. `critical`, `warning` or `info`",
            ),
        );
    }
    ctx.labels(&p.key("labels"), &a.labels);
    if let (Some(sev), Some(label)) = (&a.on_failure, a.labels.get("severity"))
        && sev != label
    {
        ctx.push(
            Diagnostic::error(
                codes::CONFLICTING_KEYS,
                ctx.key(&p.key("labels").key("severity")),
                format!("`severity` is set twice: `{sev}` by `on_failure`, `{label}` here"),
            )
            .with_label("conflicts with `on_failure`")
            .with_related(Some(ctx.val(&p.key("on_failure"))), "`on_failure` sets `severity` here")
            .with_help("drop one of them: `on_failure` already sets the severity of both alerts, so remove `severity` from `labels`"),
        );
    }
    let missed_after = a
        .missed_after
        .as_ref()
        .and_then(|m| seconds(ctx, &p.key("missed_after"), m).map(|s| (s, m.clone())));
    if a.on_failure.is_none() && a.missed_after.is_none() {
        ctx.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                ctx.key(p),
                "`alerts` sets neither `on_failure` nor `missed_after`",
            )
            .with_label("no alert would fire")
            .with_help("e.g. `alerts = { on_failure = \"critical\", missed_after = \"26h\" }`"),
        );
    }
    model::Alerts {
        on_failure: a.on_failure.clone(),
        missed_after,
        labels: a.labels.clone(),
    }
}
