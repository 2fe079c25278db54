//! The one-shot commands for scripts: `topics`, `subs`, `subscribe`,
//! `unsubscribe`, `history` and `tail`. Results go to stdout, messages
//! about them to stderr; the exit code says how it went.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use tokio::sync::oneshot;

use super::output::{JsonLines, Readable, write_envelope_line};
use super::render::{self, Style};
use super::sanitize::json::write_value;
use super::sanitize::visible;
use crate::actors::consumer::kafka::{self, ConsumerOptions, KafkaHealth, SessionConsumer};
use crate::actors::consumer::pump::{Pump, PumpError, Sink};
use crate::actors::consumer::subscriptions::{self, Subscribed, SubscriptionError};
use crate::client::AdminClient;
use crate::config::{ConsumerCommand, ConsumerSettings, TailArgs};
use crate::domain::TopicName;
use crate::store;

/// Exit code of a command that could not do its job.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of a command given wrong arguments.
pub const EXIT_USAGE: u8 = 2;

/// How long `tail` waits for the cluster to describe the topics.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);
/// Output buffer of `tail`: large enough that writes are rare syscalls.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Why a command failed, with the exit code to report it by.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn failed(message: impl std::fmt::Display) -> Self {
        Self::new(EXIT_FAILURE, message.to_string())
    }
}

impl From<SubscriptionError> for Failure {
    fn from(e: SubscriptionError) -> Self {
        let code = match e {
            SubscriptionError::BadName { .. } => EXIT_USAGE,
            _ => EXIT_FAILURE,
        };
        Failure::new(code, e.to_string())
    }
}

/// Runs one command to completion on its own actix system.
pub fn run(settings: ConsumerSettings, command: ConsumerCommand) -> ExitCode {
    let system = actix_rt::System::new();
    match system.block_on(execute(settings, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // Messages can quote the admin API or Kafka: shown made visible.
            eprintln!("topicgate-consumer: {}", visible(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

async fn execute(settings: ConsumerSettings, command: ConsumerCommand) -> Result<(), Failure> {
    let admin = AdminClient::new(settings.admin_url.clone());
    let style = Style::for_stdout(settings.color);
    match command {
        ConsumerCommand::Topics { json } => {
            let topics = admin.active_topics().await.map_err(Failure::failed)?;
            if json {
                print_json_lines(&topics)
            } else {
                print(&render::topics(style, &topics))
            }
        }
        ConsumerCommand::Subs { json } => {
            let subs = admin
                .subscriptions(&settings.user)
                .await
                .map_err(Failure::failed)?;
            if json {
                print_json_lines(&subs)
            } else {
                print(&render::subscriptions(style, &settings.user, &subs))
            }
        }
        ConsumerCommand::Subscribe { topic } => {
            match subscriptions::subscribe(&admin, &settings.user, &topic).await? {
                Subscribed::New => print(&format!("Subscribed {} to '{topic}'.\n", settings.user)),
                Subscribed::Already => print(&format!(
                    "{} is already subscribed to '{topic}'.\n",
                    settings.user
                )),
            }
        }
        ConsumerCommand::Unsubscribe { topic } => {
            subscriptions::unsubscribe(&admin, &settings.user, &topic).await?;
            print(&format!("Unsubscribed {} from '{topic}'.\n", settings.user))
        }
        ConsumerCommand::History { topic, count, json } => {
            history(&settings, &topic, count, json, style).await
        }
        ConsumerCommand::Tail(args) => tail(&settings, &admin, args, style).await,
    }
}

fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::failed(format!("writing output failed: {e}")))
}

fn print_json_lines<T: serde::Serialize>(items: &[T]) -> Result<(), Failure> {
    let mut out = BufWriter::new(io::stdout().lock());
    for item in items {
        write_value(&mut out, item).map_err(Failure::failed)?;
        out.write_all(b"\n").map_err(Failure::failed)?;
    }
    out.flush().map_err(Failure::failed)
}

async fn history(
    settings: &ConsumerSettings,
    topic: &str,
    count: i64,
    json: bool,
    style: Style,
) -> Result<(), Failure> {
    if count < 1 {
        return Err(Failure::new(EXIT_USAGE, "the count must be at least 1"));
    }
    let path = settings.store.clone();
    let wanted = topic.to_owned();
    let messages = tokio::task::spawn_blocking(move || {
        let pool = store::open(&path)?;
        let mut conn = pool.get()?;
        store::messages::history(&mut conn, &wanted, count)
    })
    .await
    .map_err(Failure::failed)?
    .map_err(Failure::failed)?;
    if !json {
        return print(&render::history(style, topic, &messages));
    }
    let mut out = BufWriter::new(io::stdout().lock());
    for m in &messages {
        write_envelope_line(&mut out, &m.topic, &m.data_type, &m.payload, &m.sent_at)
            .map_err(Failure::failed)?;
    }
    out.flush().map_err(Failure::failed)
}

async fn tail(
    settings: &ConsumerSettings,
    admin: &AdminClient,
    args: TailArgs,
    style: Style,
) -> Result<(), Failure> {
    let topics = if args.topics.is_empty() {
        let subscribed = subscriptions::subscribed_topics(admin, &settings.user)
            .await
            .map_err(|e| Failure::failed(format!("{e}; name the topics to tail instead")))?;
        if subscribed.is_empty() {
            return Err(Failure::failed(format!(
                "{} has no subscriptions; name the topics to tail or subscribe first",
                settings.user
            )));
        }
        subscribed
    } else {
        args.topics.clone()
    };
    for topic in &topics {
        TopicName::parse(topic).map_err(|e| {
            Failure::new(
                EXIT_USAGE,
                format!("'{topic}' is not a valid topic name: {e}"),
            )
        })?;
    }

    let health = Arc::new(KafkaHealth::default());
    let client_id = format!("topicgate-consumer-{}", settings.user);
    let options = ConsumerOptions {
        kafka: &settings.kafka,
        group: &settings.group,
        client_id: &client_id,
    };
    let consumer =
        Arc::new(kafka::create_consumer(&options, Arc::clone(&health)).map_err(Failure::failed)?);
    check_topics_exist(&consumer, &topics, &settings.kafka.bootstrap_servers).await?;
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&names).map_err(Failure::failed)?;

    let store = if args.no_store {
        None
    } else {
        let pool = store::open(&settings.store).map_err(Failure::failed)?;
        Some(pool.get().map_err(Failure::failed)?)
    };
    let out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock());
    let ended = if args.json {
        pump(&consumer, store, JsonLines::new(out), health, &args).await
    } else {
        pump(&consumer, store, Readable::new(out, style), health, &args).await
    };
    // What was printed (and stored) is committed; a failure is logged.
    kafka::commit_and_close(consumer).await;
    match ended {
        Ok(()) => Ok(()),
        // The reader went away (`| head`): what it read is committed.
        Err(PumpError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::failed(e)),
    }
}

async fn pump<S: Sink>(
    consumer: &Arc<SessionConsumer>,
    store: Option<store::StoreConn>,
    sink: S,
    health: Arc<KafkaHealth>,
    args: &TailArgs,
) -> Result<(), PumpError> {
    let pump = Pump {
        consumer: Arc::clone(consumer),
        store,
        sink,
        stats: Default::default(),
        health,
        limit: args.count,
        idle_timeout: args.idle_timeout,
    };
    let (stop, stopped) = oneshot::channel();
    let signalled = crate::shutdown::signal();
    let signals = actix_rt::spawn(async move {
        signalled.await;
        let _ = stop.send(());
    });
    let end = pump.run(stopped).await;
    signals.abort();
    end.map(|end| log::debug!("tail ended: {end:?}"))
}

/// Fails with a clear message when a topic does not exist in Kafka, rather
/// than waiting for it forever.
async fn check_topics_exist(
    consumer: &Arc<SessionConsumer>,
    topics: &[String],
    bootstrap: &str,
) -> Result<(), Failure> {
    let consumer = Arc::clone(consumer);
    let wanted = topics.to_vec();
    let missing = tokio::task::spawn_blocking(move || -> Result<Vec<String>, KafkaError> {
        let mut missing = Vec::new();
        for topic in wanted {
            let metadata = consumer.fetch_metadata(Some(&topic), METADATA_TIMEOUT)?;
            let known = metadata
                .topics()
                .iter()
                .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty());
            if !known {
                missing.push(topic);
            }
        }
        Ok(missing)
    })
    .await
    .map_err(Failure::failed)?
    .map_err(|e| Failure::failed(format!("Kafka at {bootstrap} did not answer: {e}")))?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "no such topic in Kafka: {}",
            missing.join(", ")
        )))
    }
}
