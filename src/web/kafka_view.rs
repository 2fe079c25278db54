//! How the dashboard shows Kafka's side: a note in each topic's row, and
//! the cluster line in the header of the live part.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::{ClusterView, KafkaSide};
use crate::domain::{KafkaState, TopicStatus};

/// The producer polls every 5 s by default; three polls without a word
/// means it is away (or stuck), and the header turns red.
const PRODUCER_SILENT_AFTER_SECS: i64 = 15;

/// What a topic's row says about Kafka.
#[derive(Debug, Serialize)]
pub(super) struct KafkaNote {
    /// CSS class: `waiting`, `creating`, `created`, `failed`, `conflict`,
    /// `drifted` or `deleted`.
    kind: &'static str,
    text: String,
    /// When the producer found it so (for errors).
    at: Option<String>,
    /// Shown as an error (red).
    error: bool,
}

/// The note for a topic in `status` whose Kafka side is `kafka`, if any:
/// an approved topic always says where it stands on its way to Kafka;
/// others only when Kafka disagrees with the registry.
pub(super) fn kafka_note(
    status: TopicStatus,
    kafka: &KafkaSide,
    show_time: impl Fn(DateTime<Utc>) -> String,
) -> Option<KafkaNote> {
    let error_or = |fallback: &str| kafka.error.clone().unwrap_or_else(|| fallback.to_owned());
    let (kind, text, error) = match kafka.state {
        KafkaState::Failed => (
            "failed",
            format!("Kafka refused it: {}", error_or("no reason given")),
            true,
        ),
        KafkaState::Conflict => (
            "conflict",
            "a topic of this name already exists in Kafka; topicgate will not write into it"
                .to_owned(),
            true,
        ),
        KafkaState::Drifted => (
            "drifted",
            error_or("Kafka's copy differs from the registry"),
            true,
        ),
        _ if status != TopicStatus::Approved => return None,
        KafkaState::NotCreated => ("waiting", "waiting for the producer".to_owned(), false),
        KafkaState::Creating => ("creating", "creating…".to_owned(), false),
        KafkaState::Created => ("created", "created in Kafka; activating…".to_owned(), false),
        KafkaState::Deleted => ("deleted", "deleted from Kafka".to_owned(), false),
    };
    Some(KafkaNote {
        kind,
        text,
        at: if error {
            kafka.checked_at.map(show_time)
        } else {
            None
        },
        error,
    })
}

/// Whether the page should keep refreshing quickly for this row: it is on
/// its way to Kafka and nothing is wrong.
pub(super) fn on_its_way(status: TopicStatus, kafka: &KafkaSide) -> bool {
    status == TopicStatus::Approved
        && matches!(
            kafka.state,
            KafkaState::NotCreated | KafkaState::Creating | KafkaState::Created
        )
}

/// Whether an approved topic may be rejected from its row: only once
/// Kafka refused it or a foreign topic holds its name (the registry
/// refuses it while Kafka has or is creating it).
pub(super) fn rejectable_when_approved(kafka: &KafkaSide) -> bool {
    matches!(kafka.state, KafkaState::Failed | KafkaState::Conflict)
}

/// The cluster line: "Kafka: 3 brokers · producer seen 2 s ago". The
/// page's script keeps the age (and the colour) ticking between refreshes
/// from `age_secs`, counted on the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub(super) struct ClusterLine {
    /// "3 brokers", or "unknown" before the first report.
    brokers: String,
    /// Whether the producer was ever heard from.
    seen: bool,
    age_secs: i64,
    /// `age_secs` for people: "2 s", "4 min".
    age: String,
    /// Red: the producer was never heard from, or not for a while.
    silent: bool,
}

impl ClusterLine {
    /// The line as text, as a reader sees it.
    #[cfg(test)]
    fn text(&self) -> String {
        if self.seen {
            format!("Kafka: {} · producer seen {} ago", self.brokers, self.age)
        } else {
            format!("Kafka: {} · producer never seen", self.brokers)
        }
    }
}

pub(super) fn cluster_line(cluster: &ClusterView, now: DateTime<Utc>) -> ClusterLine {
    let brokers = match cluster.brokers {
        Some(1) => "1 broker".to_owned(),
        Some(n) => format!("{n} brokers"),
        None => "unknown".to_owned(),
    };
    let age_secs = cluster
        .producer_seen_at
        .map(|seen| (now - seen).num_seconds().max(0));
    ClusterLine {
        brokers,
        seen: age_secs.is_some(),
        age_secs: age_secs.unwrap_or(0),
        age: age(age_secs.unwrap_or(0)),
        silent: age_secs.is_none_or(|secs| secs >= PRODUCER_SILENT_AFTER_SECS),
    }
}

/// Kept in step with `formatAge` in `static/app.js`.
fn age(secs: i64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(state: KafkaState, error: Option<&str>) -> KafkaSide {
        KafkaSide {
            state,
            error: error.map(str::to_owned),
            ..KafkaSide::default()
        }
    }

    #[test]
    fn an_approved_row_never_waits_for_the_producer_once_kafka_refused() {
        let show = |_| String::new();
        for state in [
            KafkaState::Failed,
            KafkaState::Conflict,
            KafkaState::Drifted,
        ] {
            let note = kafka_note(TopicStatus::Approved, &side(state, Some("boom")), show).unwrap();
            assert!(note.error, "{state}");
            assert!(!note.text.contains("waiting"), "{state}: {}", note.text);
            assert!(!on_its_way(TopicStatus::Approved, &side(state, None)));
        }
        let waiting = kafka_note(
            TopicStatus::Approved,
            &side(KafkaState::NotCreated, None),
            show,
        );
        assert_eq!(waiting.unwrap().text, "waiting for the producer");
        assert!(kafka_note(TopicStatus::Active, &side(KafkaState::Created, None), show).is_none());
    }

    #[test]
    fn the_cluster_line_turns_red_after_three_silent_polls() {
        let now = Utc::now();
        let seen = |secs| ClusterView {
            brokers: Some(3),
            controller: Some(1),
            kafka_version: None,
            producer_seen_at: Some(now - chrono::Duration::seconds(secs)),
            producers: Vec::new(),
        };
        let fresh = cluster_line(&seen(2), now);
        assert_eq!(fresh.text(), "Kafka: 3 brokers · producer seen 2 s ago");
        assert!(!fresh.silent);
        assert!(!cluster_line(&seen(14), now).silent);
        assert!(cluster_line(&seen(15), now).silent);
        assert_eq!(cluster_line(&seen(300), now).age, "5 min");
        let never = cluster_line(&ClusterView::default(), now);
        assert!(never.silent);
        assert_eq!(never.text(), "Kafka: unknown · producer never seen");
    }
}
