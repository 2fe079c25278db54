//! Changes to a topic's size after its request: an admin's edit of a
//! topic Kafka refused, and a request for more partitions.

use super::topic_request::{FieldError, MAX_PARTITIONS, bounded};

/// New partitions and replication factor for an approved topic Kafka
/// refused or that collides; a field left out keeps its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicEdit {
    pub partitions: Option<i32>,
    pub replication_factor: Option<i32>,
}

impl TopicEdit {
    /// Checks the fields by the rules of a new request: partitions within
    /// 1..=`MAX_PARTITIONS`, replication factor within
    /// 1..=`max_replication_factor`.
    pub fn parse(
        partitions: Option<i64>,
        replication_factor: Option<i64>,
        max_replication_factor: i32,
    ) -> Result<Self, FieldError> {
        let partitions = partitions
            .map(|p| bounded("partitions", Some(p), 0, MAX_PARTITIONS))
            .transpose()?;
        let replication_factor = replication_factor
            .map(|rf| {
                bounded(
                    "replication_factor",
                    Some(rf),
                    0,
                    i64::from(max_replication_factor),
                )
            })
            .transpose()?;
        Ok(Self {
            partitions,
            replication_factor,
        })
    }
}

/// A checked request to raise an active topic's partitions: Kafka can add
/// partitions but never remove them, so only a larger count is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionIncrease {
    pub from: i32,
    pub to: i32,
}

impl PartitionIncrease {
    /// `requested` must exceed `current` and stay within `MAX_PARTITIONS`.
    pub fn parse(current: i32, requested: i64) -> Result<Self, FieldError> {
        let to = bounded("partitions", Some(requested), 0, MAX_PARTITIONS)?;
        if to <= current {
            return Err(FieldError::new(
                "partitions",
                format!(
                    "must be greater than the current {current}: Kafka cannot remove partitions"
                ),
            ));
        }
        Ok(Self { from: current, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_checks_both_bounds() {
        assert!(TopicEdit::parse(Some(0), None, 3).is_err());
        assert!(TopicEdit::parse(None, Some(4), 3).is_err());
        assert_eq!(
            TopicEdit::parse(Some(6), Some(3), 3).unwrap(),
            TopicEdit {
                partitions: Some(6),
                replication_factor: Some(3)
            }
        );
    }

    #[test]
    fn increase_must_grow() {
        assert!(PartitionIncrease::parse(3, 3).is_err());
        assert!(PartitionIncrease::parse(3, 2).is_err());
        assert!(PartitionIncrease::parse(3, MAX_PARTITIONS + 1).is_err());
        assert_eq!(
            PartitionIncrease::parse(3, 5).unwrap(),
            PartitionIncrease { from: 3, to: 5 }
        );
    }
}
