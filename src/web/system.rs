//! `/api/health` and `/api/stats`.

use actix_web::{HttpResponse, web};
use chrono::Utc;

use super::error::ApiError;
use super::state::AppState;
use crate::actors::registry::Ping;
use crate::api::Health;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // HEAD for load balancers and uptime probes; actix sends no body.
    cfg.service(
        web::resource("/health")
            .route(web::get().to(health))
            .route(web::head().to(health)),
    )
    .service(web::resource("/stats").route(web::get().to(stats)));
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    match state.ask(Ping).await {
        Ok(()) => HttpResponse::Ok().json(Health {
            status: "healthy".into(),
            timestamp: Utc::now(),
            database: "ok".into(),
        }),
        Err(e) => {
            log::warn!("health check: database unreadable: {e:?}");
            HttpResponse::ServiceUnavailable().json(Health {
                status: "unhealthy".into(),
                timestamp: Utc::now(),
                database: "unavailable".into(),
            })
        }
    }
}

async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.stats.stats(&state).await?))
}
