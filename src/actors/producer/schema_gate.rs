//! What stands between a generator and the publisher: the topic's current
//! schema, compiled once per registry id, which every record must satisfy
//! before it is sent, and the marks a checked record carries (the
//! `topicgate-schema-id` header, and Confluent's framing for topics whose
//! values are `confluent_json`).
//!
//! Schemas come from the admin service's Schema Registry API
//! (`GET /schema-registry/schemas/ids/{id}`) into one [`SchemaCache`]
//! shared by every generator, so a schema id is fetched and compiled once
//! per daemon, however many topics and restarts use it.

use std::sync::Arc;

use crate::api::ActiveTopic;
use crate::client::AdminClient;
use crate::domain::Envelope;
use crate::schema::{RecordSchema, SchemaCache, ValueFormat, Violation, frame_confluent};

/// What the registry announces about a topic's schema.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TopicSchema {
    /// The id of its current schema; `None` from an admin service older
    /// than schemas, whose topics are published unchecked and unmarked.
    pub id: Option<i64>,
    pub value_format: ValueFormat,
}

impl TopicSchema {
    /// What `GET /api/topics/active` says of `topic`.
    pub fn of(topic: &ActiveTopic) -> Self {
        Self {
            id: topic.schema_id,
            value_format: topic.value_format,
        }
    }
}

/// Where generators get compiled schemas. Cloning shares the cache.
#[derive(Debug, Clone)]
pub struct SchemaSource {
    cache: SchemaCache,
    /// The admin service to fetch schemas from; `None` serves only what
    /// the cache holds (benchmarks).
    admin_url: Option<String>,
}

impl SchemaSource {
    /// Fetches schemas from the admin service at `admin_url`.
    pub fn new(admin_url: &str) -> Self {
        Self {
            cache: SchemaCache::new(),
            admin_url: Some(admin_url.to_owned()),
        }
    }

    /// Serves only the schemas already in `cache`.
    pub fn cached_only(cache: SchemaCache) -> Self {
        Self {
            cache,
            admin_url: None,
        }
    }

    /// The compiled schema `id`, if some generator fetched it already.
    pub fn cached(&self, id: i64) -> Option<Arc<RecordSchema>> {
        self.cache.get(id)
    }

    /// A client for [`Self::fetch`]. Made by the caller on its own thread:
    /// an HTTP client cannot move between threads.
    pub fn client(&self) -> Option<AdminClient> {
        self.admin_url.as_deref().map(AdminClient::new)
    }

    /// Fetches schema `id` with `client` and compiles it into the cache;
    /// the error says why it is not usable yet.
    pub async fn fetch(
        &self,
        client: Option<AdminClient>,
        id: i64,
    ) -> Result<Arc<RecordSchema>, String> {
        if let Some(schema) = self.cache.get(id) {
            return Ok(schema);
        }
        let client = client.ok_or("no admin service to fetch it from")?;
        let text = client
            .schema_by_id(id)
            .await
            .map_err(|error| error.to_string())?;
        let document: serde_json::Value = serde_json::from_str(&text.schema)
            .map_err(|error| format!("the registry's text is not JSON: {error}"))?;
        let schema = RecordSchema::compile(&document).map_err(|error| error.to_string())?;
        Ok(self.cache.insert(id, schema))
    }
}

/// A topic's schema ready to check and mark records.
#[derive(Debug, Clone)]
pub struct Marks {
    announced: TopicSchema,
    id: i64,
    schema: Arc<RecordSchema>,
    /// The id in Confluent's frame, for `confluent_json` topics.
    confluent: Option<u32>,
}

/// Why a record was not made.
#[derive(Debug)]
pub enum Unfit {
    /// It fails the topic's schema: a bug in its payload maker, or a
    /// schema the generator cannot satisfy. Never sent.
    Violation(Violation),
    /// It could not be serialised (never happens for JSON values).
    Serialise(serde_json::Error),
}

impl Marks {
    /// Marks for the topic `announced` (which names schema `id`) with
    /// `schema` compiled; fails when the id cannot be framed as Confluent
    /// asks (four bytes).
    pub fn new(announced: TopicSchema, id: i64, schema: Arc<RecordSchema>) -> Result<Self, String> {
        let confluent =
            match announced.value_format {
                ValueFormat::Json => None,
                ValueFormat::ConfluentJson => Some(u32::try_from(id).map_err(|_| {
                    format!("schema id {id} does not fit Confluent's four-byte frame")
                })?),
            };
        Ok(Self {
            announced,
            id,
            schema,
            confluent,
        })
    }

    /// What the registry announced when these marks were made.
    pub fn announced(&self) -> TopicSchema {
        self.announced
    }

    /// The schema id each record carries.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Checks `envelope` against the schema and writes the record value:
    /// the JSON, framed for Confluent when the topic asks for it.
    pub fn encode(&self, envelope: Envelope) -> Result<Vec<u8>, Unfit> {
        let value = envelope.into_json();
        self.schema.validate(&value).map_err(Unfit::Violation)?;
        let mut bytes = match self.confluent {
            // The frame's prefix alone, so the JSON is written once.
            Some(id) => frame_confluent(id, &[]),
            None => Vec::new(),
        };
        serde_json::to_writer(&mut bytes, &value).map_err(Unfit::Serialise)?;
        Ok(bytes)
    }
}

/// Writes a record value of a topic without a schema, as before schemas.
pub fn encode_unchecked(envelope: &Envelope) -> Result<Vec<u8>, Unfit> {
    serde_json::to_vec(envelope).map_err(Unfit::Serialise)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DataType;
    use crate::schema::{builtin_schema, unframe_confluent};
    use serde_json::json;

    fn marks(format: ValueFormat, id: i64, schema: serde_json::Value) -> Result<Marks, String> {
        let announced = TopicSchema {
            id: Some(id),
            value_format: format,
        };
        Marks::new(
            announced,
            id,
            Arc::new(RecordSchema::compile(&schema).unwrap()),
        )
    }

    fn sensor(payload: serde_json::Value) -> Envelope {
        Envelope::new("t", DataType::Sensor, payload)
    }

    #[test]
    fn a_record_that_fits_is_written_as_its_json_or_framed_for_confluent() {
        let plain = marks(ValueFormat::Json, 7, json!({"type": "object"})).unwrap();
        let envelope = sensor(json!({"a": 1}));
        let bytes = plain.encode(envelope.clone()).unwrap();
        assert_eq!(bytes, serde_json::to_vec(&envelope).unwrap());

        let framed = marks(ValueFormat::ConfluentJson, 258, json!({"type": "object"})).unwrap();
        let bytes = framed.encode(envelope.clone()).unwrap();
        let (id, json) = unframe_confluent(&bytes).unwrap();
        assert_eq!(id, 258);
        assert_eq!(json, serde_json::to_vec(&envelope).unwrap());
    }

    #[test]
    fn a_record_that_fails_the_schema_is_not_written() {
        let strict = marks(ValueFormat::Json, 1, builtin_schema(DataType::Sensor)).unwrap();
        let unfit = strict.encode(sensor(json!({"temperature": "hot"})));
        assert!(matches!(unfit, Err(Unfit::Violation(_))), "{unfit:?}");
    }

    #[test]
    fn an_id_confluent_cannot_frame_is_refused() {
        let too_big = i64::from(u32::MAX) + 1;
        assert!(marks(ValueFormat::ConfluentJson, too_big, json!({})).is_err());
        assert!(marks(ValueFormat::Json, too_big, json!({})).is_ok());
    }

    #[actix_rt::test]
    async fn a_cached_schema_is_served_without_an_admin_service() {
        let cache = SchemaCache::new();
        let source = SchemaSource::cached_only(cache.clone());
        assert!(source.fetch(source.client(), 3).await.is_err());
        cache.insert(3, RecordSchema::compile(&json!({})).unwrap());
        assert!(source.fetch(source.client(), 3).await.is_ok());
        assert!(source.cached(3).is_some());
    }
}
