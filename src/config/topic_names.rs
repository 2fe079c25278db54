//! `--deny-topic-pattern`, shared by the admin and the producer so both
//! refuse the same names.

use crate::domain::{DenyPattern, TopicNamePolicy, default_deny_patterns};

/// The deny list of topic names, as flags.
#[derive(Debug, Clone, clap::Args)]
pub struct TopicNameArgs {
    /// A topic name to refuse: an exact name, or a prefix ending in '*'.
    /// Repeat the flag (or separate with commas) for several; a list given
    /// here replaces the default. Names starting with '__' (Kafka's own)
    /// are refused whatever the list says.
    #[arg(
        long = "deny-topic-pattern",
        value_name = "PATTERN",
        env = "TOPICGATE_DENY_TOPIC_PATTERNS",
        value_delimiter = ',',
        default_values_t = default_deny_patterns(),
        value_parser = parse_pattern
    )]
    pub deny_topic_patterns: Vec<DenyPattern>,
}

impl TopicNameArgs {
    /// The policy these flags describe.
    pub fn policy(&self) -> TopicNamePolicy {
        TopicNamePolicy::new(self.deny_topic_patterns.clone())
    }
}

fn parse_pattern(raw: &str) -> Result<DenyPattern, String> {
    raw.parse()
}
