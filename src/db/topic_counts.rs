//! How many topics stand where: per registry status and per Kafka state.
//! Read at every metrics scrape, so two grouped counts and nothing more.

use crate::db::RegistryConnection;
use diesel::prelude::*;

use super::RegistryError;
use super::schema::topics;
use crate::domain::{KafkaState, TopicStatus};

/// Topic counts by status and, among topics not deleted from the
/// registry, by Kafka state. States with no topic are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicCounts {
    pub by_status: Vec<(TopicStatus, i64)>,
    pub by_kafka_state: Vec<(KafkaState, i64)>,
}

/// Counts the topics now.
pub fn topic_counts(conn: &mut RegistryConnection) -> Result<TopicCounts, RegistryError> {
    let by_status = topics::table
        .group_by(topics::status)
        .select((topics::status, diesel::dsl::count_star()))
        .load(conn)?;
    // A deleted topic's Kafka state is history: only live topics count.
    let by_kafka_state = topics::table
        .filter(topics::status.ne(TopicStatus::Deleted))
        .group_by(topics::kafka_state)
        .select((topics::kafka_state, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(TopicCounts {
        by_status,
        by_kafka_state,
    })
}
