//! The project's local Kafka, as `topicgate up` and `topicgate kafka` run it.
//!
//! scripts/kafka.sh and its pom are compiled into the binary and written out
//! to the Kafka cache directory before each use, so an installed binary
//! needs nothing from the checkout it was built in.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, bail};

/// scripts/kafka.sh as it was when this binary was built.
const SCRIPT: &str = include_str!("../../scripts/kafka.sh");

/// The pom the script fetches Kafka with.
const POM: &str = include_str!("../../scripts/kafka/pom.xml");

/// The script, written out into the Kafka cache it keeps its jars and
/// instances in.
pub struct KafkaScript {
    cache: PathBuf,
    script: PathBuf,
    pom: PathBuf,
}

impl KafkaScript {
    /// Writes the embedded script and pom into the cache directory:
    /// `KAFKA_CACHE_DIR`, else `$XDG_CACHE_HOME/topicgate/kafka`, else
    /// `~/.cache/topicgate/kafka`.
    pub fn install() -> anyhow::Result<Self> {
        let cache = cache_dir()?;
        std::fs::create_dir_all(&cache)
            .with_context(|| format!("cannot create the Kafka cache {}", cache.display()))?;
        let script = cache.join("kafka.sh");
        let pom = cache.join("pom.xml");
        write_if_changed(&script, SCRIPT, 0o755)?;
        write_if_changed(&pom, POM, 0o644)?;
        Ok(Self { cache, script, pom })
    }

    /// The script with `args`, told where its cache and pom are.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(&self.script);
        command
            .args(args)
            .env("KAFKA_CACHE_DIR", &self.cache)
            .env("KAFKA_POM", &self.pom);
        command
    }

    /// Runs the script with `args` on this terminal (`topicgate kafka ...`).
    pub fn run(&self, args: &[String]) -> anyhow::Result<ExitStatus> {
        self.command(args)
            .status()
            .with_context(|| format!("cannot run {}", self.script.display()))
    }

    /// Whether the jars of the Kafka version the script would run are
    /// already in the cache, so starting it needs no download.
    pub fn is_fetched(&self) -> bool {
        let version = std::env::var("KAFKA_VERSION")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default_version().to_owned());
        self.cache.join(version).join(".complete").is_file()
    }
}

/// The Kafka version the embedded script pins.
fn default_version() -> &'static str {
    SCRIPT
        .lines()
        .find_map(|line| line.strip_prefix("readonly DEFAULT_KAFKA_VERSION="))
        .unwrap_or_default()
}

/// Where the Kafka jars and instances are kept, following the XDG base
/// directory rules for caches.
fn cache_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("KAFKA_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    // On Linux: $XDG_CACHE_HOME when absolute, else ~/.cache.
    match dirs::cache_dir() {
        Some(cache) => Ok(cache.join("topicgate/kafka")),
        None => bail!("no cache directory for Kafka: set KAFKA_CACHE_DIR, XDG_CACHE_HOME or HOME"),
    }
}

/// Writes `contents` to `path` unless it already holds them. The new file
/// is renamed into place, so a script another `topicgate` is running at the
/// same moment is never seen half written.
fn write_if_changed(path: &Path, contents: &str, mode: u32) -> anyhow::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let written = options
        .open(&temporary)
        .and_then(|mut file| std::io::Write::write_all(&mut file, contents.as_bytes()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

/// The Kafka that one `up` uses.
pub enum Kafka {
    /// Started here by the script; stopped on the way out.
    Local {
        servers: String,
        script: KafkaScript,
        /// The instance's name when it is not the default one.
        name: Option<String>,
    },
    /// Configured, or already running before: left alone.
    External(String),
}

impl Kafka {
    /// Uses the local Kafka when it already runs, else starts it on `port`
    /// with `brokers` nodes. A `secure` one (SASL/SCRAM, ACLs enforced) is
    /// an instance apart from the open one and comes with its super user's
    /// login; see [`instance_name`] for which instance each is.
    pub fn start_local(
        port: u16,
        secure: bool,
        brokers: u8,
    ) -> anyhow::Result<(Self, Option<SuperLogin>)> {
        let script = KafkaScript::install()?;
        let instance = instance_name(secure, brokers);
        let name: Vec<&str> = instance
            .as_deref()
            .map(|name| vec!["--name", name])
            .unwrap_or_default();
        // A local Kafka that already runs (another `up`, a test run) is
        // used as it is, and left running on the way out.
        let status = script
            .command(["status"].iter().chain(&name))
            .stderr(Stdio::null())
            .output()
            .context("cannot run the Kafka script")?;
        if status.status.success() {
            if let Some(servers) = printed(&status.stdout, "KAFKA_BOOTSTRAP_SERVERS") {
                println!("Using the local Apache Kafka that already runs at {servers}.");
                let login = secure.then(|| super_login(&status.stdout)).transpose()?;
                return Ok((Kafka::External(servers), login));
            }
        }
        let fetch_note = if script.is_fetched() {
            String::new()
        } else {
            format!(
                "; this first start fetches it from Maven Central into {}, which takes a minute",
                script.cache.display()
            )
        };
        let what = match (secure, brokers) {
            (true, 1) => "secured Apache Kafka".to_owned(),
            (false, 1) => "Apache Kafka".to_owned(),
            (true, n) => format!("secured Apache Kafka cluster of {n} nodes"),
            (false, n) => format!("Apache Kafka cluster of {n} nodes"),
        };
        let ports = match brokers {
            1 => port.to_string(),
            n => format!("{port}-{}", u32::from(port) + u32::from(n) - 1),
        };
        println!("Starting the local {what} on 127.0.0.1:{ports}{fetch_note}...");
        let (port, brokers_arg) = (port.to_string(), brokers.to_string());
        let mut args = vec!["start", "--port", &port, "--brokers", &brokers_arg];
        if secure {
            args.push("--secure");
        }
        args.extend_from_slice(&name);
        let output = script
            .command(args)
            // Progress goes straight to the terminal.
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run the Kafka script")?;
        if !output.status.success() {
            bail!(
                "the local Kafka did not start (see the lines above); to use another one, set KAFKA_BOOTSTRAP_SERVERS"
            );
        }
        let servers = printed(&output.stdout, "KAFKA_BOOTSTRAP_SERVERS")
            .unwrap_or_else(|| format!("127.0.0.1:{port}"));
        let login = secure.then(|| super_login(&output.stdout)).transpose()?;
        Ok((
            Kafka::Local {
                servers,
                script,
                name: instance,
            },
            login,
        ))
    }

    /// The bootstrap servers to give clients.
    pub fn servers(&self) -> &str {
        match self {
            Kafka::Local { servers, .. } | Kafka::External(servers) => servers,
        }
    }

    /// What the stopping message adds for Kafka.
    pub fn stop_note(&self) -> &'static str {
        match self {
            Kafka::Local { .. } => ", Kafka",
            Kafka::External(_) => "",
        }
    }

    /// Stops the Kafka started here; leaves any other alone.
    pub fn stop(&self) {
        if let Kafka::Local { script, name, .. } = self {
            let mut args = vec!["stop"];
            if let Some(name) = name {
                args.extend(["--name", name]);
            }
            match script.command(args).status() {
                Ok(status) if status.success() => {}
                _ => log::warn!("stopping the local Kafka failed; run `topicgate kafka stop`"),
            }
        }
    }
}

/// The script's instance that `up` runs; `None` for its default one.
///
/// A secured instance is apart from the open one, whose data nobody
/// authenticated; a cluster of several nodes is apart from the one-node
/// instance, whose topics were created for one broker.
fn instance_name(secure: bool, brokers: u8) -> Option<String> {
    match (secure, brokers) {
        (false, 1) => None,
        (true, 1) => Some("secure".to_owned()),
        (false, n) => Some(format!("cluster{n}")),
        (true, n) => Some(format!("secure-cluster{n}")),
    }
}

/// How topicgate itself logs in to a secured local Kafka: its super user.
#[derive(Debug, Clone)]
pub struct SuperLogin {
    pub protocol: String,
    pub mechanism: String,
    pub username: String,
    /// The file holding the password (0600); never the password itself.
    pub password_file: PathBuf,
}

/// The value of the last `KEY=value` line the script printed.
fn printed(stdout: &[u8], key: &str) -> Option<String> {
    let prefix = format!("{key}=");
    String::from_utf8_lossy(stdout)
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
}

/// The super user's login from a secured instance's printed settings.
fn super_login(stdout: &[u8]) -> anyhow::Result<SuperLogin> {
    let setting = |key: &str| {
        printed(stdout, key)
            .with_context(|| format!("the secured Kafka's script did not print {key}"))
    };
    Ok(SuperLogin {
        protocol: setting("TOPICGATE_KAFKA_SECURITY_PROTOCOL")?,
        mechanism: setting("TOPICGATE_KAFKA_SASL_MECHANISM")?,
        username: setting("TOPICGATE_KAFKA_SASL_USERNAME")?,
        password_file: setting("TOPICGATE_KAFKA_SASL_PASSWORD_FILE")?.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secured_instances_printed_settings_are_its_super_users_login() {
        let out = b"KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092\n\
            TOPICGATE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT\n\
            TOPICGATE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512\n\
            TOPICGATE_KAFKA_SASL_USERNAME=topicgate\n\
            TOPICGATE_KAFKA_SASL_PASSWORD_FILE=/x/secrets/topicgate.password\n";
        assert_eq!(
            printed(out, "KAFKA_BOOTSTRAP_SERVERS").unwrap(),
            "127.0.0.1:9092"
        );
        let login = super_login(out).unwrap();
        assert_eq!(login.username, "topicgate");
        assert_eq!(
            login.password_file,
            PathBuf::from("/x/secrets/topicgate.password")
        );
        let open = b"KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092\n";
        assert!(super_login(open).is_err());
    }

    #[test]
    fn each_size_and_mode_of_the_local_kafka_is_an_instance_of_its_own() {
        let names: Vec<_> = [(false, 1), (true, 1), (false, 3), (true, 3)]
            .into_iter()
            .map(|(secure, brokers)| instance_name(secure, brokers))
            .collect();
        assert_eq!(
            names,
            [
                None,
                Some("secure".to_owned()),
                Some("cluster3".to_owned()),
                Some("secure-cluster3".to_owned())
            ]
        );
    }

    #[test]
    fn the_pinned_version_is_read_from_the_embedded_script() {
        let version = default_version();
        assert!(!version.is_empty());
        assert!(version.split('.').all(|part| part.parse::<u32>().is_ok()));
    }
}
