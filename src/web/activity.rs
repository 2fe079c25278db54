//! The dashboard's "Recent Activity": the topics' life-cycle events and
//! their Kafka state changes, merged into one list, newest first.

use serde::Serialize;

use crate::db::models::{TopicEvent, TopicKafkaEvent, utc};
use crate::domain::{KafkaState, TopicStatus};

/// One line of the list. A life-cycle event fills the `*_status` fields, a
/// Kafka one the `kafka_*` fields; the others are `null` (strict templates
/// need every field present).
#[derive(Debug, Serialize)]
pub(super) struct EventRow {
    at: String,
    topic_name: String,
    from_status: Option<TopicStatus>,
    to_status: Option<TopicStatus>,
    reason: Option<String>,
    kafka_from: Option<KafkaState>,
    kafka_to: Option<KafkaState>,
    kafka_error: Option<String>,
    actor: String,
}

/// The newest `limit` of both kinds of events, newest first.
pub(super) fn recent_activity(
    topic_events: Vec<(TopicEvent, String)>,
    kafka_events: Vec<(TopicKafkaEvent, String)>,
    limit: usize,
    show_time: impl Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> Vec<EventRow> {
    let mut rows: Vec<_> = topic_events
        .into_iter()
        .map(|(event, topic_name)| {
            (
                event.at,
                EventRow {
                    at: show_time(utc(event.at)),
                    topic_name,
                    from_status: event.from_status,
                    to_status: Some(event.to_status),
                    reason: event.reason,
                    kafka_from: None,
                    kafka_to: None,
                    kafka_error: None,
                    actor: event.actor,
                },
            )
        })
        .chain(kafka_events.into_iter().map(|(event, topic_name)| {
            (
                event.at,
                EventRow {
                    at: show_time(utc(event.at)),
                    topic_name,
                    from_status: None,
                    to_status: None,
                    reason: None,
                    kafka_from: Some(event.from_state),
                    kafka_to: Some(event.to_state),
                    kafka_error: event.error,
                    actor: event.actor,
                },
            )
        }))
        .collect();
    // Stable: at equal times each kind keeps its own newest-first order.
    rows.sort_by(|(a, _), (b, _)| b.cmp(a));
    rows.into_iter().take(limit).map(|(_, row)| row).collect()
}
