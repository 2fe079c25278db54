//! Who may do what on the admin service, and whether it provisions Kafka
//! credentials and ACLs for its users (`--secure`, `--four-eyes`,
//! `--kafka-credential-secret-file`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::http_edge::parse_duration;
use super::{KafkaSettings, Secret, read_secret_file};

/// How the admin service decides who someone is and what Kafka enforces.
#[derive(Debug, Clone, Default)]
pub struct AccessSettings {
    /// Writes need a token (user or admin); anonymous ones get 401.
    pub secure: bool,
    /// Nobody approves or deletes a topic they requested themselves.
    pub four_eyes: bool,
    /// Provisioning of users' SCRAM credentials and ACLs in Kafka; `None`
    /// leaves Kafka alone.
    pub kafka_users: Option<KafkaUserSettings>,
}

/// What the access reconciler needs besides the admin's Kafka connection.
#[derive(Debug, Clone)]
pub struct KafkaUserSettings {
    /// The key users' Kafka passwords are derived with.
    pub credential_secret: Secret,
    /// The producer daemon's principal (`User:name`), granted WRITE on
    /// every active topic and nothing else; `None` when the producer logs
    /// in as a super user.
    pub producer_principal: Option<String>,
    /// How often Kafka is checked against the registry even when nothing
    /// changed (someone removed an ACL by hand, the broker lost state).
    pub reconcile_interval: Duration,
}

/// The flags behind [`AccessSettings`].
#[derive(Debug, Clone, Args)]
pub struct AccessArgs {
    /// Refuse anonymous writes (401): topic requests and subscriptions
    /// need a user token, whose user they are made in. Turns on
    /// --four-eyes.
    #[arg(long, env = "TOPICGATE_SECURE")]
    pub secure: bool,

    /// Nobody may approve or delete a topic they requested (on with --secure).
    #[arg(long, env = "TOPICGATE_FOUR_EYES")]
    pub four_eyes: bool,

    /// File (mode 0600) holding the key users' Kafka passwords are derived
    /// from. With it (and --bootstrap-servers as a Kafka super user) the
    /// admin service gives each consumer a SCRAM credential and grants
    /// Kafka ACLs from their subscriptions.
    #[arg(long, env = "TOPICGATE_KAFKA_CREDENTIAL_SECRET_FILE")]
    pub kafka_credential_secret_file: Option<PathBuf>,

    /// The producer daemon's Kafka principal (e.g. User:producer), granted
    /// WRITE and DESCRIBE on active topics only. Leave it out when the
    /// producer logs in as a super user.
    #[arg(long, env = "TOPICGATE_KAFKA_PRODUCER_PRINCIPAL")]
    pub kafka_producer_principal: Option<String>,

    /// How often Kafka's credentials and ACLs are checked against the
    /// registry when nothing changed (changes are applied at once).
    #[arg(long, env = "TOPICGATE_ACCESS_RECONCILE_INTERVAL", default_value = "30s",
          value_parser = parse_duration)]
    pub access_reconcile_interval: Duration,
}

impl AccessArgs {
    /// Checks the flags against each other and reads the secret file.
    pub fn settings(&self, kafka: Option<&KafkaSettings>) -> Result<AccessSettings, String> {
        let kafka_users = match &self.kafka_credential_secret_file {
            None => {
                if self.kafka_producer_principal.is_some() {
                    return Err(
                        "--kafka-producer-principal needs --kafka-credential-secret-file".into(),
                    );
                }
                None
            }
            Some(path) => {
                if kafka.is_none() {
                    return Err("--kafka-credential-secret-file needs --bootstrap-servers: \
                         the admin service provisions users in Kafka through it"
                        .into());
                }
                let principal = self
                    .kafka_producer_principal
                    .as_deref()
                    .map(checked_principal)
                    .transpose()?;
                Some(KafkaUserSettings {
                    credential_secret: read_secret_file(path)?,
                    producer_principal: principal,
                    reconcile_interval: self.access_reconcile_interval,
                })
            }
        };
        Ok(AccessSettings {
            secure: self.secure,
            four_eyes: self.four_eyes || self.secure,
            kafka_users,
        })
    }
}

fn checked_principal(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    match raw.strip_prefix("User:") {
        Some(name) if !name.is_empty() && !name.chars().any(|c| c.is_control()) => {
            Ok(raw.to_owned())
        }
        _ => Err(format!(
            "--kafka-producer-principal must look like User:<name>, not {raw:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        access: AccessArgs,
    }

    fn parse(args: &[&str]) -> AccessArgs {
        let mut argv = vec!["test"];
        argv.extend_from_slice(args);
        Flags::try_parse_from(argv).unwrap().access
    }

    #[test]
    fn secure_mode_turns_on_four_eyes() {
        let settings = parse(&["--secure"]).settings(None).unwrap();
        assert!(settings.secure && settings.four_eyes);
        let open = parse(&[]).settings(None).unwrap();
        assert!(!open.secure && !open.four_eyes && open.kafka_users.is_none());
    }

    #[test]
    fn kafka_users_need_kafka_and_a_well_formed_principal() {
        let err = parse(&["--kafka-credential-secret-file", "/nonexistent"])
            .settings(None)
            .unwrap_err();
        assert!(err.contains("--bootstrap-servers"), "{err}");
        let err = parse(&["--kafka-producer-principal", "User:p"])
            .settings(None)
            .unwrap_err();
        assert!(err.contains("--kafka-credential-secret-file"), "{err}");
        assert!(checked_principal("producer").is_err());
        assert!(checked_principal("User:").is_err());
        assert_eq!(checked_principal(" User:p ").unwrap(), "User:p");
    }
}
