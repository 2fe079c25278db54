//! `GET /api/topics/changes?since=V&wait=S`: the registry's change feed.
//!
//! A long poll: the answer comes as soon as the topics table's version
//! differs from `since`, or after `wait` seconds with the same version.
//! The producer daemon follows it so an approval reaches Kafka at once
//! instead of at its next poll; the dashboard follows it to refresh its
//! rows. Without `since` the current version is answered at once.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::error::ApiError;
use super::state::AppState;
use crate::api::TopicChanges;

/// How long a request is held when it does not say.
const DEFAULT_WAIT_SECS: u64 = 30;

/// The longest a request is held: below the usual 60 s idle timeouts of
/// proxies, so a quiet feed is not cut by one.
pub const MAX_WAIT_SECS: u64 = 55;

#[derive(Deserialize)]
pub struct ChangesQuery {
    since: Option<u64>,
    wait: Option<u64>,
}

pub async fn changes(
    state: web::Data<AppState>,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let ChangesQuery { since, wait } = query.into_inner();
    let wait = wait.unwrap_or(DEFAULT_WAIT_SECS);
    if wait > MAX_WAIT_SECS {
        return Err(ApiError::BadRequest(format!(
            "wait must be at most {MAX_WAIT_SECS} seconds"
        )));
    }
    let version = match since {
        Some(since) => {
            state
                .topics_version
                .changed_since(since, Duration::from_secs(wait))
                .await
        }
        None => state.topics_version.current(),
    };
    Ok(HttpResponse::Ok()
        // A cached answer would hide the next change.
        .insert_header(("Cache-Control", "no-store"))
        .json(TopicChanges {
            version,
            changed: since != Some(version),
        }))
}
