//! Who may change a topic's state: admins and approvers by bearer token
//! (see `identity`), the producer by its shared key. Secrets compare in
//! constant time (see `config::Secret`).

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::error::ApiError;
use super::identity::Caller;
use super::state::AppState;
use crate::api::PRODUCER_KEY_HEADER;
use crate::domain::Role;

/// Proof that the caller may administer everything: the admin token, or a
/// user with the `admin` role. Carries the caller for the audit trail.
pub struct Admin(pub Caller);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        caller_with(req, payload, Role::Admin, "do this (admins only)", Admin)
    }
}

/// Proof that the caller may decide about topics: the admin token, or a
/// user with the `approver` (or `admin`) role.
pub struct Approver(pub Caller);

impl FromRequest for Approver {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        caller_with(
            req,
            payload,
            Role::Approver,
            "decide about topics",
            Approver,
        )
    }
}

/// The request's caller, once it proved to hold `role`, wrapped by `proof`.
fn caller_with<P: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    role: Role,
    what: &'static str,
    proof: fn(Caller) -> P,
) -> LocalBoxFuture<'static, Result<P, ApiError>> {
    let caller = Caller::from_request(req, payload);
    Box::pin(async move {
        let caller = caller.await?;
        caller.require(role, what)?;
        Ok(proof(caller))
    })
}

/// Proof that the request carries the admin token as a bearer token, or
/// as the password of basic auth (any user name): Confluent's clients
/// send basic auth. For the Schema Registry API.
pub struct RegistryAdmin;

impl FromRequest for RegistryAdmin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check_registry_admin(req))
    }
}

fn check_registry_admin(req: &HttpRequest) -> Result<RegistryAdmin, ApiError> {
    use base64::Engine;
    let state = state(req)?;
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let presented = if let Some(token) = header.strip_prefix("Bearer ") {
        Some(token.trim().to_owned())
    } else if let Some(encoded) = header.strip_prefix("Basic ") {
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| {
                pair.split_once(':')
                    .map(|(_, password)| password.to_owned())
            })
    } else {
        None
    };
    let Some(presented) = presented else {
        return Err(ApiError::Unauthorized(
            "admin authentication required: send the admin token as a bearer token, \
             or as the password of basic auth"
                .into(),
        ));
    };
    if state.admin_token.matches(&presented) {
        Ok(RegistryAdmin)
    } else {
        log_refused("admin token", req);
        Err(ApiError::Unauthorized("invalid admin token".into()))
    }
}

/// Proof that the request carries the producer daemon's key.
pub struct Producer;

impl FromRequest for Producer {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check_producer(req))
    }
}

fn check_producer(req: &HttpRequest) -> Result<Producer, ApiError> {
    let state = state(req)?;
    let presented = req
        .headers()
        .get(PRODUCER_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::Unauthorized(format!("missing {PRODUCER_KEY_HEADER} header")))?;
    if state.producer_key.matches(presented) {
        Ok(Producer)
    } else {
        log_refused("producer key", req);
        Err(ApiError::Unauthorized(format!(
            "invalid {PRODUCER_KEY_HEADER}"
        )))
    }
}

/// A wrong credential is worth an operator's attention (guessing, or a
/// client with a stale secret): say which kind and from where, never what
/// was presented. The address is the TCP peer, not a header a client
/// could forge.
pub(super) fn log_refused(what: &str, req: &HttpRequest) {
    let from = req
        .peer_addr()
        .map_or_else(|| "an unknown address".to_owned(), |addr| addr.to_string());
    log::warn!(
        "refused a wrong {what} from {from} ({} {})",
        req.method(),
        req.path()
    );
}

fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("application state missing")))
}
