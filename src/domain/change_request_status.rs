use serde::{Deserialize, Serialize};

/// Where a request to change an active topic stands. The CHECK of
/// `topic_change_requests.status` allows exactly these spellings.
// Stored as TEXT (see db::sql_types); JSON is the same string.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum ChangeRequestStatus {
    /// Waiting for an admin.
    Pending,
    /// Applied to the topic; the producer grows it in Kafka.
    Approved,
    /// Refused by an admin; nothing changed.
    Rejected,
}

impl ChangeRequestStatus {
    /// The spelling stored and sent.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
