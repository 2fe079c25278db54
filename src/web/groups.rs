//! `GET /api/groups`: the consumer groups that read governed topics, with
//! their members and lag.

use actix_web::{HttpResponse, web};

use super::error::ApiError;
use super::state::AppState;
use crate::actors::registry::GovernedTopicNames;
use crate::actors::registry::kafka_reader::ReadGroups;
use crate::api::{GroupsAnswer, KAFKA_NOT_CONFIGURED};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/groups").route(web::get().to(list)));
}

async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(consumer_groups(&state).await?))
}

/// Every group reading a governed topic. Kafka not configured is an
/// answer (`configured: false`); Kafka not answering is a 503.
pub(super) async fn consumer_groups(state: &AppState) -> Result<GroupsAnswer, ApiError> {
    let Some(reader) = &state.kafka_reader else {
        return Ok(GroupsAnswer {
            configured: false,
            error: Some(KAFKA_NOT_CONFIGURED.to_owned()),
            groups: Vec::new(),
        });
    };
    let governed = state.ask(GovernedTopicNames).await?;
    let groups = reader
        .send(ReadGroups(governed))
        .await
        .map_err(|e| ApiError::Unavailable(format!("the Kafka reader stopped: {e}")))?
        .map_err(ApiError::Unavailable)?;
    Ok(GroupsAnswer {
        configured: true,
        error: None,
        groups,
    })
}
