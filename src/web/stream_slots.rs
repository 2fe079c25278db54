//! The bound on live tails: each open stream holds a slot, a Kafka
//! consumer and a bounded buffer, and there are at most `max` slots.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The live tails (`GET /api/topics/{name}/stream`) this process may hold
/// open at once (`--max-streams`). [`StreamSlots::open`] is the number
/// open now, for a gauge.
#[derive(Clone, Debug)]
pub struct StreamSlots {
    max: usize,
    open: Arc<AtomicUsize>,
}

/// One open stream's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct StreamSlot {
    open: Arc<AtomicUsize>,
}

impl StreamSlots {
    /// Room for `max` streams.
    pub fn new(max: usize) -> Self {
        Self {
            max,
            open: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many streams are open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// How many streams may be open at once.
    pub fn max(&self) -> usize {
        self.max
    }

    /// A slot, or `None` when all `max` are taken.
    pub fn take(&self) -> Option<StreamSlot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .ok()
            .map(|_| StreamSlot {
                open: Arc::clone(&self.open),
            })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_freed_on_drop() {
        let slots = StreamSlots::new(2);
        let first = slots.take().unwrap();
        let second = slots.take().unwrap();
        assert!(slots.take().is_none());
        assert_eq!(slots.open(), 2);
        drop(first);
        assert_eq!(slots.open(), 1);
        let _third = slots.take().unwrap();
        drop(second);
        assert_eq!(slots.open(), 1);
    }
}
