//! `/api/subscriptions`: who watches which active topic.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::error::ApiError;
use super::identity::Caller;
use super::json;
use super::rate_limit::WriteLimits;
use super::state::AppState;
use crate::actors::registry::{ListSubscriptions, Subscribe, Unsubscribe};
use crate::api::{Message, SubscriptionRequest};
use crate::domain::{Actor, Role, TopicName, UserId, parse_user_id};

pub fn routes(cfg: &mut web::ServiceConfig, limits: &WriteLimits) {
    cfg.service(
        web::resource("")
            // In open mode anyone may (un)subscribe anyone: the writes are
            // rate limited. A user token (un)subscribes its own user only.
            .wrap(limits.middleware())
            .route(web::get().to(list))
            .route(web::post().to(subscribe))
            .route(web::delete().to(unsubscribe)),
    );
}

#[derive(Deserialize)]
struct UserQuery {
    user_id: Option<String>,
}

async fn list(
    state: web::Data<AppState>,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = query
        .into_inner()
        .user_id
        .filter(|u| !u.is_empty())
        .map(|u| parse_user_id(&u))
        .transpose()?;
    let subscriptions = state.ask(ListSubscriptions(user)).await?;
    Ok(HttpResponse::Ok().json(subscriptions))
}

/// Checks both fields of a subscription request.
fn checked(request: SubscriptionRequest) -> Result<(UserId, TopicName), ApiError> {
    let user_id = parse_user_id(&request.user_id)?;
    let topic_name = TopicName::parse(request.topic_name.trim())
        .map_err(|e| ApiError::BadRequest(format!("invalid topic_name: {e}")))?;
    Ok((user_id, topic_name))
}

/// The audit actor of a subscription change by `caller` for `user_id`,
/// once the caller is allowed to make it.
fn subscriber(
    caller: &Caller,
    state: &AppState,
    user_id: &UserId,
    what: &str,
) -> Result<Actor, ApiError> {
    caller.refuse_anonymous_in_secure_mode(state, what)?;
    if caller.person().is_some() {
        caller.require(Role::Consumer, what)?;
        caller.acting_for(user_id, what)?;
    }
    Ok(caller
        .actor()
        .unwrap_or_else(|| Actor::anonymous_user(user_id.as_str())))
}

async fn subscribe(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (user_id, topic_name) = checked(json::parse(&body)?)?;
    let actor = subscriber(&caller, &state, &user_id, "subscribe")?;
    let created = state
        .ask(Subscribe {
            actor: actor.to_string(),
            user_id: user_id.clone(),
            topic_name: topic_name.clone(),
        })
        .await?;
    if !created {
        // Old clients know a duplicate as this 409 and its sentence.
        return Err(ApiError::AlreadySubscribed(format!(
            "user '{user_id}' is already subscribed to '{topic_name}'"
        )));
    }
    Ok(HttpResponse::Created().json(Message {
        message: format!("User '{user_id}' subscribed to '{topic_name}'"),
    }))
}

#[derive(Deserialize)]
struct UnsubscribeQuery {
    user_id: Option<String>,
    topic_name: Option<String>,
}

/// The original clients send a JSON body; query parameters work too.
async fn unsubscribe(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<UnsubscribeQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        let query = query.into_inner();
        match (query.user_id, query.topic_name) {
            (Some(user_id), Some(topic_name)) => SubscriptionRequest {
                user_id,
                topic_name,
            },
            _ => {
                return Err(ApiError::BadRequest(
                    "user_id and topic_name are required (JSON body or query parameters)".into(),
                ));
            }
        }
    } else {
        json::parse(&body)?
    };
    let (user_id, topic_name) = checked(request)?;
    let actor = subscriber(&caller, &state, &user_id, "unsubscribe")?;
    state
        .ask(Unsubscribe {
            actor: actor.to_string(),
            user_id: user_id.clone(),
            topic_name: topic_name.clone(),
        })
        .await?;
    Ok(HttpResponse::Ok().json(Message {
        message: format!("User '{user_id}' unsubscribed from '{topic_name}'"),
    }))
}
