//! What can go wrong when asking Kafka to change or show access.

use std::fmt;
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

/// A refusal from Kafka or librdkafka: its code and its own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaFailure {
    pub code: RDKafkaErrorCode,
    pub message: String,
}

impl fmt::Display for KafkaFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{} ({:?})", self.message, self.code)
        }
    }
}

/// One item of a request (an ACL binding, a filter or a user) that Kafka
/// refused while it may have accepted the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFailure {
    /// The item, as it was asked for: e.g. `ALLOW User:alice READ on TOPIC orders (LITERAL) from *`.
    pub item: String,
    pub failure: KafkaFailure,
}

impl fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.item, self.failure)
    }
}

/// The errors of the ACL and SCRAM calls.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Input that no request is made for: a NUL byte in a name, an empty
    /// user or password, an iteration count Kafka would refuse.
    #[error("{0}")]
    Invalid(String),
    /// The whole request failed (e.g. not authorized, broker unreachable).
    #[error("Kafka refused the request: {0}")]
    Request(KafkaFailure),
    /// Some items failed; the others took effect.
    #[error("Kafka refused {}", join(.0))]
    Items(Vec<ItemFailure>),
    /// No result arrived in the time allowed.
    #[error("no answer from Kafka within {0:?}")]
    NoResult(Duration),
    /// The admin client could not be created.
    #[error("cannot create the Kafka admin client: {0}")]
    Client(#[from] KafkaError),
    /// The thread waiting for the result failed.
    #[error("the wait for Kafka's answer failed: {0}")]
    Task(String),
}

fn join(failures: &[ItemFailure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `value`, refused when it holds a NUL byte, which C would cut it at.
pub(super) fn c_string(what: &str, value: &str) -> Result<std::ffi::CString, AccessError> {
    std::ffi::CString::new(value)
        .map_err(|_| AccessError::Invalid(format!("the {what} {value:?} contains a NUL byte")))
}
