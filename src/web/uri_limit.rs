//! Refuses very long URLs with a JSON 414. actix-http accepts request heads
//! up to 128 KiB (larger ones get its own bare 431), so a 100 KB URL would
//! otherwise reach the handlers, and some of them echo the path back.

use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::error::ApiError;

/// Longest path and query string served, in bytes: ample for every route
/// and filter the API has.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Middleware (`from_fn`): 414 with a JSON error for a longer URL.
pub async fn refuse_long_uris(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let length = req
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if length > MAX_URI_BYTES {
        let refusal = ApiError::UriTooLong(format!(
            "the URL is {length} bytes long; at most {MAX_URI_BYTES} are served"
        ));
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
