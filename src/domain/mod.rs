//! Domain values: parsed once at the edge, trusted everywhere after.

mod data_type;
mod envelope;
mod status;
mod topic_name;

pub use data_type::DataType;
pub use envelope::Envelope;
pub use status::{IllegalTransition, TopicStatus, Transition};
pub use topic_name::{TopicName, TopicNameError};
