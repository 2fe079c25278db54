//! Command-line configuration for each role: flags with environment
//! fallbacks, parsed by clap.

mod access;
mod admin;
mod consumer;
mod http_edge;
mod kafka;
mod launcher;
mod producer;
mod secret;
mod secret_file;
mod topic_names;

pub use access::{AccessArgs, AccessSettings, KafkaUserSettings};
pub use admin::{AdminConfig, AdminSettings, AdminTokenHint};
pub use consumer::{
    ColorChoice, ConsumerCommand, ConsumerConfig, ConsumerSettings, TailArgs, TokenLogin, file_safe,
};
pub use http_edge::{HttpEdgeConfig, HttpEdgeSettings};
pub use kafka::{
    DEFAULT_BOOTSTRAP_SERVERS, KAFKA_OPTIONS_ENV, KafkaArgs, KafkaOption, KafkaSecurity,
    KafkaSettings, is_sensitive,
};
pub use launcher::{LauncherCommand, LauncherConfig, UpConfig};
pub use producer::{
    DEFAULT_PRODUCER_GROUP, MAX_INSTANCE_ID_LEN, Pace, ProducerConfig, ProducerSettings,
};
pub use secret::Secret;
pub use secret_file::read_secret_file;
pub use topic_names::TopicNameArgs;

/// The message for a secret that is neither passed as a flag nor set in
/// the environment; it says how to set one, since there is no default.
pub(crate) fn missing(what: &str, flag: &str, env: &str) -> String {
    format!(
        "no {what} configured: set {env} or pass {flag} \
         (for example: export {env}=$(openssl rand -hex 24))"
    )
}
