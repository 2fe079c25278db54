//! Growing an active topic in Kafka after an approved partition change:
//! add partitions up to the registry's count, wait until Kafka's metadata
//! shows them, then record `created` with the new count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use rdkafka::admin::{AdminOptions, NewPartitions};

use super::super::kafka_topics::{self, CreateError, KafkaAdminClient, classify};
use super::super::topic_plan::{Layout, Seen};
use super::{Failure, Outcome, Reconciler};
use crate::api::{KafkaReport, TopicView};
use crate::domain::KafkaState;

/// How long Kafka may take to add partitions.
const GROW_TIMEOUT: Duration = Duration::from_secs(15);

/// How long to wait for the metadata to show the new partitions, so the
/// record is never ahead of what the next round will read.
const VISIBLE_WITHIN: Duration = Duration::from_secs(10);
const VISIBLE_POLL: Duration = Duration::from_millis(200);

impl Reconciler {
    /// Adds partitions to `topic` up to `to`; Kafka's copy has `layout`.
    pub(super) fn grow(
        &mut self,
        topic: TopicView,
        to: i32,
        layout: Layout,
        ctx: &mut Context<Self>,
    ) {
        let Some(track) = self.take_turn(topic.topic_id) else {
            return;
        };
        track.refused = None;
        let (api, key, kafka) = (
            self.api.clone(),
            self.producer_key.clone(),
            Arc::clone(&self.kafka),
        );
        let (id, name) = (topic.topic_id, topic.topic_name.clone());
        log::info!(
            "topic {name}: adding partitions in Kafka ({} -> {to}) after an approved change",
            layout.partitions
        );
        let work = async move {
            let report = match add_partitions(&kafka, &topic.topic_name, to).await {
                Ok(grown) => KafkaReport {
                    state: KafkaState::Created,
                    error: None,
                    partitions: Some(grown.partitions),
                    replication_factor: Some(grown.replication_factor),
                },
                // Recorded as drifted, so the generator stops and an
                // operator sees why; not asked again while it stays so.
                Err(CreateError::Refused(reason)) => KafkaReport {
                    state: KafkaState::Drifted,
                    error: Some(format!(
                        "Kafka refused to add partitions ({} -> {to}): {reason}",
                        layout.partitions
                    )),
                    partitions: Some(layout.partitions),
                    replication_factor: Some(layout.replication_factor),
                },
                Err(CreateError::Transient(reason)) => return Err(Failure::Kafka(reason)),
                Err(CreateError::AlreadyExists) => return Err(Failure::AlreadyExists),
            };
            api.report_kafka_state(topic.topic_id, &report, key.expose())
                .await
                .map_err(Failure::Api)?;
            Ok(Outcome::Recorded)
        };
        ctx.spawn(work.into_actor(self).map(move |result, act, _| {
            if let Some(track) = act.tracks.get_mut(&id) {
                track.grown_at = Some(Instant::now());
            }
            act.finished(id, &name, result)
        }));
    }
}

/// Asks Kafka to give `topic` `to` partitions in all, then waits until its
/// metadata shows them; answers the layout it shows.
async fn add_partitions(
    kafka: &Arc<KafkaAdminClient>,
    topic: &str,
    to: i32,
) -> Result<Layout, CreateError> {
    let count = usize::try_from(to)
        .map_err(|_| CreateError::Refused(format!("invalid partition count {to}")))?;
    let new_partitions = NewPartitions::new(topic, count);
    let options = AdminOptions::new()
        .operation_timeout(Some(GROW_TIMEOUT))
        .request_timeout(Some(GROW_TIMEOUT));
    let results = kafka
        .create_partitions([&new_partitions], &options)
        .await
        .map_err(|e| CreateError::Transient(e.to_string()))?;
    match results.into_iter().next() {
        Some(Ok(_)) => {}
        Some(Err((_, code))) => return Err(classify(code)),
        None => {
            return Err(CreateError::Transient(
                "Kafka answered without a result for the topic".to_owned(),
            ));
        }
    }
    let deadline = Instant::now() + VISIBLE_WITHIN;
    loop {
        let snapshot = kafka_topics::snapshot(kafka)
            .await
            .map_err(CreateError::Transient)?;
        if let Seen::Present(layout) = snapshot.seen(topic)
            && layout.partitions >= to
        {
            return Ok(layout);
        }
        if Instant::now() >= deadline {
            return Err(CreateError::Transient(format!(
                "Kafka accepted {to} partitions but its metadata does not show them yet"
            )));
        }
        actix_rt::time::sleep(VISIBLE_POLL).await;
    }
}
