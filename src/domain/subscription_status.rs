use serde::{Deserialize, Serialize};

/// Whether a subscription is read. The registry writes `active` (the
/// column's default) and `inactive` while the topic is deactivated.
///
/// Parsing never fails and ignores ASCII case: a client keeps working
/// against a server that sends a spelling or a status this build does not
/// know, which lands in [`SubscriptionStatus::Other`] as sent.
// Stored as TEXT (see db::sql_types); JSON is the same string.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::AsRefStr,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(from = "String", into = "String")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum SubscriptionStatus {
    /// Read by its user's consumers.
    Active,
    /// Kept, but not read.
    Inactive,
    /// Any other status, kept as it was written.
    #[strum(default, transparent)]
    Other(String),
}

impl SubscriptionStatus {
    /// The spelling stored and sent.
    pub fn as_str(&self) -> &str {
        self.as_ref()
    }

    /// Whether the user's consumers read the topic.
    pub fn is_active(&self) -> bool {
        *self == SubscriptionStatus::Active
    }
}

impl From<String> for SubscriptionStatus {
    fn from(raw: String) -> Self {
        match raw.parse() {
            Ok(status) => status,
            Err(never) => match never {},
        }
    }
}

impl From<SubscriptionStatus> for String {
    fn from(status: SubscriptionStatus) -> Self {
        match status {
            SubscriptionStatus::Other(raw) => raw,
            known => known.as_ref().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_leniently() {
        assert!(SubscriptionStatus::from("active".to_owned()).is_active());
        assert!(SubscriptionStatus::from("ACTIVE".to_owned()).is_active());
        assert_eq!(
            SubscriptionStatus::from("Inactive".to_owned()),
            SubscriptionStatus::Inactive
        );
        let paused = SubscriptionStatus::from("paused".to_owned());
        assert_eq!(paused, SubscriptionStatus::Other("paused".into()));
        assert!(!paused.is_active());
        assert_eq!(paused.to_string(), "paused");
    }

    #[test]
    fn json_is_the_plain_string() {
        for raw in ["\"active\"", "\"inactive\"", "\"paused\""] {
            let status: SubscriptionStatus = serde_json::from_str(raw).unwrap();
            assert_eq!(serde_json::to_string(&status).unwrap(), raw);
        }
        assert_eq!(SubscriptionStatus::Active.as_ref(), "active");
        assert!(serde_json::from_str::<SubscriptionStatus>("1").is_err());
    }
}
