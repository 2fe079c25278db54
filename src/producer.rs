//! The producer daemon: its actor graph, wired and started.
//!
//! ```text
//! TopicWatcher --Observed--> Reconciler (Kafka to the registry, and back)
//!                                 |
//!                                 +--SetActive--> GeneratorPool --> Generator per owned active topic
//!                                                   ^  | PublishBatch
//!   OwnershipGroup --Assigned/Revoked---------------+  v
//!   (the producers' consumer group)                 Publisher --> Kafka
//! ```
//!
//! Several daemons share the topics: each generates only those whose
//! control partition the group assigned it (see `ownership_group`).
//!
//! Every actor runs under an actix `Supervisor`. [`run`] is what the binary
//! does: start, wait for SIGINT/SIGTERM, stop generating, flush. Tests and
//! benchmarks use [`ProducerHandle`] to run a daemon on its own thread.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use actix::prelude::*;
use anyhow::{Context as _, anyhow};

use crate::actors::producer::generator_pool::{GeneratorPool, InjectFaultInto, StopAll};
use crate::actors::producer::kafka_topics::create_admin_client;
use crate::actors::producer::metrics as producer_metrics;
pub use crate::actors::producer::ownership::{CONTROL_PARTITIONS, control_partition};
use crate::actors::producer::ownership_group::{GroupSettings, OwnershipGroup};
pub use crate::actors::producer::publisher::PRODUCER_HEADER;
use crate::actors::producer::publisher::{Flush, FlushReport, Publisher, PublisherSettings};
use crate::actors::producer::reconciler::Reconciler;
use crate::actors::producer::schema_gate::SchemaSource;
use crate::actors::producer::stats::ProducerStats;
use crate::actors::producer::topic_watcher::{StopWatching, TopicWatcher};
use crate::config::{Pace, ProducerSettings};
use crate::kafka_config::describe as describe_kafka;
use crate::shutdown;
use crate::telemetry::metrics_server::MetricsServer;

/// The daemon's actors, running on the current actix system.
pub struct Running {
    watcher: Addr<TopicWatcher>,
    generators: Addr<GeneratorPool>,
    publisher: Addr<Publisher>,
    stats: ProducerStats,
    flush_timeout: Duration,
    metrics: Option<MetricsServer>,
    group: OwnershipGroup,
}

impl Running {
    /// Starts the actor graph. Neither the admin API nor Kafka has to be
    /// up: both are retried until they answer.
    pub fn start(settings: &ProducerSettings) -> anyhow::Result<Self> {
        let stats = ProducerStats::default();
        let publisher = Publisher::start(
            PublisherSettings {
                kafka: settings.kafka.clone(),
                per_record: settings.pace.is_gentle(),
                buffer_capacity: settings.buffer_capacity.max(1),
                summary_interval: settings.summary_interval,
                statistics: settings.metrics_bind.is_some(),
                instance_id: settings.instance_id.clone(),
            },
            stats.clone(),
        )
        .map_err(|e| anyhow!("cannot create the Kafka producer: {e}"))?;
        let kafka = Arc::new(
            create_admin_client(&settings.kafka)
                .map_err(|e| anyhow!("cannot create the Kafka admin client: {e}"))?,
        );
        let (generators, owned_topics) = GeneratorPool::start(
            publisher.clone().recipient(),
            stats.clone(),
            settings.pace,
            SchemaSource::new(&settings.admin_url),
        );
        let group = OwnershipGroup::start(
            GroupSettings {
                kafka: settings.kafka.clone(),
                group: settings.producer_group.clone(),
                control_topic: settings.control_topic.clone(),
                instance_id: settings.instance_id.clone(),
            },
            Arc::clone(&kafka),
            generators.clone(),
        )
        .context("cannot start the producer group's thread")?;
        let admin_url = settings.admin_url.clone();
        let key = settings.producer_key.clone();
        let pool = generators.clone().recipient();
        let instance_id = settings.instance_id.clone();
        let reconciler = Supervisor::start(move |_| {
            Reconciler::new(kafka, &admin_url, key, pool).reporting_as(instance_id, owned_topics)
        })
        .recipient();
        let (admin_url, interval) = (settings.admin_url.clone(), settings.poll_interval);
        let names = settings.topic_names.clone();
        let feed = settings.change_feed;
        let daemon = Arc::clone(stats.daemon());
        let watcher = Supervisor::start(move |_| {
            TopicWatcher::new(&admin_url, interval, feed, reconciler, names, daemon)
        });
        let metrics = match &settings.metrics_bind {
            Some(bind) => Some(MetricsServer::start(
                bind,
                Arc::new(producer_metrics::registry(stats.clone())),
            )?),
            None => None,
        };
        log::info!(
            "producer started: instance {}, admin API {}, Kafka {}, polling every {:.1}s{}, {}",
            settings.instance_id,
            settings.admin_url,
            describe_kafka(&settings.kafka),
            settings.poll_interval.as_secs_f64(),
            if feed {
                " and following its changes"
            } else {
                ""
            },
            describe(settings.pace)
        );
        Ok(Self {
            watcher,
            generators,
            publisher,
            stats,
            flush_timeout: settings.flush_timeout,
            metrics,
            group,
        })
    }

    /// The per-topic counters of this run.
    pub fn stats(&self) -> &ProducerStats {
        &self.stats
    }

    /// The generator pool, to reach generators from tests.
    pub fn generators(&self) -> Addr<GeneratorPool> {
        self.generators.clone()
    }

    /// Stops polling and generating, then delivers what is buffered and in
    /// flight, waiting at most the configured flush timeout.
    pub async fn shutdown(self) -> FlushReport {
        let Running {
            watcher,
            generators,
            publisher,
            flush_timeout,
            metrics,
            group,
            ..
        } = self;
        // Dropping the last address before the watcher handles the message
        // keeps its supervisor from restarting it.
        watcher.do_send(StopWatching);
        drop(watcher);
        if generators.send(StopAll).await.is_err() {
            log::warn!("the generator pool was already gone at shutdown");
        }
        // Leave the group after the generators stopped, so the others
        // take the topics over at once and never alongside this daemon.
        // Its thread joins within one poll; off the actor thread, so the
        // pool can still answer the revocation.
        if actix_rt::task::spawn_blocking(move || group.stop())
            .await
            .is_err()
        {
            log::warn!("leaving the producer group failed");
        }
        log::info!("generators stopped; flushing records in flight");
        let report = match publisher
            .send(Flush {
                timeout: flush_timeout,
            })
            .await
        {
            Ok(report) => report,
            Err(error) => {
                log::error!("the publisher was gone at shutdown: {error}");
                FlushReport { undelivered: 0 }
            }
        };
        // Last, so a final scrape sees the flushed counts.
        if let Some(metrics) = metrics {
            metrics.stop().await;
        }
        report
    }
}

fn describe(pace: Pace) -> String {
    match pace {
        Pace::Relaxed => "one record every 0.5-1.5s per topic".into(),
        Pace::Rate(rate) => format!("{rate} records/s per topic"),
        Pace::Unthrottled => "unthrottled".into(),
    }
}

/// Runs the daemon on the current actix system until SIGINT or SIGTERM.
pub async fn run(settings: ProducerSettings) -> anyhow::Result<()> {
    let stop = shutdown::signal();
    let running = Running::start(&settings)?;
    stop.await;
    let report = running.shutdown().await;
    if report.undelivered == 0 {
        log::info!("producer stopped");
    } else {
        log::warn!(
            "producer stopped with {} records undelivered",
            report.undelivered
        );
    }
    Ok(())
}

/// A daemon running in-process on its own thread with its own actix
/// system, for tests and benchmarks. Dropping it stops the daemon too.
pub struct ProducerHandle {
    stats: ProducerStats,
    generators: Addr<GeneratorPool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: mpsc::Receiver<FlushReport>,
    thread: Option<JoinHandle<()>>,
    stop_bound: Duration,
}

impl ProducerHandle {
    /// Starts a daemon and returns once its actors are running.
    pub fn start(settings: ProducerSettings) -> anyhow::Result<Self> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done) = mpsc::channel();
        let stop_bound = settings.flush_timeout + Duration::from_secs(15);
        let thread = std::thread::Builder::new()
            .name("topicgate-producer".into())
            .spawn(move || {
                actix_rt::System::new().block_on(async move {
                    let running = match Running::start(&settings) {
                        Ok(running) => running,
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok((running.stats().clone(), running.generators())));
                    // A dropped handle stops the daemon as well.
                    let _ = stop_rx.await;
                    let _ = done_tx.send(running.shutdown().await);
                });
            })
            .context("cannot start the producer thread")?;
        let (stats, generators) = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .context("the producer did not start")??;
        Ok(Self {
            stats,
            generators,
            stop: Some(stop),
            done,
            thread: Some(thread),
            stop_bound,
        })
    }

    /// The daemon's per-topic counters; they stay readable after `stop`.
    pub fn stats(&self) -> &ProducerStats {
        &self.stats
    }

    /// Makes the generator of `topic` fail, to watch it being restarted.
    /// Answers whether the topic had a generator. For tests only.
    pub async fn inject_fault(&self, topic: &str) -> bool {
        self.generators
            .send(InjectFaultInto {
                topic: topic.to_owned(),
            })
            .await
            .unwrap_or(false)
    }

    /// Stops generating, flushes (bounded) and waits for the daemon's
    /// thread; returns what could not be delivered.
    pub fn stop(mut self) -> anyhow::Result<FlushReport> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> anyhow::Result<FlushReport> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let report = self
            .done
            .recv_timeout(self.stop_bound)
            .context("the producer did not stop in time")?;
        if let Some(thread) = self.thread.take() {
            thread
                .join()
                .map_err(|_| anyhow::anyhow!("the producer thread panicked"))?;
        }
        Ok(report)
    }
}

impl Drop for ProducerHandle {
    fn drop(&mut self) {
        if self.thread.is_some()
            && let Err(error) = self.shut_down()
        {
            log::warn!("stopping the producer: {error:#}");
        }
    }
}

/// The pipeline's parts, public only so that `benches/producer_pipeline.rs`
/// can drive them without an admin service; not an API to build on.
#[doc(hidden)]
pub mod pipeline {
    pub use crate::actors::producer::generator::{Generator, Retire};
    pub use crate::actors::producer::kafka_topics::create_admin_client;
    pub use crate::actors::producer::payloads::PayloadMaker;
    pub use crate::actors::producer::publisher::{
        Flush, Publisher, PublisherSettings, create_producer,
    };
    pub use crate::actors::producer::schema_gate::{SchemaSource, TopicSchema};
    pub use crate::actors::producer::stats::ProducerStats;
}
