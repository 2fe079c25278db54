//! Kafka's own access control, driven from topicgate: SCRAM credentials
//! (who may log in) and ACLs (what each login may do).
//!
//! rust-rdkafka does not wrap librdkafka's ACL and SCRAM admin calls, so
//! this module does, over the native handle of an rdkafka `AdminClient`.
//! [`acl`] and [`scram`] hold the types and the calls; every `unsafe`
//! block lives in `native`. Input is checked before anything reaches
//! librdkafka (a NUL byte would cut a C string short), each request waits
//! for its result on a blocking thread, never on the async runtime, and
//! items Kafka refuses come back as [`AccessError::Items`] with Kafka's
//! own message.

pub mod acl;
mod error;
mod native;
pub mod scram;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientConfig;

pub use acl::{
    AclBinding, AclFilter, Operation, PatternFilter, PatternType, Permission, ResourceType,
};
pub use error::{AccessError, ItemFailure, KafkaFailure};
pub use scram::{SCRAM_ITERATIONS, ScramCredentialInfo, ScramMechanism, UserScramCredentials};

use crate::config::KafkaSettings;
use crate::kafka_config::{KafkaRole, client_config};

/// How long Kafka gets to answer one request unless told otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection for changing and reading access in Kafka; its calls need
/// a principal Kafka lets alter ACLs and credentials (a super user).
pub struct KafkaAccess {
    client: Arc<native::Admin>,
    request_timeout: Duration,
}

impl KafkaAccess {
    /// Connects with `config` (it must carry the brokers and the security
    /// block).
    pub fn new(config: &ClientConfig) -> Result<Self, AccessError> {
        Ok(Self {
            client: Arc::new(config.create()?),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        })
    }

    /// Connects as the producer daemon's admin client does.
    pub fn from_settings(settings: &KafkaSettings) -> Result<Self, AccessError> {
        Self::new(&client_config(settings, KafkaRole::ProducerAdmin))
    }

    /// How long each request may take before Kafka's answer counts as lost.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}
