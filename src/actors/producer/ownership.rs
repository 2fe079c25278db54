//! Which producer daemon generates which topic.
//!
//! The daemons share a consumer group on a control topic of
//! [`CONTROL_PARTITIONS`] partitions; a topic belongs to whichever daemon
//! Kafka assigned the partition [`control_partition`] names. The hash is
//! FNV-1a over the name's bytes, so every daemon, whatever its build or
//! platform, agrees (Rust's default hasher is seeded at random per process).

use std::collections::BTreeSet;
use std::hash::Hasher;

use fnv::FnvHasher;

/// Partitions of the control topic: the most daemons that can share the
/// work. Fixed, since every daemon must compute the same owner.
pub const CONTROL_PARTITIONS: i32 = 12;

/// The control partition whose holder generates `topic`.
pub fn control_partition(topic: &str, partitions: i32) -> i32 {
    let mut hasher = FnvHasher::default();
    hasher.write(topic.as_bytes());
    let buckets = u64::try_from(partitions.max(1)).unwrap_or(1);
    // Below `partitions`, which is an i32: the conversion cannot fail.
    i32::try_from(hasher.finish() % buckets).unwrap_or(0)
}

/// The control partitions this daemon holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owned(BTreeSet<i32>);

impl Owned {
    /// Whether this daemon generates `topic`.
    pub fn owns(&self, topic: &str) -> bool {
        self.0
            .contains(&control_partition(topic, CONTROL_PARTITIONS))
    }

    /// Holds exactly `partitions`: the group's eager protocol hands each
    /// member its whole assignment, so an assignment after a lost one
    /// (see `ownership_group`) drops what went to others meanwhile.
    pub fn replace(&mut self, partitions: impl IntoIterator<Item = i32>) {
        self.0 = partitions.into_iter().collect();
    }

    /// Gives up `partitions` (a revocation).
    pub fn remove(&mut self, partitions: impl IntoIterator<Item = i32>) {
        for partition in partitions {
            self.0.remove(&partition);
        }
    }

    /// How many control partitions are held.
    pub fn count(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_is_fnv1a_and_the_same_everywhere() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c, published with the algorithm.
        assert_eq!(
            control_partition("a", CONTROL_PARTITIONS),
            (0xaf63dc4c8601ec8c_u64 % 12) as i32
        );
        assert_eq!(
            control_partition("", CONTROL_PARTITIONS),
            (0xcbf29ce484222325_u64 % 12) as i32
        );
        assert_eq!(
            control_partition("sensor_data", CONTROL_PARTITIONS),
            control_partition("sensor_data", CONTROL_PARTITIONS)
        );
    }

    #[test]
    fn every_topic_lands_in_range_and_topics_spread() {
        let mut seen = BTreeSet::new();
        for n in 0..200 {
            let partition = control_partition(&format!("topic-{n}"), CONTROL_PARTITIONS);
            assert!((0..CONTROL_PARTITIONS).contains(&partition), "{partition}");
            seen.insert(partition);
        }
        assert_eq!(seen.len(), CONTROL_PARTITIONS as usize, "{seen:?}");
        assert_eq!(control_partition("x", 0), 0);
        assert_eq!(control_partition("x", 1), 0);
    }

    #[test]
    fn a_topic_is_owned_while_its_partition_is_held() {
        let topic = "orders";
        let partition = control_partition(topic, CONTROL_PARTITIONS);
        let mut owned = Owned::default();
        assert!(!owned.owns(topic));
        owned.replace([partition]);
        assert!(owned.owns(topic));
        owned.remove([partition]);
        assert!(!owned.owns(topic));
        owned.replace(0..CONTROL_PARTITIONS);
        assert!(owned.owns(topic) && owned.count() == 12);
        // A new assignment is the whole of it: what it leaves out is gone.
        owned.replace([(partition + 1) % CONTROL_PARTITIONS]);
        assert!(!owned.owns(topic) && owned.count() == 1);
    }
}
