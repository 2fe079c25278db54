//! The actors of each role. Data flows one way through them:
//!
//! - admin: web handlers -> [`registry::TopicRegistry`] -> SQLite
//! - producer: `topic_watcher` -> `kafka_admin` -> `generator` -> `publisher` -> Kafka
//! - consumer: REPL -> `consumer_session` -> printer and message store

pub mod consumer_session;
pub mod registry;

// The producer daemon's actors and their helpers.
pub mod backoff;
pub mod delivery;
pub mod generator;
pub mod generator_pool;
pub mod kafka_admin;
pub mod kafka_context;
pub mod pacer;
pub mod payloads;
pub mod publisher;
pub mod stats;
pub mod topic_watcher;
