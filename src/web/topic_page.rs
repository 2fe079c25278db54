//! The dashboard's Kafka pages: one topic (`/topics/{name}`) and the
//! consumer groups (`/groups`). Served in the dashboard's scope, so with
//! its session and security headers, and readable by anyone who may read
//! the dashboard; they change nothing.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Serialize;

use super::dashboard::{Dashboard, short_time};
use super::dashboard_access::Viewer;
use super::error::ApiError;
use super::groups::consumer_groups;
use super::identity::Caller;
use super::session::csrf_token;
use super::session_caller::SessionCaller;
use super::state::AppState;
use super::topic_details::topic_details;
use crate::actors::registry::{GetSubjectVersion, SubjectVersions};
use crate::api::{AuditEntry, ConsumerGroup, KafkaTopic, SubscriptionView, TopicView};
use crate::db::schemas::{SubjectLookup, VersionRef};
use crate::schema::value_subject;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/topics/{name}", web::get().to(topic_page))
        .route("/groups", web::get().to(groups_page));
}

/// What every page's header needs.
#[derive(Serialize)]
struct Header {
    viewer: Viewer,
    csrf: String,
    updated: String,
}

impl Header {
    fn new(session: &Session, caller: &Caller, state: &AppState) -> Self {
        Self {
            viewer: Viewer::of(caller, state),
            csrf: csrf_token(session),
            updated: short_time(Utc::now()),
        }
    }
}

#[derive(Serialize)]
struct AuditRow {
    #[serde(flatten)]
    entry: AuditEntry,
    when: String,
    is_kafka: bool,
}

#[derive(Serialize)]
struct SubscriberRow {
    #[serde(flatten)]
    subscription: SubscriptionView,
    since: String,
}

#[derive(Serialize)]
struct TopicPage {
    #[serde(flatten)]
    header: Header,
    topic: TopicView,
    kafka: KafkaTopic,
    /// Records per second, one decimal, once known.
    rate: Option<String>,
    subscribers: Vec<SubscriberRow>,
    audit: Vec<AuditRow>,
    /// The current value schema; `None` until one is approved.
    schema: Option<SchemaPanel>,
}

/// The topic's current schema and its subject's versions.
#[derive(Serialize)]
struct SchemaPanel {
    subject: String,
    id: i64,
    version: i32,
    /// Indented JSON, escaped by handlebars like every value.
    pretty: String,
    versions: Vec<i32>,
}

/// The latest approved version of `topic`'s value subject, if any.
async fn schema_panel(state: &AppState, topic: &str) -> Result<Option<SchemaPanel>, ApiError> {
    let subject = value_subject(topic);
    let found = state
        .ask(GetSubjectVersion {
            subject: subject.clone(),
            version: VersionRef::Latest,
        })
        .await?;
    let SubjectLookup::Found(row) = found else {
        return Ok(None);
    };
    let versions = state.ask(SubjectVersions(subject.clone())).await?;
    let pretty = serde_json::from_str::<serde_json::Value>(&row.schema)
        .and_then(|value| serde_json::to_string_pretty(&value))
        .unwrap_or(row.schema);
    Ok(Some(SchemaPanel {
        subject,
        id: i64::from(row.id),
        version: row.version.unwrap_or_default(),
        pretty,
        versions,
    }))
}

async fn topic_page(
    state: web::Data<AppState>,
    dashboard: web::Data<Dashboard>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let details = topic_details(&state, &name).await?;
    let schema = schema_panel(&state, &details.topic.topic_name).await?;
    dashboard.render(
        "topic",
        &TopicPage {
            header: Header::new(&session, &caller, &state),
            schema,
            rate: details
                .kafka
                .messages_per_second
                .map(|rate| format!("{rate:.1}")),
            topic: details.topic,
            kafka: details.kafka,
            subscribers: details
                .subscribers
                .into_iter()
                .map(|subscription| SubscriberRow {
                    since: short_time(subscription.subscribed_at),
                    subscription,
                })
                .collect(),
            audit: details
                .audit
                .into_iter()
                .map(|entry| AuditRow {
                    when: short_time(entry.at),
                    is_kafka: entry.kafka_to.is_some(),
                    entry,
                })
                .collect(),
        },
    )
}

#[derive(Serialize)]
struct GroupsPage {
    #[serde(flatten)]
    header: Header,
    configured: bool,
    /// Why no groups are shown: Kafka not configured, or not answering.
    error: Option<String>,
    groups: Vec<ConsumerGroup>,
}

async fn groups_page(
    state: web::Data<AppState>,
    dashboard: web::Data<Dashboard>,
    session: Session,
    SessionCaller(caller): SessionCaller,
) -> Result<HttpResponse, ApiError> {
    let page = match consumer_groups(&state).await {
        Ok(answer) => GroupsPage {
            header: Header::new(&session, &caller, &state),
            configured: answer.configured,
            error: answer.error,
            groups: answer.groups,
        },
        Err(ApiError::Unavailable(error)) => GroupsPage {
            header: Header::new(&session, &caller, &state),
            configured: true,
            error: Some(error),
            groups: Vec::new(),
        },
        Err(other) => return Err(other),
    };
    dashboard.render("groups", &page)
}
