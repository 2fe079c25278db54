//! The actors, grouped by the process that hosts them. Data flows one way
//! through them:
//!
//! - admin: web handlers -> [`registry::TopicRegistry`] -> SQLite;
//!   registry changes -> [`access::AccessReconciler`] -> Kafka's ACLs and SCRAM users
//! - producer: `topic_watcher` -> `reconciler` -> `generator` -> `publisher` -> Kafka
//! - consumer: REPL -> `session` -> `pump` -> message store, printer, offsets

pub(crate) mod access;
pub(crate) mod consumer;
pub(crate) mod producer;
pub(crate) mod registry;
