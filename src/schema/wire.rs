//! How a record says which schema it was written with.
//!
//! Every record topicgate produces carries the schema id in a header. A
//! topic may also ask for Confluent's framing, so that Confluent's
//! deserializers read it: a zero magic byte, the id as a big-endian `u32`,
//! then the JSON.

use serde::{Deserialize, Serialize};

/// Header naming the registry id of the record's schema, in ASCII decimal.
pub const SCHEMA_ID_HEADER: &str = "topicgate-schema-id";

/// First byte of a Confluent-framed value.
const CONFLUENT_MAGIC: u8 = 0;
/// Magic byte plus the four bytes of the id.
const CONFLUENT_PREFIX_LEN: usize = 5;

/// How a topic's record values are laid out.
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
#[strum(serialize_all = "snake_case")]
pub enum ValueFormat {
    /// The JSON alone; the schema id travels in [`SCHEMA_ID_HEADER`].
    #[default]
    Json,
    /// Confluent's wire format around the JSON, and the header as well.
    ConfluentJson,
}

impl ValueFormat {
    /// The spelling stored in the registry and used on the wire.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Wraps `json` in Confluent's framing for schema `id`.
pub fn frame_confluent(id: u32, json: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(CONFLUENT_PREFIX_LEN + json.len());
    framed.push(CONFLUENT_MAGIC);
    framed.extend_from_slice(&id.to_be_bytes());
    framed.extend_from_slice(json);
    framed
}

/// The schema id and the JSON of a Confluent-framed value; `None` when the
/// value is not framed (it does not start with the magic byte, which no
/// JSON text does, or is too short to hold an id).
pub fn unframe_confluent(bytes: &[u8]) -> Option<(u32, &[u8])> {
    match bytes {
        [CONFLUENT_MAGIC, a, b, c, d, rest @ ..] => {
            Some((u32::from_be_bytes([*a, *b, *c, *d]), rest))
        }
        _ => None,
    }
}

/// The schema id a record's header names, if it names a well-formed one.
pub fn schema_id_from_header(value: &[u8]) -> Option<i64> {
    std::str::from_utf8(value)
        .ok()?
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trips_and_plain_json_is_not_framed() {
        let framed = frame_confluent(258, br#"{"a":1}"#);
        assert_eq!(&framed[..5], &[0, 0, 0, 1, 2]);
        assert_eq!(unframe_confluent(&framed), Some((258, &br#"{"a":1}"#[..])));
        assert_eq!(unframe_confluent(br#"{"a":1}"#), None);
        assert_eq!(unframe_confluent(&[0, 0, 1]), None);
    }

    #[test]
    fn formats_and_header_ids_parse_strictly() {
        assert_eq!(
            "confluent_json".parse::<ValueFormat>(),
            Ok(ValueFormat::ConfluentJson)
        );
        assert_eq!(ValueFormat::default().as_str(), "json");
        assert!("avro".parse::<ValueFormat>().is_err());
        assert_eq!(schema_id_from_header(b"42"), Some(42));
        for bad in [&b"-1"[..], b"0", b"4x", b"", b"\xff"] {
            assert_eq!(schema_id_from_header(bad), None);
        }
    }
}
