//! Exponential backoff for retrying a remote service that is down.
//!
//! Hand-written on purpose: the actors need only "next delay" and "reset",
//! driven by their own timers (`ctx.run_later`); the backoff crates bring
//! their own async retry loops, jitter policies and clocks, which would not
//! make these few lines shorter.

use std::time::Duration;

/// Delays that double from `initial` up to `max`, so a service that is down
/// is asked less and less often, and `reset` once it answers again.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
    failures: u32,
}

impl Backoff {
    /// `max` below `initial` is raised to `initial`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max: max.max(initial),
            next: initial,
            failures: 0,
        }
    }

    /// Records a failure and returns how long to wait before the next try.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        self.failures = self.failures.saturating_add(1);
        delay
    }

    /// Forgets past failures after a success.
    pub fn reset(&mut self) {
        self.next = self.initial;
        self.failures = 0;
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        let delays: Vec<u64> = (0..6).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.failures(), 6);
    }

    #[test]
    fn reset_starts_over() {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        backoff.next_delay();
        backoff.next_delay();
        backoff.reset();
        assert_eq!(backoff.failures(), 0);
        assert_eq!(backoff.next_delay(), Duration::from_millis(200));
    }

    #[test]
    fn a_cap_below_the_start_is_raised() {
        let mut backoff = Backoff::new(Duration::from_secs(3), Duration::from_secs(1));
        assert_eq!(backoff.next_delay(), Duration::from_secs(3));
        assert_eq!(backoff.next_delay(), Duration::from_secs(3));
    }
}
