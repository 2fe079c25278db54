use std::fmt;

use serde::{Deserialize, Serialize};

/// A topic's key in the registry. Any integer is a well-formed id (the
/// registry says whether a topic has it), so the inner value is public; the
/// type only keeps a topic id from being taken for another number.
// Stored as INTEGER (see db::sql_types); transparent so the JSON is the bare number.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Integer)]
#[serde(transparent)]
pub struct TopicId(pub i32);

impl fmt::Display for TopicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_bare_number() {
        assert_eq!(serde_json::to_string(&TopicId(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<TopicId>("42").unwrap(), TopicId(42));
        assert!(serde_json::from_str::<TopicId>("\"42\"").is_err());
        assert_eq!(TopicId(7).to_string(), "7");
    }
}
