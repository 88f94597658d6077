//! A pipeline's Kafka topic: its name, sizes and settings, and the Strimzi cluster of the
//! service it lives on.

use super::seconds;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, ConfigValue, names};
use crate::syntax::Path;
use crate::syntax::config;
use crate::validate::context::Ctx;
use crate::validate::env::Env;

pub(super) fn topic(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    cluster: Option<&str>,
    p: &Path,
    pipeline: &str,
    t: &config::Topic,
) -> Option<model::Topic> {
    let name = t.name.clone().unwrap_or_else(|| pipeline.to_string());
    if t.name.is_some() && !names::is_dns_subdomain(&name) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_NAME,
                ctx.val(&p.key("name")),
                format!("invalid topic name `{name}`"),
            )
            .with_label("not a DNS-1123 subdomain")
            .with_help("KafkaTopic names are lower-case letters, digits, `-` and `.`"),
        );
    }
    for (key, n) in [("partitions", t.partitions), ("replicas", t.replicas)] {
        if n == 0 {
            ctx.push(
                Diagnostic::error(
                    codes::OUT_OF_RANGE,
                    ctx.val(&p.key(key)),
                    format!("`{key}` must be at least 1"),
                )
                .with_label("must be at least 1"),
            );
        }
    }
    let mut config = t.config.clone();
    if let Some(r) = &t.retention
        && let Some(s) = seconds(ctx, &p.key("retention"), r)
    {
        if config.contains_key("retention.ms") {
            ctx.push(
                Diagnostic::error(
                    codes::CONFLICTING_KEYS,
                    ctx.key(&p.key("config").key("retention.ms")),
                    "`retention.ms` is set twice",
                )
                .with_label("also set by `retention`")
                .with_related(Some(ctx.val(&p.key("retention"))), "`retention` set here"),
            );
        }
        config.insert(
            "retention.ms".into(),
            ConfigValue::Integer(i64::try_from(s * 1000).unwrap_or(i64::MAX)),
        );
    }
    let service_path = p.key("service");
    let services = env.services(cluster);
    let Some(service) = services.get(&t.service) else {
        if !env.broken_services.contains(&t.service) {
            ctx.unresolved(
                &service_path,
                "service",
                &t.service,
                "[services]",
                services.keys().map(String::as_str),
            );
        }
        return None;
    };
    let Some(cluster) = &service.strimzi_cluster else {
        ctx.push(
            Diagnostic::error(
                codes::UNRESOLVED_REFERENCE,
                ctx.val(&service_path),
                format!("service `{}` has no `strimzi_cluster`", t.service),
            )
            .with_label("not a Strimzi Kafka service")
            .with_related(
                Some(ctx.key(&Path::root().key("services").key(t.service.as_str()))),
                "defined here",
            )
            .with_help(format!(
                "add `strimzi_cluster = \"NAME\"` to [services.{}]",
                t.service
            )),
        );
        return None;
    };
    Some(model::Topic {
        name,
        span: ctx.key(p),
        namespace: service.namespace.clone(),
        strimzi_cluster: cluster.clone(),
        partitions: t.partitions,
        replicas: t.replicas,
        config,
    })
}
