//! `POST /api/topics/{id}/edit` (admin: new values for a topic Kafka
//! refused, and a retry) and `POST /api/topics/{id}/withdraw` (its
//! requester or the admin: a pending request taken back).

use actix_web::{HttpResponse, web};

use super::auth::Admin;
use super::error::ApiError;
use super::identity::Caller;
use super::json;
use super::state::AppState;
use super::topics::refuse_more_replicas_than_brokers;
use crate::actors::registry::{EditTopic, WithdrawTopic};
use crate::api::{EditTopicRequest, Message, WithdrawRequest};
use crate::db::topic_edits::Withdrawer;
use crate::domain::{Actor, KafkaState, Role, TopicEdit, TopicId};

/// Stores new values for an approved topic Kafka refused; shared by the
/// API and the dashboard form.
pub(super) async fn edit_topic(
    state: &AppState,
    id: TopicId,
    body: EditTopicRequest,
    by: &Caller,
) -> Result<Message, ApiError> {
    // The API's route checks this too; here it holds for every caller.
    by.require(Role::Admin, "edit topics")?;
    let edit = TopicEdit::parse(
        body.partitions,
        body.replication_factor,
        state.max_replication_factor,
    )?;
    if let Some(replication_factor) = edit.replication_factor {
        refuse_more_replicas_than_brokers(state, replication_factor)?;
    }
    let before = state.ask(crate::actors::registry::GetTopic(id)).await?;
    let topic = state
        .ask(EditTopic {
            topic: id,
            edit,
            actor: by.actor().unwrap_or(Actor::Admin).to_string(),
        })
        .await?;
    log::info!(
        "topic '{}' edited ({} partitions, replication factor {}); Kafka creation retried",
        topic.topic_name,
        topic.partitions,
        topic.replication_factor
    );
    let mut message = format!(
        "Topic '{}' edited ({} partitions, replication factor {}); the producer will \
         try to create it in Kafka again",
        topic.topic_name, topic.partitions, topic.replication_factor
    );
    if before.kafka.state == KafkaState::Conflict {
        message.push_str(
            ". It was in conflict: while a foreign topic of this name exists in Kafka, \
             it will be found in conflict again",
        );
    }
    Ok(Message { message })
}

pub(super) async fn edit(
    Admin(by): Admin,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: EditTopicRequest = json::parse_optional(&body)?;
    Ok(HttpResponse::Ok().json(edit_topic(&state, *id, body, &by).await?))
}

/// Withdraws a pending request. An approver may withdraw any; a user only
/// their own. Without a token (open mode only), `created_by` (in the body
/// or the query string) must name the topic's requester: a claim checked
/// against a claim, as the original clients have no credentials.
pub(super) async fn withdraw(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<TopicId>,
    query: web::Query<WithdrawRequest>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: WithdrawRequest = json::parse_optional(&body)?;
    caller.refuse_anonymous_in_secure_mode(&state, "withdraw a request")?;
    let (by, actor) = match (&caller, caller.actor()) {
        (caller, Some(actor)) if caller.may(Role::Approver) => (Withdrawer::Admin, actor),
        (Caller::Person(person), Some(actor)) => {
            (Withdrawer::Requester(person.user_id.to_string()), actor)
        }
        _ => {
            let claimed = body
                .created_by
                .or_else(|| query.into_inner().created_by)
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "created_by is required: name the topic's requester in the body or \
                         the query string"
                            .into(),
                    )
                })?;
            let actor = Actor::anonymous_creator(&claimed);
            (Withdrawer::Requester(claimed), actor)
        }
    };
    let topic = state
        .ask(WithdrawTopic {
            topic: *id,
            by,
            actor: actor.to_string(),
        })
        .await?;
    log::info!("topic '{}' withdrawn by {actor}", topic.topic_name);
    Ok(HttpResponse::Ok().json(Message {
        message: format!("Topic '{}' withdrawn", topic.topic_name),
    }))
}
