//! A pipeline's Strimzi `KafkaTopic`, which lives beside its Kafka cluster (the service's
//! namespace) and is never pruned: deleting it deletes the topic's data.

use super::super::crd::strimzi::{KafkaTopic, KafkaTopicSpec};
use super::super::meta::{Wave, meta, no_prune};
use crate::model::{Labels, Platform, Topic};

/// The KafkaTopic of `topic`, labelled with its `strimzi.io/cluster`.
pub(super) fn kafka_topic(p: &Platform, topic: &Topic) -> KafkaTopic {
    let own = Labels::from([(
        "strimzi.io/cluster".to_string(),
        topic.strimzi_cluster.clone(),
    )]);
    let mut metadata = meta(
        p,
        &topic.name,
        Some(&topic.namespace),
        Wave::Prerequisite,
        &own,
    );
    no_prune(&mut metadata);
    KafkaTopic::new(
        metadata,
        KafkaTopicSpec {
            partitions: topic.partitions,
            replicas: topic.replicas,
            config: (&topic.config).into(),
        },
    )
}
