//! `topicgate up`: the whole system on one machine, for a first try.
//!
//! Runs the admin service and the producer daemon in this process (the
//! role binaries run them separately, on as many machines as wanted), and
//! the project's local Kafka unless one is configured.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::client::AdminClient;
use crate::config::{
    AdminSettings, HttpEdgeSettings, ProducerSettings, Secret, UpConfig, read_secret_file,
};
use crate::private_fs::{check_private, create_private_dir};
use crate::producer::Running;
use crate::shutdown;
use crate::web::Application;

/// How long the admin service may take to answer its health check.
const ADMIN_READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Brings everything up, waits for Ctrl-C or SIGTERM, then stops everything
/// it started, newest first.
///
/// The admin service and the producer run in this process and get their
/// secrets as values; the only child processes (scripts/kafka.sh and its
/// Kafka) get none, so no secret is ever on a command line.
pub async fn up(config: UpConfig) -> anyhow::Result<()> {
    create_private_dir(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let admin_token = secret(
        "TOPICGATE_ADMIN_TOKEN",
        config.admin_token_file.as_deref(),
        &config.data_dir.join("admin-token"),
    )?;
    let producer_key = secret(
        "TOPICGATE_PRODUCER_KEY",
        config.producer_key_file.as_deref(),
        &config.data_dir.join("producer-key"),
    )?;

    let mut kafka_settings = config.kafka.settings().map_err(|e| anyhow::anyhow!(e))?;
    crate::kafka_config::check(&kafka_settings).map_err(|e| anyhow::anyhow!(e))?;
    let kafka = match &config.kafka.bootstrap_servers {
        Some(servers) => Kafka::External(servers.clone()),
        None => Kafka::start_local(config.kafka_port)?,
    };

    let app = Application::build(AdminSettings {
        bind: config.bind.clone(),
        database_url: config.data_dir.join("topicgate.db"),
        producer_key: producer_key.clone(),
        admin_token,
        max_replication_factor: 3,
        workers: Some(2),
        topic_names: Default::default(),
        http: HttpEdgeSettings::default(),
    })?;
    let host = config
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(host, _)| host);
    let admin_url = format!("http://{host}:{}", app.port());
    let server = app.handle();
    let serving = actix_rt::spawn(app.run_until_stopped());
    wait_for_admin(&admin_url).await?;

    kafka_settings.bootstrap_servers = kafka.servers().to_owned();
    let mut producer_settings = ProducerSettings::new(&admin_url, "", producer_key);
    producer_settings.kafka = kafka_settings;
    producer_settings.poll_interval = Duration::from_secs(config.poll_interval);
    let producer = Running::start(&producer_settings)?;

    print_banner(&config, &admin_url, &kafka);
    shutdown::signal().await;

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

fn print_banner(config: &UpConfig, admin_url: &str, kafka: &Kafka) {
    let token_file = config.data_dir.join("admin-token");
    let login = if std::env::var("TOPICGATE_ADMIN_TOKEN").is_ok() {
        "the token in TOPICGATE_ADMIN_TOKEN".to_owned()
    } else if let Some(given) = &config.admin_token_file {
        format!("the token in {}", given.display())
    } else {
        format!("the token in {} (cat {0})", token_file.display())
    };
    let servers = kafka.servers();
    println!(
        "\ntopicgate is up.\n\
         \n  Dashboard   {admin_url}/\
         \n  Log in with {login}\
         \n  Kafka       {servers}{}\
         \n  Consumer    cargo run --release --bin topicgate-consumer -- --user \"$USER\" \\\
         \n                --admin-url {admin_url} --bootstrap-servers {servers}\
         \n\nRequest a topic on the dashboard, approve it, and the producer starts streaming\n\
         into it within {}s. Press Ctrl-C to stop everything.\n",
        match kafka {
            Kafka::Local { .. } => " (local, stopped on exit)",
            Kafka::External(_) => " (not started here; left running)",
        },
        config.poll_interval,
    );
}

/// The Kafka that this run uses.
enum Kafka {
    /// Started here by scripts/kafka.sh; stopped on the way out.
    Local { servers: String, script: PathBuf },
    /// Configured, or already running before: left alone.
    External(String),
}

impl Kafka {
    fn start_local(port: u16) -> anyhow::Result<Self> {
        let script = kafka_script();
        // A local Kafka that already runs (another `up`, a test run) is
        // used as it is, and left running on the way out.
        let status = Command::new(&script)
            .arg("status")
            .stderr(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", script.display()))?;
        if status.status.success() {
            if let Some(servers) = bootstrap_line(&status.stdout) {
                println!("Using the local Apache Kafka that already runs at {servers}.");
                return Ok(Kafka::External(servers));
            }
        }
        println!(
            "Starting the local Apache Kafka on 127.0.0.1:{port} (the first run fetches it from Maven Central; this takes a minute)..."
        );
        let output = Command::new(&script)
            .args(["start", "--port", &port.to_string()])
            // Progress goes straight to the terminal.
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("cannot run {}", script.display()))?;
        if !output.status.success() {
            bail!(
                "the local Kafka did not start (see the lines above); to use another one, set KAFKA_BOOTSTRAP_SERVERS"
            );
        }
        let servers = bootstrap_line(&output.stdout).unwrap_or_else(|| format!("127.0.0.1:{port}"));
        Ok(Kafka::Local { servers, script })
    }

    fn servers(&self) -> &str {
        match self {
            Kafka::Local { servers, .. } | Kafka::External(servers) => servers,
        }
    }

    fn stop_note(&self) -> &'static str {
        match self {
            Kafka::Local { .. } => ", Kafka",
            Kafka::External(_) => "",
        }
    }

    fn stop(&self) {
        if let Kafka::Local { script, .. } = self {
            match Command::new(script).arg("stop").status() {
                Ok(status) if status.success() => {}
                _ => log::warn!("stopping the local Kafka failed; run scripts/kafka.sh stop"),
            }
        }
    }
}

/// The address in the `KAFKA_BOOTSTRAP_SERVERS=...` line that
/// scripts/kafka.sh prints last.
fn bootstrap_line(stdout: &[u8]) -> Option<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("KAFKA_BOOTSTRAP_SERVERS="))
        .map(str::to_owned)
}

/// scripts/kafka.sh of this checkout, unless `TOPICGATE_KAFKA_SCRIPT` names another.
pub fn kafka_script() -> PathBuf {
    std::env::var_os("TOPICGATE_KAFKA_SCRIPT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka.sh"))
}
