//! What checking one record against its schema costs, per record, on one
//! thread: parsed into a `serde_json::Value` (what the producer holds)
//! against the record's text parsed into the borrowed tree the consumer
//! uses (`RecordSchema::validate_text`), and reading the record's envelope
//! alone, which is what `tail` does without validation. Every side runs on
//! the same records, in turns, in the same run; the median is reported.
//!
//! ```text
//! cargo bench --bench record_validation
//! VALIDATION_BENCH_RECORDS=100000 VALIDATION_BENCH_ROUNDS=7 cargo bench --bench record_validation
//! ```

#[path = "support/env.rs"]
mod env;

use env::env_number;
use std::borrow::Cow;
use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use serde::Deserialize;
use serde_json::value::RawValue;
use topicgate::domain::{DataType, Envelope};
use topicgate::producer::pipeline::PayloadMaker;
use topicgate::schema::{RecordSchema, builtin_schema};

/// The envelope fields `tail` reads from a record without validation.
#[derive(Deserialize)]
struct EnvelopeView<'a> {
    #[serde(borrow)]
    data_type: Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
}

fn main() {
    let count = env_number("VALIDATION_BENCH_RECORDS", 100_000);
    let rounds = env_number("VALIDATION_BENCH_ROUNDS", 5).max(1);
    println!(
        "| data type | record bytes | envelope only (µs) | Value parse + check (µs) | text parse + check (µs) | text / Value |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for data_type in [DataType::Sensor, DataType::Payments, DataType::Logs] {
        let records = records(data_type, count);
        let schema = RecordSchema::compile(&builtin_schema(data_type)).expect("a built-in schema");
        let (mut envelope, mut value, mut text) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            envelope.push(time(&records, |record| {
                let view: EnvelopeView<'_> = serde_json::from_str(record).expect("an envelope");
                black_box((view.data_type, view.payload, view.timestamp));
            }));
            value.push(time(&records, |record| {
                let parsed: serde_json::Value = serde_json::from_str(record).expect("JSON");
                assert!(schema.validate(&parsed).is_ok());
            }));
            text.push(time(&records, |record| {
                assert!(schema.validate_text(record).is_ok());
            }));
        }
        let per_record = |runs: Vec<Duration>| median(runs).as_secs_f64() * 1e6 / count as f64;
        let bytes = records.iter().map(String::len).sum::<usize>() / records.len();
        let (envelope, value, text) = (per_record(envelope), per_record(value), per_record(text));
        println!(
            "| {data_type} | {bytes} | {envelope:.2} | {value:.2} | {text:.2} | {:.0}% |",
            text / value * 100.0
        );
    }
    println!();
    println!("({count} records per data type, median of {rounds} rounds, one thread)");
}

/// `count` envelopes of `data_type` as the producer makes them, as text.
fn records(data_type: DataType, count: usize) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(11);
    let mut maker = PayloadMaker::new(data_type, &mut rng).expect("a payload maker");
    (0..count as u64)
        .map(|seq| {
            let payload = maker.make(&mut rng, seq);
            serde_json::to_string(&Envelope::new("bench-records", data_type, payload.value))
                .expect("an envelope")
        })
        .collect()
}

fn time(records: &[String], mut each: impl FnMut(&str)) -> Duration {
    let started = Instant::now();
    for record in records {
        each(record);
    }
    started.elapsed()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}
