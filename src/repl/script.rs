//! The one-shot commands for scripts: `topics`, `subs`, `subscribe`,
//! `unsubscribe`, `history` and `tail`. Results go to stdout, messages
//! about them to stderr; the exit code says how it went.

use std::cell::RefCell;
use std::convert::Infallible;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;

use futures_util::future::Either;
use tokio::sync::oneshot;

use super::output::{JsonLines, Readable, write_envelope_line};
use super::render::{self, Style};
use super::sanitize::json::write_value;
use super::sanitize::visible;
use crate::actors::consumer::dead_letters::DeadLetterWriter;
use crate::actors::consumer::engine::{Engine, EngineHandle, EngineSettings, Output, RunEnd};
use crate::actors::consumer::follow::{self, PausedTopics};
use crate::actors::consumer::metrics::ConsumerMetrics;
use crate::actors::consumer::pump::{PumpError, Sink};
use crate::actors::consumer::schemas::SchemaBook;
use crate::actors::consumer::stats::Stats;
use crate::actors::consumer::subscriptions::{self, Subscribed, SubscriptionError};
use crate::actors::consumer::validation::{Validation, Validator};
use crate::client::AdminClient;
use crate::config::{ConsumerCommand, ConsumerSettings, TailArgs};
use crate::domain::TopicName;
use crate::store;
use crate::telemetry::metrics_server::MetricsServer;

/// Exit code of a command that could not do its job.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of a command given wrong arguments.
pub const EXIT_USAGE: u8 = 2;

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
    let admin = settings.admin();
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
    let location = settings.store.clone();
    let wanted = topic.to_owned();
    let messages = tokio::task::spawn_blocking(move || {
        let pool = store::open_at(&location)?;
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

    // Before Kafka: a store that cannot be opened (a PostgreSQL server
    // down) is the first thing reported.
    let store = if args.no_store {
        None
    } else {
        let pool = store::open_at(&settings.store).map_err(Failure::failed)?;
        Some(pool.get().map_err(Failure::failed)?)
    };
    let metrics = args
        .metrics_bind
        .as_ref()
        .map(|_| ConsumerMetrics::new(&settings.group));
    let metrics_server = match (&args.metrics_bind, &metrics) {
        (Some(bind), Some(metrics)) => {
            Some(MetricsServer::start(bind, metrics.registry()).map_err(Failure::failed)?)
        }
        _ => None,
    };
    let engine_settings = EngineSettings {
        kafka: &settings.kafka,
        group: &settings.group,
        user: &settings.user,
        metrics: metrics.as_ref(),
    };
    let engine =
        Engine::open(&engine_settings, &topics, Arc::default()).map_err(Failure::failed)?;
    check_topics_exist(
        &engine.handle(),
        &topics,
        &settings.kafka.bootstrap_servers,
        settings.kafka.security.sasl_username.is_some(),
    )
    .await?;
    let paused = PausedTopics::default();
    let schemas = settings.validate.then(|| SchemaBook::new(admin.clone()));
    let validation = schemas.clone().map(|book| Validation {
        validator: Validator::new(book),
        dead_letters: DeadLetterWriter::new(settings.kafka.clone(), &settings.group),
    });
    let checks = follow::Checks {
        admin: admin.clone(),
        user: settings.user.clone(),
        schemas,
        every: settings.subscription_check_interval,
    };
    let following = follow::keep_following(
        checks,
        topics.iter().cloned().collect(),
        paused.clone(),
        engine.handle().downgrade(),
        // On stderr, so stdout stays the messages alone.
        |notice| eprintln!("topicgate-consumer: {}", visible(notice)),
    );
    let running = Running {
        engine,
        paused,
        following,
        metrics,
        validation,
    };

    let out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock());
    // What was printed (and stored) is committed when the engine stops.
    let ended = if args.json {
        let sink = JsonLines::new(out).with_meta(args.meta);
        run_until_signalled(running, sink, store, &args).await
    } else {
        run_until_signalled(running, Readable::new(out, style), store, &args).await
    };
    if let Some(server) = metrics_server {
        server.stop().await;
    }
    match ended {
        Ok(end) => {
            log::debug!("tail ended: {end:?}");
            Ok(())
        }
        // The reader went away (`| head`): what it read is committed.
        Err(PumpError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::failed(e)),
    }
}

/// An engine ready to run, with what keeps its topics following the
/// user's subscriptions.
struct Running<F> {
    engine: Engine,
    paused: PausedTopics,
    following: F,
    /// Where the counts go as well (`--metrics-bind`).
    metrics: Option<ConsumerMetrics>,
    /// `None` with `--no-validate`.
    validation: Option<Validation>,
}

/// Runs the engine into `sink`, following the subscriptions beside it,
/// until its count or idle timeout is reached or the process is asked to
/// stop (Ctrl-C, SIGTERM).
async fn run_until_signalled<S: Sink, F>(
    running: Running<F>,
    sink: S,
    store: Option<store::StoreConn>,
    args: &TailArgs,
) -> RunEnd
where
    F: Future<Output = Infallible>,
{
    let Running {
        engine,
        paused,
        following,
        metrics,
        validation,
    } = running;
    let stats = match metrics {
        Some(metrics) => Stats::with_metrics(metrics),
        None => Stats::default(),
    };
    let output = Output {
        sink,
        store,
        stats: Rc::new(RefCell::new(stats)),
        limit: args.count,
        idle_timeout: args.idle_timeout,
        paused,
        validation,
    };
    let (stop, stopped) = oneshot::channel();
    let signalled = crate::shutdown::signal();
    let signals = actix_rt::spawn(async move {
        signalled.await;
        let _ = stop.send(());
    });
    let run = std::pin::pin!(engine.run(output, stopped));
    let following = std::pin::pin!(following);
    let end = match futures_util::future::select(run, following).await {
        Either::Left((end, _)) => end,
        Either::Right((never, _)) => match never {},
    };
    signals.abort();
    end
}

/// Fails with a clear message when a topic does not exist in Kafka, rather
/// than waiting for it forever. A secured Kafka hides the topics a login
/// may not describe, so there "missing" may mean "not subscribed".
async fn check_topics_exist(
    engine: &EngineHandle,
    topics: &[String],
    bootstrap: &str,
    logged_in: bool,
) -> Result<(), Failure> {
    let missing = engine
        .missing_topics(topics)
        .await
        .map_err(|e| Failure::failed(format!("Kafka at {bootstrap} did not answer: {e}")))?;
    if missing.is_empty() {
        Ok(())
    } else {
        let hint = if logged_in {
            " (or this user may not read it: Kafka hides topics without a subscription; \
             subscribe first)"
        } else {
            ""
        };
        Err(Failure::failed(format!(
            "no such topic in Kafka{hint}: {}",
            missing.join(", ")
        )))
    }
}
