//! Validation on read: each record's value is checked against its schema
//! (see [`super::schemas`]); those that are not JSON or break the schema
//! become dead letters instead of data.

use std::time::Duration;

use rdkafka::message::{Headers, Message};
use serde::de::IgnoredAny;
use tokio::sync::oneshot;

use super::pump::Sink;
use super::record::Received;
use super::schemas::{Resolved, SchemaBook, Unknown};
use crate::schema::{SCHEMA_ID_HEADER, schema_id_from_header, unframe_confluent};

/// How long a record whose schema is not known waits before asking again.
const RETRY: Duration = Duration::from_secs(2);

/// What validation on read needs: the checker and the dead-letter writer.
pub struct Validation {
    pub validator: Validator,
    pub dead_letters: super::dead_letters::DeadLetterWriter,
}

/// A record that goes to its topic's dead-letter topic, borrowed from
/// librdkafka's buffer.
#[derive(Debug)]
pub struct DeadLetter<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    /// The value as it came (framing included).
    pub value: &'a [u8],
    pub reason: String,
    /// The schema it was checked against, or the one it named.
    pub schema_id: Option<i64>,
}

/// A batch sorted: what is shown and stored, and what is dead-lettered.
#[derive(Default)]
pub struct Sorted<'a> {
    pub valid: Vec<Received<'a>>,
    pub dead: Vec<DeadLetter<'a>>,
}

/// Checks records against their schemas. See the module documentation.
pub struct Validator {
    book: SchemaBook,
    /// Whether the user was told that a schema is not known yet.
    waiting: bool,
}

impl Validator {
    pub fn new(book: SchemaBook) -> Self {
        Self {
            book,
            waiting: false,
        }
    }

    /// Sorts `messages`, in order. A record whose schema cannot be known
    /// yet (the admin API does not answer and it was never asked) holds
    /// the whole batch, uncommitted, until it can: the user is told once.
    /// `None` when `stop` fired meanwhile; nothing of the batch was used.
    pub async fn sort<'a, M: Message>(
        &mut self,
        messages: &[&'a M],
        sink: &mut impl Sink,
        stop: &mut oneshot::Receiver<()>,
    ) -> Option<Sorted<'a>> {
        // A batch names few (topic, id) pairs: resolved once each.
        let mut resolved: Vec<(&'a str, Option<i64>, Resolved)> = Vec::new();
        let mut sorted = Sorted::default();
        for &message in messages {
            let topic = message.topic();
            let value = message.payload().unwrap_or_default();
            let named = match named_id(message, value) {
                Ok(named) => named,
                Err(reason) => {
                    sorted.dead.push(dead_letter(message, reason, None));
                    continue;
                }
            };
            let at = resolved
                .iter()
                .position(|(t, n, _)| *t == topic && *n == named);
            let at = match at {
                Some(at) => at,
                None => {
                    let schema = self.resolve(topic, named, sink, stop).await?;
                    resolved.push((topic, named, schema));
                    resolved.len() - 1
                }
            };
            match check(value, &resolved[at].2) {
                Ok(()) => sorted.valid.push(Received::read(message)),
                Err((schema_id, reason)) => {
                    sorted.dead.push(dead_letter(message, reason, schema_id))
                }
            }
        }
        Some(sorted)
    }

    async fn resolve(
        &mut self,
        topic: &str,
        named: Option<i64>,
        sink: &mut impl Sink,
        stop: &mut oneshot::Receiver<()>,
    ) -> Option<Resolved> {
        loop {
            match self.book.resolve(topic, named).await {
                Ok(resolved) => {
                    if std::mem::take(&mut self.waiting) {
                        sink.notice(&format!("The schema of {topic} is known: reading on."));
                    }
                    return Some(resolved);
                }
                Err(Unknown(why)) => {
                    if !std::mem::replace(&mut self.waiting, true) {
                        sink.notice(&format!(
                            "Waiting: {why}. Records wait uncommitted until it is; \
                             asking every {} s.",
                            RETRY.as_secs()
                        ));
                    }
                }
            }
            tokio::select! {
                biased;
                _ = &mut *stop => return None,
                () = tokio::time::sleep(RETRY) => {}
            }
        }
    }
}

/// The schema id `message` names: its `topicgate-schema-id` header or its
/// Confluent frame. Both present must agree; a header that is not an id
/// makes the record a dead letter.
fn named_id<M: Message>(message: &M, value: &[u8]) -> Result<Option<i64>, String> {
    let header = message
        .headers()
        .and_then(|headers| headers.iter().find(|h| h.key == SCHEMA_ID_HEADER))
        .map(|h| {
            h.value
                .and_then(schema_id_from_header)
                .ok_or_else(|| format!("the {SCHEMA_ID_HEADER} header is not a schema id"))
        })
        .transpose()?;
    let framed = unframe_confluent(value).map(|(id, _)| i64::from(id));
    match (header, framed) {
        (Some(header), Some(framed)) if header != framed => Err(format!(
            "the {SCHEMA_ID_HEADER} header ({header}) and the Confluent frame ({framed}) name different schemas"
        )),
        (header, framed) => Ok(header.or(framed)),
    }
}

/// Checks one value against what it resolved to; the error names the
/// schema and says what is wrong.
fn check(value: &[u8], resolved: &Resolved) -> Result<(), (Option<i64>, String)> {
    let json = unframe_confluent(value).map_or(value, |(_, json)| json);
    match resolved {
        Resolved::Refused(id, why) => Err((*id, why.clone())),
        Resolved::NoSchema => serde_json::from_slice::<IgnoredAny>(json)
            .map(|_| ())
            .map_err(|e| (None, not_json(&e))),
        Resolved::Schema(id, schema) => {
            let text = std::str::from_utf8(json).map_err(|e| (Some(*id), not_utf8(&e)))?;
            schema
                .validate_text(text)
                .map_err(|error| (Some(*id), error.to_string()))
        }
    }
}

fn not_json(e: &serde_json::Error) -> String {
    format!("not JSON: {e}")
}

fn not_utf8(e: &std::str::Utf8Error) -> String {
    format!("not JSON: not UTF-8 ({e})")
}

fn dead_letter<'a, M: Message>(
    message: &'a M,
    reason: String,
    schema_id: Option<i64>,
) -> DeadLetter<'a> {
    DeadLetter {
        topic: message.topic(),
        partition: message.partition(),
        offset: message.offset(),
        key: message.key(),
        value: message.payload().unwrap_or_default(),
        reason,
        schema_id,
    }
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::{Header, OwnedHeaders, OwnedMessage};

    use super::*;
    use crate::schema::frame_confluent;

    fn record(value: &[u8], header: Option<&str>) -> OwnedMessage {
        let headers = header.map(|id| {
            OwnedHeaders::new().insert(Header {
                key: SCHEMA_ID_HEADER,
                value: Some(id),
            })
        });
        OwnedMessage::new(
            Some(value.to_vec()),
            None,
            "t".into(),
            Timestamp::NotAvailable,
            0,
            1,
            headers,
        )
    }

    #[test]
    fn the_named_id_comes_from_the_header_or_the_frame() {
        let plain = record(b"{}", None);
        assert_eq!(named_id(&plain, b"{}"), Ok(None));
        let headed = record(b"{}", Some("42"));
        assert_eq!(named_id(&headed, b"{}"), Ok(Some(42)));
        let framed = frame_confluent(7, b"{}");
        assert_eq!(named_id(&record(&framed, None), &framed), Ok(Some(7)));
        assert_eq!(named_id(&record(&framed, Some("7")), &framed), Ok(Some(7)));
        assert!(named_id(&record(&framed, Some("8")), &framed).is_err());
        for bad in ["", "-1", "0", "x", "99999999999999999999"] {
            assert!(named_id(&record(b"{}", Some(bad)), b"{}").is_err(), "{bad}");
        }
    }

    #[test]
    fn without_a_schema_a_record_need_only_be_json() {
        assert_eq!(check(b"[1]", &Resolved::NoSchema), Ok(()));
        let framed = frame_confluent(3, b"{\"a\":1}");
        assert_eq!(check(&framed, &Resolved::NoSchema), Ok(()));
        let (id, why) = check(b"nope", &Resolved::NoSchema).unwrap_err();
        assert_eq!(id, None);
        assert!(why.starts_with("not JSON"), "{why}");
    }

    #[test]
    fn against_a_schema_a_record_must_be_json_text_that_fits() {
        let schema = crate::schema::RecordSchema::compile(&serde_json::json!({
            "type": "object", "required": ["a"]
        }))
        .unwrap();
        let resolved = Resolved::Schema(9, std::sync::Arc::new(schema));
        assert_eq!(check(br#"{"a": 1}"#, &resolved), Ok(()));
        for (value, starts) in [
            (&b"{\"a\": \"\xff\"}"[..], "not JSON: not UTF-8"),
            (b"{\"a\": ", "not JSON"),
            (b"{}", "/: \"a\" is a required property"),
        ] {
            let (id, why) = check(value, &resolved).unwrap_err();
            assert_eq!(id, Some(9));
            assert!(why.starts_with(starts), "{why}");
        }
    }
}
