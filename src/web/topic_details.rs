//! `GET /api/topics/{name}/details`: a governed topic as the registry holds
//! it and as Kafka reports it now, side by side.

use actix_web::{HttpResponse, web};

use super::error::ApiError;
use super::state::AppState;
use crate::actors::registry::GetTopicRecord;
use crate::actors::registry::kafka_reader::ReadTopic;
use crate::api::{KAFKA_NOT_CONFIGURED, KafkaTopic, TopicDetails};
use crate::domain::TopicName;

pub(super) async fn details(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(topic_details(&state, &name).await?))
}

/// The details of the registry's topic `name`; a name the registry does
/// not hold (or that no topic could have) is `TopicNotFound`. What Kafka
/// could not tell is said in `kafka.error`, beside the registry's parts.
pub(super) async fn topic_details(state: &AppState, name: &str) -> Result<TopicDetails, ApiError> {
    // Not echoed: it is not a topic name, and may be anything.
    let name = TopicName::parse(name)
        .map_err(|_| ApiError::TopicNotFound("no topic has that name".to_owned()))?;
    let record = state.ask(GetTopicRecord(name)).await?;
    let kafka = match &state.kafka_reader {
        None => KafkaTopic::unread(false, KAFKA_NOT_CONFIGURED),
        Some(reader) => reader
            .send(ReadTopic(record.topic.topic_name.clone()))
            .await
            .unwrap_or_else(|e| KafkaTopic::unread(true, format!("the Kafka reader stopped: {e}"))),
    };
    Ok(TopicDetails {
        topic: record.topic,
        kafka,
        subscribers: record.subscribers,
        audit: record.audit,
    })
}
