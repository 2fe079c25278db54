//! The actors, grouped by the process that hosts them. Data flows one way
//! through them:
//!
//! - admin: web handlers -> [`registry::TopicRegistry`] -> SQLite
//! - producer: `topic_watcher` -> `reconciler` -> `generator` -> `publisher` -> Kafka
//! - consumer: REPL -> `session` -> `pump` -> message store, printer, offsets

pub(crate) mod consumer;
pub(crate) mod producer;
pub(crate) mod registry;
