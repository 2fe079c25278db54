use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::KafkaArgs;

/// `topicgate`: brings the whole system up on one machine for a first try.
#[derive(Debug, Clone, Parser)]
#[command(name = "topicgate", version, about)]
pub struct LauncherConfig {
    #[command(subcommand)]
    pub command: LauncherCommand,
}

// Parsed once per run: boxing `Up` to save its size would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Subcommand)]
pub enum LauncherCommand {
    /// Start Kafka (unless KAFKA_BOOTSTRAP_SERVERS is set), the admin service
    /// and the producer daemon; Ctrl-C stops everything that was started.
    Up(UpConfig),
    /// Manage the project's local Kafka: start, stop, status, fetch (the
    /// built-in copy of scripts/kafka.sh; its jars and instances are kept in
    /// KAFKA_CACHE_DIR, else $XDG_CACHE_HOME/topicgate/kafka, else
    /// ~/.cache/topicgate/kafka).
    Kafka {
        /// Arguments for the script, e.g. `start --brokers 3`; `help` lists them.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct UpConfig {
    /// Address of the admin service (API and dashboard).
    #[arg(long, env = "TOPICGATE_BIND", default_value = "127.0.0.1:5000")]
    pub bind: String,

    /// Where the registry (topicgate.db) and the generated secrets
    /// (admin-token, producer-key) are kept; created readable by this user only.
    #[arg(long, env = "TOPICGATE_DATA_DIR", default_value = ".topicgate")]
    pub data_dir: PathBuf,

    /// How the roles run here reach Kafka; without --bootstrap-servers
    /// (KAFKA_BOOTSTRAP_SERVERS) the local Kafka is started and used.
    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Secure mode: the local Kafka (or the one given, logged in to as its
    /// super user with --kafka-sasl-*) enforces SCRAM logins and ACLs;
    /// every write to the API needs a user token; nobody approves their
    /// own request; each consumer gets its Kafka login from its token.
    #[arg(long, env = "TOPICGATE_SECURE")]
    pub secure: bool,

    /// Port of the local Kafka when it is started here; with --brokers N,
    /// node I listens on this port + I.
    #[arg(long, default_value_t = 9092)]
    pub kafka_port: u16,

    /// How many nodes the local Kafka has when it is started here: 3 runs a
    /// cluster that topics with a replication factor of 3 can live on. Each
    /// size is an instance of its own, beside the one-node one.
    #[arg(long, env = "TOPICGATE_KAFKA_BROKERS", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=9))]
    pub brokers: u8,

    /// File holding the admin token (mode 0600); else TOPICGATE_ADMIN_TOKEN,
    /// else the one kept in the data directory.
    #[arg(long, env = "TOPICGATE_ADMIN_TOKEN_FILE")]
    pub admin_token_file: Option<PathBuf>,

    /// File holding the producer key (mode 0600); else TOPICGATE_PRODUCER_KEY,
    /// else the one kept in the data directory.
    #[arg(long, env = "TOPICGATE_PRODUCER_KEY_FILE")]
    pub producer_key_file: Option<PathBuf>,

    /// How often the producer looks for newly approved topics, in seconds.
    #[arg(long, env = "TOPICGATE_POLL_INTERVAL", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub poll_interval: u64,

    /// Serve the producer's Prometheus metrics at http://ADDRESS/metrics
    /// (e.g. `127.0.0.1:9101`); the admin service's are at its own
    /// `/metrics`. Off by default.
    #[arg(long, env = "TOPICGATE_METRICS_BIND", value_name = "ADDRESS")]
    pub metrics_bind: Option<String>,
}
