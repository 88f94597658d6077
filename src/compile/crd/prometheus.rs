//! prometheus-operator `PrometheusRule` (monitoring.coreos.com/v1).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// A PrometheusRule: alerting and recording rules a Prometheus selects by label.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRule {
    /// Always `monitoring.coreos.com/v1`.
    pub api_version: &'static str,
    /// Always `PrometheusRule`.
    pub kind: &'static str,
    /// Name, namespace and the labels a Prometheus `ruleSelector` matches.
    pub metadata: ObjectMeta,
    /// The rule groups.
    pub spec: PrometheusRuleSpec,
}

impl PrometheusRule {
    /// The API version this struct serialises as.
    pub const API_VERSION: &'static str = "monitoring.coreos.com/v1";

    /// A PrometheusRule with `apiVersion` and `kind` filled in.
    pub fn new(metadata: ObjectMeta, spec: PrometheusRuleSpec) -> Self {
        Self {
            api_version: Self::API_VERSION,
            kind: "PrometheusRule",
            metadata,
            spec,
        }
    }
}

/// `spec` of a PrometheusRule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrometheusRuleSpec {
    /// Rule groups; names are unique within the object.
    pub groups: Vec<RuleGroup>,
}

/// A group of rules evaluated together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleGroup {
    /// Group name.
    pub name: String,
    /// Its rules, in order.
    pub rules: Vec<AlertRule>,
}

/// One alerting rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRule {
    /// Alert name.
    pub alert: String,
    /// PromQL expression; the alert fires for every series it returns.
    pub expr: String,
    /// Labels added to the alert (`severity`, routing labels).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `summary` and `description`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}
