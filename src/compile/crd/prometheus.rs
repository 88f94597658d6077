//! prometheus-operator `PrometheusRule` (monitoring.coreos.com/v1).

use serde::Serialize;

/// A PrometheusRule. (Filled in by the pipelines work.)
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrometheusRule {}
