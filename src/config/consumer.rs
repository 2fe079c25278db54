use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::{KafkaArgs, KafkaSettings, Secret, read_secret_file};
use crate::api::KafkaCredentials;
use crate::store::StoreLocation;

/// Where the admin API listens when nothing else is configured.
pub const DEFAULT_ADMIN_URL: &str = "http://127.0.0.1:5000";

/// topicgate-consumer: subscribe to topics and watch their data arrive.
///
/// Without a command it starts the interactive REPL; with one it runs that
/// command and exits (0 on success, 1 on failure, 2 on a usage error).
#[derive(Debug, Clone, Parser)]
#[command(name = "topicgate-consumer", version, about)]
pub struct ConsumerConfig {
    /// Base URL of the admin API.
    #[arg(long, env = "TOPICGATE_ADMIN_URL", default_value = DEFAULT_ADMIN_URL, global = true)]
    pub admin_url: String,

    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Who is consuming (default: the token's user, then TOPICGATE_USER,
    /// then the login name).
    #[arg(long, env = "TOPICGATE_USER", global = true)]
    pub user: Option<String>,

    /// A user token from the admin service: it names the user, is sent on
    /// every API call, and brings the user's Kafka login with it. Prefer
    /// --token-file or TOPICGATE_TOKEN, which `ps` cannot show.
    #[arg(long, env = "TOPICGATE_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<Secret>,

    /// File holding the user token (mode 0600), instead of --token.
    #[arg(long, env = "TOPICGATE_TOKEN_FILE", global = true)]
    pub token_file: Option<PathBuf>,

    /// Kafka consumer group (default: consumer-group-USER). Consumers sharing
    /// a group split the topics' partitions between them.
    #[arg(long, env = "TOPICGATE_GROUP", global = true)]
    pub group: Option<String>,

    /// Message store: a SQLite file (default: topicgate-consumer-USER.db),
    /// or a postgres:// (postgresql://) URL of a database a team shares.
    /// Keep a password out of the URL (libpq reads ~/.pgpass and
    /// PGPASSWORD), or pass the URL in TOPICGATE_STORE, which `ps` cannot
    /// show.
    #[arg(long, env = "TOPICGATE_STORE", hide_env_values = true, global = true)]
    pub store: Option<PathBuf>,

    /// REPL history file (default: in the user's data directory, else next
    /// to the message store).
    #[arg(long, env = "TOPICGATE_HISTORY", global = true)]
    pub history_file: Option<PathBuf>,

    /// Colour output: auto (when stdout is a colour terminal; honours NO_COLOR,
    /// CLICOLOR and CLICOLOR_FORCE), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Seconds between checks of the user's subscriptions while consuming:
    /// a topic an admin deactivated stops being read, and is read again
    /// once reactivated.
    #[arg(
        long,
        env = "TOPICGATE_SUBSCRIPTION_CHECK_INTERVAL",
        value_name = "SECONDS",
        default_value = "5",
        value_parser = parse_interval,
        global = true
    )]
    pub subscription_check_interval: std::time::Duration,

    /// Show every record as it comes, without checking it against its
    /// topic's schema or writing dead letters (for comparing the cost of
    /// validation). Hidden from help; documented in the README.
    #[arg(long, hide = true, global = true)]
    pub no_validate: bool,

    #[command(subcommand)]
    pub command: Option<ConsumerCommand>,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The commands for scripts; none starts the REPL.
#[derive(Debug, Clone, Subcommand)]
pub enum ConsumerCommand {
    /// List the active topics.
    Topics {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the user's subscriptions.
    Subs {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Subscribe the user to an active topic.
    Subscribe { topic: String },
    /// Remove the user's subscription to a topic.
    Unsubscribe { topic: String },
    /// Print (and store) messages as they arrive, until --count, --idle-timeout or Ctrl-C.
    Tail(TailArgs),
    /// Show the newest stored messages of a topic.
    History {
        topic: String,
        /// How many messages.
        #[arg(default_value_t = 20)]
        count: i64,
        /// One JSON envelope per line.
        #[arg(long)]
        json: bool,
    },
}

/// `tail`: consume, store and print.
#[derive(Debug, Clone, Args)]
pub struct TailArgs {
    /// Topics to read (default: the user's subscriptions).
    pub topics: Vec<String>,
    /// Stop after this many messages (default: run until interrupted).
    #[arg(long, short = 'n')]
    pub count: Option<u64>,
    /// Print each message as one JSON envelope per line.
    #[arg(long)]
    pub json: bool,
    /// With --json: add each record's partition, offset and key.
    #[arg(long, requires = "json")]
    pub meta: bool,
    /// Stop after this many seconds without a message.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub idle_timeout: Option<std::time::Duration>,
    /// Do not keep the messages in the message store (offsets are still
    /// committed once a message is printed).
    #[arg(long)]
    pub no_store: bool,
    /// Serve Prometheus metrics at http://ADDRESS/metrics while tailing
    /// (`127.0.0.1:9102`). Off by default.
    #[arg(long, env = "TOPICGATE_METRICS_BIND", value_name = "ADDRESS")]
    pub metrics_bind: Option<String>,
}

fn parse_seconds(raw: &str) -> Result<std::time::Duration, String> {
    raw.parse::<f64>()
        .ok()
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("'{raw}' is not a number of seconds"))
}

/// A positive number of seconds: a check every zero seconds would never rest.
fn parse_interval(raw: &str) -> Result<std::time::Duration, String> {
    match parse_seconds(raw)? {
        zero if zero.is_zero() => Err(format!("'{raw}' is not a positive number of seconds")),
        interval => Ok(interval),
    }
}

/// The consumer's settings with every default resolved.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    pub admin_url: String,
    pub kafka: KafkaSettings,
    pub user: String,
    pub group: String,
    pub store: StoreLocation,
    pub history_file: Option<PathBuf>,
    pub color: ColorChoice,
    /// How often a running consumer checks the user's subscriptions.
    pub subscription_check_interval: std::time::Duration,
    /// Check records against their schemas and dead-letter the bad ones
    /// (off with `--no-validate`).
    pub validate: bool,
    /// The user token, sent on every call to the admin service.
    pub token: Option<Secret>,
}

/// What a user token told about its user: the name, and the Kafka login
/// when the admin service provisions one.
#[derive(Debug, Clone)]
pub struct TokenLogin {
    pub token: Secret,
    pub user: String,
    pub kafka: Option<KafkaCredentials>,
}

impl ConsumerSettings {
    /// A client of the admin service, with the user's token when there is one.
    pub fn admin(&self) -> crate::client::AdminClient {
        let client = crate::client::AdminClient::new(self.admin_url.clone());
        match &self.token {
            Some(token) => client.with_token(token),
            None => client,
        }
    }
}

impl ConsumerConfig {
    /// The user token, from --token (TOPICGATE_TOKEN) or --token-file
    /// (TOPICGATE_TOKEN_FILE), if either is given.
    pub fn token(&self) -> Result<Option<Secret>, String> {
        match (&self.token, &self.token_file) {
            (Some(_), Some(_)) => Err("the token is configured twice: use either --token \
                 (TOPICGATE_TOKEN) or --token-file (TOPICGATE_TOKEN_FILE), not both"
                .into()),
            (Some(token), None) => Ok(Some(token.clone())),
            (None, Some(path)) => read_secret_file(path).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Resolves the defaults that depend on the user and the Kafka
    /// settings. Fails when no user name can be found or the one given is
    /// blank, or when librdkafka refuses a Kafka setting.
    pub fn settings(&self) -> Result<ConsumerSettings, String> {
        self.settings_for(None)
    }

    /// Like [`ConsumerConfig::settings`], for the user a token named: the
    /// token's user is the user (a different --user is refused), and its
    /// Kafka login replaces the SASL settings; its brokers are used unless
    /// --bootstrap-servers names others.
    pub fn settings_for(&self, login: Option<&TokenLogin>) -> Result<ConsumerSettings, String> {
        let user = match (&self.user, login) {
            (Some(user), Some(login)) if user.trim() != login.user => {
                return Err(format!(
                    "--user {} does not match the token, which belongs to '{}'",
                    user.trim(),
                    login.user
                ));
            }
            (_, Some(login)) => login.user.clone(),
            (Some(user), None) => user.trim().to_owned(),
            (None, None) => login_name().ok_or(
                "no user name: pass --user or set TOPICGATE_USER (USER and LOGNAME are unset)",
            )?,
        };
        if user.is_empty() {
            return Err("the user name must not be empty".into());
        }
        let group = self
            .group
            .clone()
            .filter(|g| !g.trim().is_empty())
            .unwrap_or_else(|| format!("consumer-group-{user}"));
        let store = StoreLocation::parse(self.store.clone().unwrap_or_else(|| {
            PathBuf::from(format!("topicgate-consumer-{}.db", file_safe(&user)))
        }));
        let mut kafka = self.kafka.settings()?;
        if let Some(credentials) = login.and_then(|l| l.kafka.as_ref()) {
            use_kafka_login(
                &mut kafka,
                credentials,
                self.kafka.bootstrap_servers.is_some(),
            )?;
        }
        crate::kafka_config::check(&kafka)?;
        Ok(ConsumerSettings {
            admin_url: self.admin_url.clone(),
            kafka,
            group,
            history_file: self.history_file.clone(),
            store,
            user,
            color: self.color,
            subscription_check_interval: self.subscription_check_interval,
            validate: !self.no_validate,
            token: login.map(|l| l.token.clone()),
        })
    }
}

/// Puts the Kafka login the admin service handed out into `kafka`.
fn use_kafka_login(
    kafka: &mut KafkaSettings,
    credentials: &KafkaCredentials,
    brokers_given: bool,
) -> Result<(), String> {
    if !brokers_given {
        kafka.bootstrap_servers = credentials.bootstrap_servers.clone();
    }
    let security = &mut kafka.security;
    security.protocol = Some(
        credentials
            .security_protocol
            .clone()
            .unwrap_or_else(|| "SASL_PLAINTEXT".to_owned()),
    );
    security.sasl_mechanism = Some(credentials.mechanism.clone());
    security.sasl_username = Some(credentials.username.clone());
    security.sasl_password = Some(
        Secret::external(credentials.password.clone())
            .map_err(|e| format!("the Kafka password from the admin service {e}"))?,
    );
    Ok(())
}

fn login_name() -> Option<String> {
    ["USER", "LOGNAME"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|value| value.trim().to_owned())
        .find(|value| !value.is_empty())
}

/// The user name with anything that does not belong in a file name replaced.
pub fn file_safe(user: &str) -> String {
    user.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> ConsumerConfig {
        ConsumerConfig::try_parse_from(
            std::iter::once("topicgate-consumer").chain(args.iter().copied()),
        )
        .unwrap()
    }

    #[test]
    fn derives_group_and_store_from_the_user() {
        let settings = parse(&["--user", "u1"]).settings().unwrap();
        assert_eq!(settings.group, "consumer-group-u1");
        assert_eq!(
            settings.store,
            StoreLocation::File(PathBuf::from("topicgate-consumer-u1.db"))
        );
        let settings = parse(&["--user", "a/b", "--group", "shared"])
            .settings()
            .unwrap();
        assert_eq!(settings.group, "shared");
        assert_eq!(
            settings.store,
            StoreLocation::File(PathBuf::from("topicgate-consumer-a_b.db"))
        );
    }

    #[test]
    fn flags_may_follow_the_subcommand() {
        let config = parse(&[
            "tail",
            "sensor_data",
            "--count",
            "10",
            "--json",
            "--user",
            "u1",
        ]);
        assert_eq!(config.user.as_deref(), Some("u1"));
        match config.command {
            Some(ConsumerCommand::Tail(tail)) => {
                assert_eq!(tail.topics, ["sensor_data"]);
                assert_eq!(tail.count, Some(10));
                assert!(tail.json);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_subscription_check_interval_is_positive_seconds() {
        let settings = parse(&["--user", "u1"]).settings().unwrap();
        assert_eq!(
            settings.subscription_check_interval,
            std::time::Duration::from_secs(5)
        );
        let quick = parse(&["--user", "u1", "--subscription-check-interval", "0.25"]);
        assert_eq!(
            quick.subscription_check_interval,
            std::time::Duration::from_millis(250)
        );
        for bad in ["0", "-1", "soon"] {
            let args = ["topicgate-consumer", "--subscription-check-interval", bad];
            assert!(ConsumerConfig::try_parse_from(args).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_a_blank_user() {
        assert!(parse(&["--user", " "]).settings().is_err());
    }
}
