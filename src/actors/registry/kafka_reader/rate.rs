//! Records per second into a topic, from its high watermarks over time.
//!
//! Each read of a topic's details adds a sample (when, sum of the
//! partitions' high watermarks) to that topic's short queue; the rate is the
//! growth between the oldest and the newest sample over the time between
//! them. A high watermark only grows as records are written (retention
//! moves the low one), so this counts writes, not what is kept. The queue
//! holds at most [`SAMPLES_PER_TOPIC`] samples, each at least
//! [`MIN_SPACING`] after the one before (closer reads reuse the queue) and
//! none older than [`MAX_AGE`], and at most [`MAX_TOPICS`] topics are
//! tracked (the one read longest ago goes first), so memory stays bounded
//! whatever is asked.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Samples kept per topic.
const SAMPLES_PER_TOPIC: usize = 8;
/// Reads closer than this to the newest sample add none: a rate over a
/// few milliseconds would be noise.
const MIN_SPACING: Duration = Duration::from_secs(1);
/// Samples older than this say nothing about the rate now.
const MAX_AGE: Duration = Duration::from_secs(600);
/// Topics tracked at once.
const MAX_TOPICS: usize = 1024;

/// The samples of every topic read lately.
#[derive(Debug, Default)]
pub(super) struct RateBook {
    topics: HashMap<String, VecDeque<(Instant, i64)>>,
}

impl RateBook {
    /// Records that `topic`'s high watermarks summed to `written` at `now`,
    /// and answers the rate over the samples kept, if there are two.
    pub(super) fn sample(&mut self, topic: &str, now: Instant, written: i64) -> Option<f64> {
        if !self.topics.contains_key(topic) && self.topics.len() >= MAX_TOPICS {
            self.forget_stalest();
        }
        let samples = self.topics.entry(topic.to_owned()).or_default();
        // Fewer records than before: the topic was deleted and made again.
        if samples.back().is_some_and(|(_, last)| *last > written) {
            samples.clear();
        }
        while samples
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) > MAX_AGE)
        {
            samples.pop_front();
        }
        let spaced = samples
            .back()
            .is_none_or(|(at, _)| now.saturating_duration_since(*at) >= MIN_SPACING);
        if spaced {
            if samples.len() == SAMPLES_PER_TOPIC {
                samples.pop_front();
            }
            samples.push_back((now, written));
        }
        let (first_at, first) = *samples.front()?;
        let (last_at, last) = *samples.back()?;
        let seconds = last_at.saturating_duration_since(first_at).as_secs_f64();
        (seconds > 0.0).then(|| (last - first) as f64 / seconds)
    }

    fn forget_stalest(&mut self) {
        let stalest = self
            .topics
            .iter()
            .min_by_key(|(_, samples)| samples.back().map(|(at, _)| *at))
            .map(|(name, _)| name.clone());
        if let Some(name) = stalest {
            self.topics.remove(&name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_the_growth_over_the_time_between_samples() {
        let mut book = RateBook::default();
        let start = Instant::now();
        assert_eq!(book.sample("t", start, 100), None);
        // Too close to the first sample to add one.
        assert_eq!(
            book.sample("t", start + Duration::from_millis(10), 150),
            None
        );
        let rate = book
            .sample("t", start + Duration::from_secs(4), 300)
            .unwrap();
        assert!((rate - 50.0).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn a_recreated_topic_starts_over_and_old_samples_age_out() {
        let mut book = RateBook::default();
        let start = Instant::now();
        book.sample("t", start, 1000);
        assert_eq!(book.sample("t", start + Duration::from_secs(2), 10), None);
        let rate = book
            .sample("t", start + Duration::from_secs(4), 30)
            .unwrap();
        assert!((rate - 10.0).abs() < 1e-9, "{rate}");
        let later = start + Duration::from_secs(4) + MAX_AGE + Duration::from_secs(1);
        assert_eq!(book.sample("t", later, 90), None);
        assert_eq!(book.topics["t"].len(), 1);
    }

    #[test]
    fn samples_and_topics_are_bounded() {
        let mut book = RateBook::default();
        let start = Instant::now();
        for i in 0..(SAMPLES_PER_TOPIC as u64 * 3) {
            book.sample("t", start + Duration::from_secs(i), i as i64);
        }
        assert_eq!(book.topics["t"].len(), SAMPLES_PER_TOPIC);
        for i in 0..(MAX_TOPICS + 10) {
            book.sample(&format!("topic-{i}"), start, 0);
        }
        assert_eq!(book.topics.len(), MAX_TOPICS);
    }
}
