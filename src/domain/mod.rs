//! Domain values: parsed once at the edge, trusted everywhere after.

mod actor;
mod change_request_status;
mod data_type;
mod envelope;
mod kafka_report;
mod kafka_state;
mod role;
mod schema_document;
mod status;
mod subscription_status;
mod text;
mod topic_configs;
mod topic_edit;
mod topic_id;
mod topic_name;
mod topic_name_policy;
mod topic_request;
mod user_id;

pub use actor::Actor;
pub use change_request_status::ChangeRequestStatus;
pub use data_type::DataType;
pub use envelope::Envelope;
pub use kafka_report::{CheckedKafkaReport, MAX_KAFKA_ERROR_LEN};
pub use kafka_state::KafkaState;
pub use role::{Role, Roles};
pub use schema_document::{SchemaDocument, canonical_json};
pub use status::{IllegalTransition, TopicStatus, Transition};
pub use subscription_status::SubscriptionStatus;
pub use text::{TextKind, checked_text, readable_text};
pub use topic_configs::{
    CLEANUP_POLICIES, CLEANUP_POLICY, CONFIG_KEYS, MAX_MESSAGE_BYTES, RETENTION_MS, TopicConfigs,
};
pub use topic_edit::{PartitionIncrease, TopicEdit};
pub use topic_id::TopicId;
pub use topic_name::{
    MAX_TOPIC_NAME_LEN, RESERVED_PREFIX, TopicName, TopicNameError, collision_key,
};
pub use topic_name_policy::{
    DEFAULT_DENY_PATTERNS, DenyPattern, NameRefused, TopicNamePolicy, default_deny_patterns,
};
pub use topic_request::{
    ANONYMOUS, FieldError, MAX_CREATED_BY_LEN, MAX_DESCRIPTION_LEN, MAX_PARTITIONS,
    RawTopicRequest, TopicRequest, parse_reason,
};
pub use user_id::{MAX_ACCOUNT_ID_LEN, MAX_USER_ID_LEN, UserId, parse_account_id, parse_user_id};
