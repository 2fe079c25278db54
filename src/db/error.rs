use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::domain::TopicStatus;

/// What the registry can answer instead of a result.
#[derive(thiserror::Error)]
pub enum RegistryError {
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// No topic has that name or id.
    #[error("{0}")]
    TopicNotFound(String),
    /// The topic exists, but only an active one will do.
    #[error("{message}")]
    TopicNotActive {
        message: String,
        status: TopicStatus,
    },
    /// The user has no such subscription.
    #[error("{0}")]
    NotSubscribed(String),
    /// The request contradicts the current state (illegal transition,
    /// duplicate name).
    #[error("{0}")]
    Conflict(String),
    /// A value in the request breaks a rule the stored state decides
    /// (say, fewer partitions than the topic has).
    #[error("{0}")]
    Invalid(String),
    /// The caller may not do this to this thing (not its requester).
    #[error("{0}")]
    Forbidden(String),
    /// What Kafka holds forbids the change (see `ErrorCode`).
    #[error("{message}")]
    Kafka {
        message: String,
        code: crate::api::ErrorCode,
    },
    /// Anything else: storage failures. Shown to clients only as a generic
    /// message; the cause goes to the log.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl std::fmt::Debug for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::Unexpected(e) => write!(f, "{e:?}"),
            other => write!(f, "{other}"),
        }
    }
}

impl From<DieselError> for RegistryError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => RegistryError::NotFound("not found".into()),
            other => RegistryError::Unexpected(anyhow::Error::new(other).context("database query")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for RegistryError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        RegistryError::Unexpected(anyhow::Error::new(e).context("no database connection"))
    }
}

/// True when `e` is a UNIQUE constraint violation.
pub(super) fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}
