//! HTTP: the REST API under `/api` and the dashboard at `/`.

mod activity;
mod assets;
mod auth;
mod body_timeout;
mod change_status_filter;
mod cluster;
mod config_form;
mod cors;
mod dashboard;
mod dashboard_access;
mod dashboard_changes;
mod dashboard_login;
mod error;
mod form_draft;
mod form_limits;
mod groups;
mod identity;
mod json;
mod json_only;
mod kafka_view;
mod listing_cache;
mod live_cache;
mod metrics;
mod partition_changes;
mod rate_limit;
mod record_stream;
mod records;
mod registry_session_store;
mod schema_changes;
mod schema_registry;
mod session;
mod session_caller;
mod session_store;
mod state;
mod stats_cache;
mod stream_slots;
mod subscriptions;
mod system;
mod topic_changes;
mod topic_details;
mod topic_edits;
mod topic_kafka;
mod topic_page;
mod topic_pager;
mod topics;
mod uri_limit;
mod users;

use std::net::TcpListener;

use actix_web::body::BoxBody;
use actix_web::dev::{Server, ServerHandle, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Condition, ErrorHandlerResponse, ErrorHandlers, Logger, from_fn};
use actix_web::{App, HttpResponse, HttpServer, ResponseError, web};

pub use error::ApiError;
use listing_cache::ListingCache;
pub use metrics::AdminMetrics;
use rate_limit::WriteLimits;
use session::Sessions;
use state::AppState;
pub use stream_slots::{StreamSlot, StreamSlots};

use crate::actors::access::AccessReconciler;
use crate::actors::registry::TopicRegistry;
use crate::actors::registry::kafka_reader::KafkaReader;
use crate::actors::registry::record_reader::RecordReader;
use crate::config::AdminSettings;
use crate::db;
use crate::db::topics_version::TopicsVersion;

/// Largest JSON body the API reads.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// With `--kafka-credential-secret-file`, starts the actor that makes Kafka
/// enforce the registry (users' SCRAM credentials, their ACLs).
fn start_access_reconciler(
    settings: &AdminSettings,
    registry: &actix::Addr<TopicRegistry>,
    changes: &TopicsVersion,
    metrics: &AdminMetrics,
) -> anyhow::Result<()> {
    use actix::Actor;
    let (Some(users), Some(kafka)) = (&settings.access.kafka_users, &settings.kafka) else {
        return Ok(());
    };
    let access = crate::kafka_access::KafkaAccess::from_settings(kafka)
        .map_err(|e| anyhow::anyhow!("cannot connect to Kafka to manage access: {e}"))?;
    AccessReconciler::new(
        registry.clone(),
        access,
        users.clone(),
        changes.clone(),
        metrics.clone(),
    )
    .start();
    log::info!(
        "Kafka access follows the registry: SCRAM users and ACLs at {}",
        kafka.bootstrap_servers
    );
    Ok(())
}

/// A bound, not yet running admin service. Build it, read its port, run it.
pub struct Application {
    port: u16,
    server: Server,
    topics_version: TopicsVersion,
    access_changes: TopicsVersion,
}

/// Stops a running admin service.
#[derive(Clone)]
pub struct AdminHandle {
    server: ServerHandle,
    topics_version: TopicsVersion,
    access_changes: TopicsVersion,
}

impl AdminHandle {
    /// Stops the service; `graceful` lets requests in flight finish. Held
    /// change-feed requests are answered at once, so they do not hold the
    /// stop back. The stop is under way before the returned future is
    /// polled (as with actix's `ServerHandle`).
    pub fn stop(&self, graceful: bool) -> impl std::future::Future<Output = ()> + use<> {
        self.topics_version.close();
        self.access_changes.close();
        self.server.stop(graceful)
    }
}

impl Application {
    /// Opens the registry (applying migrations) and binds `settings.bind`;
    /// port 0 picks a free port, which [`Application::port`] reports.
    pub fn build(settings: AdminSettings) -> anyhow::Result<Self> {
        let pool = db::open(&settings.database_url, 8).map_err(|e| {
            anyhow::anyhow!("cannot open the registry {}: {e:?}", settings.database_url)
        })?;
        let topics_version = TopicsVersion::default();
        let access_changes = TopicsVersion::default();
        if let db::DatabaseUrl::Postgres(url) = &settings.database_url {
            // Other replicas may share this registry: hear their changes.
            db::shared_version::share(
                &pool,
                url,
                vec![
                    (db::shared_version::TOPICS_CHANNEL, topics_version.clone()),
                    (db::shared_version::ACCESS_CHANNEL, access_changes.clone()),
                ],
            );
        }
        // Readers run in parallel under WAL; writers queue on SQLite's lock.
        let registry = TopicRegistry::start(
            pool.clone(),
            settings.database_url.clone(),
            topics_version.clone(),
            access_changes.clone(),
            4,
        );
        let metrics = AdminMetrics::new();
        start_access_reconciler(&settings, &registry, &access_changes, &metrics)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let http = settings.http;
        let kafka_reader = match &settings.kafka {
            Some(kafka) => Some(
                KafkaReader::start(kafka)
                    .map_err(|e| anyhow::anyhow!("cannot make the Kafka reader: {e}"))?,
            ),
            None => None,
        };
        // Two readers: a slow page does not hold up the next one.
        let records = settings
            .kafka
            .clone()
            .map(|kafka| RecordReader::start(kafka, 2));
        let state = web::Data::new(AppState {
            registry,
            topics_version: topics_version.clone(),
            access_changes: access_changes.clone(),
            listings: ListingCache::default(),
            stats: Default::default(),
            cluster: Default::default(),
            producer_key: settings.producer_key,
            admin_token: settings.admin_token,
            admin_token_hint: settings.admin_token_hint,
            max_replication_factor: settings.max_replication_factor,
            topic_names: settings.topic_names,
            max_pending_per_requester: i64::from(http.max_pending_per_requester),
            kafka: settings.kafka,
            access: settings.access,
            kafka_reader,
            records,
            streams: StreamSlots::new(http.max_streams),
            metrics,
        });
        match &state.kafka {
            Some(kafka) => log::info!("topic pages read Kafka at {}", kafka.bootstrap_servers),
            None => log::info!(
                "Kafka is not configured (--bootstrap-servers): topic pages show registry data only"
            ),
        }
        let dashboard = web::Data::new(dashboard::Dashboard::new()?);
        let sessions = match &settings.database_url {
            db::DatabaseUrl::Postgres(_) => {
                Sessions::in_registry(http.session_idle_timeout, http.session_max_age, pool)
                    .map_err(|e| anyhow::anyhow!("cannot keep dashboard sessions: {e:?}"))?
            }
            db::DatabaseUrl::Sqlite(_) => {
                Sessions::new(http.session_idle_timeout, http.session_max_age)
            }
        };
        let limits = WriteLimits::start(http.rate_limit_per_second, http.rate_limit_burst)?;
        let body_timeout = http.body_timeout;
        let cors_origins = http.cors_origins;
        let request_metrics = http.request_metrics;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(dashboard.clone())
                .app_data(payload_config())
                .app_data(path_config())
                .app_data(query_config())
                .service(
                    web::scope("/api")
                        .wrap(from_fn(json_only::require_json_bodies))
                        .wrap(cors::api_cors(&cors_origins))
                        .wrap(ErrorHandlers::new().default_handler(json_error_body))
                        .service(
                            web::scope("/topics")
                                .configure(|cfg| records::routes(cfg, &sessions))
                                .configure(|cfg| topics::routes(cfg, &limits)),
                        )
                        .service(
                            web::scope("/subscriptions")
                                .configure(|cfg| subscriptions::routes(cfg, &limits)),
                        )
                        .service(web::scope("/users").configure(users::user_routes))
                        .service(web::scope("/me").configure(users::me_routes))
                        .service(web::scope("/topic-changes").configure(partition_changes::routes))
                        .service(web::scope("/schema-changes").configure(schema_changes::routes))
                        .configure(system::routes)
                        .configure(cluster::routes)
                        .configure(groups::routes)
                        .default_service(web::to(api_not_found)),
                )
                .configure(schema_registry::routes)
                .route("/metrics", web::get().to(metrics::show))
                .service(assets::routes())
                .configure(|cfg| dashboard::routes(cfg, &sessions, &limits))
                .wrap(from_fn(move |req, next| {
                    body_timeout::cut_slow_bodies(body_timeout, req, next)
                }))
                .wrap(from_fn(uri_limit::refuse_long_uris))
                .wrap(Logger::default())
                // Outermost, so the time counted is the whole answer's.
                .wrap(Condition::new(request_metrics, from_fn(metrics::measure)))
        })
        .listen(listener)?
        // Each binary decides what a signal stops (see `shutdown::signal`).
        .disable_signals();
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            topics_version,
            access_changes,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the service.
    pub fn handle(&self) -> AdminHandle {
        AdminHandle {
            server: self.server.handle(),
            topics_version: self.topics_version.clone(),
            access_changes: self.access_changes.clone(),
        }
    }

    /// Serves until stopped through [`Application::handle`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// API bodies are read as bytes (so errors can name the bad field, see
/// `json.rs`), and any content type is accepted: old clients do not always
/// label their bodies.
fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(MAX_JSON_BODY)
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        ApiError::NotFound(format!("no such resource {}: {err}", req.path())).into()
    })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("invalid query string: {err}")).into())
}

async fn api_not_found(req: actix_web::HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!("no API endpoint {} {}", req.method(), req.path())).error_response()
}

/// Makes errors produced outside our handlers (405, payload errors) JSON
/// too, so API clients never have to parse an HTML or text error.
fn json_error_body<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let message = status.canonical_reason().unwrap_or("error").to_owned();
    let (req, original) = res.into_parts();
    let mut response: HttpResponse<BoxBody> = HttpResponse::build(status).json(
        crate::api::ErrorBody::new(message, crate::api::ErrorCode::for_status(status.as_u16())),
    );
    // Keep what the error said besides its body: `Allow`, CORS, `Retry-After`.
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
