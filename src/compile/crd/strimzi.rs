//! Strimzi `KafkaTopic` (kafka.strimzi.io/v1, Strimzi >= 0.49; the only version from 1.0).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::model::ConfigValue;

/// A KafkaTopic: the Topic Operator creates and reconciles the topic it names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KafkaTopic {
    /// Always `kafka.strimzi.io/v1`.
    pub api_version: &'static str,
    /// Always `KafkaTopic`.
    pub kind: &'static str,
    /// Name (the topic name), namespace (the Kafka cluster's) and the `strimzi.io/cluster` label.
    pub metadata: ObjectMeta,
    /// The topic's shape and configuration.
    pub spec: KafkaTopicSpec,
}

impl KafkaTopic {
    /// The API version this struct serialises as.
    pub const API_VERSION: &'static str = "kafka.strimzi.io/v1";

    /// A KafkaTopic with `apiVersion` and `kind` filled in.
    pub fn new(metadata: ObjectMeta, spec: KafkaTopicSpec) -> Self {
        Self {
            api_version: Self::API_VERSION,
            kind: "KafkaTopic",
            metadata,
            spec,
        }
    }
}

/// `spec` of a KafkaTopic.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KafkaTopicSpec {
    /// Partitions (can grow, never shrink).
    pub partitions: u32,
    /// Replication factor.
    pub replicas: u32,
    /// Topic configuration (`retention.ms`, `cleanup.policy`, ...), omitted when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, ConfigValue>,
}
