//! The actors of each role. Data flows one way through them:
//!
//! - admin: web handlers -> [`registry::TopicRegistry`] -> SQLite
//! - producer: `topic_watcher` -> `kafka_admin` -> `generator` -> `publisher` -> Kafka
//! - consumer: REPL -> `consumer_session` -> printer and message store

pub mod registry;
