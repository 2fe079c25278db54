//! The dashboard's stylesheet and script, compiled into the binary so the
//! service needs no files beside it and no CDN.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const APP_CSS: &str = include_str!("../../templates/static/app.css");
const APP_JS: &str = include_str!("../../templates/static/app.js");
const RECORDS_JS: &str = include_str!("../../templates/static/records.js");

pub fn routes() -> actix_web::Scope {
    web::scope("/static")
        .route(
            "/app.css",
            web::get().to(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route(
            "/app.js",
            web::get().to(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        // The topic page's message browser and live tail.
        .route(
            "/records.js",
            web::get().to(|| async { asset("text/javascript; charset=utf-8", RECORDS_JS) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
