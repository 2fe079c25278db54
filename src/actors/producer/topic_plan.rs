//! The reconciler's decision for one topic: what the registry wants and has
//! recorded, against what Kafka's metadata shows, gives one [`Plan`].
//!
//! A plain function so every case of the ownership rule is a unit test:
//! a topic found in Kafka while the registry says `creating`, `created` or
//! `drifted` is topicgate's own and is adopted; found while it says
//! anything else it is someone else's, and is never activated or written.

use crate::api::{KafkaReport, TopicView};
use crate::domain::{KafkaState, TopicStatus};

/// A topic's layout as Kafka's metadata shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub partitions: i32,
    pub replication_factor: i32,
}

/// What Kafka's metadata says about one topic name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Kafka has no topic of that name.
    Absent,
    Present(Layout),
    /// Listed, but without partitions yet (being created or deleted): no
    /// decision is safe until it settles.
    Unsettled,
}

/// What to do about one topic this round.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Claim it (`creating`), create it in Kafka, record `created`, activate.
    Create,
    /// It is topicgate's own and exists: record `report`, then activate.
    Adopt(KafkaReport),
    /// Record `report` (when the registry's differs, or to refresh it);
    /// `publish` says whether an active topic's generator may run.
    Record { report: KafkaReport, publish: bool },
    /// Deleted in the registry and topicgate's own in Kafka: delete it
    /// there, then record `deleted` (see `kafka_retire`).
    Retire,
    /// An approved change raised the registry's partitions above Kafka's:
    /// add partitions in Kafka up to `to`, then record `created`.
    Grow { to: i32, layout: Layout },
    /// Nothing is safe to do or say this round.
    Wait,
}

/// Decides what to do about `topic` given what Kafka shows of its name.
pub fn plan(topic: &TopicView, seen: Seen) -> Plan {
    match (topic.status, seen) {
        (_, Seen::Unsettled) => Plan::Wait,
        (TopicStatus::Deleted, seen) => super::kafka_retire::plan(topic, seen),
        (TopicStatus::Approved, Seen::Absent) => match topic.kafka.state {
            // Refused for good: tried again only once an edit resets it.
            KafkaState::Failed => Plan::Record {
                report: KafkaReport {
                    state: KafkaState::Failed,
                    error: topic.kafka.error.clone(),
                    partitions: None,
                    replication_factor: None,
                },
                publish: false,
            },
            // Never created, a retry of a claim, ours but gone before it was
            // activated, or the foreign topic in the way is gone: the name
            // is free, claim and create it.
            _ => Plan::Create,
        },
        (TopicStatus::Approved, Seen::Present(layout)) if topic.kafka.state.owns_kafka_topic() => {
            Plan::Adopt(created(layout))
        }
        (TopicStatus::Approved, Seen::Present(layout)) => Plan::Record {
            report: KafkaReport {
                state: KafkaState::Conflict,
                error: Some(foreign(layout)),
                partitions: Some(layout.partitions),
                replication_factor: Some(layout.replication_factor),
            },
            publish: false,
        },
        (TopicStatus::Active, Seen::Absent) => Plan::Record {
            report: KafkaReport {
                state: KafkaState::Drifted,
                error: Some("the topic is missing in Kafka (deleted outside topicgate)".to_owned()),
                partitions: None,
                replication_factor: None,
            },
            publish: false,
        },
        (TopicStatus::Active, Seen::Present(layout)) if raised_by_registry(topic, layout) => {
            Plan::Grow {
                to: topic.partitions,
                layout,
            }
        }
        (TopicStatus::Active, Seen::Present(layout)) if layout.partitions < topic.partitions => {
            Plan::Record {
                report: KafkaReport {
                    state: KafkaState::Drifted,
                    error: Some(format!(
                        "Kafka has {} but the registry asks for {}",
                        partitions(layout.partitions),
                        partitions(topic.partitions)
                    )),
                    partitions: Some(layout.partitions),
                    replication_factor: Some(layout.replication_factor),
                },
                publish: false,
            }
        }
        // Active and as expected (more partitions only spread the keys
        // wider; nothing is lost): created, whatever was recorded before.
        (TopicStatus::Active, Seen::Present(layout)) => Plan::Record {
            report: created(layout),
            publish: true,
        },
        // The watcher asks for approved, active and deleted topics only.
        _ => Plan::Wait,
    }
}

/// Whether Kafka has fewer partitions than the registry because the
/// registry's count rose (an approved change), not because Kafka's copy
/// changed: topicgate's own topic, recorded as created with exactly the
/// count Kafka still shows.
fn raised_by_registry(topic: &TopicView, layout: Layout) -> bool {
    topic.kafka.state == KafkaState::Created
        && topic.kafka.partitions == Some(layout.partitions)
        && layout.partitions < topic.partitions
}

/// Whether `report` says something the registry's record of `topic` does
/// not (its `checked_at` aside).
pub fn is_news(topic: &TopicView, report: &KafkaReport) -> bool {
    let recorded = &topic.kafka;
    recorded.state != report.state
        || recorded.error != report.error
        || recorded.partitions != report.partitions
        || recorded.replication_factor != report.replication_factor
}

fn created(layout: Layout) -> KafkaReport {
    KafkaReport {
        state: KafkaState::Created,
        error: None,
        partitions: Some(layout.partitions),
        replication_factor: Some(layout.replication_factor),
    }
}

fn foreign(layout: Layout) -> String {
    format!(
        "Kafka already has a topic of this name ({}, replication factor {}) that topicgate \
         did not create; it is never written to (delete it in Kafka, or request another name)",
        partitions(layout.partitions),
        layout.replication_factor
    )
}

fn partitions(count: i32) -> String {
    match count {
        1 => "1 partition".to_owned(),
        n => format!("{n} partitions"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::KafkaSide;
    use crate::domain::{DataType, TopicId};

    fn topic(status: TopicStatus, state: KafkaState) -> TopicView {
        TopicView {
            topic_id: TopicId(1),
            topic_name: "orders".into(),
            status,
            partitions: 3,
            replication_factor: 1,
            data_type: DataType::Logs,
            created_at: chrono::Utc::now(),
            approved_at: None,
            activated_at: None,
            created_by: "ops".into(),
            description: String::new(),
            kafka: KafkaSide {
                state,
                ..KafkaSide::default()
            },
            configs: Default::default(),
        }
    }

    fn present(partitions: i32) -> Seen {
        Seen::Present(Layout {
            partitions,
            replication_factor: 1,
        })
    }

    fn state_of(plan: &Plan) -> Option<KafkaState> {
        match plan {
            Plan::Adopt(report) | Plan::Record { report, .. } => Some(report.state),
            Plan::Create | Plan::Retire | Plan::Grow { .. } | Plan::Wait => None,
        }
    }

    #[test]
    fn an_approved_topic_missing_in_kafka_is_created_unless_refused_for_good() {
        for state in [
            KafkaState::NotCreated,
            KafkaState::Creating,
            KafkaState::Created,
            KafkaState::Conflict,
            KafkaState::Drifted,
            KafkaState::Deleted,
        ] {
            let approved = topic(TopicStatus::Approved, state);
            assert_eq!(plan(&approved, Seen::Absent), Plan::Create, "{state}");
        }
        let mut failed = topic(TopicStatus::Approved, KafkaState::Failed);
        failed.kafka.error = Some("Broker: Invalid replication factor".into());
        let decided = plan(&failed, Seen::Absent);
        assert_eq!(state_of(&decided), Some(KafkaState::Failed));
        let Plan::Record { report, .. } = &decided else {
            panic!("{decided:?}")
        };
        // The same record again: no news, only a refresh.
        assert!(!is_news(&failed, report));
    }

    #[test]
    fn an_approved_topic_kafka_has_is_adopted_only_after_a_claim() {
        for state in [
            KafkaState::Creating,
            KafkaState::Created,
            KafkaState::Drifted,
        ] {
            let decided = plan(&topic(TopicStatus::Approved, state), present(3));
            assert_eq!(
                decided,
                Plan::Adopt(KafkaReport {
                    state: KafkaState::Created,
                    error: None,
                    partitions: Some(3),
                    replication_factor: Some(1),
                }),
                "{state}"
            );
        }
        for state in [
            KafkaState::NotCreated,
            KafkaState::Failed,
            KafkaState::Conflict,
            KafkaState::Deleted,
        ] {
            // Even with the very layout the registry asks for.
            let decided = plan(&topic(TopicStatus::Approved, state), present(3));
            let Plan::Record { report, publish } = decided else {
                panic!("{state}: {decided:?}")
            };
            assert_eq!(report.state, KafkaState::Conflict, "{state}");
            assert!(!publish);
            assert_eq!(report.partitions, Some(3));
            let error = report.error.unwrap_or_default();
            assert!(error.contains("3 partitions"), "{error}");
        }
    }

    #[test]
    fn an_active_topic_gone_or_shrunk_in_kafka_has_drifted_and_is_not_published() {
        let active = topic(TopicStatus::Active, KafkaState::Created);
        for (seen, says) in [
            (Seen::Absent, "missing in Kafka"),
            (
                present(1),
                "Kafka has 1 partition but the registry asks for 3",
            ),
        ] {
            let decided = plan(&active, seen);
            let Plan::Record { report, publish } = decided else {
                panic!("{decided:?}")
            };
            assert_eq!(report.state, KafkaState::Drifted);
            assert!(!publish);
            assert!(report.error.as_deref().unwrap_or("").contains(says));
            assert!(is_news(&active, &report));
        }
    }

    #[test]
    fn an_active_topic_whose_registry_count_rose_is_grown_in_kafka() {
        // Recorded as created with the 2 partitions Kafka still has: the
        // registry's 3 comes from an approved change.
        let mut raised = topic(TopicStatus::Active, KafkaState::Created);
        raised.kafka.partitions = Some(2);
        assert_eq!(
            plan(&raised, present(2)),
            Plan::Grow {
                to: 3,
                layout: Layout {
                    partitions: 2,
                    replication_factor: 1
                }
            }
        );
        // Kafka shows fewer than it was recorded with: its copy changed,
        // which no approved change explains.
        raised.kafka.partitions = Some(3);
        assert_eq!(
            state_of(&plan(&raised, present(2))),
            Some(KafkaState::Drifted)
        );
        // Drifted already: not grown, an operator looks first.
        let mut drifted = topic(TopicStatus::Active, KafkaState::Drifted);
        drifted.kafka.partitions = Some(2);
        assert_eq!(
            state_of(&plan(&drifted, present(2))),
            Some(KafkaState::Drifted)
        );
    }

    #[test]
    fn an_active_topic_as_expected_is_created_and_published() {
        for state in [
            KafkaState::Drifted,
            KafkaState::NotCreated,
            KafkaState::Created,
        ] {
            let active = topic(TopicStatus::Active, state);
            for partitions in [3, 6] {
                let decided = plan(&active, present(partitions));
                let Plan::Record { report, publish } = decided else {
                    panic!("{decided:?}")
                };
                assert_eq!(report.state, KafkaState::Created);
                assert_eq!(report.partitions, Some(partitions));
                assert!(publish);
            }
        }
    }

    #[test]
    fn nothing_is_decided_while_kafka_has_the_topic_half_way() {
        for status in [TopicStatus::Approved, TopicStatus::Active] {
            let decided = plan(&topic(status, KafkaState::Created), Seen::Unsettled);
            assert_eq!(decided, Plan::Wait);
        }
    }

    #[test]
    fn news_is_any_difference_but_the_check_time() {
        let mut recorded = topic(TopicStatus::Active, KafkaState::Created);
        recorded.kafka.partitions = Some(3);
        recorded.kafka.replication_factor = Some(1);
        recorded.kafka.checked_at = Some(chrono::Utc::now());
        let same = created(Layout {
            partitions: 3,
            replication_factor: 1,
        });
        assert!(!is_news(&recorded, &same));
        let wider = created(Layout {
            partitions: 4,
            replication_factor: 1,
        });
        assert!(is_news(&recorded, &wider));
    }
}
