use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;

/// Where a topic is in its life cycle.
///
/// ```text
/// PENDING --approve--> APPROVED --activate--> ACTIVE --deactivate--> INACTIVE
///    |                 |  ^                                             |
///  reject          reject +------------------reactivate-----------------+
///    v                 v
/// REJECTED <-----------+
///
/// INACTIVE, REJECTED, APPROVED --delete--> DELETED (final)
/// ```
///
/// Rejecting an approved topic is for one Kafka refused or that collides
/// with a foreign topic; the registry refuses it while Kafka has, or is
/// about to have, the topic (see `KafkaState`). Deleting an approved topic
/// is likewise only for one whose Kafka state is failed or conflict. A
/// deleted topic keeps its record and audit trail; its name may be
/// requested again.
///
/// Parsing ignores ASCII case; callers trim what people typed.
// Stored as text in the registry (see db::sql_types).
#[derive(
    Debug,
    Clone,
    Copy,
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
#[serde(rename_all = "lowercase")]
#[strum(
    serialize_all = "lowercase",
    ascii_case_insensitive,
    parse_err_ty = String,
    parse_err_fn = unknown_status
)]
pub enum TopicStatus {
    Pending,
    Approved,
    Active,
    Inactive,
    Rejected,
    Deleted,
}

impl TopicStatus {
    /// The spelling stored in the registry and used on the wire.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Names every status, so a refusal says what would be accepted.
fn unknown_status(raw: &str) -> String {
    let names: Vec<&str> = TopicStatus::iter().map(TopicStatus::as_str).collect();
    format!(
        "unknown status {raw:?}; expected one of {}",
        names.join(", ")
    )
}

/// A requested change of state. The table in [`Transition::apply`] is the only
/// place that decides which changes are legal.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Transition {
    Approve,
    Reject,
    Activate,
    Deactivate,
    Reactivate,
    Delete,
}

/// A transition that the current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {transition} a topic whose status is {from}; {}", allowed_hint(*.from))]
pub struct IllegalTransition {
    pub transition: Transition,
    pub from: TopicStatus,
}

fn allowed_hint(from: TopicStatus) -> String {
    let allowed: Vec<&str> = Transition::iter()
        .filter(|t| t.apply(from).is_ok())
        .map(Transition::as_str)
        .collect();
    if allowed.is_empty() {
        format!("{from} is a final status")
    } else {
        format!("from {from} it can only {}", allowed.join(" or "))
    }
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The state a topic in `from` moves to, or why it cannot.
    pub fn apply(self, from: TopicStatus) -> Result<TopicStatus, IllegalTransition> {
        use TopicStatus::*;
        match (self, from) {
            (Transition::Approve, Pending) => Ok(Approved),
            (Transition::Reject, Pending | Approved) => Ok(Rejected),
            (Transition::Activate, Approved) => Ok(Active),
            (Transition::Deactivate, Active) => Ok(Inactive),
            (Transition::Reactivate, Inactive) => Ok(Approved),
            (Transition::Delete, Inactive | Rejected | Approved) => Ok(Deleted),
            _ => Err(IllegalTransition {
                transition: self,
                from,
            }),
        }
    }

    /// The past tense used in messages ("Topic 3 approved"). By hand:
    /// English past tenses are not a case style a derive can produce.
    pub fn past_tense(self) -> &'static str {
        match self {
            Transition::Approve => "approved",
            Transition::Reject => "rejected",
            Transition::Activate => "activated",
            Transition::Deactivate => "deactivated",
            Transition::Reactivate => "reactivated",
            Transition::Delete => "deleted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_nine_transitions_are_legal() {
        let legal: Vec<_> = Transition::iter()
            .flat_map(|t| TopicStatus::iter().map(move |s| (t, s)))
            .filter_map(|(t, s)| t.apply(s).ok().map(|to| (t, s, to)))
            .collect();
        use TopicStatus::*;
        assert_eq!(
            legal,
            vec![
                (Transition::Approve, Pending, Approved),
                (Transition::Reject, Pending, Rejected),
                (Transition::Reject, Approved, Rejected),
                (Transition::Activate, Approved, Active),
                (Transition::Deactivate, Active, Inactive),
                (Transition::Reactivate, Inactive, Approved),
                (Transition::Delete, Approved, Deleted),
                (Transition::Delete, Inactive, Deleted),
                (Transition::Delete, Rejected, Deleted),
            ]
        );
    }

    #[test]
    fn refusal_names_the_current_state() {
        let err = Transition::Approve.apply(TopicStatus::Active).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot approve a topic whose status is active; from active it can only deactivate"
        );
        let err = Transition::Approve
            .apply(TopicStatus::Rejected)
            .unwrap_err();
        assert!(err.to_string().contains("rejected"), "{err}");
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in TopicStatus::iter() {
            assert_eq!(s.as_str().parse::<TopicStatus>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!("ACTIVE".parse::<TopicStatus>(), Ok(TopicStatus::Active));
        assert_eq!(
            "bogus".parse::<TopicStatus>(),
            Err("unknown status \"bogus\"; expected one of pending, approved, active, inactive, rejected, deleted".to_owned())
        );
    }
}
