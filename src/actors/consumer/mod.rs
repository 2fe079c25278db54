//! The consumer's actors: one [`session::ConsumerSession`] per user, fed by
//! the [`engine::Engine`] (which `tail` drives too): its pump reads Kafka,
//! stores each batch through the [`store_writer`], shows it through a
//! [`pump::Sink`] and then marks its offsets.

pub mod dead_letters;
pub mod dlq_reader;
pub mod engine;
pub mod follow;
pub mod kafka;
pub mod metrics;
pub mod pump;
pub mod record;
pub mod schemas;
pub mod session;
pub mod stats;
pub mod store_writer;
pub mod subscriptions;
pub mod validation;
