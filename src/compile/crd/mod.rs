//! Typed custom resources of the project's own (k8s-openapi has none): Strimzi KafkaTopic,
//! prometheus-operator PrometheusRule, Argo CD Application and AppProject. Tests check every
//! generated one against the upstream CRD schemas in `schemas/crds/`.

pub mod argocd;
pub mod external_secrets;
pub mod prometheus;
pub mod strimzi;

use std::sync::OnceLock;

use crate::yaml::schema::Schema;

/// The upstream CRD schema of one of platc's own custom resources, which a patched KafkaTopic
/// PrometheusRule or ExternalSecret must still match (the files in `schemas/crds/`, built into platc).
/// A kind of that name in another API group is another kind: `None`.
pub fn schema(group: &str, kind: &str) -> Option<&'static Schema> {
    static KAFKA_TOPIC: OnceLock<Option<Schema>> = OnceLock::new();
    static PROMETHEUS_RULE: OnceLock<Option<Schema>> = OnceLock::new();
    static EXTERNAL_SECRET: OnceLock<Option<Schema>> = OnceLock::new();
    let (cell, text) = match (group, kind) {
        ("kafka.strimzi.io", "KafkaTopic") => (
            &KAFKA_TOPIC,
            include_str!("../../../schemas/crds/kafka.strimzi.io_kafkatopic_v1.json"),
        ),
        ("monitoring.coreos.com", "PrometheusRule") => (
            &PROMETHEUS_RULE,
            include_str!("../../../schemas/crds/monitoring.coreos.com_prometheusrule_v1.json"),
        ),
        ("external-secrets.io", "ExternalSecret") => (
            &EXTERNAL_SECRET,
            include_str!("../../../schemas/crds/external-secrets.io_externalsecret_v1.json"),
        ),
        _ => return None,
    };
    cell.get_or_init(|| {
        serde_json::from_str(text)
            .ok()
            .and_then(|json| Schema::new(json).ok())
    })
    .as_ref()
}
