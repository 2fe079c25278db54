//! The dashboard's forms for changes after a request: Edit & retry on an
//! approved topic Kafka refused, and Approve/Reject on a pending partition
//! change. Plain forms (POST, then redirect), like the topic actions.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::dashboard_access::refuse_without;
use super::form_limits::refuse_oversized;
use super::identity::Caller;
use super::partition_changes::decide;
use super::session::{csrf_ok, flash};
use super::session_caller::SessionCaller;
use super::state::AppState;
use super::topic_edits::edit_topic;
use crate::api::{EditTopicRequest, TopicView};
use crate::db::change_requests::Decision;
use crate::domain::{KafkaState, Role, TopicId, TopicStatus};

/// Routes inside the dashboard's session scope; registered before the
/// generic `/dashboard/topics/{id}/{action}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard/topics/{id}/edit", web::post().to(edit))
        .route(
            "/dashboard/topic-changes/{id}/{decision}",
            web::post().to(decide_change),
        )
        .route(
            "/dashboard/schema-changes/{id}/{decision}",
            web::post().to(decide_schema_change),
        );
}

/// Whether a row offers the Edit & retry form.
pub fn editable(topic: &TopicView) -> bool {
    topic.status == TopicStatus::Approved
        && matches!(topic.kafka.state, KafkaState::Failed | KafkaState::Conflict)
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish()
}

/// Refuses (with a redirect) a caller without `role`, or a form the
/// session did not show.
fn refuse_session(
    session: &Session,
    caller: &Caller,
    role: Role,
    what: &str,
    csrf: &str,
) -> Option<HttpResponse> {
    if let Some(refusal) = refuse_without(session, caller, role, what) {
        return Some(refusal);
    }
    if !csrf_ok(session, csrf) {
        flash(session, "error", "The form expired; please try again.");
        return Some(redirect("/"));
    }
    None
}

#[derive(Deserialize)]
struct EditForm {
    csrf_token: String,
    #[serde(default)]
    partitions: String,
    #[serde(default)]
    replication_factor: String,
}

/// A blank field keeps the topic's value.
fn number(field: &str, raw: &str) -> Result<Option<i64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| format!("invalid {field}: must be a whole number, got {raw:?}"))
}

async fn edit(
    state: web::Data<AppState>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    id: web::Path<TopicId>,
    form: web::Form<EditForm>,
) -> HttpResponse {
    if let Some(refusal) = refuse_oversized(&[
        ("partitions", &form.partitions),
        ("replication_factor", &form.replication_factor),
    ]) {
        return refusal;
    }
    if let Some(refusal) = refuse_session(
        &session,
        &caller,
        Role::Admin,
        "edit topics",
        &form.csrf_token,
    ) {
        return refusal;
    }
    let body = number("partitions", &form.partitions).and_then(|partitions| {
        Ok(EditTopicRequest {
            partitions,
            replication_factor: number("replication_factor", &form.replication_factor)?,
        })
    });
    let outcome = match body {
        Ok(body) => edit_topic(&state, *id, body, &caller)
            .await
            .map(|done| done.message)
            .map_err(|e| e.to_string()),
        Err(message) => Err(message),
    };
    match outcome {
        Ok(message) => flash(&session, "success", message),
        Err(message) => flash(&session, "error", message),
    }
    redirect("/")
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf_token: String,
    #[serde(default)]
    reason: String,
}

/// What both change-request forms check before deciding: the reason's
/// size, the session and its CSRF token, and the decision's name. `Err` is
/// the response to send instead.
fn checked_decision(
    session: &Session,
    caller: &Caller,
    form: &DecisionForm,
    decision: &str,
) -> Result<Decision, Box<HttpResponse>> {
    if let Some(refusal) = refuse_oversized(&[("reason", &form.reason)]) {
        return Err(Box::new(refusal));
    }
    if let Some(refusal) = refuse_session(
        session,
        caller,
        Role::Approver,
        "decide change requests",
        &form.csrf_token,
    ) {
        return Err(Box::new(refusal));
    }
    match decision {
        "approve" => Ok(Decision::Approve),
        "reject" => Ok(Decision::Reject),
        other => {
            flash(session, "error", format!("Unknown decision '{other}'."));
            Err(Box::new(redirect("/")))
        }
    }
}

async fn decide_change(
    state: web::Data<AppState>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    path: web::Path<(i32, String)>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    let (change_id, decision) = path.into_inner();
    let decision = match checked_decision(&session, &caller, &form, &decision) {
        Ok(decision) => decision,
        Err(refusal) => return *refusal,
    };
    match decide(
        &state,
        change_id,
        decision,
        Some(form.into_inner().reason),
        &caller,
    )
    .await
    {
        Ok(change) => flash(
            &session,
            "success",
            format!(
                "Partition change of '{}' ({} -> {}) {}",
                change.topic_name, change.partitions_from, change.partitions_to, change.status
            ),
        ),
        Err(e) => flash(&session, "error", e.to_string()),
    }
    redirect("/")
}

async fn decide_schema_change(
    state: web::Data<AppState>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    path: web::Path<(i32, String)>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    let (change_id, decision) = path.into_inner();
    let decision = match checked_decision(&session, &caller, &form, &decision) {
        Ok(decision) => decision,
        Err(refusal) => return *refusal,
    };
    let reason = Some(form.into_inner().reason);
    match super::schema_changes::decide(&state, change_id, decision, reason, &caller).await {
        Ok(change) => flash(
            &session,
            "success",
            format!(
                "Schema change {} of '{}' {}",
                change.change_id, change.topic_name, change.status
            ),
        ),
        Err(e) => flash(&session, "error", e.to_string()),
    }
    redirect("/")
}
