//! `TopicRegistry`: the only owner of the registry database.
//!
//! It runs on a `SyncArbiter` because diesel blocks; web handlers send it one
//! message per intent and await the answer.

mod changes;
mod details;
mod find_topic;
pub mod kafka_reader;
pub mod record_reader;
mod schema_changes;
mod schema_writes;
mod schemas;
mod users;

use actix::prelude::*;
pub use changes::{DecideChange, EditTopic, ListChanges, RequestPartitions, WithdrawTopic};
use chrono::Utc;
pub use details::{GetTopicRecord, GovernedTopicNames};
pub use find_topic::FindTopic;
pub use schema_changes::{DecideSchemaChange, ListSchemaChanges, RequestSchemaChange};
pub use schema_writes::{
    GetCompatibility, LookupSchema, RegisterSchema, SetCompatibility, TestCompatibility,
};
pub use schemas::{
    GetSchemaById, GetSubjectVersion, ListSubjects, SchemaIdVersions, SubjectVersions,
};
pub use users::{
    AccessApplied, AccessSnapshot, Authenticate, CreateUser, DeleteUser, GetUser, ListUsers,
    ReadAccess, RotateToken,
};

use crate::api::{ActiveTopic, Stats, SubscriptionView, TopicView};
use crate::db::models::{NewTopic, Topic, TopicEvent, TopicKafkaEvent};
use crate::db::topic_counts::TopicCounts;
use crate::db::topics::{Changed, TopicRef};
use crate::db::topics_version::TopicsVersion;
use crate::db::{self, DatabaseUrl, DbPool, RegistryError};
use crate::domain::{CheckedKafkaReport, TopicId, TopicName, TopicStatus, Transition, UserId};

pub struct TopicRegistry {
    pool: DbPool,
    topics_version: TopicsVersion,
    /// Moves after every committed change to who may read or write what
    /// in Kafka (users, subscriptions, topic states): the access
    /// reconciler waits on it.
    access_changes: TopicsVersion,
    /// The registry's location, for health checks that must reach it
    /// afresh rather than through the pool.
    location: DatabaseUrl,
}

impl TopicRegistry {
    /// Starts `threads` registry workers sharing `pool`.
    pub fn start(
        pool: DbPool,
        location: DatabaseUrl,
        topics_version: TopicsVersion,
        access_changes: TopicsVersion,
        threads: usize,
    ) -> Addr<TopicRegistry> {
        SyncArbiter::start(threads, move || TopicRegistry {
            pool: pool.clone(),
            topics_version: topics_version.clone(),
            access_changes: access_changes.clone(),
            location: location.clone(),
        })
    }

    fn conn(&self) -> Result<db::DbConn, RegistryError> {
        Ok(self.pool.get()?)
    }

    /// The topics as the API shows them, configs included.
    fn views(&self, topics: &[Topic]) -> Result<Vec<TopicView>, RegistryError> {
        let mut views: Vec<TopicView> = topics.iter().map(Topic::view).collect();
        db::topic_configs::attach(&mut *self.conn()?, &mut views)?;
        Ok(views)
    }

    fn one_view(&self, topic: &Topic) -> Result<TopicView, RegistryError> {
        self.views(std::slice::from_ref(topic))?
            .pop()
            .ok_or_else(|| RegistryError::Unexpected(anyhow::anyhow!("a view went missing")))
    }
}

impl Actor for TopicRegistry {
    type Context = SyncContext<Self>;
}

/// Record a new topic request (status pending).
#[derive(Message)]
#[rtype(result = "Result<TopicView, RegistryError>")]
pub struct CreateTopic {
    pub topic: NewTopic,
    /// Who asked, for the audit trail (see `domain::Actor`).
    pub actor: String,
    /// Refused when its requester already has this many pending.
    pub max_pending_per_requester: i64,
}

impl Handler<CreateTopic> for TopicRegistry {
    type Result = Result<TopicView, RegistryError>;

    fn handle(&mut self, msg: CreateTopic, _: &mut Self::Context) -> Self::Result {
        let topic = db::topics::create(
            &mut *self.conn()?,
            &msg.topic,
            &msg.actor,
            msg.max_pending_per_requester,
        )?;
        self.topics_version.bump();
        self.one_view(&topic)
    }
}

/// All topics, or those in the given states; newest first.
#[derive(Message)]
#[rtype(result = "Result<Vec<TopicView>, RegistryError>")]
pub struct ListTopics(pub Vec<TopicStatus>);

impl Handler<ListTopics> for TopicRegistry {
    type Result = Result<Vec<TopicView>, RegistryError>;

    fn handle(&mut self, msg: ListTopics, _: &mut Self::Context) -> Self::Result {
        let topics = db::topics::list(&mut *self.conn()?, &msg.0)?;
        self.views(&topics)
    }
}

/// One page of the topics whose names contain `search`, newest first.
#[derive(Message)]
#[rtype(result = "Result<TopicPageView, RegistryError>")]
pub struct PageTopics {
    pub search: Option<String>,
    /// From 1; past the end means the last page.
    pub page: i64,
    pub per_page: i64,
}

/// A page of topics as the web layer shows them.
#[derive(Debug, Clone)]
pub struct TopicPageView {
    pub topics: Vec<TopicView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl Handler<PageTopics> for TopicRegistry {
    type Result = Result<TopicPageView, RegistryError>;

    fn handle(&mut self, msg: PageTopics, _: &mut Self::Context) -> Self::Result {
        let found = db::topics::page(
            &mut *self.conn()?,
            msg.search.as_deref(),
            msg.page,
            msg.per_page,
        )?;
        Ok(TopicPageView {
            topics: self.views(&found.topics)?,
            total: found.total,
            page: found.page,
            per_page: found.per_page,
        })
    }
}

/// One topic by id.
#[derive(Message)]
#[rtype(result = "Result<TopicView, RegistryError>")]
pub struct GetTopic(pub TopicId);

impl Handler<GetTopic> for TopicRegistry {
    type Result = Result<TopicView, RegistryError>;

    fn handle(&mut self, msg: GetTopic, _: &mut Self::Context) -> Self::Result {
        let topic = db::topics::find(&mut *self.conn()?, &TopicRef::Id(msg.0))?;
        self.one_view(&topic)
    }
}

/// Active topics in the shape the producer and consumers read.
#[derive(Message)]
#[rtype(result = "Result<Vec<ActiveTopic>, RegistryError>")]
pub struct ActiveTopics;

impl Handler<ActiveTopics> for TopicRegistry {
    type Result = Result<Vec<ActiveTopic>, RegistryError>;

    fn handle(&mut self, _: ActiveTopics, _: &mut Self::Context) -> Self::Result {
        db::topics::active(&mut *self.conn()?)
    }
}

/// Move a topic through its life cycle.
#[derive(Message)]
#[rtype(result = "Result<(TopicView, bool), RegistryError>")]
pub struct ChangeStatus {
    pub topic: TopicRef,
    pub transition: Transition,
    /// Who asked: "admin", "producer", ...; recorded in the audit trail.
    pub actor: String,
    pub reason: Option<String>,
}

impl Handler<ChangeStatus> for TopicRegistry {
    /// The topic after the change, and whether it actually moved.
    type Result = Result<(TopicView, bool), RegistryError>;

    fn handle(&mut self, msg: ChangeStatus, _: &mut Self::Context) -> Self::Result {
        let changed = db::topics::transition(
            &mut *self.conn()?,
            &msg.topic,
            msg.transition,
            &msg.actor,
            msg.reason.as_deref(),
            Utc::now().naive_utc(),
        )?;
        let moved = matches!(changed, Changed::Moved(_));
        if moved {
            self.topics_version.bump();
            self.access_changes.bump();
        }
        Ok((self.one_view(changed.topic())?, moved))
    }
}

/// Counts per state and of subscriptions.
#[derive(Message)]
#[rtype(result = "Result<Stats, RegistryError>")]
pub struct GetStats;

impl Handler<GetStats> for TopicRegistry {
    type Result = Result<Stats, RegistryError>;

    fn handle(&mut self, _: GetStats, _: &mut Self::Context) -> Self::Result {
        db::topics::stats(&mut *self.conn()?, Utc::now())
    }
}

/// Topic counts by status and by Kafka state, for the metrics.
#[derive(Message)]
#[rtype(result = "Result<TopicCounts, RegistryError>")]
pub struct GetTopicCounts;

impl Handler<GetTopicCounts> for TopicRegistry {
    type Result = Result<TopicCounts, RegistryError>;

    fn handle(&mut self, _: GetTopicCounts, _: &mut Self::Context) -> Self::Result {
        db::topic_counts::topic_counts(&mut *self.conn()?)
    }
}

/// Whether the registry file can be opened and read.
#[derive(Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct Ping;

impl Handler<Ping> for TopicRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, _: Ping, _: &mut Self::Context) -> Self::Result {
        db::topics::check_readable(&self.location)
    }
}

/// The newest audit-trail entries with their topic names.
#[derive(Message)]
#[rtype(result = "Result<Vec<(TopicEvent, String)>, RegistryError>")]
pub struct RecentEvents(pub i64);

impl Handler<RecentEvents> for TopicRegistry {
    type Result = Result<Vec<(TopicEvent, String)>, RegistryError>;

    fn handle(&mut self, msg: RecentEvents, _: &mut Self::Context) -> Self::Result {
        db::topics::recent_events(&mut *self.conn()?, msg.0)
    }
}

/// Record where a topic stands in Kafka, as the producer found it.
#[derive(Message)]
#[rtype(result = "Result<TopicView, RegistryError>")]
pub struct ReportKafkaState {
    pub topic: TopicId,
    pub report: CheckedKafkaReport,
    /// Who reported, for the audit trail.
    pub actor: String,
}

impl Handler<ReportKafkaState> for TopicRegistry {
    type Result = Result<TopicView, RegistryError>;

    fn handle(&mut self, msg: ReportKafkaState, _: &mut Self::Context) -> Self::Result {
        let reported = db::kafka_state::report(
            &mut *self.conn()?,
            msg.topic,
            &msg.report,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        // The change feed wakes the dashboard and the producer: not worth
        // it when the report only says "still the same".
        if reported.changed {
            self.topics_version.bump();
        } else {
            // `checked_at` moved: whole rows served from a cache are stale.
            self.topics_version.touch();
        }
        self.one_view(&reported.topic)
    }
}

/// The newest Kafka state changes with their topic names.
#[derive(Message)]
#[rtype(result = "Result<Vec<(TopicKafkaEvent, String)>, RegistryError>")]
pub struct RecentKafkaEvents(pub i64);

impl Handler<RecentKafkaEvents> for TopicRegistry {
    type Result = Result<Vec<(TopicKafkaEvent, String)>, RegistryError>;

    fn handle(&mut self, msg: RecentKafkaEvents, _: &mut Self::Context) -> Self::Result {
        db::kafka_state::recent_events(&mut *self.conn()?, msg.0)
    }
}

/// Subscribe a user to an active topic; answers whether the subscription
/// is new (`false`: the user had it already).
#[derive(Message)]
#[rtype(result = "Result<bool, RegistryError>")]
pub struct Subscribe {
    pub user_id: UserId,
    pub topic_name: TopicName,
    /// Who asked, for the audit trail.
    pub actor: String,
}

impl Handler<Subscribe> for TopicRegistry {
    type Result = Result<bool, RegistryError>;

    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) -> Self::Result {
        let created = db::subscriptions::subscribe(
            &mut *self.conn()?,
            &msg.user_id,
            &msg.topic_name,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        if created {
            self.access_changes.bump();
        }
        Ok(created)
    }
}

/// Remove a user's subscription.
#[derive(Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct Unsubscribe {
    pub user_id: UserId,
    pub topic_name: TopicName,
    /// Who asked, for the audit trail.
    pub actor: String,
}

impl Handler<Unsubscribe> for TopicRegistry {
    type Result = Result<(), RegistryError>;

    fn handle(&mut self, msg: Unsubscribe, _: &mut Self::Context) -> Self::Result {
        db::subscriptions::unsubscribe(
            &mut *self.conn()?,
            &msg.user_id,
            &msg.topic_name,
            &msg.actor,
            Utc::now().naive_utc(),
        )?;
        self.access_changes.bump();
        Ok(())
    }
}

/// The newest subscriptions, at most this many.
#[derive(Message)]
#[rtype(result = "Result<Vec<SubscriptionView>, RegistryError>")]
pub struct NewestSubscriptions(pub i64);

impl Handler<NewestSubscriptions> for TopicRegistry {
    type Result = Result<Vec<SubscriptionView>, RegistryError>;

    fn handle(&mut self, msg: NewestSubscriptions, _: &mut Self::Context) -> Self::Result {
        let rows = db::subscriptions::newest(&mut *self.conn()?, msg.0)?;
        Ok(rows.iter().map(|(sub, name)| sub.view(name)).collect())
    }
}

/// Subscriptions, optionally of one user.
#[derive(Message)]
#[rtype(result = "Result<Vec<SubscriptionView>, RegistryError>")]
pub struct ListSubscriptions(pub Option<UserId>);

impl Handler<ListSubscriptions> for TopicRegistry {
    type Result = Result<Vec<SubscriptionView>, RegistryError>;

    fn handle(&mut self, msg: ListSubscriptions, _: &mut Self::Context) -> Self::Result {
        let rows = db::subscriptions::list(&mut *self.conn()?, msg.0.as_ref())?;
        Ok(rows.iter().map(|(sub, name)| sub.view(name)).collect())
    }
}
