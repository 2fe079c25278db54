//! When a generator makes records and how many at a time.
//!
//! Not a rate-limiter crate (governor and the like): those answer "may one
//! more go now?", one permit at a time, while a generator needs "how many
//! in the next batch, and when": batching is what keeps an unthrottled or
//! high-rate topic cheap per record (docs/benchmarks.md).

use std::time::{Duration, Instant};

use rand::Rng;

use crate::config::Pace;

/// Records made per step when unthrottled: large enough that passing a
/// batch between actors costs little per record, small enough that the
/// publisher's buffer bound stays tight.
pub const UNTHROTTLED_BATCH: usize = 512;

/// Most records one step of a rate-limited generator makes.
const MAX_RATE_BATCH: u64 = 512;

/// Shortest wait between two steps of a rate-limited generator; higher
/// rates are met with bigger batches rather than finer timers.
const MIN_TICK: Duration = Duration::from_millis(10);

/// What a generator does now: make `batch` records, then wait `wait`
/// (after the publisher took them) before asking again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub batch: usize,
    pub wait: Duration,
}

/// Turns a [`Pace`] into steps.
#[derive(Debug, Clone)]
pub struct Pacer {
    pace: Pace,
    since: Instant,
    made: u64,
}

impl Pacer {
    pub fn new(pace: Pace, now: Instant) -> Self {
        Self {
            pace,
            since: now,
            made: 0,
        }
    }

    /// Starts counting afresh, e.g. after a restart.
    pub fn reset(&mut self, now: Instant) {
        self.since = now;
        self.made = 0;
    }

    /// The next step at time `now`.
    pub fn next(&mut self, now: Instant, rng: &mut impl Rng) -> Step {
        match self.pace {
            Pace::Relaxed => Step {
                batch: 1,
                wait: Duration::from_secs_f64(rng.random_range(0.5..1.5)),
            },
            Pace::Unthrottled => Step {
                batch: UNTHROTTLED_BATCH,
                wait: Duration::ZERO,
            },
            Pace::Rate(rate) => self.rate_step(rate, now),
        }
    }

    fn rate_step(&mut self, rate: f64, now: Instant) -> Step {
        let tick = Duration::from_secs_f64(1.0 / rate).max(MIN_TICK);
        let owed = (rate * now.duration_since(self.since).as_secs_f64()) as u64;
        let mut due = owed.saturating_sub(self.made);
        // After a stall (Kafka down, buffer full) the generator resumes at
        // its rate instead of bursting to catch up with what it missed.
        let burst = (rate.ceil() as u64).max(1);
        if due > burst {
            self.made = owed - burst;
            due = burst;
        }
        let batch = due.min(MAX_RATE_BATCH);
        self.made += batch;
        // Rates beyond one full batch per tick come back at once for more.
        let wait = if due > MAX_RATE_BATCH {
            Duration::ZERO
        } else {
            tick
        };
        Step {
            batch: batch as usize,
            wait,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;

    #[test]
    fn relaxed_makes_one_record_every_half_to_one_and_a_half_seconds() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut pacer = Pacer::new(Pace::Relaxed, Instant::now());
        for _ in 0..100 {
            let step = pacer.next(Instant::now(), &mut rng);
            assert_eq!(step.batch, 1);
            assert!((0.5..1.5).contains(&step.wait.as_secs_f64()), "{step:?}");
        }
    }

    #[test]
    fn a_rate_is_met_on_average() {
        let mut rng = SmallRng::seed_from_u64(1);
        let start = Instant::now();
        let mut pacer = Pacer::new(Pace::Rate(250.0), start);
        let mut now = start;
        let mut made = 0;
        while now < start + Duration::from_secs(10) {
            let step = pacer.next(now, &mut rng);
            made += step.batch;
            now += step.wait;
        }
        assert!((2_480..=2_510).contains(&made), "{made}");
    }

    #[test]
    fn rates_above_one_batch_per_tick_are_met_too() {
        let mut rng = SmallRng::seed_from_u64(1);
        let start = Instant::now();
        let mut pacer = Pacer::new(Pace::Rate(200_000.0), start);
        let mut now = start;
        let mut made = 0;
        while now < start + Duration::from_secs(1) {
            let step = pacer.next(now, &mut rng);
            made += step.batch;
            // Making and handing over a batch takes a little time.
            now += step.wait.max(Duration::from_micros(500));
        }
        assert!((199_000..=200_600).contains(&made), "{made}");
    }

    #[test]
    fn a_stall_does_not_cause_a_burst() {
        let mut rng = SmallRng::seed_from_u64(1);
        let start = Instant::now();
        let mut pacer = Pacer::new(Pace::Rate(100.0), start);
        pacer.next(start, &mut rng);
        let step = pacer.next(start + Duration::from_secs(60), &mut rng);
        assert_eq!(step.batch, 100);
        let step = pacer.next(start + Duration::from_millis(60_010), &mut rng);
        assert_eq!(step.batch, 1);
    }

    #[test]
    fn unthrottled_never_waits() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut pacer = Pacer::new(Pace::Unthrottled, Instant::now());
        let step = pacer.next(Instant::now(), &mut rng);
        assert_eq!(
            step,
            Step {
                batch: UNTHROTTLED_BATCH,
                wait: Duration::ZERO
            }
        );
    }
}
