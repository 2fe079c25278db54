//! Dead-letter topics: `<topic>.dlq`, one partition, the topic's
//! replication factor, made beside each topic of topicgate's own.
//!
//! A dead-letter topic that Kafka will not create does not fail its topic:
//! the topic itself is fine and keeps its records flowing; only consumers
//! lose the place to put records that fail the schema. So the topic stays
//! `created` (and active), the reason goes into its Kafka report's error
//! text, where the API shows it, and the creation is tried again with
//! backoff until it works; then the error is cleared.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;

use super::super::dead_letter_plan::DEAD_LETTER_PARTITIONS;
use super::super::kafka_topics::{self, CreateError, KafkaAdminClient};
use super::{Failure, Outcome, Reconciler};
use crate::api::{KafkaReport, TopicView};
use crate::domain::{KafkaState, TopicId};
use crate::schema::dlq_topic_name;

/// Creates the dead-letter topic of `topic` with `replication_factor`; one
/// that exists already counts as created. The error says what Kafka said.
pub(super) async fn create(
    kafka: &KafkaAdminClient,
    topic: &str,
    replication_factor: i32,
) -> Result<(), String> {
    let name = dlq_topic_name(topic);
    let layout = (DEAD_LETTER_PARTITIONS, replication_factor.max(1));
    match kafka_topics::create(kafka, &name, layout, &BTreeMap::new()).await {
        Ok(()) | Err(CreateError::AlreadyExists) => Ok(()),
        Err(CreateError::Refused(reason) | CreateError::Transient(reason)) => Err(format!(
            "its dead-letter topic {name} could not be created: {reason}"
        )),
    }
}

impl Reconciler {
    /// Creates the missing dead-letter topic of the active `topic`; answers
    /// false when the topic's turn is taken (a step running or a backoff)
    /// or the last try at it is backing off, so the caller records the
    /// topic as usual instead (with the failure as its error).
    pub(super) fn add_dead_letter(
        &mut self,
        topic: &TopicView,
        replication_factor: i32,
        ctx: &mut Context<Self>,
    ) -> bool {
        let waiting = self
            .tracks
            .get(&topic.topic_id)
            .is_some_and(|track| Instant::now() < track.dead_letter_not_before);
        if waiting || self.take_turn(topic.topic_id).is_none() {
            return false;
        }
        let kafka = Arc::clone(&self.kafka);
        let (id, name) = (topic.topic_id, topic.topic_name.clone());
        let topic_name = name.clone();
        let work = async move {
            create(&kafka, &topic_name, replication_factor)
                .await
                .map_err(Failure::DeadLetter)?;
            Ok(Outcome::DeadLetterCreated)
        };
        ctx.spawn(
            work.into_actor(self)
                .map(move |result, act, _| act.finished(id, &name, result)),
        );
        true
    }

    /// `report` with the last dead-letter failure of the topic as its
    /// error, when it reports the topic created and has no error of its own.
    pub(super) fn with_dead_letter_error(
        &self,
        id: TopicId,
        mut report: KafkaReport,
    ) -> KafkaReport {
        if report.state == KafkaState::Created && report.error.is_none() {
            report.error = self
                .tracks
                .get(&id)
                .and_then(|track| track.dead_letter_error.clone());
        }
        report
    }

    /// Forgets the dead-letter failure of a topic whose dead-letter topic
    /// Kafka now shows (created by a later try, or by hand).
    pub(super) fn dead_letter_found(&mut self, id: TopicId) {
        if let Some(track) = self.tracks.get_mut(&id) {
            track.dead_letter_error = None;
        }
    }
}
