//! Puts librdkafka's own log lines and client errors into our log, tagged
//! with the client's role, so broker trouble shows up where people look.

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;

/// A client context that only logs; used by the topic-creating admin client
/// and wrapped by the publisher's delivery context.
#[derive(Debug, Clone, Copy)]
pub struct LoggingContext {
    role: &'static str,
}

impl LoggingContext {
    /// `role` names the client in every line ("publisher", "kafka-admin").
    pub fn new(role: &'static str) -> Self {
        Self { role }
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
        let role = self.role;
        if matches!(error.rdkafka_error_code(), Some(code) if code == rdkafka::types::RDKafkaErrorCode::Fatal)
        {
            log::error!(target: "kafka", "{role}: fatal Kafka error: {error}: {reason}");
        } else {
            log::warn!(target: "kafka", "{role}: Kafka error: {error}: {reason}");
        }
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
