use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use super::secret_file::PRODUCER_KEY;
use super::{KafkaArgs, KafkaSettings, Secret, TopicNameArgs};
use crate::domain::{TextKind, TopicName, TopicNamePolicy, checked_text};

/// Longest `--instance-id`: it is shown in tables and sent with every record.
pub const MAX_INSTANCE_ID_LEN: usize = 100;

/// Longest `--producer-group` (Kafka allows more, nobody needs it).
const MAX_GROUP_LEN: usize = 200;

/// The consumer group every producer daemon of one installation joins.
pub const DEFAULT_PRODUCER_GROUP: &str = "topicgate-producers";

/// The topic whose partitions the daemons share out; the default deny
/// list (`_topicgate*`) keeps users from requesting it.
pub const DEFAULT_CONTROL_TOPIC: &str = "_topicgate_producers";

/// How fast each generator produces records for its topic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// One record every 0.5 to 1.5 seconds, at random, like the original daemon.
    Relaxed,
    /// About this many records per second per topic.
    Rate(f64),
    /// As fast as the publisher and the broker accept them (`--rate 0`).
    Unthrottled,
}

impl Pace {
    /// Whether a log line per published record is still readable; above
    /// this the publisher logs a periodic summary instead.
    pub fn is_gentle(self) -> bool {
        match self {
            Pace::Relaxed => true,
            Pace::Rate(rate) => rate <= 2.0,
            Pace::Unthrottled => false,
        }
    }
}

/// Everything the producer daemon needs to run, with its key present.
#[derive(Debug, Clone)]
pub struct ProducerSettings {
    pub admin_url: String,
    /// How every Kafka client of the daemon connects; its options also
    /// tune the producer (or shrink its queue in tests of backpressure).
    pub kafka: KafkaSettings,
    pub producer_key: Secret,
    /// How often the admin API is asked for approved and active topics.
    pub poll_interval: Duration,
    /// Whether to follow the admin API's change feed, which tells of a
    /// change at once; the poll above goes on either way.
    pub change_feed: bool,
    pub pace: Pace,
    /// Records the publisher holds while Kafka's own queue is full; when it
    /// is reached, generators wait instead of adding more.
    pub buffer_capacity: usize,
    /// How long a shutdown waits for records still in flight.
    pub flush_timeout: Duration,
    /// How often the publisher logs its summary line.
    pub summary_interval: Duration,
    /// Which registry topics the daemon may create and publish to; the
    /// others are refused even when approved.
    pub topic_names: TopicNamePolicy,
    /// Where to serve `/metrics` (`127.0.0.1:9101`); `None`: nowhere.
    pub metrics_bind: Option<String>,
    /// This daemon's name among the producers: sent with every record and
    /// in the cluster report.
    pub instance_id: String,
    /// The consumer group through which the daemons share the topics.
    pub producer_group: String,
    /// The group's topic: each of its partitions owns some of the topics.
    pub control_topic: String,
}

impl ProducerSettings {
    /// Settings with the defaults of the command line.
    pub fn new(
        admin_url: impl Into<String>,
        bootstrap_servers: impl Into<String>,
        producer_key: Secret,
    ) -> Self {
        Self {
            admin_url: admin_url.into(),
            kafka: KafkaSettings::new(bootstrap_servers),
            producer_key,
            poll_interval: Duration::from_secs(5),
            change_feed: true,
            pace: Pace::Relaxed,
            buffer_capacity: 20_000,
            flush_timeout: Duration::from_secs(10),
            summary_interval: Duration::from_secs(30),
            topic_names: TopicNamePolicy::default(),
            metrics_bind: None,
            instance_id: default_instance_id(),
            producer_group: DEFAULT_PRODUCER_GROUP.to_owned(),
            control_topic: DEFAULT_CONTROL_TOPIC.to_owned(),
        }
    }
}

/// Host name and process id: unique among the daemons running now.
pub fn default_instance_id() -> String {
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|name| name.into_string().ok())
        .unwrap_or_else(|| "producer".to_owned());
    let id = format!("{host}-{}", std::process::id());
    // A host name is printable and short, but stay within the bound anyway.
    id.chars()
        .rev()
        .take(MAX_INSTANCE_ID_LEN)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// An instance id as given: not blank, printable, at most
/// [`MAX_INSTANCE_ID_LEN`] characters.
pub fn parse_instance_id(raw: &str) -> Result<String, String> {
    checked_name("--instance-id", raw, MAX_INSTANCE_ID_LEN)
}

fn parse_group(raw: &str) -> Result<String, String> {
    checked_name("--producer-group", raw, MAX_GROUP_LEN)
}

fn parse_control_topic(raw: &str) -> Result<String, String> {
    TopicName::parse(raw.trim())
        .map(|name| name.as_str().to_owned())
        .map_err(|e| format!("--control-topic: {e}"))
}

fn checked_name(flag: &'static str, raw: &str, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(format!("{flag} must not be blank"));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(format!("{flag} must not contain spaces"));
    }
    checked_text(flag, value, max, TextKind::Identifier).map_err(|e| format!("{flag} {}", e.rule))
}

/// The topicgate producer daemon: creates approved topics in Kafka and
/// streams typed records into every active one until SIGINT or SIGTERM.
#[derive(Debug, Clone, Parser)]
#[command(name = "topicgate-producer", version)]
pub struct ProducerConfig {
    /// Base URL of the admin service.
    #[arg(
        long,
        env = "TOPICGATE_ADMIN_URL",
        default_value = "http://127.0.0.1:5000"
    )]
    pub admin_url: String,

    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Shared key that lets this daemon activate topics (the admin's `--producer-key`).
    #[arg(long, env = "TOPICGATE_PRODUCER_KEY", hide_env_values = true)]
    pub producer_key: Option<Secret>,

    /// File holding the producer key (mode 0600), instead of `--producer-key`.
    #[arg(long, env = "TOPICGATE_PRODUCER_KEY_FILE")]
    pub producer_key_file: Option<PathBuf>,

    /// Seconds between two looks at the admin API for approved and active topics.
    #[arg(long, env = "TOPICGATE_POLL_INTERVAL", default_value = "5", value_parser = parse_interval)]
    pub poll_interval: Duration,

    /// Only poll: do not hold a change-feed request open on the admin API
    /// (for a proxy in between that cuts held requests).
    #[arg(long, env = "TOPICGATE_NO_CHANGE_FEED")]
    pub no_change_feed: bool,

    /// Records per second per topic; 0 means as fast as Kafka takes them.
    /// Without it each topic gets one record every 0.5 to 1.5 seconds.
    #[arg(long, env = "TOPICGATE_PRODUCER_RATE", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// How often to log the summary line (records, rate and errors per
    /// topic): `30s`, `5m`, or seconds.
    #[arg(long, env = "TOPICGATE_SUMMARY_INTERVAL", default_value = "30s", value_parser = super::http_edge::parse_duration)]
    pub summary_interval: Duration,

    #[command(flatten)]
    pub topic_names: TopicNameArgs,

    /// Serve Prometheus metrics at http://ADDRESS/metrics (`127.0.0.1:9101`;
    /// port 0 picks one). Off by default.
    #[arg(long, env = "TOPICGATE_METRICS_BIND", value_name = "ADDRESS")]
    pub metrics_bind: Option<String>,

    /// This daemon's name among several (printable, at most 100
    /// characters); every record it sends carries it in a
    /// `topicgate-producer` header. Default: host name and process id.
    #[arg(long, env = "TOPICGATE_INSTANCE_ID", value_parser = parse_instance_id)]
    pub instance_id: Option<String>,

    /// Kafka consumer group through which producer daemons share the
    /// topics; daemons of one installation must use the same.
    #[arg(long, env = "TOPICGATE_PRODUCER_GROUP", default_value = DEFAULT_PRODUCER_GROUP,
          value_parser = parse_group)]
    pub producer_group: String,

    /// Topic whose partitions the group shares out (created when missing).
    #[arg(long, env = "TOPICGATE_CONTROL_TOPIC", default_value = DEFAULT_CONTROL_TOPIC,
          value_parser = parse_control_topic)]
    pub control_topic: String,
}

impl ProducerConfig {
    /// Checks that the producer key is configured (there is no built-in
    /// one) and that librdkafka accepts the Kafka settings.
    pub fn into_settings(self) -> Result<ProducerSettings, String> {
        let producer_key =
            PRODUCER_KEY.resolve(self.producer_key, self.producer_key_file.as_deref())?;
        let kafka = self.kafka.settings()?;
        crate::kafka_config::check(&kafka)?;
        let mut settings = ProducerSettings::new(self.admin_url, "", producer_key);
        settings.kafka = kafka;
        settings.poll_interval = self.poll_interval;
        settings.change_feed = !self.no_change_feed;
        settings.summary_interval = self.summary_interval;
        settings.topic_names = self.topic_names.policy();
        settings.metrics_bind = self.metrics_bind;
        if let Some(id) = self.instance_id {
            settings.instance_id = id;
        }
        settings.producer_group = self.producer_group;
        settings.control_topic = self.control_topic;
        settings.pace = match self.rate {
            None => Pace::Relaxed,
            Some(0.0) => Pace::Unthrottled,
            Some(rate) => Pace::Rate(rate),
        };
        Ok(settings)
    }
}

fn parse_interval(raw: &str) -> Result<Duration, String> {
    let seconds: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a number of seconds"))?;
    if !(0.1..=3600.0).contains(&seconds) {
        return Err("the poll interval must be between 0.1 and 3600 seconds".into());
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_rate(raw: &str) -> Result<f64, String> {
    let rate: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a number of records per second"))?;
    if !rate.is_finite() || rate < 0.0 {
        return Err("the rate must be 0 (unthrottled) or a positive number".into());
    }
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123";

    fn parse(args: &[&str]) -> Result<ProducerSettings, String> {
        let mut argv = vec!["topicgate-producer"];
        argv.extend_from_slice(args);
        ProducerConfig::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .into_settings()
    }

    #[test]
    fn neither_the_flags_nor_the_settings_print_the_key() {
        let args = ["topicgate-producer", "--producer-key", KEY];
        let config = ProducerConfig::try_parse_from(args).unwrap();
        let settings = parse(&args[1..]).unwrap();
        let shown = format!("{config:?} {config:#?} {settings:?} {settings:#?}");
        assert!(!shown.contains(KEY), "{shown}");
    }

    #[test]
    fn defaults_match_the_original_daemon() {
        let settings = parse(&["--producer-key", KEY]).unwrap();
        assert_eq!(settings.poll_interval, Duration::from_secs(5));
        assert_eq!(settings.pace, Pace::Relaxed);
        assert_eq!(settings.producer_key.expose(), KEY);
    }

    #[test]
    fn rate_zero_means_unthrottled() {
        let settings = parse(&["--producer-key", KEY, "--rate", "0"]).unwrap();
        assert_eq!(settings.pace, Pace::Unthrottled);
        let settings = parse(&["--producer-key", KEY, "--rate", "250"]).unwrap();
        assert_eq!(settings.pace, Pace::Rate(250.0));
        assert!(parse(&["--producer-key", KEY, "--rate", "-1"]).is_err());
    }

    #[test]
    fn fractional_poll_intervals_are_accepted() {
        let settings = parse(&["--producer-key", KEY, "--poll-interval", "0.5"]).unwrap();
        assert_eq!(settings.poll_interval, Duration::from_millis(500));
        assert!(parse(&["--producer-key", KEY, "--poll-interval", "0"]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn reads_the_key_from_a_private_file_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, format!("{KEY}\n")).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let path = file.to_str().unwrap();
        let settings = parse(&["--producer-key-file", path]).unwrap();
        assert_eq!(settings.producer_key.expose(), KEY);
        let both = parse(&["--producer-key", KEY, "--producer-key-file", path]).unwrap_err();
        assert!(both.contains("not both"), "{both}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let exposed = parse(&["--producer-key-file", path]).unwrap_err();
        assert!(exposed.contains("chmod 600"), "{exposed}");
    }

    #[test]
    fn deny_patterns_default_and_can_be_replaced() {
        let settings = parse(&["--producer-key", KEY]).unwrap();
        assert_eq!(settings.topic_names, TopicNamePolicy::default());
        let settings = parse(&[
            "--producer-key",
            KEY,
            "--deny-topic-pattern",
            "ops*",
            "--deny-topic-pattern",
            "audit,legacy*",
        ])
        .unwrap();
        let patterns: Vec<String> = settings
            .topic_names
            .deny_patterns()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(patterns, ["ops*", "audit", "legacy*"]);
        let err = parse(&["--producer-key", KEY, "--deny-topic-pattern", "a*b"]).unwrap_err();
        assert!(err.contains("only a trailing '*' is a wildcard"), "{err}");
    }

    #[test]
    fn instance_ids_are_bounded_and_printable() {
        let settings = parse(&["--producer-key", KEY, "--instance-id", "east-1"]).unwrap();
        assert_eq!(settings.instance_id, "east-1");
        let default = parse(&["--producer-key", KEY]).unwrap().instance_id;
        assert!(
            default.ends_with(&format!("-{}", std::process::id())),
            "{default}"
        );
        let long = "a".repeat(MAX_INSTANCE_ID_LEN + 1);
        for bad in ["", "  ", "two words", "bell\u{7}", long.as_str()] {
            let err = parse(&["--producer-key", KEY, "--instance-id", bad]).unwrap_err();
            assert!(err.contains("--instance-id"), "{bad:?}: {err}");
        }
        let most = "a".repeat(MAX_INSTANCE_ID_LEN);
        assert!(parse(&["--producer-key", KEY, "--instance-id", &most]).is_ok());
    }

    #[test]
    fn the_group_and_control_topic_default_and_are_checked() {
        let settings = parse(&["--producer-key", KEY]).unwrap();
        assert_eq!(settings.producer_group, DEFAULT_PRODUCER_GROUP);
        assert_eq!(settings.control_topic, DEFAULT_CONTROL_TOPIC);
        assert!(
            TopicNamePolicy::default()
                .parse_request(DEFAULT_CONTROL_TOPIC)
                .is_err(),
            "users could request the control topic"
        );
        assert!(parse(&["--producer-key", KEY, "--control-topic", "a/b"]).is_err());
        assert!(parse(&["--producer-key", KEY, "--producer-group", ""]).is_err());
    }

    #[test]
    fn a_missing_key_says_how_to_set_it() {
        // Only meaningful when the variable is not set in the environment.
        if std::env::var_os("TOPICGATE_PRODUCER_KEY").is_some() {
            return;
        }
        let err = parse(&[]).unwrap_err();
        assert!(err.contains("TOPICGATE_PRODUCER_KEY"), "{err}");
        assert!(err.contains("--producer-key"), "{err}");
    }
}
