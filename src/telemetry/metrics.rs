//! Prometheus metrics: the registry every role fills, its text exposition,
//! and a lock-free histogram for hot paths.
//!
//! Built on `prometheus-client`, the Prometheus project's own Rust client.
//! It can write both OpenMetrics and the classic text format (0.0.4); we
//! serve the classic one, because that is what `promtool check metrics`
//! lints (it reads OpenMetrics' `# EOF` and `_created` series as noise) and
//! what every Prometheus version scrapes. `metrics-exporter-prometheus`
//! writes the classic format too, but it keeps one process-wide recorder,
//! which would mix the series of roles that tests run in one process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};
pub use prometheus_client::registry::Registry;

/// The `Content-Type` of what [`render`] writes.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Every metric's name starts with this (`topicgate_http_requests_total`).
pub const PREFIX: &str = "topicgate";

/// A registry whose metrics are all named `topicgate_*`.
pub fn new_registry() -> Registry {
    Registry::with_prefix(PREFIX)
}

/// The registry in Prometheus' text format (version 0.0.4).
pub fn render(registry: &Registry) -> Result<String, std::fmt::Error> {
    let mut text = String::with_capacity(4096);
    prometheus_client::encoding::prometheus_text::encode(&mut text, registry)?;
    Ok(text)
}

/// Bucket bounds, in seconds, for latencies from half a millisecond to
/// about eight seconds (doubling).
pub fn latency_buckets() -> Vec<f64> {
    prometheus_client::metrics::histogram::exponential_buckets(0.0005, 2.0, 15).collect()
}

/// A histogram whose `observe` is a few atomic additions, for paths run
/// once per record (`prometheus_client`'s own histogram takes a lock).
/// Cloning shares it. The sum is kept in microseconds, so observations
/// are meant to be seconds at microsecond resolution.
#[derive(Debug, Clone)]
pub struct AtomicHistogram {
    inner: Arc<AtomicInner>,
}

#[derive(Debug)]
struct AtomicInner {
    bounds: Vec<f64>,
    /// One count per bound, plus the `+Inf` bucket; not cumulative.
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
}

impl AtomicHistogram {
    /// A histogram with these upper bounds (ascending, in seconds).
    pub fn new(bounds: Vec<f64>) -> Self {
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Self {
            inner: Arc::new(AtomicInner {
                bounds,
                counts,
                sum_micros: AtomicU64::new(0),
            }),
        }
    }

    /// Counts one observation of `seconds`.
    pub fn observe(&self, seconds: f64) {
        let inner = &*self.inner;
        let bucket = inner
            .bounds
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(inner.bounds.len());
        inner.counts[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = (seconds.max(0.0) * 1e6) as u64;
        inner.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The number of observations so far.
    pub fn count(&self) -> u64 {
        self.inner
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }

    /// Each bucket's own count, the `+Inf` one last, and their total;
    /// the encoder makes them cumulative.
    fn buckets(&self) -> (Vec<(f64, u64)>, u64) {
        let bounds = self.inner.bounds.iter().copied().chain([f64::INFINITY]);
        let buckets: Vec<(f64, u64)> = bounds
            .zip(&self.inner.counts)
            .map(|(bound, count)| (bound, count.load(Ordering::Relaxed)))
            .collect();
        let total = buckets.iter().map(|(_, n)| n).sum();
        (buckets, total)
    }
}

impl TypedMetric for AtomicHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for AtomicHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let (buckets, count) = self.buckets();
        let sum = self.inner.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_atomic_histogram_renders_cumulative_buckets() {
        let histogram = AtomicHistogram::new(vec![0.01, 0.1]);
        histogram.observe(0.005);
        histogram.observe(0.05);
        histogram.observe(3.0);
        let mut registry = new_registry();
        registry.register("delivery_seconds", "test", histogram.clone());
        let text = render(&registry).unwrap();
        assert!(
            text.contains("topicgate_delivery_seconds_bucket{le=\"0.01\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("topicgate_delivery_seconds_bucket{le=\"0.1\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("topicgate_delivery_seconds_bucket{le=\"+Inf\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("topicgate_delivery_seconds_count 3\n"),
            "{text}"
        );
        assert!(
            text.contains("topicgate_delivery_seconds_sum 3.055\n"),
            "{text}"
        );
        assert_eq!(histogram.count(), 3);
    }
}
