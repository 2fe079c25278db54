use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a topic is in its life cycle.
///
/// ```text
/// PENDING --approve--> APPROVED --activate--> ACTIVE --deactivate--> INACTIVE
///    |                    ^                                             |
///  reject                 +------------------reactivate-----------------+
///    v
/// REJECTED
/// ```
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
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum TopicStatus {
    Pending,
    Approved,
    Active,
    Inactive,
    Rejected,
}

impl TopicStatus {
    pub const ALL: [TopicStatus; 5] = [
        TopicStatus::Pending,
        TopicStatus::Approved,
        TopicStatus::Active,
        TopicStatus::Inactive,
        TopicStatus::Rejected,
    ];

    /// The spelling stored in the registry and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TopicStatus::Pending => "pending",
            TopicStatus::Approved => "approved",
            TopicStatus::Active => "active",
            TopicStatus::Inactive => "inactive",
            TopicStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for TopicStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TopicStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TopicStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown status {s:?}; expected one of pending, approved, active, inactive, rejected")
            })
    }
}

/// A requested change of state. The table in [`Transition::apply`] is the only
/// place that decides which changes are legal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    Approve,
    Reject,
    Activate,
    Deactivate,
    Reactivate,
}

/// A transition that the current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {transition} a topic whose status is {from}; {}", allowed_hint(*.from))]
pub struct IllegalTransition {
    pub transition: Transition,
    pub from: TopicStatus,
}

fn allowed_hint(from: TopicStatus) -> String {
    let allowed: Vec<&str> = Transition::ALL
        .into_iter()
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
    pub const ALL: [Transition; 5] = [
        Transition::Approve,
        Transition::Reject,
        Transition::Activate,
        Transition::Deactivate,
        Transition::Reactivate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Approve => "approve",
            Transition::Reject => "reject",
            Transition::Activate => "activate",
            Transition::Deactivate => "deactivate",
            Transition::Reactivate => "reactivate",
        }
    }

    /// The state a topic in `from` moves to, or why it cannot.
    pub fn apply(self, from: TopicStatus) -> Result<TopicStatus, IllegalTransition> {
        use TopicStatus::*;
        match (self, from) {
            (Transition::Approve, Pending) => Ok(Approved),
            (Transition::Reject, Pending) => Ok(Rejected),
            (Transition::Activate, Approved) => Ok(Active),
            (Transition::Deactivate, Active) => Ok(Inactive),
            (Transition::Reactivate, Inactive) => Ok(Approved),
            _ => Err(IllegalTransition {
                transition: self,
                from,
            }),
        }
    }

    /// The past tense used in messages ("Topic 3 approved").
    pub fn past_tense(self) -> &'static str {
        match self {
            Transition::Approve => "approved",
            Transition::Reject => "rejected",
            Transition::Activate => "activated",
            Transition::Deactivate => "deactivated",
            Transition::Reactivate => "reactivated",
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_five_transitions_are_legal() {
        let legal: Vec<_> = Transition::ALL
            .into_iter()
            .flat_map(|t| TopicStatus::ALL.into_iter().map(move |s| (t, s)))
            .filter_map(|(t, s)| t.apply(s).ok().map(|to| (t, s, to)))
            .collect();
        use TopicStatus::*;
        assert_eq!(
            legal,
            vec![
                (Transition::Approve, Pending, Approved),
                (Transition::Reject, Pending, Rejected),
                (Transition::Activate, Approved, Active),
                (Transition::Deactivate, Active, Inactive),
                (Transition::Reactivate, Inactive, Approved),
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
        for s in TopicStatus::ALL {
            assert_eq!(s.as_str().parse::<TopicStatus>(), Ok(s));
        }
        assert!("bogus".parse::<TopicStatus>().is_err());
    }
}
