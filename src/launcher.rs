//! `topicgate up`: the whole system on one machine, for a first try.
//!
//! Runs the admin service and the producer daemon in this process (the
//! role binaries run them separately, on as many machines as wanted), and
//! the project's local Kafka unless one is configured.

mod banner;
mod local_kafka;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::client::AdminClient;
use crate::config::{
    AccessSettings, AdminSettings, AdminTokenHint, HttpEdgeSettings, KafkaUserSettings,
    ProducerSettings, Secret, UpConfig, read_secret_file,
};
use crate::private_fs::{check_private, create_private_dir};
use crate::producer::Running;
use crate::shutdown;
use crate::web::Application;
use banner::print_banner;
use local_kafka::Kafka;
pub use local_kafka::KafkaScript;

/// How long the admin service may take to answer its health check.
const ADMIN_READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Brings everything up, waits for Ctrl-C or SIGTERM, then stops everything
/// it started, newest first.
///
/// The admin service and the producer run in this process and get their
/// secrets as values; the only child processes (the Kafka script and its
/// Kafka) get none, so no secret is ever on a command line.
pub async fn up(config: UpConfig) -> anyhow::Result<()> {
    create_private_dir(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let kept_token = config.data_dir.join("admin-token");
    let admin_token = secret(
        "TOPICGATE_ADMIN_TOKEN",
        config.admin_token_file.as_deref(),
        &kept_token,
    )?;
    // The login page names the file the banner names, as an absolute path:
    // the browser may be far from the directory `up` was started in.
    let admin_token_hint = if std::env::var_os("TOPICGATE_ADMIN_TOKEN").is_some() {
        AdminTokenHint::Given
    } else {
        let file = config.admin_token_file.as_deref().unwrap_or(&kept_token);
        AdminTokenHint::File(std::path::absolute(file).unwrap_or_else(|_| file.to_owned()))
    };
    let producer_key = secret(
        "TOPICGATE_PRODUCER_KEY",
        config.producer_key_file.as_deref(),
        &config.data_dir.join("producer-key"),
    )?;

    let mut kafka_settings = config.kafka.settings().map_err(|e| anyhow::anyhow!(e))?;
    crate::kafka_config::check(&kafka_settings).map_err(|e| anyhow::anyhow!(e))?;
    if config.secure && config.kafka.bootstrap_servers.is_some() {
        refuse_anonymous_kafka(&kafka_settings)?;
    }
    let (kafka, super_login) = match &config.kafka.bootstrap_servers {
        Some(_) if config.brokers > 1 => bail!(
            "--brokers sizes the local Kafka that `up` starts; it cannot be used with \
             --bootstrap-servers (KAFKA_BOOTSTRAP_SERVERS)"
        ),
        Some(servers) => (Kafka::External(servers.clone()), None),
        None => Kafka::start_local(config.kafka_port, config.secure, config.brokers)?,
    };
    kafka_settings.bootstrap_servers = kafka.servers().to_owned();
    if let Some(login) = super_login {
        log_in_as(&mut kafka_settings, login)?;
    }
    let access = if config.secure {
        secure_access(&config.data_dir)?
    } else {
        Default::default()
    };
    let app = Application::build(AdminSettings {
        bind: config.bind.clone(),
        database_url: config.data_dir.join("topicgate.db").into(),
        producer_key: producer_key.clone(),
        admin_token,
        admin_token_hint,
        // The cluster's size caps it further once the producer reports it.
        max_replication_factor: 3,
        workers: Some(2),
        topic_names: Default::default(),
        http: HttpEdgeSettings::default(),
        kafka: Some(kafka_settings.clone()),
        access,
    })?;
    let host = config
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(host, _)| host);
    let admin_url = format!("http://{host}:{}", app.port());
    let server = app.handle();
    let serving = actix_rt::spawn(app.run_until_stopped());
    wait_for_admin(&admin_url).await?;

    let mut producer_settings = ProducerSettings::new(&admin_url, "", producer_key);
    producer_settings.kafka = kafka_settings;
    producer_settings.poll_interval = Duration::from_secs(config.poll_interval);
    producer_settings.metrics_bind = config.metrics_bind.clone();
    producer_settings.producer_group = installation_group(&config.data_dir);
    let producer = Running::start(&producer_settings)?;

    let stop = shutdown::signal();
    print_banner(&config, &admin_url, &kafka);
    stop.await;

    println!(
        "\nStopping: producer, admin service{}...",
        kafka.stop_note()
    );
    let report = producer.shutdown().await;
    if report.undelivered > 0 {
        log::warn!(
            "{} records were not delivered before shutdown",
            report.undelivered
        );
    }
    server.stop(true).await;
    let _ = serving.await;
    kafka.stop();
    println!("topicgate stopped.");
    Ok(())
}

/// The producers' group of the installation kept in `data_dir`: two `up`s
/// on one Kafka (each with its own registry) must not split each other's
/// topics between them, which one shared group would.
fn installation_group(data_dir: &Path) -> String {
    use sha2::{Digest, Sha256};
    let path = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let digest = Sha256::digest(path.as_os_str().as_encoded_bytes());
    let short: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{short}", crate::config::DEFAULT_PRODUCER_GROUP)
}

/// Secure mode against a Kafka given by address: topicgate must log in to
/// it as a super user, or it could neither create topics nor grant ACLs.
fn refuse_anonymous_kafka(settings: &crate::config::KafkaSettings) -> anyhow::Result<()> {
    if settings.security.sasl_username.is_none() || settings.security.sasl_password.is_none() {
        bail!(
            "--secure with --bootstrap-servers needs that Kafka's super user login: \
             --kafka-security-protocol, --kafka-sasl-mechanism, --kafka-sasl-username and \
             --kafka-sasl-password-file (or their TOPICGATE_KAFKA_* variables)"
        );
    }
    Ok(())
}

/// Uses the secured local Kafka's super user for the admin service and
/// the producer.
fn log_in_as(
    settings: &mut crate::config::KafkaSettings,
    login: local_kafka::SuperLogin,
) -> anyhow::Result<()> {
    let password = std::fs::read_to_string(&login.password_file)
        .with_context(|| format!("cannot read {}", login.password_file.display()))?;
    check_private(&login.password_file).map_err(|e| anyhow::anyhow!(e))?;
    let security = &mut settings.security;
    security.protocol = Some(login.protocol);
    security.sasl_mechanism = Some(login.mechanism);
    security.sasl_username = Some(login.username);
    security.sasl_password = Some(
        Secret::external(password.trim())
            .map_err(|e| anyhow::anyhow!("the super user's password {e}"))?,
    );
    Ok(())
}

/// Secure mode's settings for the admin service: tokens required, four
/// eyes, and users' Kafka logins derived from a key kept in `data_dir`.
fn secure_access(data_dir: &Path) -> anyhow::Result<AccessSettings> {
    let credential_secret = secret(
        "TOPICGATE_KAFKA_CREDENTIAL_SECRET",
        None,
        &data_dir.join("kafka-credential-secret"),
    )?;
    Ok(AccessSettings {
        secure: true,
        four_eyes: true,
        kafka_users: Some(KafkaUserSettings {
            credential_secret,
            // The producer logs in as the super user here.
            producer_principal: None,
            reconcile_interval: Duration::from_secs(30),
        }),
    })
}

/// A secret from the environment, else from the `given` file, else the one
/// kept in `file`, else a new one written there (readable by this user
/// only) for the next run. A file others can read is refused.
fn secret(env: &str, given: Option<&Path>, file: &Path) -> anyhow::Result<Secret> {
    if let Ok(value) = std::env::var(env) {
        if given.is_some() {
            bail!("{env} and a file for the same secret are both set; use one");
        }
        return Secret::new(value).map_err(|e| anyhow::anyhow!("{env} {e}"));
    }
    if let Some(given) = given {
        return read_secret_file(given).map_err(|e| anyhow::anyhow!(e));
    }
    if file.exists() {
        check_private(file).map_err(|e| anyhow::anyhow!(e))?;
    }
    if let Ok(kept) = std::fs::read_to_string(file) {
        return Secret::new(kept.trim()).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()));
    }
    let fresh = Secret::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    writeln!(out, "{}", fresh.expose())?;
    Ok(fresh)
}

async fn wait_for_admin(admin_url: &str) -> anyhow::Result<()> {
    let client = AdminClient::new(admin_url);
    let started = Instant::now();
    loop {
        match client.health().await {
            Ok(_) => return Ok(()),
            Err(e) if started.elapsed() > ADMIN_READY_TIMEOUT => {
                bail!("the admin service did not become healthy: {e}")
            }
            Err(_) => actix_rt::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::installation_group;
    use std::path::Path;

    #[test]
    fn each_installation_has_its_own_producers_group() {
        let one = installation_group(Path::new("/srv/a/.topicgate"));
        assert_eq!(one, installation_group(Path::new("/srv/a/.topicgate")));
        assert_ne!(one, installation_group(Path::new("/srv/b/.topicgate")));
        assert!(one.starts_with("topicgate-producers-"), "{one}");
    }
}
