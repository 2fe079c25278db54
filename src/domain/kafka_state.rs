use serde::{Deserialize, Serialize};

/// Where a topic stands in Kafka, as the producer's reconciler last found
/// it: the registry holds the desired state, this is the actual one.
///
/// ```text
/// not_created --claim--> creating --Kafka created it--> created
///      |                    |                              |
///      |                    +--non-retryable error--> failed (retried after an edit)
///      +--a topic of that name already exists--> conflict (never written to)
/// created --missing in Kafka, or fewer partitions--> drifted
/// ```
///
/// Ownership lives here: the reconciler records `creating` before it asks
/// Kafka, so a topic found in Kafka while the registry says `creating`,
/// `created` or `drifted` is topicgate's own (a restart in between adopts
/// it), and one found while it says `not_created` or `failed` is foreign.
// Stored as TEXT (see db::sql_types); JSON is the same string.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = String, parse_err_fn = unknown_state)]
pub enum KafkaState {
    /// Nothing asked of Kafka yet.
    #[default]
    NotCreated,
    /// topicgate is about to create it, or has asked Kafka to.
    Creating,
    /// Kafka has it as topicgate created it.
    Created,
    /// Kafka refused it for good (replication factor, name, policy).
    Failed,
    /// Kafka has a topic of that name that topicgate did not create.
    Conflict,
    /// topicgate created it, but Kafka's copy is gone or differs.
    Drifted,
    /// Retired: deleted from Kafka by topicgate.
    Deleted,
}

impl KafkaState {
    /// The spelling stored in the registry and used on the wire.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether a topic in Kafka of this name, found while the registry
    /// says `self`, is topicgate's own.
    pub fn owns_kafka_topic(self) -> bool {
        matches!(
            self,
            KafkaState::Creating | KafkaState::Created | KafkaState::Drifted
        )
    }
}

fn unknown_state(raw: &str) -> String {
    use strum::IntoEnumIterator;
    let names: Vec<&str> = KafkaState::iter().map(KafkaState::as_str).collect();
    format!(
        "unknown Kafka state {raw:?}; expected one of {}",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_in_snake_case() {
        use strum::IntoEnumIterator;
        for state in KafkaState::iter() {
            assert_eq!(state.as_str().parse::<KafkaState>(), Ok(state));
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        assert_eq!(KafkaState::NotCreated.as_str(), "not_created");
        assert!(
            "nope"
                .parse::<KafkaState>()
                .unwrap_err()
                .contains("not_created")
        );
    }

    #[test]
    fn only_states_after_a_claim_own_the_kafka_topic() {
        assert!(!KafkaState::NotCreated.owns_kafka_topic());
        assert!(!KafkaState::Failed.owns_kafka_topic());
        assert!(!KafkaState::Conflict.owns_kafka_topic());
        assert!(KafkaState::Creating.owns_kafka_topic());
        assert!(KafkaState::Created.owns_kafka_topic());
        assert!(KafkaState::Drifted.owns_kafka_topic());
    }
}
