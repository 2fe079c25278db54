use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use super::FieldError;
use super::text::{TextKind, checked_text};

/// Longest user id accepted.
pub const MAX_USER_ID_LEN: usize = 100;

/// A user id that passed [`parse_user_id`]: 1 to 100 characters, trimmed,
/// none of them control, bidi or zero-width. No other way makes one, so a
/// `UserId` past the edge is always a checked one; that includes JSON
/// (deserializing runs the same check) and rows read from the registry.
// Stored as TEXT (see db::sql_types).
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(try_from = "String")]
pub struct UserId(String);

/// The one check that makes a [`UserId`].
pub fn parse_user_id(raw: &str) -> Result<UserId, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new("user_id", "must not be empty"));
    }
    checked_text("user_id", trimmed, MAX_USER_ID_LEN, TextKind::Identifier).map(UserId)
}

/// Longest id a registered user (one with a token) may have.
pub const MAX_ACCOUNT_ID_LEN: usize = 64;

/// The stricter check for the id of a registered user: it also names the
/// user's Kafka principal (`User:<id>`), SCRAM login and consumer group, so
/// only letters, digits, `.`, `_`, `-` and `@`, at most 64, none of which
/// SCRAM or Kafka's ACL syntax treats specially.
pub fn parse_account_id(raw: &str) -> Result<UserId, FieldError> {
    let id = parse_user_id(raw)?;
    if id.0.len() > MAX_ACCOUNT_ID_LEN {
        return Err(FieldError::new(
            "user_id",
            format!("must be at most {MAX_ACCOUNT_ID_LEN} characters"),
        ));
    }
    if let Some(bad) =
        id.0.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
    {
        return Err(FieldError::new(
            "user_id",
            format!(
                "may hold only letters, digits, '.', '_', '-' and '@', not '{}'",
                bad.escape_debug()
            ),
        ));
    }
    Ok(id)
}

impl UserId {
    /// The checked id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = FieldError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        parse_user_id(&raw)
    }
}

// Hand-written because serde's `transparent` cannot be combined with the
// checked `try_from` above; the JSON is the bare string either way.
impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_bare_string() {
        let alice = parse_user_id(" alice ").unwrap();
        assert_eq!(alice.as_str(), "alice");
        assert_eq!(serde_json::to_string(&alice).unwrap(), "\"alice\"");
        assert_eq!(serde_json::from_str::<UserId>("\"alice\"").unwrap(), alice);
    }

    #[test]
    fn json_cannot_skip_the_check() {
        for bad in ["\"\"", "\"  \"", "\"a\\u202eb\"", "\"a\\u0000\"", "42"] {
            assert!(serde_json::from_str::<UserId>(bad).is_err(), "{bad}");
        }
        let long = format!("\"{}\"", "x".repeat(MAX_USER_ID_LEN + 1));
        let err = serde_json::from_str::<UserId>(&long).unwrap_err();
        assert!(err.to_string().contains("user_id"), "{err}");
    }

    #[test]
    fn account_ids_are_kafka_safe() {
        assert_eq!(
            parse_account_id(" alice.o-k@x_1 ").unwrap().as_str(),
            "alice.o-k@x_1"
        );
        for bad in ["a b", "a,b", "a=b", "User:x", "é", "a*"] {
            let err = parse_account_id(bad).unwrap_err();
            assert_eq!(err.field, "user_id", "{bad}");
        }
        assert!(parse_account_id(&"x".repeat(MAX_ACCOUNT_ID_LEN + 1)).is_err());
    }

    #[test]
    fn refuses_blank_ids() {
        assert_eq!(parse_user_id("  ").unwrap_err().field, "user_id");
    }
}
