//! Cross-origin access to the API: none unless origins are configured
//! (`--cors-origin`). Those origins may call the API from browser pages,
//! preflights included; pages elsewhere get no CORS headers, so browsers
//! neither send their JSON writes nor show them the answers.

use actix_cors::Cors;
use actix_web::http::{Method, header};

/// How long a browser may reuse a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE: usize = 600;

/// The CORS middleware for the API, allowing exactly `origins`.
pub fn api_cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([Method::GET, Method::POST, Method::DELETE])
        .allowed_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
        .max_age(PREFLIGHT_MAX_AGE)
}
