//! The admin dashboard: server-rendered handlebars pages that work as plain
//! forms (POST, then redirect), with a small script that refreshes the live
//! part every 10 seconds.

use actix_session::Session;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};

use super::activity::{EventRow, recent_activity};
use super::config_form::ConfigFields;
use super::dashboard_access::{Viewer, may_request, refusal, refuse_without};
use super::error::ApiError;
use super::form_draft::{MAX_SCHEMA_FIELD_CHARS, TopicDraft, keep_draft, take_draft};
use super::form_limits::refuse_oversized;
use super::identity::Caller;
use super::kafka_view::{
    ClusterLine, KafkaNote, cluster_line, kafka_note, on_its_way, rejectable_when_approved,
};
use super::live_cache::{CSRF_PLACEHOLDER, RenderCache, Stamp};
use super::rate_limit::WriteLimits;
use super::session::{Flash, Sessions, csrf_ok, csrf_token, flash, take_flash};
use super::session_caller::SessionCaller;
use super::state::AppState;
use super::topic_pager::{Listing, ListingQuery, Pager, TOPICS_PER_PAGE};
use super::topics::{change, request_topic};
use crate::actors::registry::{
    ListChanges, NewestSubscriptions, PageTopics, RecentEvents, RecentKafkaEvents,
};
use crate::api::{Stats, SubscriptionView, TopicChangeRequestView, TopicView};
use crate::domain::{
    ChangeRequestStatus, DataType, RawTopicRequest, Role, TopicId, TopicStatus, Transition,
};
use strum::IntoEnumIterator;

/// How many audit-trail entries the activity list shows.
const RECENT_EVENTS: i64 = 15;
/// Subscriptions the page lists, newest first; the API lists them all.
const SUBSCRIPTIONS_SHOWN: i64 = 50;

/// The compiled templates, registered once and shared by every worker.
pub struct Dashboard {
    templates: Handlebars<'static>,
    live_parts: RenderCache<LiveKey, LivePart>,
}

impl Dashboard {
    pub fn new() -> anyhow::Result<Self> {
        let mut templates = Handlebars::new();
        templates.set_strict_mode(true);
        templates
            .register_template_string("page", include_str!("../../templates/dashboard.hbs"))?;
        templates.register_partial("session", include_str!("../../templates/session.hbs"))?;
        templates.register_template_string("live", include_str!("../../templates/live.hbs"))?;
        templates.register_template_string("login", include_str!("../../templates/login.hbs"))?;
        templates.register_template_string("topic", include_str!("../../templates/topic.hbs"))?;
        templates.register_template_string("groups", include_str!("../../templates/groups.hbs"))?;
        Ok(Self {
            templates,
            live_parts: RenderCache::default(),
        })
    }

    pub(super) fn render<T: Serialize>(
        &self,
        name: &str,
        data: &T,
    ) -> Result<HttpResponse, ApiError> {
        Ok(html_page(self.render_html(name, data)?))
    }

    fn render_html<T: Serialize>(&self, name: &str, data: &T) -> Result<String, ApiError> {
        self.templates
            .render(name, data)
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("rendering {name}: {e}")))
    }
}

/// A page made for one session, which no cache may keep.
fn html_page(html: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

pub fn routes(cfg: &mut web::ServiceConfig, sessions: &Sessions, limits: &WriteLimits) {
    let headers = DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"));
    cfg.service(
        web::scope("")
            .wrap(sessions.middleware())
            .wrap(headers)
            .route("/", web::get().to(index))
            .route("/dashboard/live", web::get().to(live))
            .service(
                web::resource("/dashboard/topics")
                    // The API's topic requests and this form share one
                    // quota; the handler checks it, so that a refusal
                    // comes back as the form with what was typed in it.
                    .app_data(web::Data::new(limits.clone()))
                    // The schema text area needs more than the 16 KiB
                    // actix allows a form by default; the API's bound.
                    .app_data(web::FormConfig::default().limit(super::MAX_JSON_BODY))
                    .route(web::post().to(create_topic)),
            )
            // Before the generic topic action, which would take `edit`.
            .configure(super::dashboard_changes::routes)
            .configure(super::topic_page::routes)
            .route(
                "/dashboard/topics/{id}/{action}",
                web::post().to(topic_action),
            )
            .configure(super::dashboard_login::routes),
    );
}

pub(super) fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

#[derive(Serialize)]
struct Card {
    label: &'static str,
    value: i64,
    status: &'static str,
}

#[derive(Serialize)]
struct ActionButton {
    action: &'static str,
    label: &'static str,
    asks_reason: bool,
    /// The question a second click must answer before the form is sent
    /// (the page's script asks it in place of the first click).
    confirm: Option<String>,
}

/// A pending schema change as the dashboard lists it.
#[derive(Serialize)]
struct SchemaChangeRow {
    #[serde(flatten)]
    change: crate::api::SchemaChangeView,
    requested: String,
    /// The schema asked for, indented (escaped by handlebars).
    pretty: String,
}

#[derive(Serialize)]
struct TopicRow {
    #[serde(flatten)]
    topic: TopicView,
    created: String,
    actions: Vec<ActionButton>,
    /// Where it stands in Kafka, when the row should say.
    kafka_note: Option<KafkaNote>,
    /// On its way to Kafka: the page's script refreshes more often.
    on_its_way: bool,
    /// Offers the Edit & retry form (approved, refused by Kafka).
    editable: bool,
}

#[derive(Serialize)]
struct SubscriptionRow {
    #[serde(flatten)]
    subscription: SubscriptionView,
    since: String,
}

#[derive(Serialize)]
struct LiveView {
    cards: Vec<Card>,
    cluster: ClusterLine,
    topics: Vec<TopicRow>,
    pager: Pager,
    subscriptions: Vec<SubscriptionRow>,
    /// "the newest 50 of 1,234" when the page does not list them all.
    subscriptions_shown: Option<String>,
    /// Pending partition change requests, for the admin to decide.
    changes: Vec<TopicChangeRequestView>,
    /// Pending schema changes, for the admin to decide.
    schema_changes: Vec<SchemaChangeRow>,
    events: Vec<EventRow>,
    /// Who is logged in, and what the page offers them.
    viewer: Viewer,
    /// [`CSRF_PLACEHOLDER`]: the rendering is shared by sessions.
    csrf: &'static str,
    updated: String,
    /// The topics' version before they were read: where the page's script
    /// starts following the change feed.
    version: u64,
}

/// One choice of the form's data type list.
#[derive(Serialize)]
struct DataTypeOption {
    value: &'static str,
    selected: bool,
}

/// The whole page. Its live part comes rendered: as a partial, handlebars
/// would copy all of the page's data into the partial's context and clone
/// every list again as it walked it (most of a page's cost).
#[derive(Serialize)]
struct PageView<'a> {
    /// The live template's output (escaped there), placed as it is.
    live_html: String,
    refresh: &'a str,
    version: u64,
    viewer: &'a Viewer,
    csrf: &'a str,
    updated: &'a str,
    flash: Option<Flash>,
    /// The Create Topic form's values: what a refused request carried.
    form: TopicDraft,
    data_types: Vec<DataTypeOption>,
    /// The form's limit: the configured one, or the cluster's broker
    /// count once the producer reported it, whichever is lower.
    max_replication_factor: i32,
}

pub(super) fn short_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn cards(stats: &Stats) -> Vec<Card> {
    vec![
        Card {
            label: "Total Topics",
            value: stats.total_topics,
            status: "total",
        },
        Card {
            label: "Pending Approval",
            value: stats.pending_topics,
            status: "pending",
        },
        Card {
            label: "Approved",
            value: stats.approved_topics,
            status: "approved",
        },
        Card {
            label: "Active Topics",
            value: stats.active_topics,
            status: "active",
        },
        Card {
            label: "Inactive",
            value: stats.inactive_topics,
            status: "inactive",
        },
        Card {
            label: "Rejected",
            value: stats.rejected_topics,
            status: "rejected",
        },
        Card {
            label: "Subscriptions",
            value: stats.total_subscriptions,
            status: "subscriptions",
        },
    ]
}

/// The buttons a topic offers an admin: its legal admin transitions
/// (activation belongs to the producer), but Reject on an approved topic
/// only once Kafka refused it or a foreign topic holds its name; Delete
/// likewise. Under four eyes, neither Approve nor Delete on a topic the
/// viewer requested: the service would refuse them (`topics::change`).
fn actions(topic: &TopicView, own_request_under_four_eyes: bool) -> Vec<ActionButton> {
    let status = topic.status;
    [
        Transition::Approve,
        Transition::Reject,
        Transition::Deactivate,
        Transition::Reactivate,
        Transition::Delete,
    ]
    .into_iter()
    .filter(|t| t.apply(status).is_ok())
    .filter(|t| {
        !(own_request_under_four_eyes && matches!(t, Transition::Approve | Transition::Delete))
    })
    .filter(|t| {
        !(matches!(t, Transition::Reject | Transition::Delete) && status == TopicStatus::Approved)
            || rejectable_when_approved(&topic.kafka)
    })
    .map(|t| ActionButton {
        action: t.as_str(),
        label: match t {
            Transition::Approve => "Approve",
            Transition::Reject => "Reject",
            Transition::Deactivate => "Deactivate",
            Transition::Delete => "Delete",
            _ => "Reactivate",
        },
        asks_reason: t == Transition::Reject,
        confirm: (t == Transition::Delete).then(|| format!("Really delete {}?", topic.topic_name)),
    })
    .collect()
}

/// What one rendering of the live part is shared by: every session that
/// would see the same page of it.
#[derive(Clone, PartialEq, Eq, Hash)]
struct LiveKey {
    listing: Listing,
    viewer: Viewer,
    /// Under four eyes, the viewer whose own requests offer no Approve or
    /// Delete.
    own_requests_of: Option<String>,
    cluster: ClusterLine,
}

impl LiveKey {
    fn of(state: &AppState, caller: &Caller, listing: Listing, now: DateTime<Utc>) -> Self {
        Self {
            listing,
            viewer: Viewer::of(caller, state),
            own_requests_of: state
                .access
                .four_eyes
                .then(|| caller.user_id().map(|user| user.as_str().to_owned()))
                .flatten(),
            cluster: cluster_line(&state.cluster.view(), now),
        }
    }
}

/// The live part as rendered, with [`CSRF_PLACEHOLDER`] for the token.
struct LivePart {
    html: String,
    /// Who it was rendered for; the page around it shows the same.
    viewer: Viewer,
    refresh: String,
    version: u64,
    updated: String,
}

impl LivePart {
    /// The part for one session: its own CSRF token put in.
    fn html_for(&self, csrf: &str) -> String {
        self.html.replace(CSRF_PLACEHOLDER, csrf)
    }
}

/// The live part for one page of the topic table, rendered once per
/// change, second and kind of viewer (see `live_cache`).
async fn live_part(
    state: &AppState,
    dashboard: &Dashboard,
    caller: &Caller,
    listing: Listing,
) -> Result<std::sync::Arc<LivePart>, ApiError> {
    let now = Utc::now();
    let stamp = Stamp::now(state, now);
    let key = LiveKey::of(state, caller, listing, now);
    let (part, rendered) = dashboard
        .live_parts
        .get_or_render::<ApiError, _>(stamp, &key, async {
            let live = live_view(state, &key, stamp, now).await?;
            Ok(LivePart {
                html: dashboard.render_html("live", &live)?,
                viewer: live.viewer,
                refresh: live.pager.refresh,
                version: live.version,
                updated: live.updated,
            })
        })
        .await?;
    state.metrics.count_live_part(rendered);
    Ok(part)
}

/// The live part's data for one page of the topic table; only that page is
/// read, however many topics there are.
async fn live_view(
    state: &AppState,
    key: &LiveKey,
    stamp: Stamp,
    now: DateTime<Utc>,
) -> Result<LiveView, ApiError> {
    let listing = &key.listing;
    let page = PageTopics {
        search: listing.search.clone(),
        page: listing.page,
        per_page: TOPICS_PER_PAGE,
    };
    let (stats, shown, subscriptions, events, kafka_events, changes, schema_changes) = futures_util::try_join!(
        state.stats.stats(state),
        state.ask(page),
        state.ask(NewestSubscriptions(SUBSCRIPTIONS_SHOWN)),
        state.ask(RecentEvents(RECENT_EVENTS)),
        state.ask(RecentKafkaEvents(RECENT_EVENTS)),
        state.ask(ListChanges(vec![ChangeRequestStatus::Pending])),
        state.ask(crate::actors::registry::ListSchemaChanges(vec![
            ChangeRequestStatus::Pending
        ])),
    )?;
    Ok(LiveView {
        cards: cards(&stats),
        cluster: key.cluster.clone(),
        pager: Pager::new(listing, &shown),
        topics: shown
            .topics
            .into_iter()
            .map(|topic| TopicRow {
                created: short_time(topic.created_at),
                actions: actions(
                    &topic,
                    key.own_requests_of.as_deref() == Some(topic.created_by.as_str()),
                ),
                kafka_note: kafka_note(topic.status, &topic.kafka, short_time),
                on_its_way: on_its_way(topic.status, &topic.kafka),
                editable: super::dashboard_changes::editable(&topic),
                topic,
            })
            .collect(),
        subscriptions_shown: (stats.total_subscriptions > subscriptions.len() as i64).then(|| {
            format!(
                "the newest {} of {}",
                subscriptions.len(),
                stats.total_subscriptions
            )
        }),
        subscriptions: subscriptions
            .into_iter()
            .map(|subscription| SubscriptionRow {
                since: short_time(subscription.subscribed_at),
                subscription,
            })
            .collect(),
        changes,
        schema_changes: schema_changes
            .into_iter()
            .map(|change| SchemaChangeRow {
                requested: short_time(change.requested_at),
                pretty: serde_json::to_string_pretty(&change.schema).unwrap_or_default(),
                change,
            })
            .collect(),
        events: recent_activity(events, kafka_events, RECENT_EVENTS as usize, short_time),
        viewer: key.viewer.clone(),
        csrf: CSRF_PLACEHOLDER,
        updated: short_time(now),
        version: stamp.version(),
    })
}

async fn index(
    state: web::Data<AppState>,
    dashboard: web::Data<Dashboard>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    query: web::Query<ListingQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = query.into_inner().checked()?;
    let live = live_part(&state, &dashboard, &caller, listing).await?;
    let csrf = csrf_token(&session);
    let form = take_draft(&session);
    let data_types = DataType::iter()
        .map(|d| DataTypeOption {
            value: d.as_str(),
            selected: d.as_str() == form.data_type,
        })
        .collect();
    dashboard.render(
        "page",
        &PageView {
            live_html: live.html_for(&csrf),
            refresh: &live.refresh,
            version: live.version,
            viewer: &live.viewer,
            csrf: &csrf,
            updated: &live.updated,
            flash: take_flash(&session),
            form,
            data_types,
            max_replication_factor: state
                .cluster
                .view()
                .brokers
                .map_or(state.max_replication_factor, |brokers| {
                    brokers.min(state.max_replication_factor)
                }),
        },
    )
}

/// The part of the page that the script refreshes in place.
async fn live(
    state: web::Data<AppState>,
    dashboard: web::Data<Dashboard>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    query: web::Query<ListingQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = query.into_inner().checked()?;
    let live = live_part(&state, &dashboard, &caller, listing).await?;
    Ok(html_page(live.html_for(&csrf_token(&session))))
}

#[derive(Deserialize)]
struct CreateForm {
    csrf_token: String,
    name: String,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    partitions: String,
    #[serde(default)]
    replication_factor: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    data_type: String,
    /// JSON Schema text; empty for the data type's built-in schema.
    #[serde(default)]
    schema: String,
    #[serde(flatten)]
    configs: ConfigFields,
}

/// The schema text area: empty means none (the built-in one), else JSON.
fn form_schema(raw: &str) -> Result<Option<serde_json::Value>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.chars().count() > MAX_SCHEMA_FIELD_CHARS {
        return Err(format!(
            "invalid schema: at most {MAX_SCHEMA_FIELD_CHARS} characters in the form; \
             register a larger schema through the API"
        ));
    }
    serde_json::from_str(raw)
        .map(Some)
        .map_err(|e| format!("invalid schema: not JSON: {e}"))
}

fn form_number(field: &str, raw: &str) -> Result<Option<i64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| format!("invalid {field}: must be a whole number, got {raw:?}"))
}

impl CreateForm {
    fn draft(&self) -> TopicDraft {
        TopicDraft {
            name: self.name.clone(),
            created_by: self.created_by.clone(),
            partitions: self.partitions.clone(),
            replication_factor: self.replication_factor.clone(),
            description: self.description.clone(),
            data_type: self.data_type.clone(),
            schema: self.schema.clone(),
            configs: self.configs.clone(),
        }
    }
}

/// Shows `message` with the form filled in as it was sent.
fn refuse_form(session: &Session, form: &CreateForm, message: impl Into<String>) -> HttpResponse {
    flash(session, "error", message);
    keep_draft(session, form.draft());
    redirect("/")
}

async fn create_topic(
    req: HttpRequest,
    state: web::Data<AppState>,
    limits: web::Data<WriteLimits>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    form: web::Form<CreateForm>,
) -> HttpResponse {
    if let Some(refusal) = refuse_oversized(&[
        ("name", &form.name),
        ("created_by", &form.created_by),
        ("partitions", &form.partitions),
        ("replication_factor", &form.replication_factor),
        ("description", &form.description),
        ("data_type", &form.data_type),
    ]) {
        return refusal;
    }
    if let Some(refusal) = refuse_oversized(&form.configs.named()) {
        return refusal;
    }
    if !may_request(&caller, &state) {
        return refusal(
            &session,
            &caller,
            "request topics (needs the requester role)",
        );
    }
    if !csrf_ok(&session, &form.csrf_token) {
        // Not kept: a form this session did not show fills in nothing.
        flash(&session, "error", "The form expired; please try again.");
        return redirect("/");
    }
    if let Err(refusal) = limits.check(req.peer_addr().map(|peer| peer.ip())) {
        return refuse_form(&session, &form, refusal);
    }
    let numbers = form_number("partitions", &form.partitions).and_then(|p| {
        Ok((
            p,
            form_number("replication_factor", &form.replication_factor)?,
        ))
    });
    let (partitions, replication_factor) = match numbers {
        Ok(numbers) => numbers,
        Err(message) => return refuse_form(&session, &form, message),
    };
    let schema = match form_schema(&form.schema) {
        Ok(schema) => schema,
        Err(message) => return refuse_form(&session, &form, message),
    };
    let configs = form.configs.to_json();
    let raw = RawTopicRequest {
        name: &form.name,
        partitions,
        replication_factor,
        data_type: Some(form.data_type.as_str()),
        created_by: Some(form.created_by.as_str()),
        description: Some(form.description.as_str()),
        configs: configs.as_ref(),
        schema: schema.as_ref(),
        value_format: None,
    };
    match request_topic(&state, raw, &caller).await {
        Ok(created) => {
            flash(&session, "success", created.message);
            redirect("/")
        }
        Err(e) => refuse_form(&session, &form, e.to_string()),
    }
}

#[derive(Deserialize)]
struct ActionForm {
    csrf_token: String,
    #[serde(default)]
    reason: String,
}

async fn topic_action(
    state: web::Data<AppState>,
    session: Session,
    SessionCaller(caller): SessionCaller,
    path: web::Path<(TopicId, String)>,
    form: web::Form<ActionForm>,
) -> HttpResponse {
    if let Some(refusal) = refuse_oversized(&[("reason", &form.reason)]) {
        return refusal;
    }
    if let Some(refusal) = refuse_without(&session, &caller, Role::Approver, "change topics") {
        return refusal;
    }
    if !csrf_ok(&session, &form.csrf_token) {
        flash(&session, "error", "The form expired; please try again.");
        return redirect("/");
    }
    let (id, action) = path.into_inner();
    let transition = match action.as_str() {
        "approve" => Transition::Approve,
        "reject" => Transition::Reject,
        "deactivate" => Transition::Deactivate,
        "reactivate" => Transition::Reactivate,
        "delete" => Transition::Delete,
        other => {
            flash(&session, "error", format!("Unknown action '{other}'."));
            return redirect("/");
        }
    };
    let reason = Some(form.into_inner().reason);
    match change(&state, id, transition, reason, &caller).await {
        Ok(done) => flash(&session, "success", done.message),
        Err(e) => flash(&session, "error", e.to_string()),
    }
    redirect("/")
}
