//! Which topic names an installation refuses on top of Kafka's rules: a
//! deny list of names that belong to other tools on the same cluster. The
//! admin applies it to requests, the producer before it creates a topic.

use std::fmt;
use std::str::FromStr;

use super::topic_name::collision_key;
use super::{TopicName, TopicNameError};

/// The deny list when none is configured: Schema Registry's topic,
/// Confluent's internal topics, topicgate's own (the producers' control
/// topic) and Kafka's.
pub const DEFAULT_DENY_PATTERNS: &str = "_schemas,_confluent*,_topicgate*,__*";

/// One entry of the deny list: an exact name, or a prefix written with a
/// trailing `*`. Matching ignores case and takes `.` for `_`, as names are
/// compared for collisions: `.schemas` would block Schema Registry's
/// `_schemas` just as well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyPattern {
    Exact(String),
    Prefix(String),
}

impl DenyPattern {
    /// Whether `name` falls under this pattern.
    pub fn matches(&self, name: &TopicName) -> bool {
        let key = name.collision_key();
        match self {
            DenyPattern::Exact(exact) => key == collision_key(exact),
            DenyPattern::Prefix(prefix) => key.starts_with(&collision_key(prefix)),
        }
    }
}

impl FromStr for DenyPattern {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (body, is_prefix) = match raw.strip_suffix('*') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        if body.is_empty() {
            return Err(format!(
                "deny pattern {raw:?} is empty: give a name, or a prefix followed by '*'"
            ));
        }
        if let Some(bad) = body
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!(
                "deny pattern {raw:?}: {bad:?} cannot appear in a topic name \
                 (only a trailing '*' is a wildcard)"
            ));
        }
        let body = body.to_owned();
        Ok(if is_prefix {
            DenyPattern::Prefix(body)
        } else {
            DenyPattern::Exact(body)
        })
    }
}

impl fmt::Display for DenyPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyPattern::Exact(name) => f.write_str(name),
            DenyPattern::Prefix(prefix) => write!(f, "{prefix}*"),
        }
    }
}

/// Why a name is refused; the message names the rule that refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameRefused {
    /// Kafka's own rules, or its reserved `__` prefix.
    #[error(transparent)]
    Invalid(#[from] TopicNameError),
    /// A pattern of the deny list.
    #[error(
        "'{name}' is reserved by the deny pattern '{pattern}' \
         (--deny-topic-pattern; case and '.' versus '_' are ignored)"
    )]
    Denied { name: String, pattern: DenyPattern },
    /// A dead-letter topic's name: `<topic>.dlq` belongs to `<topic>`.
    #[error(
        "'{0}' ends in '.dlq' or '_dlq', which is kept for dead-letter topics \
         (topicgate makes '<topic>.dlq' for each topic; Kafka takes '.' and '_' as the same)"
    )]
    DeadLetter(String),
}

/// The names this installation accepts: Kafka-legal, not Kafka's own, and
/// not on the deny list. One value for the admin and the producer, so both
/// refuse the same names for the same reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicNamePolicy {
    deny: Vec<DenyPattern>,
}

impl TopicNamePolicy {
    /// A policy with this deny list. The reserved `__` prefix is refused
    /// whatever the list says.
    pub fn new(deny: Vec<DenyPattern>) -> Self {
        Self { deny }
    }

    /// The configured deny list.
    pub fn deny_patterns(&self) -> &[DenyPattern] {
        &self.deny
    }

    /// Parses `raw` and checks it against the deny list.
    pub fn parse(&self, raw: &str) -> Result<TopicName, NameRefused> {
        let name = TopicName::parse(raw)?;
        match self.deny.iter().find(|pattern| pattern.matches(&name)) {
            Some(pattern) => Err(NameRefused::Denied {
                name: name.into_inner(),
                pattern: pattern.clone(),
            }),
            None => Ok(name),
        }
    }
}

impl TopicNamePolicy {
    /// [`TopicNamePolicy::parse`] for a new topic request, which may not
    /// take a dead-letter topic's name either. Only requests are held to
    /// it: a registry may hold such a topic from before the rule.
    pub fn parse_request(&self, raw: &str) -> Result<TopicName, NameRefused> {
        let name = self.parse(raw)?;
        if crate::schema::is_dlq_name(name.as_str()) {
            return Err(NameRefused::DeadLetter(name.into_inner()));
        }
        Ok(name)
    }
}

impl Default for TopicNamePolicy {
    fn default() -> Self {
        Self::new(default_deny_patterns())
    }
}

/// [`DEFAULT_DENY_PATTERNS`], parsed.
pub fn default_deny_patterns() -> Vec<DenyPattern> {
    DEFAULT_DENY_PATTERNS
        .split(',')
        .filter_map(|raw| raw.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_by(policy: &TopicNamePolicy, name: &str) -> Option<String> {
        match policy.parse(name) {
            Ok(_) => None,
            Err(NameRefused::Denied { pattern, .. }) => Some(pattern.to_string()),
            Err(NameRefused::Invalid(e)) => Some(format!("invalid: {e}")),
            Err(other) => Some(other.to_string()),
        }
    }

    #[test]
    fn the_default_list_refuses_other_tools_topics() {
        let policy = TopicNamePolicy::default();
        assert_eq!(policy.deny_patterns().len(), 4);
        assert_eq!(
            refused_by(&policy, "_topicgate_producers").as_deref(),
            Some("_topicgate*")
        );
        assert_eq!(refused_by(&policy, "_schemas").as_deref(), Some("_schemas"));
        assert_eq!(refused_by(&policy, ".Schemas").as_deref(), Some("_schemas"));
        assert_eq!(
            refused_by(&policy, "_confluent-metrics").as_deref(),
            Some("_confluent*")
        );
        assert_eq!(
            refused_by(&policy, "_CONFLUENT.command").as_deref(),
            Some("_confluent*")
        );
        assert!(
            refused_by(&policy, "__consumer_offsets")
                .unwrap()
                .contains("reserved for Kafka's internal topics")
        );
        for fine in ["schemas", "_schemas2", "my_confluent", "sensor_data"] {
            assert_eq!(refused_by(&policy, fine), None, "{fine}");
        }
    }

    #[test]
    fn a_custom_list_replaces_the_default_but_never_the_reserved_prefix() {
        let policy = TopicNamePolicy::new(vec!["team-x.*".parse().unwrap()]);
        assert_eq!(
            refused_by(&policy, "team-x_orders").as_deref(),
            Some("team-x.*")
        );
        assert_eq!(refused_by(&policy, "_schemas"), None);
        assert!(refused_by(&policy, "__consumer_offsets").is_some());
        let empty = TopicNamePolicy::new(Vec::new());
        assert!(refused_by(&empty, "__transaction_state").is_some());
    }

    #[test]
    fn patterns_are_names_or_trailing_star_prefixes() {
        assert_eq!(
            "_schemas".parse::<DenyPattern>(),
            Ok(DenyPattern::Exact("_schemas".into()))
        );
        assert_eq!(
            " ops* ".parse::<DenyPattern>(),
            Ok(DenyPattern::Prefix("ops".into()))
        );
        for bad in ["", "*", "a*b*", "*x", "has space", "x?"] {
            assert!(bad.parse::<DenyPattern>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn requests_may_not_take_a_dead_letter_topic_name() {
        let policy = TopicNamePolicy::default();
        for dlq in ["orders.dlq", "orders_dlq", "Orders.DLQ"] {
            assert!(
                matches!(policy.parse_request(dlq), Err(NameRefused::DeadLetter(_))),
                "{dlq}"
            );
            assert!(policy.parse(dlq).is_ok(), "{dlq}");
        }
        assert!(policy.parse_request("dlq_orders").is_ok());
    }

    #[test]
    fn the_message_names_the_pattern() {
        let err = TopicNamePolicy::default().parse("_schemas").unwrap_err();
        assert!(err.to_string().contains("deny pattern '_schemas'"), "{err}");
    }
}
