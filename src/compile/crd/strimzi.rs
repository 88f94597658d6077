//! Strimzi `KafkaTopic` (kafka.strimzi.io/v1, Strimzi >= 0.49).

use serde::Serialize;

/// A KafkaTopic. (Filled in by the pipelines work.)
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KafkaTopic {}
