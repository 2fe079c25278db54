//! `/api/cluster`: the Kafka cluster as the producer last reported it, and
//! every producer daemon heard from lately with the topics it generates.
//!
//! Kept in this process's memory, not in the registry: it describes the
//! present (and whether the producer is alive), so a restarted admin
//! service rightly knows nothing until the producer's next poll.

use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};

use super::auth::Producer;
use super::error::ApiError;
use super::json;
use super::state::AppState;
use crate::api::{ClusterReport, ClusterView, ProducerView};
use crate::config::MAX_INSTANCE_ID_LEN;
use crate::domain::{FieldError, TextKind, TopicName, checked_text};

/// More brokers than any cluster topicgate will meet: a larger count is a
/// broken report, and would lift the replication-factor check.
const MAX_BROKERS: i32 = 10_000;

/// Longest Kafka version string kept (`3.9.0`, `7.7.1-ccs`).
const MAX_KAFKA_VERSION_LEN: usize = 64;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/cluster")
            .route(web::get().to(show))
            .route(web::post().to(report)),
    );
}

/// A daemon not heard from for this long is forgotten: three of the
/// producer's default polls (it reports after each), the same silence
/// after which the dashboard shows the producer as silent.
const FORGET_PRODUCER_AFTER: chrono::Duration = chrono::Duration::seconds(15);

/// The most daemons remembered at once; more would only be a broken or
/// hostile reporter (each needs the producer key), and memory stays bounded.
const MAX_PRODUCERS: usize = 100;

/// The most topics one report may say a daemon generates.
const MAX_OWNED_TOPICS: usize = 100_000;

/// The last cluster report and each daemon's last word; all `None` and
/// empty before the first.
#[derive(Default)]
pub struct ClusterMemory(RwLock<Held>);

#[derive(Default)]
struct Held {
    view: ClusterView,
    producers: BTreeMap<String, ProducerView>,
}

impl ClusterMemory {
    /// What is known now, without the daemons gone silent.
    pub fn view(&self) -> ClusterView {
        let held = self.read();
        let now = Utc::now();
        let mut view = held.view.clone();
        view.producers = held
            .producers
            .values()
            .filter(|producer| !forgotten(producer, now))
            .cloned()
            .collect();
        view
    }

    fn remember(
        &self,
        view: ClusterView,
        producer: Option<ProducerView>,
    ) -> Result<(), FieldError> {
        let mut held = self.write();
        if let Some(producer) = producer {
            let now = Utc::now();
            held.producers.retain(|_, known| !forgotten(known, now));
            if held.producers.len() >= MAX_PRODUCERS
                && !held.producers.contains_key(&producer.instance_id)
            {
                return Err(FieldError::new(
                    "instance_id",
                    format!("more than {MAX_PRODUCERS} producers report at once"),
                ));
            }
            held.producers
                .insert(producer.instance_id.clone(), producer);
        }
        held.view = view;
        Ok(())
    }

    fn read(&self) -> RwLockReadGuard<'_, Held> {
        // A writer panicked mid-assignment; each value is whole either way.
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Held> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn forgotten(producer: &ProducerView, now: DateTime<Utc>) -> bool {
    now - producer.seen_at > FORGET_PRODUCER_AFTER
}

async fn show(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.cluster.view())
}

async fn report(
    _: Producer,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ClusterReport = json::parse(&body)?;
    let producer = checked_producer(&body)?;
    let view = checked(body)?;
    state.cluster.remember(view, producer)?;
    Ok(HttpResponse::Ok().json(state.cluster.view()))
}

/// The reporting daemon and its topics, when it names itself: a printable
/// id of at most [`MAX_INSTANCE_ID_LEN`] characters and topic names.
fn checked_producer(report: &ClusterReport) -> Result<Option<ProducerView>, FieldError> {
    let Some(id) = report.instance_id.as_deref() else {
        return Ok(None);
    };
    let id = id.trim();
    if id.is_empty() {
        return Err(FieldError::new("instance_id", "must not be blank"));
    }
    let instance_id = checked_text("instance_id", id, MAX_INSTANCE_ID_LEN, TextKind::Identifier)?;
    let owned = report.owned_topics.as_deref().unwrap_or_default();
    if owned.len() > MAX_OWNED_TOPICS {
        return Err(FieldError::new(
            "owned_topics",
            format!(
                "must list at most {MAX_OWNED_TOPICS} topics, got {}",
                owned.len()
            ),
        ));
    }
    let mut owned_topics = owned
        .iter()
        .map(|name| {
            TopicName::parse(name)
                .map(|name| name.as_str().to_owned())
                .map_err(|e| FieldError::new("owned_topics", format!("{name:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    owned_topics.sort();
    owned_topics.dedup();
    Ok(Some(ProducerView {
        instance_id,
        owned_topics,
        seen_at: Utc::now(),
    }))
}

/// Refuses counts no cluster has, and a version string that is not one.
fn checked(report: ClusterReport) -> Result<ClusterView, FieldError> {
    if !(1..=MAX_BROKERS).contains(&report.brokers) {
        return Err(FieldError::new(
            "brokers",
            format!(
                "must be between 1 and {MAX_BROKERS}, got {}",
                report.brokers
            ),
        ));
    }
    if let Some(id) = report.controller.filter(|id| *id < 0) {
        return Err(FieldError::new(
            "controller",
            format!("must be a broker id (0 or more), got {id}"),
        ));
    }
    let kafka_version = match report.kafka_version.as_deref().map(str::trim) {
        Some(version) if !version.is_empty() => Some(checked_text(
            "kafka_version",
            version,
            MAX_KAFKA_VERSION_LEN,
            TextKind::Identifier,
        )?),
        _ => None,
    };
    Ok(ClusterView {
        brokers: Some(report.brokers),
        controller: report.controller,
        kafka_version,
        producer_seen_at: Some(Utc::now()),
        producers: Vec::new(),
    })
}
