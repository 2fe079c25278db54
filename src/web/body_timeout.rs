//! Cuts off request bodies that arrive too slowly. actix-http bounds the
//! time for a request's head but not for its body, so a client could hold a
//! worker's connection forever by trickling bytes; here the body must be
//! complete within a deadline counted from the head's arrival.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::Stream;
use tokio::time::Sleep;

use super::error::ApiError;

/// Middleware (`from_fn`, with the deadline bound in a closure): a request
/// whose body is not complete `timeout` after its head gets a 408 with a
/// JSON error, and its connection is closed.
pub async fn cut_slow_bodies(
    timeout: Duration,
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if !expects_body(&req) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let expired = Rc::new(Cell::new(false));
    let payload = req.take_payload();
    req.set_payload(Payload::from(Box::pin(Deadline {
        inner: payload,
        timer: Box::pin(tokio::time::sleep(timeout)),
        expired: Rc::clone(&expired),
    })
        as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>));
    let response = next.call(req).await?;
    if !expired.get() {
        return Ok(response.map_into_left_body());
    }
    log::warn!(
        "request body from {} not complete after {timeout:?}; closing the connection",
        response
            .request()
            .peer_addr()
            .map_or_else(|| "an unknown address".into(), |a| a.ip().to_string())
    );
    let mut refusal = ApiError::RequestTimeout(format!(
        "the request body did not arrive within {}s",
        timeout.as_secs_f64()
    ))
    .error_response();
    // What is left of the body will not be read: the connection cannot
    // carry another request.
    refusal
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    let (req, _) = response.into_parts();
    Ok(ServiceResponse::new(req, refusal).map_into_right_body())
}

/// Whether the head announces a body: a non-zero length, or chunks.
fn expects_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// The body's stream, failing once the deadline has passed.
struct Deadline {
    inner: Payload,
    timer: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired.set(true);
                Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "request body timed out",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
