//! Errors of the Schema Registry API in Confluent's shape:
//! `{"error_code": 40401, "message": "..."}` with its media type, so
//! Confluent's clients read them as they read Schema Registry's own.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use super::CONTENT_TYPE;
use crate::db::RegistryError;
use crate::web::ApiError;

/// A refusal with Confluent's error code (its first three digits are the
/// HTTP status).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RegistryApiError {
    status: StatusCode,
    error_code: u32,
    message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error_code: u32,
    message: &'a str,
}

impl RegistryApiError {
    fn new(status: StatusCode, error_code: u32, message: String) -> Self {
        Self {
            status,
            error_code,
            message,
        }
    }

    /// 40401: no approved version of the subject.
    pub fn subject_not_found(subject: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            40401,
            format!("Subject '{subject}' not found."),
        )
    }

    /// 40402: the subject has no such version.
    pub fn version_not_found(version: i32) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            40402,
            format!("Version {version} not found."),
        )
    }

    /// 40403: no approved schema has this id.
    pub fn schema_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            40403,
            format!("Schema {id} not found"),
        )
    }

    /// 42202: not a version number nor `latest`.
    pub fn invalid_version(given: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            42202,
            format!(
                "The specified version '{given}' is not a valid version id. \
                 Allowed values are between [1, 2^31-1] and the string \"latest\""
            ),
        )
    }

    /// An error from outside the handlers (unknown route, wrong method):
    /// Confluent answers these with the bare HTTP status as the code.
    fn from_status(status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("Error");
        Self::new(
            status,
            u32::from(status.as_u16()),
            format!("HTTP {} {reason}", status.as_u16()),
        )
    }
}

impl ResponseError for RegistryApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type(CONTENT_TYPE)
            .json(ErrorBody {
                error_code: self.error_code,
                message: &self.message,
            })
    }
}

impl From<ApiError> for RegistryApiError {
    fn from(e: ApiError) -> Self {
        let status = e.status_code();
        if status.is_server_error() {
            log::error!("schema registry request failed: {e:?}");
            // Confluent's code for a failure of its store.
            return Self::new(status, 50001, "Error in the backend data store".into());
        }
        Self::new(status, u32::from(status.as_u16()), e.to_string())
    }
}

impl From<RegistryError> for RegistryApiError {
    fn from(e: RegistryError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<actix::MailboxError> for RegistryApiError {
    fn from(e: actix::MailboxError) -> Self {
        ApiError::from(e).into()
    }
}

/// Gives errors made outside the handlers (404 for an unknown path, 405,
/// a body too large) Confluent's error body and media type.
pub fn confluent_error_body<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let ours = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == CONTENT_TYPE.as_bytes());
    if ours {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, original) = res.into_parts();
    let mut response: HttpResponse<BoxBody> =
        RegistryApiError::from_status(status).error_response();
    // Keep what the error said besides its body (`Allow`, say).
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
