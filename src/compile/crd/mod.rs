//! Typed custom resources of the project's own (k8s-openapi has none): Strimzi KafkaTopic,
//! prometheus-operator PrometheusRule, Argo CD Application and AppProject. Tests check every
//! generated one against the upstream CRD schemas in `tests/crd-schemas/`.

pub mod argocd;
pub mod prometheus;
pub mod strimzi;
