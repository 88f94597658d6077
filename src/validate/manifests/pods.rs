//! The pods of a manifest: checked against the namespace's Pod Security level (an error at
//! the field, or at the container missing a setting), and what they ask of the quota.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Container;
use serde_json::Value as Json;

use super::identity::Identity;
use crate::diag::{Diagnostic, codes};
use crate::model::{
    PodSecurity, Quantity, ResourceList, Workload, WorkloadContainer, pod_security,
};
use crate::validate::context::Ctx;
use crate::yaml::{self, Step};

/// How many pods of a workload run at once.
fn pods(kind: &str, body: &Json) -> u32 {
    let int = |p: &str, default: i64| body.pointer(p).and_then(Json::as_i64).unwrap_or(default);
    let n = match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController" => {
            int("/spec/replicas", 1)
        }
        "Job" => int("/spec/parallelism", 1),
        "CronJob" => {
            let runs = match body
                .pointer("/spec/concurrencyPolicy")
                .and_then(Json::as_str)
            {
                Some("Allow") | None => i64::from(crate::validate::lints::ALLOW_CONCURRENT_RUNS),
                _ => 1,
            };
            int("/spec/jobTemplate/spec/parallelism", 1) * runs
        }
        _ => 1,
    };
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Checks the pods of a built-in workload kind; what they ask of the quota.
pub(super) fn check(
    ctx: &mut Ctx<'_>,
    node: &yaml::Node,
    id: &Identity,
    body: &Json,
    level: PodSecurity,
) -> Option<Workload> {
    crate::yaml::kinds::find(&id.api_version, &id.kind)?;
    let (path, spec) = pod_security::pod_spec_of(&id.kind, body)?;
    let prefix: Vec<Step> = path.iter().map(|p| Step::Key((*p).to_string())).collect();
    // One diagnostic per place, listing everything wrong there.
    let mut by_place: BTreeMap<String, (Vec<Step>, Vec<String>, &'static str)> = BTreeMap::new();
    for v in pod_security::check(level, &spec) {
        let mut at = prefix.clone();
        at.extend(v.path);
        let entry = by_place
            .entry(yaml::schema::show(&at))
            .or_insert_with(|| (at, Vec::new(), v.help));
        entry.1.push(v.what);
    }
    let level_name = pod_security::level_name(level);
    for (shown, (at, whats, help)) in by_place {
        ctx.push(
            Diagnostic::error(
                codes::POD_SECURITY,
                node.span_at(&at, false),
                format!(
                    "{} `{}` breaks the namespace's Pod Security level `{level_name}` at `{shown}`: {}",
                    id.kind,
                    id.name,
                    whats.join(", ")
                ),
            )
            .with_label("the API server refuses these pods")
            .with_help(help),
        );
    }
    let containers = [
        (true, spec.init_containers.as_deref().unwrap_or_default()),
        (false, spec.containers.as_slice()),
    ]
    .into_iter()
    .flat_map(|(init, list)| {
        let group = if init { "initContainers" } else { "containers" };
        let prefix = &prefix;
        list.iter().enumerate().map(move |(i, c)| {
            let mut at = prefix.clone();
            at.extend([Step::Key(group.into()), Step::Index(i)]);
            container(node, &at, init, c)
        })
    })
    .collect();
    let claims = body
        .pointer("/spec/volumeClaimTemplates")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    let pods = pods(&id.kind, body);
    Some(Workload {
        kind: id.kind.clone(),
        name: id.name.clone(),
        span: id.name_span,
        pods,
        containers,
        claims: u32::try_from(claims)
            .unwrap_or(u32::MAX)
            .saturating_mul(pods),
        scaled_by: None,
    })
}

fn container(node: &yaml::Node, at: &[Step], init: bool, c: &Container) -> WorkloadContainer {
    let list =
        |m: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
            let mut out = ResourceList::new();
            for (k, v) in m.into_iter().flatten() {
                if let Ok(q) = Quantity::parse(&v.0) {
                    out.insert(k.clone(), q);
                }
            }
            out
        };
    let resources = c.resources.as_ref();
    WorkloadContainer {
        name: c.name.clone(),
        span: node.span_at(at, false),
        init,
        requests: list(resources.and_then(|r| r.requests.as_ref())),
        limits: list(resources.and_then(|r| r.limits.as_ref())),
    }
}
