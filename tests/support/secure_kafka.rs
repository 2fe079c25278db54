//! The secured Kafka of `scripts/kafka.sh start --secure`: SASL/SCRAM
//! logins and ACLs enforced by the broker.
//!
//! `scripts/test.sh` starts one and exports where it is; [`secure_kafka`]
//! reads that. Tests of Kafka's access control use it, log in as the super
//! user from its password file, and as users they make themselves.

use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use topicgate::config::{KafkaSettings, Secret};
use topicgate::kafka_config::{KafkaRole, client_config};

/// The secured cluster's client address.
pub const SECURE_BOOTSTRAP_ENV: &str = "KAFKA_SECURE_BOOTSTRAP_SERVERS";
/// Its controllers' address, where no client may get in.
pub const SECURE_CONTROLLERS_ENV: &str = "KAFKA_SECURE_CONTROLLER_SERVERS";
/// The file holding its super user's password.
pub const SECURE_PASSWORD_FILE_ENV: &str = "KAFKA_SECURE_PASSWORD_FILE";

/// The super user `scripts/kafka.sh` creates.
pub const SUPER_USER: &str = "topicgate";

/// Where the secured Kafka is and how to log in to it as the super user.
pub struct SecureKafka {
    pub bootstrap: String,
    pub controllers: String,
    pub super_password: Secret,
}

/// The secured Kafka `scripts/test.sh` started, or `None` (with a note on
/// stderr) when its variables are not set, as when a test binary is run
/// by hand without it.
pub fn secure_kafka() -> Option<SecureKafka> {
    let found = secure_kafka_quietly();
    if found.is_none() {
        eprintln!(
            "skipped: no secured Kafka ({SECURE_BOOTSTRAP_ENV}, {SECURE_CONTROLLERS_ENV} and \
             {SECURE_PASSWORD_FILE_ENV} unset; scripts/test.sh sets them, or run \
             scripts/kafka.sh start --secure and export them)"
        );
    }
    found
}

/// [`secure_kafka`] without the note.
pub fn secure_kafka_quietly() -> Option<SecureKafka> {
    let var = |name| {
        std::env::var(name)
            .ok()
            .filter(|v: &String| !v.trim().is_empty())
    };
    let (Some(bootstrap), Some(controllers), Some(password_file)) = (
        var(SECURE_BOOTSTRAP_ENV),
        var(SECURE_CONTROLLERS_ENV),
        var(SECURE_PASSWORD_FILE_ENV),
    ) else {
        return None;
    };
    let password = std::fs::read_to_string(&password_file)
        .unwrap_or_else(|e| panic!("reading {password_file}: {e}"));
    Some(SecureKafka {
        bootstrap,
        controllers,
        super_password: Secret::external(password.trim()).expect("a super user password"),
    })
}

impl SecureKafka {
    /// topicgate's settings for logging in as `user` with `password`.
    pub fn settings(&self, user: &str, password: &Secret) -> KafkaSettings {
        settings_for(&self.bootstrap, user, password)
    }

    /// The super user's settings.
    pub fn super_settings(&self) -> KafkaSettings {
        self.settings(SUPER_USER, &self.super_password)
    }
}

/// Settings for a SASL/SCRAM-SHA-512 login as `user` at `servers`.
pub fn settings_for(servers: &str, user: &str, password: &Secret) -> KafkaSettings {
    let mut settings = KafkaSettings::new(servers);
    settings.security.protocol = Some("SASL_PLAINTEXT".into());
    settings.security.sasl_mechanism = Some("SCRAM-SHA-512".into());
    settings.security.sasl_username = Some(user.into());
    settings.security.sasl_password = Some(password.clone());
    settings
}

/// A reader in `group` with `settings`, as the admin service's readers are
/// configured plus a group (it reads from the start and never commits).
pub fn reader(settings: &KafkaSettings, group: &str) -> BaseConsumer {
    let mut config: ClientConfig = client_config(settings, KafkaRole::AdminReader);
    config
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        // A refused login is tried again within a second, not after
        // librdkafka's growing backoff of up to 10 s.
        .set("reconnect.backoff.ms", "200")
        .set("reconnect.backoff.max.ms", "1000");
    config.create().expect("creating a Kafka reader")
}

/// Whether `settings` log in: a metadata request succeeds, or fails with
/// what Kafka said (at most `wait`).
pub fn log_in(settings: &KafkaSettings, wait: Duration) -> Result<(), KafkaError> {
    let client = reader(settings, "login-check");
    client.fetch_metadata(None, wait).map(|_| ())
}

/// What reading `topic` as a member of `group` gives: the first record's
/// payload, or the first error the consumer reports (bounded by `wait`).
pub fn read_first(
    settings: &KafkaSettings,
    topic: &str,
    group: &str,
    wait: Duration,
) -> Result<String, KafkaError> {
    let consumer = reader(settings, group);
    consumer.subscribe(&[topic]).expect("subscribing");
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(message)) => {
                return Ok(
                    String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned(),
                );
            }
            Some(Err(error)) => return Err(error),
            None => {}
        }
    }
    Err(KafkaError::MessageConsumption(
        RDKafkaErrorCode::OperationTimedOut,
    ))
}

/// The broker's error code in `error`, if it carries one.
pub fn error_code(error: &KafkaError) -> Option<RDKafkaErrorCode> {
    error.rdkafka_error_code()
}

/// Lists the cluster's ACLs the way an administrator could, straight from
/// the controllers: Kafka's own `AclCommand --bootstrap-controller`, with
/// `client_properties` (the login, if any). `Ok` with its output when it
/// listed them, `Err` with its output when it could not.
pub fn list_acls_via_controllers(
    controllers: &str,
    client_properties: &str,
) -> Result<String, String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::process::Command;

    let fetched = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka.sh"))
        .arg("fetch")
        .output()
        .expect("running scripts/kafka.sh fetch");
    assert!(fetched.status.success(), "scripts/kafka.sh fetch failed");
    let libs = String::from_utf8_lossy(&fetched.stdout).trim().to_owned();

    // The login may hold the super user's password: a file only we can read.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("client.properties");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&config)
        .expect("writing the client configuration");
    // Give up within seconds rather than Kafka's default minute.
    writeln!(
        file,
        "default.api.timeout.ms=8000\nrequest.timeout.ms=4000\n{client_properties}"
    )
    .expect("writing the client configuration");
    let java = std::env::var_os("JAVA_HOME")
        .map(|home| std::path::PathBuf::from(home).join("bin/java"))
        .unwrap_or_else(|| "java".into());
    let output = Command::new(java)
        .args([
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
        ])
        .arg(format!("{libs}/*"))
        .arg("org.apache.kafka.tools.AclCommand")
        .args([
            "--bootstrap-controller",
            controllers,
            "--list",
            "--command-config",
        ])
        .arg(&config)
        .output()
        .expect("running Kafka's AclCommand");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// The client properties of a PLAIN login, the only mechanism the
/// controllers offer.
pub fn plain_login(user: &str, password: &Secret) -> String {
    format!(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n\
         sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \
         username=\"{user}\" password=\"{}\";",
        password.expose()
    )
}
