use std::path::PathBuf;

use clap::Parser;

use super::secret_file::{ADMIN_TOKEN, PRODUCER_KEY};
use super::{
    AccessArgs, AccessSettings, HttpEdgeConfig, HttpEdgeSettings, KafkaArgs, KafkaSettings, Secret,
    TopicNameArgs,
};
use crate::db::DatabaseUrl;
use crate::domain::TopicNamePolicy;

/// Everything the admin service needs to run, with its secrets present.
#[derive(Debug, Clone)]
pub struct AdminSettings {
    pub bind: String,
    pub database_url: DatabaseUrl,
    pub producer_key: Secret,
    pub admin_token: Secret,
    /// Where the login page says the admin token is.
    pub admin_token_hint: AdminTokenHint,
    pub max_replication_factor: i32,
    pub workers: Option<usize>,
    /// Which topic names requests may use.
    pub topic_names: TopicNamePolicy,
    /// Sessions, CORS, rate limits and body timeouts.
    pub http: HttpEdgeSettings,
    /// The read-only Kafka connection behind the topic pages; `None` when
    /// no brokers were given, and those pages say so.
    pub kafka: Option<KafkaSettings>,
    /// Secure mode, four eyes, and Kafka credentials for users.
    pub access: AccessSettings,
}

/// Where an admin finds the token, as the dashboard's login page says it;
/// a path or the ways to set one, never the token itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AdminTokenHint {
    /// Kept in this file: `--admin-token-file`, or the one `topicgate up`
    /// keeps under its data directory.
    File(PathBuf),
    /// Given to the service as a value (`--admin-token`,
    /// `TOPICGATE_ADMIN_TOKEN`).
    #[default]
    Given,
}

/// `topicgate-admin`: the topic registry's REST API and dashboard.
#[derive(Debug, Clone, Parser)]
#[command(name = "topicgate-admin", version, about)]
// The shared Kafka flags say the other roles' default; the admin has none.
#[command(mut_arg("bootstrap_servers", |arg| arg.help(
    "Kafka brokers (host:port, comma-separated) to read for the topic pages and consumer \
     groups; without it the admin service does not read Kafka",
)))]
pub struct AdminConfig {
    /// Address to listen on.
    #[arg(long, env = "TOPICGATE_BIND", default_value = "127.0.0.1:5000")]
    pub bind: String,

    /// The registry: a SQLite file (a path or `sqlite://` URL, created when
    /// missing) or a PostgreSQL database (`postgres://` or `postgresql://`).
    #[arg(
        long,
        env = "TOPICGATE_DATABASE_URL",
        default_value = "topicgate.db",
        hide_env_values = true
    )]
    pub database_url: DatabaseUrl,

    /// Shared key the producer daemon sends in `X-Producer-Key`.
    #[arg(long, env = "TOPICGATE_PRODUCER_KEY", hide_env_values = true)]
    pub producer_key: Option<Secret>,

    /// File holding the producer key (mode 0600), instead of `--producer-key`.
    #[arg(long, env = "TOPICGATE_PRODUCER_KEY_FILE")]
    pub producer_key_file: Option<PathBuf>,

    /// Bearer token that admins use on the API and to log in to the dashboard.
    #[arg(long, env = "TOPICGATE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,

    /// File holding the admin token (mode 0600), instead of `--admin-token`.
    #[arg(long, env = "TOPICGATE_ADMIN_TOKEN_FILE")]
    pub admin_token_file: Option<PathBuf>,

    /// Largest replication factor a topic may ask for (the cluster's size).
    #[arg(long, env = "TOPICGATE_MAX_REPLICATION", default_value_t = 3,
          value_parser = clap::value_parser!(i32).range(1..=32))]
    pub max_replication_factor: i32,

    /// Worker threads serving HTTP (default: one per core).
    #[arg(long, env = "TOPICGATE_WORKERS")]
    pub workers: Option<usize>,

    #[command(flatten)]
    pub topic_names: TopicNameArgs,

    #[command(flatten)]
    pub http: HttpEdgeConfig,

    /// Kafka, read only (topic pages, groups, messages). Unlike the other
    /// roles the admin service has no default brokers: without
    /// --bootstrap-servers (KAFKA_BOOTSTRAP_SERVERS) it does not read Kafka.
    #[command(flatten)]
    pub kafka: KafkaArgs,

    #[command(flatten)]
    pub access: AccessArgs,
}

impl AdminConfig {
    /// Checks that both secrets are configured; there are no built-in ones.
    pub fn into_settings(self) -> Result<AdminSettings, String> {
        let producer_key =
            PRODUCER_KEY.resolve(self.producer_key, self.producer_key_file.as_deref())?;
        let admin_token_hint = match &self.admin_token_file {
            Some(file) => AdminTokenHint::File(file.clone()),
            None => AdminTokenHint::Given,
        };
        let admin_token =
            ADMIN_TOKEN.resolve(self.admin_token, self.admin_token_file.as_deref())?;
        let kafka = match self.kafka.bootstrap_servers {
            Some(_) => {
                let settings = self.kafka.settings()?;
                crate::kafka_config::check(&settings)?;
                Some(settings)
            }
            None => None,
        };
        let access = self.access.settings(kafka.as_ref())?;
        Ok(AdminSettings {
            bind: self.bind,
            database_url: self.database_url,
            producer_key,
            admin_token,
            admin_token_hint,
            max_replication_factor: self.max_replication_factor,
            workers: self.workers,
            topic_names: self.topic_names.policy(),
            http: self.http.into_settings(),
            kafka,
            access,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCER_KEY_VALUE: &str = "producer-key-value-0123";
    const ADMIN_TOKEN_VALUE: &str = "admin-token-value-4567";

    #[test]
    fn neither_the_flags_nor_the_settings_print_their_secrets() {
        let config = AdminConfig::try_parse_from([
            "topicgate-admin",
            "--producer-key",
            PRODUCER_KEY_VALUE,
            "--admin-token",
            ADMIN_TOKEN_VALUE,
        ])
        .unwrap();
        let flags = format!("{config:?} {config:#?}");
        let settings = config.into_settings().unwrap();
        let resolved = format!("{settings:?} {settings:#?}");
        for shown in [flags, resolved] {
            for secret in [PRODUCER_KEY_VALUE, ADMIN_TOKEN_VALUE] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
        assert_eq!(settings.producer_key.expose(), PRODUCER_KEY_VALUE);
        assert!(settings.admin_token.matches(ADMIN_TOKEN_VALUE));
    }
}
