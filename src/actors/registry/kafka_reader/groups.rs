//! The consumer groups that read governed topics, and their lag.
//!
//! The group list comes from ListGroups + DescribeGroups (librdkafka asks
//! every broker); committed offsets from ListConsumerGroupOffsets (see
//! `offsets`). Nothing here joins a group or commits.

use std::collections::{BTreeMap, BTreeSet};

use rdkafka::TopicPartitionList;
use rdkafka::consumer::Consumer;

use super::assignment::assigned_topics;
use super::offsets::{self, Commits};
use super::{CALL_TIMEOUT, Clients, kafka_error};
use crate::api::{ConsumerGroup, GroupMember, GroupTopicLag, PartitionLag};
use crate::domain::readable_text;

/// Longest group id, client id or host passed on.
const MAX_NAME_CHARS: usize = 255;

/// Partition ids per topic.
pub(super) type Partitions = BTreeMap<String, Vec<i32>>;

/// High watermarks known so far, by topic and partition; filled as needed.
pub(super) type Highs = BTreeMap<(String, i32), i64>;

/// The partitions of those of `governed` that Kafka has.
pub(super) fn governed_partitions(
    clients: &Clients,
    governed: &[String],
) -> Result<Partitions, String> {
    let governed: BTreeSet<&str> = governed.iter().map(String::as_str).collect();
    // All topics at once: one request, and never a topic created by asking.
    let metadata = clients
        .metadata
        .fetch_metadata(None, CALL_TIMEOUT)
        .map_err(|e| kafka_error("reading Kafka's metadata", e))?;
    Ok(metadata
        .topics()
        .iter()
        .filter(|t| governed.contains(t.name()) && t.error().is_none())
        .map(|t| {
            let mut ids: Vec<i32> = t.partitions().iter().map(|p| p.id()).collect();
            ids.sort_unstable();
            (t.name().to_owned(), ids)
        })
        .collect())
}

/// Every group with a committed offset on, or a member assigned, one of
/// `topics`, with its lag on each such topic; by group id.
pub(super) fn read(
    clients: &Clients,
    topics: &Partitions,
    highs: &mut Highs,
) -> Result<Vec<ConsumerGroup>, String> {
    if topics.is_empty() {
        return Ok(Vec::new());
    }
    let list = clients
        .metadata
        .fetch_group_list(None, CALL_TIMEOUT)
        .map_err(|e| kafka_error("listing Kafka's consumer groups", e))?;
    let mut wanted = TopicPartitionList::new();
    for (topic, ids) in topics {
        for id in ids {
            wanted.add_partition(topic, *id);
        }
    }
    let names: Vec<String> = list.groups().iter().map(|g| g.name().to_owned()).collect();
    let commits = offsets::committed(
        clients.admin.inner().native_ptr(),
        &names,
        &wanted,
        CALL_TIMEOUT,
    );
    let mut groups = Vec::new();
    for group in list.groups() {
        let members: Vec<GroupMember> = group
            .members()
            .iter()
            .map(|m| GroupMember {
                client_id: readable_text(m.client_id(), MAX_NAME_CHARS),
                host: readable_text(m.client_host(), MAX_NAME_CHARS),
                topics: m
                    .assignment()
                    .and_then(assigned_topics)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|t| topics.contains_key(t))
                    .collect(),
            })
            .collect();
        let no_commits = Commits::new();
        let committed = commits.get(group.name()).unwrap_or(&no_commits);
        let assigned: BTreeSet<&str> = members
            .iter()
            .flat_map(|m| m.topics.iter().map(String::as_str))
            .collect();
        let mut lags = Vec::new();
        for (topic, ids) in topics {
            let reads_it = assigned.contains(topic.as_str())
                || ids
                    .iter()
                    .any(|p| committed.contains_key(&(topic.clone(), *p)));
            if reads_it {
                lags.push(topic_lag(clients, topic, ids, committed, highs)?);
            }
        }
        if lags.is_empty() {
            continue;
        }
        groups.push(ConsumerGroup {
            group: readable_text(group.name(), MAX_NAME_CHARS),
            state: readable_text(group.state(), MAX_NAME_CHARS),
            members,
            lag: lags.iter().map(|t| t.lag).sum(),
            topics: lags,
        });
    }
    groups.sort_by(|a, b| a.group.cmp(&b.group));
    Ok(groups)
}

/// The lag on each partition of `topic`: high watermark minus the
/// committed offset, none where nothing was committed.
fn topic_lag(
    clients: &Clients,
    topic: &str,
    ids: &[i32],
    committed: &Commits,
    highs: &mut Highs,
) -> Result<GroupTopicLag, String> {
    let mut partitions = Vec::new();
    for id in ids {
        let key = (topic.to_owned(), *id);
        let high = match highs.get(&key) {
            Some(high) => *high,
            None => {
                let (_, high) = clients
                    .metadata
                    .fetch_watermarks(topic, *id, CALL_TIMEOUT)
                    .map_err(|e| kafka_error(&format!("reading {topic}[{id}]'s offsets"), e))?;
                highs.insert(key.clone(), high);
                high
            }
        };
        let committed = committed.get(&key).copied();
        partitions.push(PartitionLag {
            partition: *id,
            committed,
            high_watermark: high,
            // A commit past the watermark (records since deleted) is no lag.
            lag: committed.map(|c| (high - c).max(0)),
        });
    }
    Ok(GroupTopicLag {
        topic: topic.to_owned(),
        lag: partitions.iter().filter_map(|p| p.lag).sum(),
        partitions,
    })
}
