//! One librdkafka configuration for every Kafka client topicgate makes.
//!
//! [`client_config`] layers, in this order: the common settings (brokers,
//! client id), the role's own defaults, the security block, then the raw
//! `--kafka-option`s, so an operator's option always has the last word.

use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::KafkaError;

use crate::config::{KafkaOption, KafkaSettings, is_sensitive};

/// Which client a configuration is for.
#[derive(Debug, Clone, Copy)]
pub enum KafkaRole<'a> {
    /// The producer daemon's one producer.
    Producer,
    /// The producer daemon's admin client (creates topics).
    ProducerAdmin,
    /// The producer daemon's member of the producers' `group`, which
    /// shares the topics out among daemons; it reads no records.
    ProducerGroup { group: &'a str },
    /// A consumer in `group`; `client_id` is its default id.
    Consumer { group: &'a str, client_id: &'a str },
    /// The admin service's read-only clients (topic pages, consumer
    /// groups, the message browser): they read metadata, watermarks,
    /// offsets and records, and never commit, join a group or create.
    AdminReader,
    /// The consumer's producer of dead letters (`<topic>.dlq`).
    DeadLetterProducer,
    /// The consumer's reader of dead letters (the REPL's `dlq`): like
    /// [`KafkaRole::AdminReader`], it only looks.
    DeadLetterReader,
}

impl KafkaRole<'_> {
    /// The client id brokers see unless the operator chose one.
    fn default_client_id(&self) -> &str {
        match self {
            KafkaRole::Producer => "topicgate-producer",
            KafkaRole::ProducerAdmin => "topicgate-producer-admin",
            KafkaRole::ProducerGroup { .. } => "topicgate-producer-group",
            KafkaRole::Consumer { client_id, .. } => client_id,
            KafkaRole::AdminReader => "topicgate-admin",
            KafkaRole::DeadLetterProducer => "topicgate-consumer-dlq",
            KafkaRole::DeadLetterReader => "topicgate-consumer-dlq-reader",
        }
    }

    /// The role's own librdkafka settings.
    fn apply_defaults(&self, config: &mut ClientConfig) {
        match self {
            KafkaRole::Producer => {
                config
                    // Exactly once per partition, in order, even across retries.
                    .set("enable.idempotence", "true")
                    .set("acks", "all")
                    // Never give up on a record: a broker that is down delays
                    // records, it does not lose them. Shutdown bounds the wait.
                    .set("message.timeout.ms", "0")
                    .set("linger.ms", "5")
                    // A record for a topic deleted behind topicgate's back
                    // must not bring it back with the broker's defaults
                    // (librdkafka's producer default is true).
                    .set("allow.auto.create.topics", "false")
                    // Records queued for a topic deleted behind topicgate's
                    // back fail once librdkafka sees it gone, rather than
                    // wait for any topic of that name to appear. This only
                    // shortens the grace a topic gets in its first seconds
                    // (30 s by default); the reconciler creates topics before
                    // any record is made for them.
                    .set("topic.metadata.propagation.max.ms", "5000")
                    // Partitions added to a topic after an approved change
                    // get records within seconds, not after librdkafka's
                    // default five minutes.
                    .set("topic.metadata.refresh.interval.ms", "10000")
                    .set_log_level(RDKafkaLogLevel::Warning);
            }
            // Its metadata requests must not create topics either.
            KafkaRole::ProducerAdmin => {
                config.set("allow.auto.create.topics", "false");
            }
            // Looking must change nothing: no topic made by a metadata
            // request, no offset committed in anyone's name.
            KafkaRole::ProducerGroup { group } => {
                config
                    .set("group.id", *group)
                    // A daemon that dies loses its topics to the others
                    // within this long (plus one poll); a live one
                    // heartbeats three times within it.
                    .set("session.timeout.ms", "6000")
                    .set("heartbeat.interval.ms", "2000")
                    // Nothing is read, so there is nothing to commit.
                    .set("enable.auto.commit", "false")
                    .set("enable.auto.offset.store", "false")
                    .set("auto.offset.reset", "latest")
                    .set("enable.partition.eof", "false")
                    .set("allow.auto.create.topics", "false");
            }
            KafkaRole::AdminReader | KafkaRole::DeadLetterReader => {
                config
                    .set("allow.auto.create.topics", "false")
                    .set("enable.auto.commit", "false")
                    .set("enable.auto.offset.store", "false")
                    .set("enable.partition.eof", "false");
            }
            KafkaRole::DeadLetterProducer => {
                config
                    // A dead letter written once even when a send is retried.
                    .set("enable.idempotence", "true")
                    .set("acks", "all")
                    // The consumer never creates topics: the producer daemon
                    // makes `<topic>.dlq` with the topic. A missing one is an
                    // error the consumer reports, not a topic with the
                    // broker's defaults.
                    .set("allow.auto.create.topics", "false")
                    // A missing dead-letter topic fails its records after
                    // 5 s (not librdkafka's 30), so the consumer says so
                    // promptly and retries.
                    .set("topic.metadata.propagation.max.ms", "5000")
                    // A delivery that does not succeed in this time is
                    // reported and retried by the consumer, whose offsets
                    // wait meanwhile: nothing is lost by giving up here.
                    .set("message.timeout.ms", "15000")
                    .set_log_level(RDKafkaLogLevel::Warning);
            }
            KafkaRole::Consumer { group, .. } => {
                config
                    .set("group.id", *group)
                    .set("enable.auto.commit", "true")
                    .set("auto.commit.interval.ms", "1000")
                    // At least once: an offset is stored only after its
                    // message was stored and shown.
                    .set("enable.auto.offset.store", "false")
                    .set("auto.offset.reset", "earliest")
                    .set("enable.partition.eof", "false")
                    .set("session.timeout.ms", "10000")
                    // Once its prefetch queue is full, librdkafka pauses
                    // fetching a partition for this long (1 s by default). A
                    // consumer that stores every message drains the queue
                    // slower than Kafka fills it, so the default left it idle
                    // for most of a backlog.
                    .set("fetch.queue.backoff.ms", "10");
            }
        }
    }
}

/// The librdkafka configuration of `role` under `settings`.
pub fn client_config(settings: &KafkaSettings, role: KafkaRole<'_>) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.bootstrap_servers)
        .set(
            "client.id",
            settings
                .client_id
                .as_deref()
                .unwrap_or(role.default_client_id()),
        )
        // Notice a broker that is back within a couple of seconds.
        .set("reconnect.backoff.max.ms", "2000");
    role.apply_defaults(&mut config);
    for (key, value) in security_properties(settings) {
        config.set(key, value);
    }
    for option in &settings.options {
        config.set(&option.key, &option.value);
    }
    config
}

/// How often librdkafka sends its statistics when a role's metrics are
/// on: as often as Prometheus usually scrapes, since parsing the JSON is
/// cheap at that pace and fresher figures would not be seen anyway.
pub const STATISTICS_INTERVAL_MS: u32 = 5_000;

/// Makes librdkafka send its statistics (to the context's `stats`
/// callback) every [`STATISTICS_INTERVAL_MS`]. Only with metrics on: the
/// default `stats` callback would log each one.
pub fn enable_statistics(config: &mut ClientConfig) {
    config.set("statistics.interval.ms", STATISTICS_INTERVAL_MS.to_string());
}

/// Checks every property of every role with librdkafka itself, so an
/// unknown property or a bad value stops the process at start with its
/// name rather than when a client is first made.
pub fn check(settings: &KafkaSettings) -> Result<(), String> {
    let consumer = KafkaRole::Consumer {
        group: "topicgate-check",
        client_id: "topicgate-check",
    };
    for role in [
        KafkaRole::Producer,
        KafkaRole::ProducerAdmin,
        KafkaRole::ProducerGroup {
            group: "topicgate-check",
        },
        consumer,
        KafkaRole::AdminReader,
        KafkaRole::DeadLetterProducer,
        KafkaRole::DeadLetterReader,
    ] {
        client_config(settings, role)
            .create_native_config()
            .map_err(explain)?;
    }
    Ok(())
}

/// A librdkafka configuration error that names the property; a sensitive
/// property's value is left out, since librdkafka's text may quote it.
pub fn explain(error: KafkaError) -> String {
    match error {
        KafkaError::ClientConfig(_, description, key, _) if is_sensitive(&key) => {
            format!(
                "Kafka option {key}: refused by librdkafka ({})",
                redact(&description)
            )
        }
        KafkaError::ClientConfig(_, description, key, _) => {
            format!("Kafka option {key}: {description}")
        }
        other => other.to_string(),
    }
}

fn redact(description: &str) -> &str {
    description
        .split_once(':')
        .map_or("invalid value", |(reason, _)| reason)
}

/// One line for the log: brokers, client id, security and options, with
/// the password and any secret option hidden.
pub fn describe(settings: &KafkaSettings) -> String {
    let mut parts = vec![format!("brokers {}", settings.bootstrap_servers)];
    if let Some(id) = &settings.client_id {
        parts.push(format!("client.id={id}"));
    }
    for (key, value) in security_properties(settings) {
        parts.push(KafkaOption::new(key, value).to_string());
    }
    for option in &settings.options {
        parts.push(option.to_string());
    }
    parts.join(", ")
}

fn security_properties(settings: &KafkaSettings) -> Vec<(&'static str, String)> {
    let security = &settings.security;
    let path = |p: &std::path::PathBuf| p.display().to_string();
    [
        ("security.protocol", security.protocol.clone()),
        ("sasl.mechanism", security.sasl_mechanism.clone()),
        ("sasl.username", security.sasl_username.clone()),
        (
            "sasl.password",
            security
                .sasl_password
                .as_ref()
                .map(|s| s.expose().to_owned()),
        ),
        ("ssl.ca.location", security.ssl_ca.as_ref().map(path)),
        (
            "ssl.certificate.location",
            security.ssl_cert.as_ref().map(path),
        ),
        ("ssl.key.location", security.ssl_key.as_ref().map(path)),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|value| (key, value)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn options_come_last_and_win() {
        let mut settings = KafkaSettings::new("b:9092");
        settings.options = vec![
            KafkaOption::new("linger.ms", "50"),
            KafkaOption::new("client.id", "mine"),
        ];
        let config = client_config(&settings, KafkaRole::Producer);
        assert_eq!(config.get("linger.ms"), Some("50"));
        assert_eq!(config.get("client.id"), Some("mine"));
        assert_eq!(config.get("acks"), Some("all"));
        assert_eq!(config.get("bootstrap.servers"), Some("b:9092"));
    }

    #[test]
    fn the_producers_clients_never_auto_create_a_topic() {
        let settings = KafkaSettings::new("b:9092");
        for role in [KafkaRole::Producer, KafkaRole::ProducerAdmin] {
            let config = client_config(&settings, role);
            assert_eq!(config.get("allow.auto.create.topics"), Some("false"));
        }
        let producer = client_config(&settings, KafkaRole::Producer);
        assert_eq!(
            producer.get("topic.metadata.propagation.max.ms"),
            Some("5000")
        );
        assert!(check(&settings).is_ok());
    }

    #[test]
    fn the_client_id_flag_replaces_the_role_default() {
        let mut settings = KafkaSettings::new("b:9092");
        let config = client_config(&settings, KafkaRole::ProducerAdmin);
        assert_eq!(config.get("client.id"), Some("topicgate-producer-admin"));
        settings.client_id = Some("team-a".into());
        let config = client_config(&settings, KafkaRole::ProducerAdmin);
        assert_eq!(config.get("client.id"), Some("team-a"));
    }

    #[test]
    fn an_unknown_property_is_named_and_a_secret_value_is_not() {
        let mut settings = KafkaSettings::new("b:9092");
        settings.options = vec![KafkaOption::new("no.such", "1")];
        let err = check(&settings).unwrap_err();
        assert!(err.contains("no.such"), "{err}");
        settings.options = vec![KafkaOption::new("sasl.password", "pw-hunter2")];
        assert!(check(&settings).is_ok());
        settings.options = vec![KafkaOption::new("my.secret", "pw-hunter2")];
        let err = check(&settings).unwrap_err();
        assert!(
            err.contains("my.secret") && !err.contains("pw-hunter2"),
            "{err}"
        );
    }

    #[test]
    fn the_description_hides_the_password() {
        let mut settings = KafkaSettings::new("b:9092");
        settings.security.protocol = Some("sasl_plaintext".into());
        settings.security.sasl_password = Some(Secret::external("pw-hunter2").unwrap());
        let line = describe(&settings);
        assert!(line.contains("security.protocol=sasl_plaintext"), "{line}");
        assert!(line.contains("sasl.password=****"), "{line}");
        assert!(!line.contains("pw-hunter2"), "{line}");
    }
}
