//! A pipeline's alerts: a severity that is a label value, labels, and no `severity` set twice.

use super::seconds;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, names};
use crate::syntax::Path;
use crate::syntax::config;
use crate::validate::context::Ctx;

/// The severities Alertmanager routes when `[monitoring] severities` does not say.
pub(crate) const SEVERITIES: [&str; 3] = ["critical", "warning", "info"];

pub(super) fn alerts(
    ctx: &mut Ctx<'_>,
    p: &Path,
    a: &config::Alerts,
    severities: Option<&[String]>,
) -> model::Alerts {
    let known: Vec<&str> = match severities {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => SEVERITIES.to_vec(),
    };
    let routed = |ctx: &mut Ctx<'_>, at: &Path, sev: &str| {
        if sev.is_empty() || known.contains(&sev) || names::label_value_problem(sev).is_some() {
            return;
        }
        let help = crate::diag::did_you_mean(sev, known.iter().copied()).unwrap_or_else(|| {
            format!(
                "severities Alertmanager routes here: {} (`[monitoring] severities`)",
                known.join(", ")
            )
        });
        ctx.push(
            Diagnostic::error(
                codes::UNKNOWN_SEVERITY,
                ctx.val(at),
                format!("severity `{sev}` is not one of `[monitoring] severities`"),
            )
            .with_label("no Alertmanager route for it")
            .with_help(help),
        );
    };
    if let Some(sev) = &a.on_failure {
        routed(ctx, &p.key("on_failure"), sev);
    }
    if let Some(sev) = a.labels.get("severity")
        && a.on_failure.as_deref().is_none_or(|o| o == sev)
        && a.on_failure.is_none()
    {
        routed(ctx, &p.key("labels").key("severity"), sev);
    }
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
