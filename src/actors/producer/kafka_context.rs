//! Puts librdkafka's own log lines and client errors into our log, tagged
//! with the client's role, so broker trouble shows up where people look.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;

/// The same client error is not logged again within this long: librdkafka
/// can report one error through more than one of its queues.
const REPEAT_QUIET: Duration = Duration::from_secs(5);

/// A client context that only logs; used by the topic-creating admin client
/// and wrapped by the publisher's delivery context.
#[derive(Debug)]
pub struct LoggingContext {
    role: &'static str,
    last_error: Mutex<Option<(String, Instant)>>,
}

impl LoggingContext {
    /// `role` names the client in every line ("publisher", "kafka-admin").
    pub fn new(role: &'static str) -> Self {
        Self {
            role,
            last_error: Mutex::new(None),
        }
    }

    /// Logs a librdkafka log line under the `kafka` target.
    pub fn log_line(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        let role = self.role;
        match level {
            RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
                log::error!(target: "kafka", "{role}: {facility}: {message}")
            }
            // librdkafka reports a broker it cannot reach at error level,
            // but it keeps reconnecting by itself: a warning says it better.
            RDKafkaLogLevel::Error | RDKafkaLogLevel::Warning => {
                log::warn!(target: "kafka", "{role}: {facility}: {message}")
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                log::info!(target: "kafka", "{role}: {facility}: {message}")
            }
            RDKafkaLogLevel::Debug => log::debug!(target: "kafka", "{role}: {facility}: {message}"),
        }
    }

    /// Logs a client-wide error. librdkafka already folds repeats of the
    /// same error into one line ("N identical error(s) suppressed").
    pub fn log_error(&self, error: &KafkaError, reason: &str) {
        if self.repeated(error, reason) {
            return;
        }
        let role = self.role;
        if matches!(error.rdkafka_error_code(), Some(code) if code == rdkafka::types::RDKafkaErrorCode::Fatal)
        {
            log::error!(target: "kafka", "{role}: fatal Kafka error: {error}: {reason}");
        } else {
            log::warn!(target: "kafka", "{role}: Kafka error: {error}: {reason}");
        }
    }
}

impl LoggingContext {
    fn repeated(&self, error: &KafkaError, reason: &str) -> bool {
        let text = format!("{error}: {reason}");
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        if let Some((previous, at)) = last.as_ref()
            && *previous == text
            && now.duration_since(*at) < REPEAT_QUIET
        {
            return true;
        }
        *last = Some((text, now));
        false
    }
}

impl ClientContext for LoggingContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.log_line(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.log_error(&error, reason);
    }
}
