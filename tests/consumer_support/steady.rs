//! A producer that keeps writing to some topics on a thread of its own, so
//! a test can watch what a consumer does while records keep arriving.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// Writes envelope `seq` to each topic in turn, `seq` counting from 0,
/// until dropped.
pub struct SteadyProducer {
    /// How many rounds Kafka has acknowledged: each topic holds seqs
    /// `0..published`.
    published: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SteadyProducer {
    pub fn start(bootstrap: &str, topics: &[String]) -> SteadyProducer {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .create()
            .expect("a Kafka producer");
        let topics = topics.to_vec();
        let published = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (published, stop) = (Arc::clone(&published), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut seq = 0;
                while !stop.load(Ordering::Relaxed) {
                    for topic in &topics {
                        let (key, envelope) = super::envelope(topic, seq);
                        let value = serde_json::to_vec(&envelope).expect("serialise");
                        let record = BaseRecord::to(topic).key(&key).payload(&value);
                        if let Err((e, _)) = producer.send(record) {
                            panic!("publishing to {topic} failed: {e}");
                        }
                    }
                    producer
                        .flush(Duration::from_secs(30))
                        .expect("Kafka acknowledges the records");
                    seq += 1;
                    published.store(seq, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        SteadyProducer {
            published,
            stop,
            thread: Some(thread),
        }
    }

    /// Each topic holds the envelopes with seqs `0..published()`.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }
}

impl Drop for SteadyProducer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
