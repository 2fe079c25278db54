//! How failures become HTTP answers: always JSON `{"error": "...", "code":
//! "..."}` on the API, and never an internal detail in a 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::api::{ErrorBody, ErrorCode};
use crate::db::RegistryError;
use crate::domain::{FieldError, TopicStatus};

#[derive(thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    UriTooLong(String),
    /// A dependency (Kafka) is missing, busy or did not answer; trying
    /// later may work.
    #[error("{0}")]
    Unavailable(String),
    /// No topic has that name or id.
    #[error("{0}")]
    TopicNotFound(String),
    /// The topic is not active; `status` is what it is.
    #[error("{message}")]
    TopicNotActive {
        message: String,
        status: TopicStatus,
    },
    /// The subscription exists already; nothing changed.
    #[error("{0}")]
    AlreadySubscribed(String),
    /// The user has no such subscription.
    #[error("{0}")]
    NotSubscribed(String),
    /// What Kafka holds forbids the change; `code` says how.
    #[error("{message}")]
    Kafka { message: String, code: ErrorCode },
    #[error("internal error")]
    Unexpected(#[source] anyhow::Error),
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unexpected(cause) => write!(f, "internal error: {cause:?}"),
            other => write!(f, "{other}"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TopicNotFound(_) | ApiError::NotSubscribed(_) => StatusCode::NOT_FOUND,
            ApiError::TopicNotActive { .. }
            | ApiError::AlreadySubscribed(_)
            | ApiError::Kafka { .. } => StatusCode::CONFLICT,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Unexpected(cause) = self {
            log::error!("request failed: {cause:?}");
        }
        let mut body = ErrorBody::new(self.to_string(), self.code());
        if let ApiError::TopicNotActive { status, .. } = self {
            body.topic_status = Some(*status);
        }
        let mut response = HttpResponse::build(self.status_code()).json(body);
        if matches!(self, ApiError::Unauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"topicgate\""),
            );
        }
        response
    }
}

impl ApiError {
    /// The machine-readable reason sent beside the message.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::TopicNotFound(_) => ErrorCode::TopicNotFound,
            ApiError::TopicNotActive { .. } => ErrorCode::TopicNotActive,
            ApiError::AlreadySubscribed(_) => ErrorCode::AlreadySubscribed,
            ApiError::NotSubscribed(_) => ErrorCode::NotSubscribed,
            ApiError::Kafka { code, .. } => *code,
            other => ErrorCode::for_status(other.status_code().as_u16()),
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::NotFound(what) => ApiError::NotFound(what),
            RegistryError::Conflict(why) => ApiError::Conflict(why),
            RegistryError::Forbidden(why) => ApiError::Forbidden(why),
            RegistryError::Invalid(why) => ApiError::BadRequest(why),
            RegistryError::TopicNotFound(what) => ApiError::TopicNotFound(what),
            RegistryError::TopicNotActive { message, status } => {
                ApiError::TopicNotActive { message, status }
            }
            RegistryError::NotSubscribed(what) => ApiError::NotSubscribed(what),
            RegistryError::Kafka { message, code } => ApiError::Kafka { message, code },
            RegistryError::Unexpected(cause) => ApiError::Unexpected(cause),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

impl From<actix::MailboxError> for ApiError {
    fn from(e: actix::MailboxError) -> Self {
        ApiError::Unexpected(anyhow::anyhow!("registry unavailable: {e}"))
    }
}
