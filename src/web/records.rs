//! `/api/topics/{name}/messages` and `/api/topics/{name}/stream`: the
//! records of a registered topic, a page at a time or live.

use actix::Addr;
use actix_session::Session;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::error::ApiError;
use super::identity::Caller;
use super::record_stream;
use super::session::Sessions;
use super::session_caller::session_caller;
use super::state::AppState;
use crate::actors::registry::record_reader::page::{DEFAULT_LIMIT, MAX_LIMIT, PageQuery, Start};
use crate::actors::registry::record_reader::{BrowseRecords, OpenTail, ReaderError, RecordReader};
use crate::actors::registry::{FindTopic, ListSubscriptions};
use crate::domain::{Role, SubscriptionStatus, TopicName, TopicStatus};

/// With the dashboard's sessions too: the topic page's message browser
/// calls these with its cookie, not a bearer token.
pub fn routes(cfg: &mut web::ServiceConfig, sessions: &Sessions) {
    cfg.service(
        web::resource("/{name}/messages")
            .wrap(sessions.middleware())
            .route(web::get().to(messages)),
    )
    .service(
        web::resource("/{name}/stream")
            .wrap(sessions.middleware())
            .route(web::get().to(stream)),
    );
}

/// The bearer's caller, or the dashboard session's when no bearer token
/// was sent.
async fn reader_caller(
    req: &HttpRequest,
    bearer: Caller,
    session: &Session,
    state: &AppState,
) -> Result<Caller, ApiError> {
    let sent_bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if sent_bearer {
        Ok(bearer)
    } else {
        session_caller(session, state).await
    }
}

/// `?partition=P&offset=O&limit=N` or `?timestamp=T`; all optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessagesQuery {
    partition: Option<i32>,
    offset: Option<i64>,
    timestamp: Option<i64>,
    limit: Option<usize>,
}

impl MessagesQuery {
    fn checked(self) -> Result<PageQuery, ApiError> {
        let bad = |why: &str| Err(ApiError::BadRequest(why.to_owned()));
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}, not {limit}"
            )));
        }
        if self.partition.is_some_and(|p| p < 0) {
            return bad("partition must be 0 or more");
        }
        let start = match (self.offset, self.timestamp) {
            (Some(_), Some(_)) => return bad("give offset or timestamp, not both"),
            (Some(offset), None) if offset < 0 => return bad("offset must be 0 or more"),
            (Some(_), None) if self.partition.is_none() => {
                return bad("offset needs a partition (partition=P&offset=O)");
            }
            (Some(offset), None) => Start::Offset(offset),
            (None, Some(ms)) if ms < 0 => {
                return bad("timestamp must be milliseconds since the epoch, 0 or more");
            }
            (None, Some(ms)) => Start::Timestamp(ms),
            (None, None) => Start::Newest,
        };
        Ok(PageQuery {
            partition: self.partition,
            start,
            limit,
        })
    }
}

async fn messages(
    req: HttpRequest,
    caller: Caller,
    session: Session,
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<MessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let caller = reader_caller(&req, caller, &session, &state).await?;
    let query = query.into_inner().checked()?;
    let topic = registered(&state, &name).await?;
    may_read(&caller, &state, &topic).await?;
    let reader = reader(&state)?;
    let page = reader
        .send(BrowseRecords { topic, query })
        .await
        .map_err(reader_gone)?
        .map_err(from_reader)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}

async fn stream(
    req: HttpRequest,
    caller: Caller,
    session: Session,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = reader_caller(&req, caller, &session, &state).await?;
    let topic = registered(&state, &name).await?;
    may_read(&caller, &state, &topic).await?;
    let reader = reader(&state)?;
    // Taken before the consumer is made, so the bound holds for those too.
    let slot = state.streams.take().ok_or_else(|| {
        ApiError::Unavailable(format!(
            "{} live tails are open, the most this service allows (--max-streams); try again later",
            state.streams.max()
        ))
    })?;
    let start = reader
        .send(OpenTail {
            topic: topic.clone(),
        })
        .await
        .map_err(reader_gone)?
        .map_err(from_reader)?;
    let settings = state.kafka.as_ref().ok_or_else(not_configured)?;
    let consumer = start.consumer(settings).map_err(from_reader)?;
    Ok(record_stream::respond(
        consumer,
        slot,
        topic,
        state.topics_version.clone(),
    ))
}

/// The admin service reads Kafka as a super user, so in secure mode it
/// shows records only to whom Kafka itself would: approvers, and consumers
/// with an active subscription to the topic. Open mode shows them to all.
/// The caller is the bearer's, or the dashboard session's without one.
async fn may_read(caller: &Caller, state: &AppState, topic: &str) -> Result<(), ApiError> {
    if !state.access.secure || caller.may(Role::Approver) {
        return Ok(());
    }
    caller.refuse_anonymous_in_secure_mode(state, "read records")?;
    caller.require(Role::Consumer, "read records")?;
    let user = caller.user_id().cloned();
    let subscribed = state
        .ask(ListSubscriptions(user))
        .await?
        .iter()
        .any(|s| s.topic_name == topic && s.status == SubscriptionStatus::Active);
    if subscribed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "no active subscription to '{topic}': subscribe to read its records"
        )))
    }
}

fn reader(state: &AppState) -> Result<Addr<RecordReader>, ApiError> {
    state.records.clone().ok_or_else(not_configured)
}

fn not_configured() -> ApiError {
    ApiError::Unavailable(
        "Kafka is not configured (start the admin service with --bootstrap-servers \
         or KAFKA_BOOTSTRAP_SERVERS to read records)"
            .into(),
    )
}

/// The name of a topic the registry holds (and has not deleted).
async fn registered(state: &AppState, raw: &str) -> Result<String, ApiError> {
    let unknown = || ApiError::TopicNotFound(format!("topic '{raw}' not found"));
    let name = TopicName::parse(raw).map_err(|_| unknown())?;
    let topic = state.ask(FindTopic(name)).await?;
    if topic.status == TopicStatus::Deleted {
        return Err(unknown());
    }
    Ok(topic.topic_name)
}

fn from_reader(error: ReaderError) -> ApiError {
    match error {
        ReaderError::BadRequest(why) => ApiError::BadRequest(why),
        ReaderError::NotInKafka(why) => ApiError::Conflict(why),
        ReaderError::Unavailable(why) => ApiError::Unavailable(why),
    }
}

fn reader_gone(error: actix::MailboxError) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("record reader unavailable: {error}"))
}
