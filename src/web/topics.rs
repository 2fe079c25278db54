//! `/api/topics`: requests, reads and the life cycle.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use super::auth::{Approver, Producer};
use super::error::ApiError;
use super::identity::Caller;
use super::json;
use super::listing_cache::Listing;
use super::partition_changes;
use super::rate_limit::WriteLimits;
use super::schema_changes;
use super::state::AppState;
use super::topic_changes;
use super::topic_details;
use super::topic_edits;
use super::topic_kafka;
use crate::actors::registry::{ActiveTopics, ChangeStatus, CreateTopic, GetTopic, ListTopics};
use crate::api::{ActivateByName, CreateTopicRequest, Message, RejectRequest, TopicCreated};
use crate::db::models::NewTopic;
use crate::db::topics::TopicRef;
use crate::domain::{
    Actor, RawTopicRequest, Role, TopicId, TopicName, TopicRequest, TopicStatus, Transition,
    parse_reason,
};

pub fn routes(cfg: &mut web::ServiceConfig, limits: &WriteLimits) {
    // One resource per path, so a wrong method is a 405, not a 404.
    cfg.service(
        web::resource("")
            // Anyone may request a topic: the requests are rate limited.
            .wrap(limits.middleware())
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    // Fixed paths before `{id}` so they are not read as ids.
    .service(web::resource("/active").route(web::get().to(active)))
    .service(web::resource("/changes").route(web::get().to(topic_changes::changes)))
    .service(web::resource("/activate_by_name").route(web::post().to(activate_by_name)))
    .service(web::resource("/{id}").route(web::get().to(get)))
    .service(web::resource("/{id}/approve").route(web::post().to(approve)))
    .service(web::resource("/{id}/reject").route(web::post().to(reject)))
    .service(web::resource("/{id}/deactivate").route(web::post().to(deactivate)))
    .service(web::resource("/{id}/reactivate").route(web::post().to(reactivate)))
    .service(web::resource("/{id}/delete").route(web::post().to(delete)))
    .service(web::resource("/{name}/details").route(web::get().to(topic_details::details)))
    .service(web::resource("/{id}/kafka").route(web::post().to(topic_kafka::report)))
    .service(web::resource("/{id}/edit").route(web::post().to(topic_edits::edit)))
    // Open to anyone, so rate limited as requests are.
    .service(
        web::resource("/{id}/withdraw")
            .wrap(limits.middleware())
            .route(web::post().to(topic_edits::withdraw)),
    )
    .service(
        web::resource("/{id}/partitions")
            .wrap(limits.middleware())
            .route(web::post().to(partition_changes::request)),
    )
    .service(
        web::resource("/{id}/schema")
            .wrap(limits.middleware())
            .route(web::post().to(schema_changes::request)),
    );
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

/// Parses `?status=approved,active`.
fn status_filter(raw: Option<&str>) -> Result<Vec<TopicStatus>, ApiError> {
    raw.unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<TopicStatus>()
                .map_err(|e| ApiError::BadRequest(format!("invalid status: {e}")))
        })
        .collect()
}

async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let statuses = status_filter(query.status.as_deref())?;
    let listing = Listing::topics(statuses.clone());
    // Read before the rows: if a change lands in between, the cache holds
    // newer rows under an older version and is refreshed once more, never
    // the other way round.
    let rows = state.topics_version.rows();
    state
        .listings
        .respond(&request, listing, rows, || async {
            let topics = state.ask(ListTopics(statuses)).await?;
            serde_json::to_vec(&topics).map_err(|e| ApiError::Unexpected(e.into()))
        })
        .await
}

async fn get(state: web::Data<AppState>, id: web::Path<TopicId>) -> Result<HttpResponse, ApiError> {
    let topic = state.ask(GetTopic(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(topic))
}

async fn active(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // Read before the rows, as in `list`.
    let rows = state.topics_version.rows();
    state
        .listings
        .respond(&request, Listing::Active, rows, || async {
            let topics = state.ask(ActiveTopics).await?;
            serde_json::to_vec(&topics).map_err(|e| ApiError::Unexpected(e.into()))
        })
        .await
}

/// Records a topic request; shared by the API and the dashboard form.
/// A user's request is made in their name (`created_by` naming anyone
/// else is refused); the admin's names whom it likes; an anonymous one
/// (open mode only) is audited as an unverified claim of `created_by`.
pub(super) async fn request_topic(
    state: &AppState,
    mut raw: RawTopicRequest<'_>,
    by: &Caller,
) -> Result<TopicCreated, ApiError> {
    by.refuse_anonymous_in_secure_mode(state, "request a topic")?;
    if let Some(person) = by.person() {
        by.require(Role::Requester, "request topics")?;
        let own = person.user_id.as_str();
        match raw.created_by.map(str::trim) {
            Some(named) if !named.is_empty() && named != own => {
                return Err(ApiError::Forbidden(format!(
                    "user '{own}' may not request a topic in the name of '{}'",
                    named.escape_debug()
                )));
            }
            _ => raw.created_by = Some(own),
        }
    }
    let request = TopicRequest::parse(raw, state.max_replication_factor, &state.topic_names)?;
    refuse_more_replicas_than_brokers(state, request.replication_factor)?;
    let actor = by
        .actor()
        .unwrap_or_else(|| Actor::anonymous_creator(&request.created_by));
    let topic = state
        .ask(CreateTopic {
            topic: NewTopic::pending(request, Utc::now().naive_utc()),
            actor: actor.to_string(),
            max_pending_per_requester: state.max_pending_per_requester,
        })
        .await?;
    log::info!(
        "topic '{}' requested by {}",
        topic.topic_name,
        topic.created_by
    );
    Ok(TopicCreated {
        message: format!(
            "Topic '{}' requested; waiting for approval",
            topic.topic_name
        ),
        topic_id: topic.topic_id,
        status: topic.status,
    })
}

/// Kafka refuses a replication factor above its broker count, but only
/// once the producer asks it, long after approval: say so at once when the
/// producer has told us the cluster's size.
pub(super) fn refuse_more_replicas_than_brokers(
    state: &AppState,
    replication_factor: i32,
) -> Result<(), ApiError> {
    match state.cluster.view().brokers {
        Some(brokers) if replication_factor > brokers => Err(ApiError::BadRequest(format!(
            "replication factor {replication_factor} exceeds the {brokers} broker(s) \
             of the Kafka cluster"
        ))),
        _ => Ok(()),
    }
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: CreateTopicRequest = json::parse(&body)?;
    let created = request_topic(
        &state,
        RawTopicRequest {
            name: &body.name,
            partitions: body.partitions,
            replication_factor: body.replication_factor,
            data_type: body.data_type.as_deref(),
            created_by: body.created_by.as_deref(),
            description: body.description.as_deref(),
            configs: body.configs.as_ref(),
            schema: body.schema.as_ref(),
            value_format: body.value_format.as_deref(),
        },
        &caller,
    )
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Applies an approver's transition; shared by the API and the dashboard.
pub(super) async fn change(
    state: &AppState,
    id: TopicId,
    transition: Transition,
    reason: Option<String>,
    by: &Caller,
) -> Result<Message, ApiError> {
    let reason = parse_reason(reason.as_deref())?;
    by.require(Role::Approver, "decide about topics")?;
    let actor = by.actor().unwrap_or(Actor::Admin);
    if matches!(transition, Transition::Approve | Transition::Reactivate) {
        refuse_unsendable_name(state, id, transition).await?;
    }
    if state.access.four_eyes && matches!(transition, Transition::Approve | Transition::Delete) {
        refuse_own_request(state, id, transition, by).await?;
    }
    let (topic, _) = state
        .ask(ChangeStatus {
            topic: TopicRef::Id(id),
            transition,
            actor: actor.to_string(),
            reason,
        })
        .await?;
    log::info!("topic '{}' {}", topic.topic_name, transition.past_tense());
    Ok(Message {
        message: format!("Topic '{}' {}", topic.topic_name, transition.past_tense()),
    })
}

/// Four eyes: whoever requested a topic needs someone else to approve or
/// delete it. `created_by` never changes, so reading it before the
/// transition does not race.
async fn refuse_own_request(
    state: &AppState,
    id: TopicId,
    transition: Transition,
    by: &Caller,
) -> Result<(), ApiError> {
    let Some(user) = by.user_id() else {
        return Ok(());
    };
    let topic = state.ask(GetTopic(id)).await?;
    if topic.created_by == user.as_str() {
        let verb = match transition {
            Transition::Delete => "delete",
            _ => "approve",
        };
        return Err(ApiError::Forbidden(format!(
            "four eyes: user '{user}' requested topic '{}' and may not {verb} it; \
             another approver must",
            topic.topic_name
        )));
    }
    Ok(())
}

/// A registry from before the name policy (or edited by hand) may hold a
/// name the policy refuses; approving it would leave it approved forever,
/// since the producer refuses it too. Say so now instead. Names never
/// change, so reading before the transition does not race.
async fn refuse_unsendable_name(
    state: &AppState,
    id: TopicId,
    transition: Transition,
) -> Result<(), ApiError> {
    let topic = state.ask(GetTopic(id)).await?;
    state
        .topic_names
        .parse(&topic.topic_name)
        .map(|_| ())
        .map_err(|why| {
            ApiError::Conflict(format!(
                "topic '{}' cannot be {}: {why}",
                topic.topic_name,
                transition.past_tense()
            ))
        })
}

async fn approve(
    Approver(by): Approver,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(change(&state, *id, Transition::Approve, None, &by).await?))
}

async fn reject(
    Approver(by): Approver,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // The reason is optional, and so is the body that carries it.
    let reason = json::parse_optional::<RejectRequest>(&body)?.reason;
    Ok(HttpResponse::Ok().json(change(&state, *id, Transition::Reject, reason, &by).await?))
}

async fn deactivate(
    Approver(by): Approver,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(change(&state, *id, Transition::Deactivate, None, &by).await?))
}

async fn reactivate(
    Approver(by): Approver,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(change(&state, *id, Transition::Reactivate, None, &by).await?))
}

/// Retires a topic: its record stays, with status `deleted`. The optional
/// body `{"reason": ...}` is the one a rejection takes.
async fn delete(
    Approver(by): Approver,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let reason = json::parse_optional::<RejectRequest>(&body)?.reason;
    Ok(HttpResponse::Ok().json(change(&state, *id, Transition::Delete, reason, &by).await?))
}

async fn activate_by_name(
    _: Producer,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ActivateByName = json::parse(&body)?;
    let name = TopicName::parse(body.topic_name.trim())
        .map_err(|e| ApiError::BadRequest(format!("invalid topic_name: {e}")))?;
    let (topic, moved) = state
        .ask(ChangeStatus {
            topic: TopicRef::Name(name),
            transition: Transition::Activate,
            actor: Actor::Producer.to_string(),
            reason: None,
        })
        .await?;
    let message = if moved {
        log::info!("topic '{}' activated by the producer", topic.topic_name);
        format!("Topic '{}' activated", topic.topic_name)
    } else {
        format!("Topic '{}' is already active", topic.topic_name)
    };
    Ok(HttpResponse::Ok().json(Message { message }))
}
