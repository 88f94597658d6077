//! Services and what points at them: a selector that selects no pod, a `targetPort` no
//! selected container has, an Ingress or Gateway route naming a Service or port that is not
//! there, and a ServiceMonitor or PodMonitor that selects nothing.

use std::collections::HashMap;

use super::facts::{Monitor, PortRef, Service};
use super::index::Index;
use super::selector::Selector;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::model::Labels;
use crate::validate::context::Ctx;

pub(super) fn check(
    ctx: &mut Ctx<'_>,
    index: &Index<'_>,
    all: &HashMap<(&str, &str), &Index<'_>>,
    common: &Labels,
) {
    for s in &index.service_list {
        selects(ctx, index, s);
    }
    backends(ctx, index);
    for m in &index.monitors {
        let names: Vec<&str> = match &m.namespaces {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => vec![index.ns.name.as_str()],
        };
        // On each cluster of the namespace, the namespaces it names as they are there.
        let mut empty_on: Vec<&str> = Vec::new();
        for cluster in &index.ns.clusters {
            // A namespace platc does not manage may hold anything.
            let Some(looked): Option<Vec<&Index<'_>>> = names
                .iter()
                .map(|n| all.get(&(cluster.as_str(), *n)).copied())
                .collect()
            else {
                continue;
            };
            if looked.iter().any(|i| !i.complete) {
                continue;
            }
            if !selects_any(m, &looked, common) {
                empty_on.push(cluster);
            }
        }
        if empty_on.is_empty() {
            continue;
        }
        let what = if m.kind == "ServiceMonitor" {
            "Service"
        } else {
            "pod"
        };
        // Where it selects something on some of its clusters, say where it does not.
        let on = if empty_on.len() < index.ns.clusters.len() {
            let listed: Vec<String> = empty_on.iter().map(|c| format!("`{c}`")).collect();
            format!(
                " on cluster{} {}",
                if empty_on.len() == 1 { "" } else { "s" },
                listed.join(", ")
            )
        } else {
            String::new()
        };
        ctx.push(
            Diagnostic::warning(
                codes::MONITOR_SELECTS_NOTHING,
                m.selector_span,
                format!(
                    "{} `{}` selects no {what} in {}{on}: `{}`",
                    m.kind,
                    m.name,
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    m.selector.shown()
                ),
            )
            .with_label("nothing here is scraped")
            .with_help(if m.kind == "ServiceMonitor" {
                "a ServiceMonitor selects Services by the Service's own labels (`metadata.labels`), not by its pods'; label the Service or change the selector"
            } else {
                "a PodMonitor selects pods by their template's labels; change the selector or the labels"
            }),
        );
    }
}

/// Whether a monitor selects a Service (a ServiceMonitor) or a pod (a PodMonitor) of the
/// namespaces `looked` into.
fn selects_any(m: &Monitor, looked: &[&Index<'_>], common: &Labels) -> bool {
    if m.kind == "ServiceMonitor" {
        looked.iter().any(|i| {
            i.service_list.iter().any(|s| {
                let mut labels = common.clone();
                for (k, v) in s.labels.iter() {
                    labels.insert(k.clone(), v.clone());
                }
                m.selector.matches(&labels)
            })
        })
    } else {
        looked.iter().any(|i| {
            let (ids, unsure) = i.select(&m.selector);
            !ids.is_empty() || unsure
        })
    }
}

/// A Service's selector and target ports against the pods it selects.
fn selects(ctx: &mut Ctx<'_>, index: &Index<'_>, s: &Service) {
    let Some((labels, at)) = &s.selector else {
        return;
    };
    if index.changed("Service", &s.name, "/spec") {
        return;
    }
    let selector = Selector::of(labels);
    let (ids, unsure) = index.select(&selector);
    if ids.is_empty() {
        if unsure || !index.complete {
            return;
        }
        let mut d = Diagnostic::warning(
            codes::SERVICE_SELECTS_NOTHING,
            *at,
            format!(
                "Service `{}` selects no pod of namespace `{}`: `{}`",
                s.name,
                index.ns.name,
                selector.shown()
            ),
        )
        .with_label("no pod template has these labels");
        let help = match index.nearest(&selector) {
            Some((t, near)) => {
                d = d.with_related(
                    Some(t.labels_span),
                    format!("the pods of {} `{}`", t.kind, t.name),
                );
                match near {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "the closest pods, of {} `{}`, are labelled `{}`",
                        t.kind,
                        t.name,
                        Selector::of(&t.labels).shown()
                    ),
                }
            }
            None => "select the labels of a pod template of this namespace (`spec.template.metadata.labels`)".into(),
        };
        ctx.push(d.with_help(help));
        return;
    }
    if ids
        .iter()
        .any(|&i| index.containers_unsure(index.templates[i]))
    {
        return;
    }
    for port in &s.ports {
        let containers = || {
            ids.iter()
                .flat_map(|&i| index.templates[i].containers.iter())
                .filter(|c| !c.init)
        };
        let declared: Vec<(i64, Option<&str>)> = containers()
            .flat_map(|c| c.ports.iter())
            .map(|p| (p.number, p.name.as_deref()))
            .collect();
        let first = index.templates[ids[0]];
        let (problem, help) = match &port.target {
            PortRef::Name(name) => {
                if declared.iter().any(|(_, n)| *n == Some(name.as_str())) {
                    continue;
                }
                let names: Vec<&str> = declared.iter().filter_map(|(_, n)| *n).collect();
                (
                    format!("no selected container has a port named `{name}`"),
                    did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                        if names.is_empty() {
                            "name the port in the container (`ports: [{name: ..., containerPort: ...}]`), or use its number".into()
                        } else {
                            format!("ports named in the selected containers: {}", names.join(", "))
                        }
                    }),
                )
            }
            PortRef::Number(n) => {
                // A container may listen on a port it does not declare: only a template that
                // declares its ports tells.
                if declared.is_empty() || declared.iter().any(|(x, _)| x == n) {
                    continue;
                }
                let numbers: Vec<String> = declared.iter().map(|(x, _)| x.to_string()).collect();
                (
                    format!("no selected container exposes port {n}"),
                    format!(
                        "the selected containers declare port {}",
                        numbers.join(", ")
                    ),
                )
            }
        };
        ctx.push(
            Diagnostic::warning(
                codes::SERVICE_TARGET_PORT,
                port.target_span,
                format!(
                    "Service `{}` sends port {} to {}: {problem}",
                    s.name, port.port, port.target
                ),
            )
            .with_label("connections to this port fail")
            .with_related(
                Some(first.labels_span),
                format!("the pods of {} `{}`", first.kind, first.name),
            )
            .with_help(help),
        );
    }
}

/// The Services Ingresses and Gateway routes send traffic to.
fn backends(ctx: &mut Ctx<'_>, index: &Index<'_>) {
    for b in &index.backends {
        let Some(s) = index.services.get(b.service.as_str()) else {
            if !index.complete {
                continue;
            }
            let names: Vec<&str> = index.service_list.iter().map(|s| s.name.as_str()).collect();
            ctx.push(
                Diagnostic::warning(
                    codes::BACKEND_MISSING,
                    b.service_span,
                    format!(
                        "{} sends traffic to Service `{}`, which namespace `{}` does not have",
                        b.owner, b.service, index.ns.name
                    ),
                )
                .with_label("no such Service")
                .with_related(
                    crate::diag::closest(&b.service, names.iter().copied())
                        .and_then(|n| index.services.get(n))
                        .map(|s| s.span),
                    "probably this one",
                )
                .with_help(
                    did_you_mean(&b.service, names.iter().copied()).unwrap_or_else(|| {
                        if names.is_empty() {
                            "the namespace has no Service; add one to its manifests".into()
                        } else {
                            format!("Services here: {}", names.join(", "))
                        }
                    }),
                ),
            );
            continue;
        };
        let Some((port, at)) = &b.port else { continue };
        if index.changed("Service", &s.name, "/spec") {
            continue;
        }
        let has = s.ports.iter().any(|p| match port {
            PortRef::Number(n) => p.port == *n,
            PortRef::Name(name) => p.name.as_deref() == Some(name.as_str()),
        });
        if has {
            continue;
        }
        let shown: Vec<String> = s
            .ports
            .iter()
            .map(|p| match &p.name {
                Some(n) => format!("{} ({n})", p.port),
                None => p.port.to_string(),
            })
            .collect();
        let help = match port {
            PortRef::Name(name) => {
                did_you_mean(name, s.ports.iter().filter_map(|p| p.name.as_deref()))
            }
            PortRef::Number(_) => None,
        }
        .unwrap_or_else(|| format!("Service `{}` has port {}", s.name, shown.join(", ")));
        ctx.push(
            Diagnostic::warning(
                codes::BACKEND_PORT,
                *at,
                format!(
                    "{} sends traffic to port {port} of Service `{}`, which has no such port",
                    b.owner, s.name
                ),
            )
            .with_label("no such port")
            .with_related(Some(s.span), "the Service")
            .with_help(help),
        );
    }
}
