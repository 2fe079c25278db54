//! Brings Kafka to the registry's desired state and tells the registry what
//! Kafka actually has.
//!
//! Each time the watcher reports the approved and active topics, one round
//! reads Kafka's metadata once (every topic, off the actor's thread) and
//! decides per topic with [`topic_plan::plan`]:
//!
//! - approved and missing: claim it first (`creating`, recorded before
//!   Kafka is asked, so a daemon killed in between finds its own topic
//!   later), create it, record `created`, activate it. A refusal no retry
//!   can fix (replication factor, partitions, name, policy) is recorded as
//!   `failed` with Kafka's reason and not tried again while it stays
//!   failed; anything else (broker down, timeouts) is retried with backoff.
//! - approved and present after a claim: adopted (`created`, activated).
//! - approved and present without a claim: someone else's topic, recorded
//!   as `conflict`, never activated and never written to.
//! - active, recorded as created, with fewer partitions than the registry
//!   because an approved change raised its count: partitions are added in
//!   Kafka (see `grow`), then `created` is recorded with the new count.
//! - active and missing, or with fewer partitions than asked otherwise: `drifted`,
//!   and its generator stops until Kafka has it as expected again (the
//!   producer never auto-creates topics, see `kafka_config`).
//!
//! - deleted (by an admin) and topicgate's own in Kafka: deleted there,
//!   then recorded `deleted`; never created, or someone else's: only
//!   recorded `deleted`, Kafka untouched. Nor is one deleted while a live
//!   topic of the same name (requested again) holds the name in Kafka.
//!
//! Only the generators of active topics found as expected run: this actor,
//! not the watcher, hands the generator pool its set. While Kafka cannot be
//! read nothing changes. A record is sent when it says something the
//! registry does not have, and otherwise at most once a minute per topic
//! to refresh its `checked_at`. Each round also reports the cluster.

mod dead_letter;
mod grow;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::backoff::Backoff;
use super::dead_letter_plan::{self, DeadLetterPlan};
use super::generator_pool::OwnedTopics;
use super::generator_pool::{ActiveTopic, SetActive};
use super::kafka_retire;
use super::kafka_topics::{self, CreateError, KafkaAdminClient, Snapshot};
use super::schema_gate::TopicSchema;
use super::topic_plan::{self, Plan, Seen};
use crate::api::{ClusterReport, KafkaReport, TopicView};
use crate::client::{AdminClient as AdminApi, ClientError};
use crate::config::Secret;
use crate::domain::{KafkaState, TopicId, TopicStatus};
use crate::schema::dlq_topic_name;

/// First and longest wait before trying a failed step again.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// How often an unchanged record is sent again, to refresh `checked_at`.
const REFRESH: Duration = Duration::from_secs(60);

/// At most this many refresh-only records per round, so a registry of
/// thousands of topics gets them spread over rounds rather than at once.
/// News is never held back.
const REFRESHES_PER_ROUND: usize = 50;

/// The approved, active and deleted topics, as the watcher last read them,
/// and the schema the registry announces for each active one.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Observed {
    pub topics: Vec<TopicView>,
    pub schemas: HashMap<String, TopicSchema>,
}

/// Reconciles Kafka with the registry; see the module docs.
pub struct Reconciler {
    kafka: Arc<KafkaAdminClient>,
    api: AdminApi,
    producer_key: Secret,
    generators: Recipient<SetActive>,
    /// The registry's latest word.
    latest: Vec<TopicView>,
    /// The schema announced for each active topic, as of `latest`.
    schemas: HashMap<String, TopicSchema>,
    /// Whether each active topic may be published to, as last checked.
    publishable: HashMap<String, bool>,
    tracks: HashMap<TopicId, Track>,
    round_running: bool,
    /// Since when Kafka's metadata could not be read, if so.
    kafka_outage: Option<Instant>,
    /// Whether the cluster report was refused already (logged once).
    cluster_refused: bool,
    /// Refresh-only records left to send this round.
    refreshes_left: usize,
    /// This daemon's name in the cluster report.
    instance_id: Option<String>,
    /// The topics this daemon generates, reported with the cluster.
    owned_topics: Option<OwnedTopics>,
    /// Brokers and controller of the last snapshot, for reports between rounds.
    last_cluster: Option<(i32, Option<i32>)>,
}

/// What the reconciler remembers of one topic between rounds.
struct Track {
    /// A step (claim, create, record, activate) is on its way.
    busy: bool,
    not_before: Instant,
    backoff: Backoff,
    /// The last failure logged, so a lasting one is logged once.
    last_error: Option<String>,
    reported_at: Option<Instant>,
    /// Kafka refused to create it: recorded instead of asking again while
    /// the registry (perhaps not yet told) still says `creating`.
    refused: Option<KafkaReport>,
    /// The last record sent (or being sent), so news is logged once.
    last_sent: Option<KafkaReport>,
    /// This daemon activated it: a watcher answer from before that still
    /// shows it approved is not a topic to adopt or create.
    activated: bool,
    /// When this daemon last added partitions to it: metadata read before
    /// then shows the old count, which is no drift.
    grown_at: Option<Instant>,
    /// Why its dead-letter topic could not be created, while it cannot:
    /// reported as the error of a topic that is otherwise `created`.
    dead_letter_error: Option<String>,
    /// Tries of the dead-letter topic back off on their own, so the
    /// topic's records to the registry are not held back meanwhile.
    dead_letter_backoff: Backoff,
    dead_letter_not_before: Instant,
}

impl Track {
    /// Notes a failed try at the dead-letter topic: logged once per
    /// reason, tried again after its own backoff.
    fn dead_letter_failed(&mut self, topic: &str, reason: String) {
        let delay = self.dead_letter_backoff.next_delay();
        self.dead_letter_not_before = Instant::now() + delay;
        if self.dead_letter_error.as_deref() != Some(reason.as_str()) {
            log::warn!("topic {topic}: {reason}; will try again with backoff");
        }
        self.dead_letter_error = Some(reason);
    }

    fn new(now: Instant) -> Self {
        Self {
            busy: false,
            not_before: now,
            backoff: Backoff::new(RETRY_FIRST, RETRY_MAX),
            last_error: None,
            reported_at: None,
            refused: None,
            last_sent: None,
            activated: false,
            grown_at: None,
            dead_letter_error: None,
            dead_letter_backoff: Backoff::new(RETRY_FIRST, RETRY_MAX),
            dead_letter_not_before: now,
        }
    }
}

/// Why a step failed this time; each is retried with backoff.
#[derive(Debug)]
enum Failure {
    /// The claim could not be recorded, so Kafka was not asked.
    Claim(ClientError),
    Kafka(String),
    /// Kafka did not delete a retired topic yet.
    KafkaDelete(String),
    /// Kafka did not create the topic's dead-letter topic (the text says
    /// which and why); the topic itself is fine.
    DeadLetter(String),
    AlreadyExists,
    Api(ClientError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Claim(error) => {
                write!(f, "could not record the claim, not creating it: {error}")
            }
            Failure::Kafka(reason) => write!(f, "Kafka could not create it yet: {reason}"),
            Failure::KafkaDelete(reason) => write!(f, "Kafka could not delete it yet: {reason}"),
            Failure::DeadLetter(reason) => f.write_str(reason),
            Failure::AlreadyExists => write!(
                f,
                "Kafka says it appeared meanwhile; the next round decides whose it is"
            ),
            Failure::Api(error) => write!(f, "could not tell the admin API: {error}"),
        }
    }
}

/// How a step ended.
enum Outcome {
    Recorded,
    /// Created (or adopted) and activated; with why its dead-letter topic
    /// could not be created, if it could not.
    Activated {
        dead_letter_error: Option<String>,
    },
    /// The missing dead-letter topic of an active topic was created.
    DeadLetterCreated,
    /// The registry no longer wants it activated (deactivated, deleted...).
    Superseded(String),
    /// Kafka refused it for good; the report says why, and whether the
    /// registry could not take it.
    Refused {
        report: KafkaReport,
        unrecorded: Option<ClientError>,
    },
}

impl Reconciler {
    pub fn new(
        kafka: Arc<KafkaAdminClient>,
        admin_url: &str,
        producer_key: Secret,
        generators: Recipient<SetActive>,
    ) -> Self {
        Self {
            kafka,
            api: AdminApi::new(admin_url),
            producer_key,
            generators,
            latest: Vec::new(),
            schemas: HashMap::new(),
            publishable: HashMap::new(),
            tracks: HashMap::new(),
            round_running: false,
            kafka_outage: None,
            cluster_refused: false,
            refreshes_left: REFRESHES_PER_ROUND,
            instance_id: None,
            owned_topics: None,
            last_cluster: None,
        }
    }

    /// Names this daemon and what it generates in every cluster report,
    /// and reports again as soon as what it generates changes.
    pub fn reporting_as(mut self, instance_id: String, owned_topics: OwnedTopics) -> Self {
        self.instance_id = Some(instance_id);
        self.owned_topics = Some(owned_topics);
        self
    }

    /// Hands the generator pool the active topics that may be published
    /// to. One not checked yet by this daemon runs unless the registry says
    /// it drifted. One missing from the registry's active list (deactivated
    /// between the watcher's two questions) waits for the next answer, so
    /// it is never published without the schema announced for it.
    fn send_active(&self) {
        let active = self
            .latest
            .iter()
            .filter(|topic| topic.status == TopicStatus::Active)
            .filter(|topic| {
                self.publishable
                    .get(&topic.topic_name)
                    .copied()
                    .unwrap_or(topic.kafka.state != KafkaState::Drifted)
            })
            .filter_map(|topic| {
                Some(ActiveTopic {
                    name: topic.topic_name.clone(),
                    data_type: topic.data_type,
                    schema: *self.schemas.get(&topic.topic_name)?,
                })
            })
            .collect();
        self.generators.do_send(SetActive(active));
    }

    fn start_round(&mut self, ctx: &mut Context<Self>) {
        // The round in flight will use the newest topics when it answers.
        if self.round_running {
            return;
        }
        self.round_running = true;
        let kafka = Arc::clone(&self.kafka);
        let asked = Instant::now();
        let read = async move { kafka_topics::snapshot(&kafka).await };
        ctx.spawn(read.into_actor(self).map(move |result, act, ctx| {
            act.round_running = false;
            match result {
                Ok(snapshot) => act.reconcile(&snapshot, asked, ctx),
                Err(error) => {
                    if act.kafka_outage.is_none() {
                        act.kafka_outage = Some(Instant::now());
                        log::warn!("{error}; changing nothing until Kafka answers");
                    }
                }
            }
        }));
    }

    /// Acts on `snapshot`, Kafka's metadata as read from `asked` on.
    fn reconcile(&mut self, snapshot: &Snapshot, asked: Instant, ctx: &mut Context<Self>) {
        if let Some(since) = self.kafka_outage.take() {
            log::info!(
                "Kafka's metadata is readable again (after {:.0}s)",
                since.elapsed().as_secs_f64()
            );
        }
        self.last_cluster = Some((snapshot.brokers, snapshot.controller));
        self.report_cluster(snapshot.brokers, snapshot.controller, ctx);
        self.refreshes_left = REFRESHES_PER_ROUND;
        let latest = self.latest.clone();
        let held = kafka_retire::names_held_by_live_topics(&latest);
        for topic in latest.iter().cloned() {
            let plan = topic_plan::plan(&topic, snapshot.seen(&topic.topic_name));
            let dead_letter = snapshot.seen(&dlq_topic_name(&topic.topic_name));
            if matches!(dead_letter, Seen::Present(_)) {
                self.dead_letter_found(topic.topic_id);
            }
            match dead_letter_plan::plan(&topic, &plan, dead_letter) {
                DeadLetterPlan::Create { replication_factor }
                    if self.add_dead_letter(&topic, replication_factor, ctx) =>
                {
                    // Recorded at a later round, with the outcome.
                    if let Plan::Record { publish, .. } = plan {
                        self.publishable.insert(topic.topic_name.clone(), publish);
                    }
                    continue;
                }
                // Its name is not held by a topic requested again (checked
                // below for the topic itself): delete what is left.
                DeadLetterPlan::Delete if !held.contains(topic.topic_name.as_str()) => {
                    self.retire(topic, ctx);
                    continue;
                }
                _ => {}
            }
            match plan {
                Plan::Wait => {}
                // The name was requested again and the new topic has it in
                // Kafka now: that one is not the retired topic's to delete.
                Plan::Retire if held.contains(topic.topic_name.as_str()) => {
                    self.record(topic, kafka_retire::deleted(), ctx)
                }
                Plan::Retire => self.retire(topic, ctx),
                Plan::Create => self.create(topic, snapshot.brokers, ctx),
                Plan::Adopt(report) => self.adopt(topic, report, ctx),
                Plan::Grow { to, layout } => self.grow(topic, to, layout, ctx),
                Plan::Record { .. } if self.grown_since(topic.topic_id, asked) => {}
                Plan::Record { report, publish } => {
                    if topic.status == TopicStatus::Active {
                        self.publishable.insert(topic.topic_name.clone(), publish);
                    }
                    let report = self.with_dead_letter_error(topic.topic_id, report);
                    self.record(topic, report, ctx);
                }
            }
        }
        self.send_active();
    }

    /// Whether this daemon added partitions to the topic after `asked`:
    /// metadata read before then predates them.
    fn grown_since(&self, id: TopicId, asked: Instant) -> bool {
        self.tracks
            .get(&id)
            .and_then(|track| track.grown_at)
            .is_some_and(|at| at >= asked)
    }

    /// The topic's track if no step of it is running or waiting out a
    /// backoff; marks it busy.
    fn take_turn(&mut self, id: TopicId) -> Option<&mut Track> {
        let now = Instant::now();
        let track = self.tracks.entry(id).or_insert_with(|| Track::new(now));
        if track.busy || now < track.not_before {
            return None;
        }
        track.busy = true;
        Some(track)
    }

    fn create(&mut self, topic: TopicView, brokers: i32, ctx: &mut Context<Self>) {
        let track = self.tracks.get(&topic.topic_id);
        // Created and activated by this daemon a moment ago: this answer
        // (and the metadata) predate it.
        if track.is_some_and(|track| track.activated) {
            return;
        }
        if let Some(report) = track.and_then(|track| track.refused.clone()) {
            // Refused by Kafka, but the registry (or the watcher's answer)
            // does not show the record yet: send it again rather than ask
            // Kafka again.
            if topic.kafka.state == KafkaState::Creating {
                return self.record(topic, report, ctx);
            }
        }
        let Some(track) = self.take_turn(topic.topic_id) else {
            return;
        };
        track.refused = None;
        let (api, key, kafka) = (
            self.api.clone(),
            self.producer_key.clone(),
            Arc::clone(&self.kafka),
        );
        let id = topic.topic_id;
        let name = topic.topic_name.clone();
        let work = async move {
            let claim = KafkaReport {
                state: KafkaState::Creating,
                error: None,
                partitions: None,
                replication_factor: None,
            };
            api.report_kafka_state(topic.topic_id, &claim, key.expose())
                .await
                .map_err(Failure::Claim)?;
            let (partitions, replication) =
                (topic.partitions.max(1), topic.replication_factor.max(1));
            let layout = (partitions, replication);
            match kafka_topics::create(&kafka, &topic.topic_name, layout, &topic.configs).await {
                Ok(()) => {}
                Err(CreateError::Refused(reason)) => {
                    let report = KafkaReport {
                        state: KafkaState::Failed,
                        error: Some(refusal(&reason, partitions, replication, brokers)),
                        partitions: None,
                        replication_factor: None,
                    };
                    let recorded = api
                        .report_kafka_state(topic.topic_id, &report, key.expose())
                        .await
                        .err();
                    return Ok(Outcome::Refused {
                        report,
                        unrecorded: recorded,
                    });
                }
                Err(CreateError::Transient(reason)) => return Err(Failure::Kafka(reason)),
                Err(CreateError::AlreadyExists) => return Err(Failure::AlreadyExists),
            }
            // Before activation, so consumers of an active topic find it.
            let dead_letter_error = dead_letter::create(&kafka, &topic.topic_name, replication)
                .await
                .err();
            let created = KafkaReport {
                state: KafkaState::Created,
                error: dead_letter_error.clone(),
                partitions: Some(partitions),
                replication_factor: Some(replication),
            };
            api.report_kafka_state(topic.topic_id, &created, key.expose())
                .await
                .map_err(Failure::Api)?;
            activate(&api, &topic.topic_name, &key, dead_letter_error).await
        };
        ctx.spawn(
            work.into_actor(self)
                .map(move |result, act, _| act.finished(id, &name, result)),
        );
    }

    fn adopt(&mut self, topic: TopicView, report: KafkaReport, ctx: &mut Context<Self>) {
        if self
            .tracks
            .get(&topic.topic_id)
            .is_some_and(|track| track.activated)
        {
            return;
        }
        if self.take_turn(topic.topic_id).is_none() {
            return;
        }
        let (api, key, kafka) = (
            self.api.clone(),
            self.producer_key.clone(),
            Arc::clone(&self.kafka),
        );
        let (id, name) = (topic.topic_id, topic.topic_name.clone());
        let work = async move {
            // A daemon that died between creating the topic and its
            // dead-letter topic left the latter missing; one there is kept.
            let replication = report
                .replication_factor
                .unwrap_or(topic.replication_factor);
            let dead_letter_error = dead_letter::create(&kafka, &topic.topic_name, replication)
                .await
                .err();
            let report = KafkaReport {
                error: dead_letter_error.clone(),
                ..report
            };
            api.report_kafka_state(topic.topic_id, &report, key.expose())
                .await
                .map_err(Failure::Api)?;
            log::info!(
                "topic {} found in Kafka after its claim: adopted",
                topic.topic_name
            );
            activate(&api, &topic.topic_name, &key, dead_letter_error).await
        };
        ctx.spawn(
            work.into_actor(self)
                .map(move |result, act, _| act.finished(id, &name, result)),
        );
    }

    /// Deletes a retired topic of topicgate's own from Kafka, then records
    /// it `deleted`; retried with backoff while Kafka cannot.
    fn retire(&mut self, topic: TopicView, ctx: &mut Context<Self>) {
        if self.take_turn(topic.topic_id).is_none() {
            return;
        }
        let (api, key, kafka) = (
            self.api.clone(),
            self.producer_key.clone(),
            Arc::clone(&self.kafka),
        );
        let (id, name) = (topic.topic_id, topic.topic_name.clone());
        let work = async move {
            kafka_retire::delete(&kafka, &topic.topic_name)
                .await
                .map_err(Failure::KafkaDelete)?;
            log::info!(
                "topic {} and its dead-letter topic deleted from Kafka",
                topic.topic_name
            );
            api.report_kafka_state(topic.topic_id, &kafka_retire::deleted(), key.expose())
                .await
                .map_err(Failure::Api)?;
            Ok(Outcome::Recorded)
        };
        ctx.spawn(
            work.into_actor(self)
                .map(move |result, act, _| act.finished(id, &name, result)),
        );
    }

    /// Sends `report` if it is news to the registry or the last one is due
    /// for a refresh. News is logged once, however often a watcher answer
    /// from before it was recorded shows the old state.
    fn record(&mut self, topic: TopicView, report: KafkaReport, ctx: &mut Context<Self>) {
        let news = topic_plan::is_news(&topic, &report);
        let due = self
            .tracks
            .get(&topic.topic_id)
            .and_then(|track| track.reported_at)
            .is_none_or(|at| at.elapsed() >= REFRESH);
        if !news && (!due || self.refreshes_left == 0) {
            return;
        }
        let Some(track) = self.take_turn(topic.topic_id) else {
            return;
        };
        let first_time = track.last_sent.as_ref() != Some(&report);
        track.last_sent = Some(report.clone());
        if news && first_time {
            log_news(&topic.topic_name, &report);
        }
        if !news {
            self.refreshes_left -= 1;
        }
        let (api, key) = (self.api.clone(), self.producer_key.clone());
        let (id, name) = (topic.topic_id, topic.topic_name.clone());
        let work = async move {
            api.report_kafka_state(topic.topic_id, &report, key.expose())
                .await
                .map_err(Failure::Api)?;
            Ok(Outcome::Recorded)
        };
        ctx.spawn(
            work.into_actor(self)
                .map(move |result, act, _| act.finished(id, &name, result)),
        );
    }

    fn finished(&mut self, id: TopicId, name: &str, result: Result<Outcome, Failure>) {
        let Some(track) = self.tracks.get_mut(&id) else {
            return;
        };
        track.busy = false;
        match result {
            Ok(outcome) => {
                let earlier = track.backoff.failures();
                track.backoff.reset();
                track.last_error = None;
                track.not_before = Instant::now();
                track.reported_at = Some(Instant::now());
                if let Outcome::Activated { dead_letter_error } = &outcome {
                    track.activated = true;
                    if let Some(error) = dead_letter_error {
                        track.dead_letter_failed(name, error.clone());
                    }
                }
                match outcome {
                    Outcome::Recorded => {}
                    Outcome::DeadLetterCreated => {
                        track.dead_letter_error = None;
                        track.dead_letter_backoff.reset();
                        log::info!("topic {name}: its dead-letter topic was created in Kafka");
                    }
                    Outcome::Activated { .. } if earlier > 0 => log::info!(
                        "topic {name} created in Kafka and activated after {earlier} failed tries"
                    ),
                    Outcome::Activated { .. } => {
                        log::info!("topic {name} created in Kafka and activated")
                    }
                    Outcome::Superseded(why) => log::info!("topic {name} not activated: {why}"),
                    Outcome::Refused { report, unrecorded } => {
                        log_news(name, &report);
                        track.last_sent = Some(report.clone());
                        track.refused = Some(report);
                        if let Some(error) = unrecorded {
                            // Sent again (not created again) after a backoff.
                            track.not_before = Instant::now() + track.backoff.next_delay();
                            log::warn!("topic {name}: could not tell the admin API: {error}");
                        }
                    }
                }
            }
            Err(Failure::DeadLetter(reason)) => track.dead_letter_failed(name, reason),
            Err(failure) => {
                let delay = track.backoff.next_delay();
                track.not_before = Instant::now() + delay;
                let reason = failure.to_string();
                // Once per reason: a broker that stays down is not news.
                if track.last_error.as_deref() != Some(reason.as_str()) {
                    log::warn!("topic {name}: {reason}; will try again with backoff");
                    track.last_error = Some(reason);
                } else {
                    log::debug!("topic {name}: still failing, next try in {delay:?}");
                }
            }
        }
    }

    fn report_cluster(&mut self, brokers: i32, controller: Option<i32>, ctx: &mut Context<Self>) {
        let (api, key) = (self.api.clone(), self.producer_key.clone());
        let report = ClusterReport {
            brokers,
            controller,
            // Kafka's metadata does not carry it; brokers tell it only in
            // answers rust-rdkafka does not expose.
            kafka_version: None,
            instance_id: self.instance_id.clone(),
            owned_topics: self
                .owned_topics
                .as_ref()
                .map(|owned| owned.borrow().clone()),
        };
        let send = async move { api.report_cluster(&report, key.expose()).await };
        ctx.spawn(send.into_actor(self).map(|result, act, _| match result {
            Ok(_) => act.cluster_refused = false,
            Err(error) if !act.cluster_refused => {
                act.cluster_refused = true;
                log::warn!("the cluster report was not taken: {error}");
            }
            Err(error) => log::debug!("the cluster report was not taken: {error}"),
        }));
    }
}

/// Marks `topic` active; a registry that no longer wants it is no failure.
/// `dead_letter_error` says why its dead-letter topic is missing, if it is.
async fn activate(
    api: &AdminApi,
    topic: &str,
    key: &Secret,
    dead_letter_error: Option<String>,
) -> Result<Outcome, Failure> {
    match api.activate_by_name(topic, key.expose()).await {
        Ok(_) => Ok(Outcome::Activated { dead_letter_error }),
        // 404 and 409: the topic changed state meanwhile; the watcher will
        // report it again if it is still approved.
        Err(ClientError::Api {
            status: 404 | 409,
            message,
            ..
        }) => Ok(Outcome::Superseded(message)),
        Err(error) => Err(Failure::Api(error)),
    }
}

/// Kafka's reason for refusing a topic, with what was asked of which cluster.
fn refusal(reason: &str, partitions: i32, replication: i32, brokers: i32) -> String {
    format!(
        "Kafka refused to create it: {reason} (asked for {partitions} partition(s) with \
         replication factor {replication} on a cluster of {brokers} broker(s))"
    )
}

/// Logs a change of the topic's Kafka state: what needs a person (refused,
/// foreign, drifted) as an error or warning, the rest as news.
fn log_news(topic: &str, report: &KafkaReport) {
    let why = report.error.as_deref().unwrap_or("");
    match report.state {
        KafkaState::Failed | KafkaState::Conflict => {
            log::error!("topic {topic} is {}: {why}", report.state)
        }
        KafkaState::Drifted => log::warn!(
            "topic {topic} drifted: {why}; not publishing to it until Kafka has it as asked"
        ),
        state => log::info!("topic {topic} is {state} in Kafka"),
    }
}

impl Actor for Reconciler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.watch_ownership(ctx);
    }
}

impl Reconciler {
    /// Reports the cluster again whenever the generated topics change
    /// (after a rebalance), not only on the next round.
    fn watch_ownership(&mut self, ctx: &mut Context<Self>) {
        let Some(owned) = self.owned_topics.clone() else {
            return;
        };
        let changes = futures_util::stream::unfold(owned, |mut owned| async move {
            owned.changed().await.ok()?;
            Some(((), owned))
        });
        ctx.add_stream(changes);
    }
}

/// One change of the generated topics.
impl StreamHandler<()> for Reconciler {
    fn handle(&mut self, (): (), ctx: &mut Self::Context) {
        if let Some((brokers, controller)) = self.last_cluster {
            self.report_cluster(brokers, controller, ctx);
        }
    }

    /// The pool is gone (shutdown): nothing more to report, but the
    /// reconciler itself goes on until it is stopped.
    fn finished(&mut self, _: &mut Self::Context) {}
}

impl Supervised for Reconciler {
    fn restarting(&mut self, _: &mut Self::Context) {
        // Steps in flight were cancelled with the old context.
        self.round_running = false;
        for track in self.tracks.values_mut() {
            track.busy = false;
        }
        log::warn!("Kafka reconciler restarted");
    }
}

impl Handler<Observed> for Reconciler {
    type Result = ();

    fn handle(&mut self, msg: Observed, ctx: &mut Self::Context) {
        self.latest = msg.topics;
        self.schemas = msg.schemas;
        // Forget topics no longer watched, unless a step is on its way.
        let ids: HashSet<TopicId> = self.latest.iter().map(|t| t.topic_id).collect();
        self.tracks
            .retain(|id, track| track.busy || ids.contains(id));
        let active: HashSet<&str> = self
            .latest
            .iter()
            .filter(|t| t.status == TopicStatus::Active)
            .map(|t| t.topic_name.as_str())
            .collect();
        self.publishable
            .retain(|name, _| active.contains(name.as_str()));
        self.send_active();
        self.start_round(ctx);
    }
}
