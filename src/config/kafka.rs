//! The Kafka connection flags every role shares: brokers, client id, the
//! security block (protocol, SASL, SSL) and raw librdkafka options, each
//! with a `TOPICGATE_KAFKA_*` environment fallback.
//!
//! They are flattened into each role's configuration and resolved into
//! [`KafkaSettings`], which `crate::kafka_config` turns into an rdkafka
//! `ClientConfig` per client.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::Args;

use super::Secret;
use super::secret_file::read_private_file;

/// Where Kafka listens when nothing else is configured.
pub const DEFAULT_BOOTSTRAP_SERVERS: &str = "127.0.0.1:9092";

/// The environment variable holding comma-separated `key=value` options.
pub const KAFKA_OPTIONS_ENV: &str = "TOPICGATE_KAFKA_OPTIONS";

/// Kafka client flags, the same on every binary that talks to Kafka.
#[derive(Debug, Clone, Default, Args)]
pub struct KafkaArgs {
    /// Kafka brokers, comma-separated host:port [default: 127.0.0.1:9092].
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS", global = true)]
    pub bootstrap_servers: Option<String>,

    /// Client id the brokers see (default: one per role, e.g. topicgate-producer).
    #[arg(long, env = "TOPICGATE_KAFKA_CLIENT_ID", global = true)]
    pub kafka_client_id: Option<String>,

    /// security.protocol: plaintext, ssl, sasl_plaintext or sasl_ssl.
    #[arg(long, env = "TOPICGATE_KAFKA_SECURITY_PROTOCOL", global = true)]
    pub kafka_security_protocol: Option<String>,

    /// sasl.mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, ...
    #[arg(long, env = "TOPICGATE_KAFKA_SASL_MECHANISM", global = true)]
    pub kafka_sasl_mechanism: Option<String>,

    /// sasl.username.
    #[arg(long, env = "TOPICGATE_KAFKA_SASL_USERNAME", global = true)]
    pub kafka_sasl_username: Option<String>,

    /// sasl.password; prefer --kafka-sasl-password-file, which `ps` cannot show.
    #[arg(long, env = "TOPICGATE_KAFKA_SASL_PASSWORD", hide_env_values = true,
          value_parser = parse_password, global = true)]
    pub kafka_sasl_password: Option<Secret>,

    /// File holding the SASL password (mode 0600), instead of --kafka-sasl-password.
    #[arg(long, env = "TOPICGATE_KAFKA_SASL_PASSWORD_FILE", global = true)]
    pub kafka_sasl_password_file: Option<PathBuf>,

    /// ssl.ca.location: CA certificate(s) to verify the brokers with.
    #[arg(long, env = "TOPICGATE_KAFKA_SSL_CA", global = true)]
    pub kafka_ssl_ca: Option<PathBuf>,

    /// ssl.certificate.location: this client's certificate.
    #[arg(long, env = "TOPICGATE_KAFKA_SSL_CERT", global = true)]
    pub kafka_ssl_cert: Option<PathBuf>,

    /// ssl.key.location: this client's private key.
    #[arg(long, env = "TOPICGATE_KAFKA_SSL_KEY", global = true)]
    pub kafka_ssl_key: Option<PathBuf>,

    /// Any librdkafka property, applied last so it wins; repeatable.
    /// TOPICGATE_KAFKA_OPTIONS holds more, comma-separated (flags win).
    #[arg(long = "kafka-option", value_name = "KEY=VALUE", global = true)]
    pub kafka_option: Vec<KafkaOption>,
}

impl KafkaArgs {
    /// The settings with defaults applied, the password read from its
    /// file and `TOPICGATE_KAFKA_OPTIONS` parsed.
    pub fn settings(&self) -> Result<KafkaSettings, String> {
        let from_env = std::env::var(KAFKA_OPTIONS_ENV).unwrap_or_default();
        self.settings_with_env_options(&from_env)
    }

    /// Like [`KafkaArgs::settings`], with the options variable's value given.
    pub fn settings_with_env_options(&self, env_options: &str) -> Result<KafkaSettings, String> {
        let mut options =
            parse_option_list(env_options).map_err(|e| format!("{KAFKA_OPTIONS_ENV}: {e}"))?;
        options.extend(self.kafka_option.iter().cloned());
        let password = match (&self.kafka_sasl_password, &self.kafka_sasl_password_file) {
            (Some(_), Some(_)) => {
                return Err("the Kafka SASL password is configured twice: use either \
                     --kafka-sasl-password (TOPICGATE_KAFKA_SASL_PASSWORD) or \
                     --kafka-sasl-password-file (TOPICGATE_KAFKA_SASL_PASSWORD_FILE), not both"
                    .into());
            }
            (Some(password), None) => Some(password.clone()),
            (None, Some(path)) => Some(read_password_file(path)?),
            (None, None) => None,
        };
        Ok(KafkaSettings {
            bootstrap_servers: self
                .bootstrap_servers
                .clone()
                .unwrap_or_else(|| DEFAULT_BOOTSTRAP_SERVERS.to_owned()),
            client_id: self.kafka_client_id.clone(),
            security: KafkaSecurity {
                protocol: self.kafka_security_protocol.clone(),
                sasl_mechanism: self.kafka_sasl_mechanism.clone(),
                sasl_username: self.kafka_sasl_username.clone(),
                sasl_password: password,
                ssl_ca: self.kafka_ssl_ca.clone(),
                ssl_cert: self.kafka_ssl_cert.clone(),
                ssl_key: self.kafka_ssl_key.clone(),
            },
            options,
        })
    }
}

/// How to reach Kafka, resolved: the same for every client of a process.
#[derive(Debug, Clone, Default)]
pub struct KafkaSettings {
    pub bootstrap_servers: String,
    /// Replaces each role's own client id when set.
    pub client_id: Option<String>,
    pub security: KafkaSecurity,
    /// Raw librdkafka properties, applied after everything else.
    pub options: Vec<KafkaOption>,
}

impl KafkaSettings {
    /// Plaintext access to `bootstrap_servers`, nothing else configured.
    pub fn new(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers.into(),
            ..Self::default()
        }
    }
}

/// The security block: each field maps to one librdkafka property.
#[derive(Debug, Clone, Default)]
pub struct KafkaSecurity {
    pub protocol: Option<String>,
    pub sasl_mechanism: Option<String>,
    pub sasl_username: Option<String>,
    pub sasl_password: Option<Secret>,
    pub ssl_ca: Option<PathBuf>,
    pub ssl_cert: Option<PathBuf>,
    pub ssl_key: Option<PathBuf>,
}

/// One `key=value` librdkafka property. Its `Debug` and `Display` hide the
/// value when the key names a password or a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaOption {
    pub key: String,
    pub value: String,
}

impl KafkaOption {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }

    /// The value as it may appear in a log line.
    pub fn shown_value(&self) -> &str {
        if is_sensitive(&self.key) {
            "****"
        } else {
            &self.value
        }
    }
}

/// Whether a librdkafka property holds something that must not be logged
/// (`sasl.password`, `ssl.key.password`, `sasl.oauthbearer.client.secret`...).
pub fn is_sensitive(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password") || key.contains("secret")
}

impl FromStr for KafkaOption {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let Some((key, value)) = raw.split_once('=') else {
            return Err(format!(
                "'{raw}' is not key=value (for example: --kafka-option linger.ms=10)"
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            return Err(format!("'{key}' is not a librdkafka property name"));
        }
        Ok(Self::new(key, value.trim()))
    }
}

impl fmt::Debug for KafkaOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.shown_value())
    }
}

impl fmt::Display for KafkaOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.shown_value())
    }
}

/// Comma-separated `key=value` pairs; blanks between commas are skipped.
fn parse_option_list(raw: &str) -> Result<Vec<KafkaOption>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(KafkaOption::from_str)
        .collect()
}

/// Kafka's own rules set the password's strength, not topicgate's.
fn parse_password(raw: &str) -> Result<Secret, String> {
    Secret::external(raw)
}

fn read_password_file(path: &Path) -> Result<Secret, String> {
    let text = read_private_file(path)?;
    Secret::external(text.trim()).map_err(|e| format!("the password in {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        kafka: KafkaArgs,
    }

    fn settings(args: &[&str], env: &str) -> Result<KafkaSettings, String> {
        let argv = std::iter::once("test").chain(args.iter().copied());
        Cli::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .kafka
            .settings_with_env_options(env)
    }

    #[test]
    fn flags_follow_the_options_variable_so_they_win() {
        let settings = settings(
            &[
                "--kafka-option",
                "linger.ms=20",
                "--kafka-option",
                "debug=broker,topic",
            ],
            "linger.ms=10, acks=1",
        )
        .unwrap();
        let shown: Vec<String> = settings.options.iter().map(|o| o.to_string()).collect();
        assert_eq!(
            shown,
            [
                "linger.ms=10",
                "acks=1",
                "linger.ms=20",
                "debug=broker,topic"
            ]
        );
        assert_eq!(settings.bootstrap_servers, DEFAULT_BOOTSTRAP_SERVERS);
    }

    #[test]
    fn a_malformed_option_is_named() {
        let err = settings(&["--kafka-option", "foo"], "").unwrap_err();
        assert!(err.contains("'foo' is not key=value"), "{err}");
        let err = settings(&[], "acks=1,bar").unwrap_err();
        assert!(
            err.contains(KAFKA_OPTIONS_ENV) && err.contains("'bar'"),
            "{err}"
        );
    }

    #[test]
    fn passwords_and_secret_options_never_print() {
        let settings = settings(
            &[
                "--kafka-sasl-password",
                "pw-hunter2",
                "--kafka-option",
                "sasl.oauthbearer.client.secret=s3cr3t-value",
                "--kafka-option",
                "ssl.key.PASSWORD=keypass-value",
            ],
            "",
        )
        .unwrap();
        let debug = format!("{settings:?}");
        for hidden in ["pw-hunter2", "s3cr3t-value", "keypass-value"] {
            assert!(!debug.contains(hidden), "{debug}");
        }
        assert_eq!(
            settings.security.sasl_password.unwrap().expose(),
            "pw-hunter2"
        );
    }

    #[test]
    fn the_password_comes_from_its_flag_or_a_private_file_not_both() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let path = file.to_str().unwrap();
        let read = settings(&["--kafka-sasl-password-file", path], "").unwrap();
        assert_eq!(read.security.sasl_password.unwrap().expose(), "from-file");
        let both = settings(
            &[
                "--kafka-sasl-password",
                "x",
                "--kafka-sasl-password-file",
                path,
            ],
            "",
        )
        .unwrap_err();
        assert!(both.contains("not both"), "{both}");
    }
}
