//! The API reads JSON bodies only. A page on another site can make a
//! visitor's browser send a `text/plain` (or unlabelled) POST without asking
//! first; only `application/json` needs a CORS preflight, which other sites
//! do not pass. Refusing every other body closes that door.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, mime};

use super::error::ApiError;

/// Middleware (`from_fn`): 415 with a JSON error for a request on a
/// body-carrying method whose body is not labelled JSON. Requests without
/// a body and without a `Content-Type` (an admin's approve) pass.
pub async fn require_json_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if let Err(refusal) = check(&req) {
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn check(req: &ServiceRequest) -> Result<(), ApiError> {
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return Ok(());
    }
    let labelled = req.headers().contains_key(header::CONTENT_TYPE);
    if !labelled && !carries_body(req) {
        return Ok(());
    }
    match req.mime_type() {
        Ok(Some(mime)) if is_json(&mime) => Ok(()),
        Ok(Some(mime)) => Err(refusal(&format!("got {}", mime.essence_str()))),
        Ok(None) => Err(refusal("the body has no Content-Type")),
        Err(_) => Err(refusal("the Content-Type header cannot be read")),
    }
}

/// `application/json` (any parameters, such as a charset) or a JSON-based
/// type such as `application/merge-patch+json`.
fn is_json(mime: &mime::Mime) -> bool {
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
}

/// Whether a body follows the head: a non-zero length, or chunks.
fn carries_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

fn refusal(what: &str) -> ApiError {
    ApiError::UnsupportedMediaType(format!(
        "the API reads JSON bodies only; send 'Content-Type: application/json' ({what})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_json_based_types_are_json() {
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            assert!(is_json(&json.parse().unwrap()), "{json}");
        }
        for other in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/json",
            "application/jsonp",
        ] {
            assert!(!is_json(&other.parse().unwrap()), "{other}");
        }
    }
}
