//! `/schema-registry`: the topics' value schemas through a Confluent
//! Schema Registry-compatible API, so Confluent's own serialisers (and
//! topicgate's producer and consumer) fetch them by subject or id.
//!
//! Reads need no credentials; only approved versions are visible.

mod error;
mod reads;

use actix_web::middleware::ErrorHandlers;
use actix_web::{HttpResponse, web};
use serde::Serialize;

/// Schema Registry's media type, on every answer of this API.
pub const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// Mounts the API at `/schema-registry`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/schema-registry")
            .wrap(ErrorHandlers::new().default_handler(error::confluent_error_body))
            .configure(reads::routes)
            .default_service(web::to(not_found)),
    );
}

/// An answer in Schema Registry's media type.
fn answer<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok().content_type(CONTENT_TYPE).json(body)
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().finish()
}
