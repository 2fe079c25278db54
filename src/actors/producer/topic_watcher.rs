//! Polls the admin API for approved, active and deleted topics and tells the
//! others.
//!
//! One `GET /api/topics?status=approved,active,deleted` per interval, then
//! `GET /api/topics/active` for the schema the registry announces for each
//! active topic (its id and value format), and both as
//! soon as the registry's change feed (`GET /api/topics/changes`, a long
//! poll) says the topics changed, so an approval is acted on at once; an
//! admin service without the feed is simply polled. The approved and active
//! topics go to the reconciler, which brings Kafka to them and decides which
//! generators run. While the API cannot be reached nothing changes (running
//! generators keep running), the watcher asks again after a growing delay,
//! and it logs one line when the API goes away and one when it is back.
//!
//! Topics whose names the name policy refuses (Kafka's internal `__` names,
//! the deny list) are dropped here, whatever the registry says: they are
//! neither created in Kafka nor published to, and each is logged once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::backoff::Backoff;
use super::reconciler::Observed;
use super::schema_gate::TopicSchema;
use super::stats::DaemonFigures;
use crate::api::TopicView;
use crate::client::{AdminClient, ClientError};
use crate::domain::{KafkaState, TopicNamePolicy, TopicStatus};

/// The longest wait between two tries while the admin API is away.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(15);

/// How long one change-feed request is held by the admin service.
const FEED_WAIT: Duration = Duration::from_secs(30);

/// Watches the registry through the admin API.
pub struct TopicWatcher {
    api: AdminClient,
    interval: Duration,
    backoff: Backoff,
    reconciler: Recipient<Observed>,
    // Since when the API has been unavailable, if it is.
    outage: Option<Instant>,
    first_poll: bool,
    active_count: usize,
    names: TopicNamePolicy,
    /// Names already logged as refused, so each is logged once.
    refused: HashSet<String>,
    /// A poll is on its way: a change seen meanwhile asks for another.
    polling: bool,
    poll_again: bool,
    next_poll: Option<SpawnHandle>,
    /// Whether to follow the change feed at all.
    change_feed: bool,
    /// The registry's version at the last change-feed answer.
    feed_version: Option<u64>,
    /// Where the admin API's reachability is noted for the metrics.
    daemon: Arc<DaemonFigures>,
}

impl TopicWatcher {
    pub fn new(
        admin_url: &str,
        interval: Duration,
        change_feed: bool,
        reconciler: Recipient<Observed>,
        names: TopicNamePolicy,
        daemon: Arc<DaemonFigures>,
    ) -> Self {
        // Never wait for an answer longer than an interval (but give a
        // loaded machine a couple of seconds).
        let timeout = interval.max(Duration::from_secs(2));
        Self {
            api: AdminClient::with_timeout(admin_url, timeout),
            interval,
            backoff: Backoff::new(
                interval.min(Duration::from_secs(1)),
                MAX_RETRY_DELAY.max(interval),
            ),
            reconciler,
            outage: None,
            first_poll: true,
            active_count: 0,
            names,
            refused: HashSet::new(),
            polling: false,
            poll_again: false,
            next_poll: None,
            change_feed,
            feed_version: None,
            daemon,
        }
    }

    fn poll(&mut self, ctx: &mut Context<Self>) {
        self.next_poll = None;
        if self.polling {
            self.poll_again = true;
            return;
        }
        self.polling = true;
        let api = self.api.clone();
        let fetch = async move {
            let topics = api
                .topics(&[
                    TopicStatus::Approved,
                    TopicStatus::Active,
                    TopicStatus::Deleted,
                ])
                .await?;
            // Asked after the topics, so every topic they show active (and
            // still active) is in this answer with its current schema.
            let schemas = api
                .active_topics()
                .await?
                .iter()
                .map(|topic| (topic.topic_name.clone(), TopicSchema::of(topic)))
                .collect();
            Ok((topics, schemas))
        };
        ctx.spawn(fetch.into_actor(self).map(|result, act, ctx| {
            act.polling = false;
            let answered = result.is_ok();
            let mut delay = act.handle_answer(result);
            if std::mem::take(&mut act.poll_again) && answered {
                delay = Duration::ZERO;
            }
            act.next_poll = Some(ctx.run_later(delay, |act, ctx| act.poll(ctx)));
        }));
    }

    /// Polls now rather than at the next interval.
    fn poll_now(&mut self, ctx: &mut Context<Self>) {
        if let Some(scheduled) = self.next_poll.take() {
            ctx.cancel_future(scheduled);
        }
        self.poll(ctx);
    }

    /// Holds one change-feed request open at a time; each answer with a
    /// new version polls at once. Stops for good when the admin service
    /// has no feed (an older one); its poll interval is all there is then.
    fn follow_changes(&mut self, ctx: &mut Context<Self>) {
        let api = self.api.clone();
        let since = self.feed_version;
        let wait = async move { api.topic_changes(since, FEED_WAIT).await };
        ctx.spawn(wait.into_actor(self).map(|result, act, ctx| match result {
            Ok(changes) => {
                if act.feed_version != Some(changes.version) {
                    act.feed_version = Some(changes.version);
                    act.poll_now(ctx);
                }
                act.follow_changes(ctx);
            }
            Err(ClientError::Api {
                status: 404 | 405, ..
            }) => {
                log::info!(
                    "admin API at {} has no change feed; polling it every {:?}",
                    act.api.base_url(),
                    act.interval
                );
            }
            // Down or refusing: the poll's backoff reports the outage; try
            // the feed again after the poll interval.
            Err(error) => {
                log::debug!("change feed unavailable ({error}); trying again");
                ctx.run_later(act.interval, |act, ctx| act.follow_changes(ctx));
            }
        }));
    }

    /// Acts on one answer and says when to ask again.
    fn handle_answer(
        &mut self,
        result: Result<(Vec<TopicView>, HashMap<String, TopicSchema>), ClientError>,
    ) -> Duration {
        let first = std::mem::replace(&mut self.first_poll, false);
        self.daemon.note_admin_poll(result.is_ok());
        match result {
            Ok((topics, schemas)) => {
                if let Some(since) = self.outage.take() {
                    log::info!(
                        "admin API at {} is reachable again (after {:.0}s)",
                        self.api.base_url(),
                        since.elapsed().as_secs_f64()
                    );
                }
                self.backoff.reset();
                self.dispatch(topics, schemas);
                self.interval
            }
            Err(error) => {
                if self.outage.is_none() {
                    self.outage = Some(Instant::now());
                    if first {
                        log::warn!("admin API not available yet ({error}); will keep trying");
                    } else {
                        log::warn!(
                            "admin API unavailable ({error}); keeping {} generators running and retrying with backoff",
                            self.active_count
                        );
                    }
                }
                let delay = self.backoff.next_delay();
                log::debug!("admin API still unavailable, next try in {delay:?}");
                delay
            }
        }
    }

    fn dispatch(&mut self, topics: Vec<TopicView>, schemas: HashMap<String, TopicSchema>) {
        // The filter asked for these three only; ignore anything else. A
        // deleted topic matters only until Kafka's side is recorded deleted.
        let topics: Vec<TopicView> = self
            .allowed(topics)
            .into_iter()
            .filter(|t| match t.status {
                TopicStatus::Approved | TopicStatus::Active => true,
                TopicStatus::Deleted => t.kafka.state != KafkaState::Deleted,
                _ => false,
            })
            .collect();
        self.active_count = topics
            .iter()
            .filter(|t| t.status == TopicStatus::Active)
            .count();
        // Sent even when empty, so generators stop and stale topics are forgotten.
        self.reconciler.do_send(Observed { topics, schemas });
    }

    /// The topics whose names the policy accepts. A registry should never
    /// hold the others, but one edited by hand or filled before the policy
    /// existed may, and creating `__consumer_offsets` (say) with the
    /// registry's partition count would strand most consumer groups.
    fn allowed(&mut self, topics: Vec<TopicView>) -> Vec<TopicView> {
        let mut still_refused = HashSet::new();
        let allowed = topics
            .into_iter()
            .filter(|topic| match self.names.parse(&topic.topic_name) {
                Ok(_) => true,
                Err(why) => {
                    if !self.refused.contains(&topic.topic_name) {
                        log::error!(
                            "topic {} ({}) refused: {why}; not creating it in Kafka \
                             and not publishing to it",
                            topic.topic_name,
                            topic.status
                        );
                    }
                    still_refused.insert(topic.topic_name.clone());
                    false
                }
            })
            .collect();
        self.refused = still_refused;
        allowed
    }
}

impl Actor for TopicWatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.poll(ctx);
        if self.change_feed {
            self.follow_changes(ctx);
        }
    }
}

impl Supervised for TopicWatcher {
    fn restarting(&mut self, _: &mut Self::Context) {
        log::warn!("topic watcher restarted");
    }
}

/// Stops polling for good (shutdown); the sender drops its address after.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopWatching;

impl Handler<StopWatching> for TopicWatcher {
    type Result = ();

    fn handle(&mut self, _: StopWatching, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
