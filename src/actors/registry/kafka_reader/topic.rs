//! One topic as Kafka reports it: partitions and watermarks, configs, the
//! groups that read it, and its write rate.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rdkafka::admin::{AdminOptions, ConfigSource, ResourceSpecifier};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;

use super::rate::RateBook;
use super::{CALL_TIMEOUT, Clients, blocking, groups, kafka_error};
use crate::api::{KafkaTopic, PartitionDetails, TopicConfigEntry};
use crate::domain::readable_text;
use crate::schema::dlq_topic_name;

/// Longest config value passed on.
const MAX_CONFIG_VALUE_CHARS: usize = 1000;

/// Reads everything the details show of `name`.
pub(super) async fn read(
    clients: Arc<Clients>,
    rates: Arc<Mutex<RateBook>>,
    name: String,
) -> Result<KafkaTopic, String> {
    let (partitions, groups, dead_letters) = {
        let clients = clients.clone();
        let name = name.clone();
        blocking(move || {
            let partitions = partitions(&clients.metadata, &name)?;
            let mut highs = partitions
                .iter()
                .map(|p| ((name.clone(), p.partition), p.high_watermark))
                .collect();
            let ids = partitions.iter().map(|p| p.partition).collect();
            let groups =
                groups::read(&clients, &BTreeMap::from([(name.clone(), ids)]), &mut highs)?;
            let dead_letters = dead_letters(&clients.metadata, &dlq_topic_name(&name))?;
            Ok((partitions, groups, dead_letters))
        })
        .await?
    };
    let configs = configs(&clients, &name).await?;
    let written = partitions.iter().map(|p| p.high_watermark).sum();
    let messages_per_second = rates
        .lock()
        .map_err(|_| "the rate samples are unusable".to_owned())?
        .sample(&name, Instant::now(), written);
    Ok(KafkaTopic {
        configured: true,
        error: None,
        total_messages: Some(partitions.iter().map(|p| p.messages).sum()),
        partitions,
        messages_per_second,
        configs,
        groups,
        dead_letters,
    })
}

/// The records `dlq` holds, or `None` when Kafka has no such topic.
fn dead_letters(client: &BaseConsumer, dlq: &str) -> Result<Option<i64>, String> {
    let metadata = client
        .fetch_metadata(Some(dlq), CALL_TIMEOUT)
        .map_err(|e| kafka_error("reading Kafka's metadata", e))?;
    let Some(topic) = metadata.topics().iter().find(|t| t.name() == dlq) else {
        return Ok(None);
    };
    match topic.error().map(RDKafkaErrorCode::from) {
        Some(RDKafkaErrorCode::UnknownTopicOrPartition) => return Ok(None),
        Some(code) => return Err(kafka_error(&format!("Kafka's metadata of '{dlq}'"), code)),
        None => {}
    }
    let mut held = 0;
    for partition in topic.partitions() {
        let (low, high) = client
            .fetch_watermarks(dlq, partition.id(), CALL_TIMEOUT)
            .map_err(|e| kafka_error(&format!("reading {dlq}[{}]'s offsets", partition.id()), e))?;
        held += high - low;
    }
    Ok(Some(held))
}

/// Each partition's replicas and watermarks, by partition id.
fn partitions(client: &BaseConsumer, name: &str) -> Result<Vec<PartitionDetails>, String> {
    let metadata = client
        .fetch_metadata(Some(name), CALL_TIMEOUT)
        .map_err(|e| kafka_error("reading Kafka's metadata", e))?;
    let topic = metadata
        .topics()
        .iter()
        .find(|t| t.name() == name)
        .ok_or_else(|| format!("Kafka's metadata does not mention topic '{name}'"))?;
    match topic.error().map(RDKafkaErrorCode::from) {
        Some(RDKafkaErrorCode::UnknownTopicOrPartition) => {
            return Err(format!("Kafka has no topic named '{name}'"));
        }
        Some(code) => return Err(kafka_error(&format!("Kafka's metadata of '{name}'"), code)),
        None => {}
    }
    let mut partitions = topic
        .partitions()
        .iter()
        .map(|p| {
            let (low, high) = client
                .fetch_watermarks(name, p.id(), CALL_TIMEOUT)
                .map_err(|e| kafka_error(&format!("reading {name}[{}]'s offsets", p.id()), e))?;
            Ok(PartitionDetails {
                partition: p.id(),
                leader: (p.leader() >= 0).then_some(p.leader()),
                replicas: p.replicas().to_vec(),
                in_sync_replicas: p.isr().to_vec(),
                low_watermark: low,
                high_watermark: high,
                messages: high - low,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    partitions.sort_by_key(|p| p.partition);
    Ok(partitions)
}

/// The topic's configs as Kafka describes them, by name.
async fn configs(clients: &Clients, name: &str) -> Result<Vec<TopicConfigEntry>, String> {
    let options = AdminOptions::new().request_timeout(Some(CALL_TIMEOUT));
    let results = clients
        .admin
        .describe_configs(&[ResourceSpecifier::Topic(name)], &options)
        .await
        .map_err(|e| kafka_error("reading the topic's configs", e))?;
    let mut entries = Vec::new();
    for result in results {
        let resource = result.map_err(|code| kafka_error("reading the topic's configs", code))?;
        entries.extend(resource.entries.into_iter().map(|entry| {
            TopicConfigEntry {
                value: entry
                    .value
                    .map(|value| readable_text(&value, MAX_CONFIG_VALUE_CHARS)),
                source: source_name(&entry.source).to_owned(),
                is_default: entry.is_default,
                is_sensitive: entry.is_sensitive,
                name: readable_text(&entry.name, MAX_CONFIG_VALUE_CHARS),
            }
        }));
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

fn source_name(source: &ConfigSource) -> &'static str {
    match source {
        ConfigSource::DynamicTopic => "topic",
        ConfigSource::DynamicBroker => "broker",
        ConfigSource::DynamicDefaultBroker => "cluster default",
        ConfigSource::StaticBroker => "broker file",
        ConfigSource::Default => "default",
        ConfigSource::Unknown => "unknown",
    }
}
