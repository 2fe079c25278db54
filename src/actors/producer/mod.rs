//! The producer daemon's actors and their helpers. Data flows one way:
//! [`topic_watcher`] (asks the admin API) -> [`reconciler`] (brings Kafka to
//! the registry, with [`topic_plan`] and [`kafka_topics`], and reports back)
//! -> [`generator_pool`] -> one [`generator`] per topic (paced by
//! [`pacer`], records from [`payloads`]) -> [`publisher`] -> Kafka, with
//! delivery reports counted by [`delivery`] into [`stats`].

pub mod backoff;
pub mod dead_letter_plan;
pub mod delivery;
pub mod generator;
pub mod generator_pool;
pub mod kafka_context;
pub mod kafka_retire;
pub mod kafka_topics;
pub mod metrics;
pub mod ownership;
pub mod ownership_group;
pub mod pacer;
pub mod payloads;
pub mod publisher;
pub mod reconciler;
pub mod schema_gate;
pub mod stats;
pub mod topic_plan;
pub mod topic_watcher;
