//! Which schema a record is checked against, asked of the admin service's
//! Schema Registry API and kept.
//!
//! A record that names a schema id (the `topicgate-schema-id` header or a
//! Confluent frame) is checked against that schema only when the id is a
//! version of its topic's subject (`<topic>-value`), so a foreign writer
//! cannot pick a lax schema; any other record against the topic's current
//! schema (the subject's latest approved version). Each schema is compiled
//! once ([`SchemaCache`]); the current schemas are asked again at each
//! subscription check ([`SchemaBook::refresh`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::client::{AdminClient, ClientError};
use crate::schema::{RecordSchema, SchemaCache, value_subject};

/// Most schema ids whose subjects are remembered. Ids come from records,
/// which anyone who may write to the topic chooses: past this many the
/// memory is cleared rather than grown.
const MAX_KNOWN_IDS: usize = 4096;

/// What a record is to be checked against.
#[derive(Clone)]
pub enum Resolved {
    /// This schema (by its id).
    Schema(i64, Arc<RecordSchema>),
    /// The topic has no schema: the record need only be JSON.
    NoSchema,
    /// The record names an id that is not one of its topic's versions; or
    /// one that cannot be used. The text says why.
    Refused(Option<i64>, String),
}

/// The schemas the consumer knows. Cloning shares them; the pump and the
/// front end's subscription check run on one thread.
#[derive(Clone)]
pub struct SchemaBook {
    admin: AdminClient,
    compiled: SchemaCache,
    known: Rc<RefCell<Known>>,
}

#[derive(Default)]
struct Known {
    /// Topic -> its current schema id; `None` when it has none.
    current: HashMap<String, Option<i64>>,
    /// Schema id -> the subjects it is a version of.
    subjects: HashMap<i64, Vec<String>>,
}

/// Why the schema of a record is not known yet: the admin API did not
/// answer. The record must wait.
#[derive(Debug)]
pub struct Unknown(pub String);

impl SchemaBook {
    /// A book asking `admin`, empty.
    pub fn new(admin: AdminClient) -> Self {
        Self {
            admin,
            compiled: SchemaCache::default(),
            known: Rc::default(),
        }
    }

    /// The schema `topic`'s record is checked against, given the id it
    /// names. Fails only when the admin API is needed and does not answer.
    pub async fn resolve(&self, topic: &str, named: Option<i64>) -> Result<Resolved, Unknown> {
        match named {
            Some(id) => self.named(topic, id).await,
            None => self.current(topic).await,
        }
    }

    async fn named(&self, topic: &str, id: i64) -> Result<Resolved, Unknown> {
        let subject = value_subject(topic);
        let cached = self.known.borrow().subjects.get(&id).cloned();
        let subjects = match cached {
            Some(subjects) => subjects,
            None => {
                let subjects = match self.admin.subjects_of_schema(id).await {
                    Ok(versions) => versions.into_iter().map(|v| v.subject).collect(),
                    Err(e) if e.status() == Some(404) => Vec::new(),
                    Err(e) => return Err(unknown(topic, &e)),
                };
                let mut known = self.known.borrow_mut();
                if known.subjects.len() >= MAX_KNOWN_IDS {
                    known.subjects.clear();
                }
                known.subjects.insert(id, subjects.clone());
                subjects
            }
        };
        if !subjects.contains(&subject) {
            return Ok(Resolved::Refused(
                Some(id),
                format!("schema id {id} is not a version of subject {subject}"),
            ));
        }
        self.compiled(id).await
    }

    async fn current(&self, topic: &str) -> Result<Resolved, Unknown> {
        let cached = self.known.borrow().current.get(topic).copied();
        let id = match cached {
            Some(id) => id,
            None => {
                let id = self.fetch_current(topic).await?;
                self.known.borrow_mut().current.insert(topic.to_owned(), id);
                id
            }
        };
        match id {
            Some(id) => self.compiled(id).await,
            None => Ok(Resolved::NoSchema),
        }
    }

    /// The id of `topic`'s current schema; `None` when its subject has none.
    async fn fetch_current(&self, topic: &str) -> Result<Option<i64>, Unknown> {
        match self.admin.latest_schema(&value_subject(topic)).await {
            Ok(latest) => {
                // Compiled now, while the text is at hand.
                if self.compiled.get(latest.id).is_none() {
                    self.compile(latest.id, &latest.schema);
                }
                Ok(Some(latest.id))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(unknown(topic, &e)),
        }
    }

    /// Schema `id`, compiled once.
    async fn compiled(&self, id: i64) -> Result<Resolved, Unknown> {
        if let Some(schema) = self.compiled.get(id) {
            return Ok(Resolved::Schema(id, schema));
        }
        match self.admin.schema_by_id(id).await {
            Ok(text) => Ok(self.compile(id, &text.schema)),
            Err(e) if e.status() == Some(404) => Ok(Resolved::Refused(
                Some(id),
                format!("schema id {id} is not known to the registry"),
            )),
            Err(e) => Err(Unknown(format!("schema {id}: {e}"))),
        }
    }

    fn compile(&self, id: i64, text: &str) -> Resolved {
        let compiled = serde_json::from_str(text)
            .map_err(|e| e.to_string())
            .and_then(|schema| RecordSchema::compile(&schema).map_err(|e| e.to_string()));
        match compiled {
            Ok(schema) => Resolved::Schema(id, self.compiled.insert(id, schema)),
            Err(e) => {
                log::warn!("schema {id} cannot be used: {e}");
                Resolved::Refused(Some(id), format!("schema id {id} cannot be used: {e}"))
            }
        }
    }

    /// Asks again for the current schema of every topic seen so far; keeps
    /// what it knew of a topic when the admin API does not answer. Ids
    /// found to belong to no subject are forgotten, so one approved since is
    /// asked again (ids are never reused, so what an id belongs to never
    /// changes once it belongs to something).
    pub async fn refresh(&self) {
        self.known
            .borrow_mut()
            .subjects
            .retain(|_, subjects| !subjects.is_empty());
        let topics: Vec<String> = self.known.borrow().current.keys().cloned().collect();
        for topic in topics {
            match self.fetch_current(&topic).await {
                Ok(id) => {
                    self.known.borrow_mut().current.insert(topic, id);
                }
                Err(Unknown(e)) => log::debug!("keeping the known schema: {e}"),
            }
        }
    }
}

fn unknown(topic: &str, e: &ClientError) -> Unknown {
    Unknown(format!("the schema of {topic} is not known yet ({e})"))
}
