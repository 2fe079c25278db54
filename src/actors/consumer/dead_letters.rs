//! Writing dead letters: a record that is not JSON or breaks its schema is
//! produced to `<topic>.dlq` with its original key and value and the
//! `topicgate-dlq-*` headers, and its offset is marked only once Kafka has
//! acknowledged it.

use std::collections::BTreeSet;
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::sync::oneshot;

use super::pump::Sink;
use super::validation::DeadLetter;
use crate::config::KafkaSettings;
use crate::kafka_config::{KafkaRole, client_config, explain};
use crate::schema::{
    DLQ_GROUP_HEADER, DLQ_OFFSET_HEADER, DLQ_PARTITION_HEADER, DLQ_REASON_HEADER,
    DLQ_SCHEMA_ID_HEADER, DLQ_TOPIC_HEADER, dlq_topic_name,
};

/// How long dead letters that could not be written wait before the next try.
const RETRY: Duration = Duration::from_secs(5);

/// Longest reason written into a header, in bytes.
pub const MAX_REASON: usize = 1024;

/// Produces dead letters for one consumer group.
pub struct DeadLetterWriter {
    kafka: KafkaSettings,
    group: String,
    /// Made at the first dead letter: most runs never need it.
    producer: Option<FutureProducer>,
    /// Dead-letter topics the user was told cannot be written.
    failing: BTreeSet<String>,
}

/// Why a delivery failed, as the user is told it.
enum Failure {
    /// Kafka has no such topic.
    Missing,
    Other(String),
}

impl DeadLetterWriter {
    pub fn new(kafka: KafkaSettings, group: &str) -> Self {
        Self {
            kafka,
            group: group.to_owned(),
            producer: None,
            failing: BTreeSet::new(),
        }
    }

    /// Writes every letter and waits until Kafka has acknowledged each.
    /// Letters that fail are tried again every few seconds (the user is
    /// told once per dead-letter topic) until they succeed or `stop` fires:
    /// then `Ok(false)`, and the caller marks none of them.
    pub async fn write(
        &mut self,
        letters: &[DeadLetter<'_>],
        sink: &mut impl Sink,
        stop: &mut oneshot::Receiver<()>,
    ) -> Result<bool, String> {
        let producer = match &self.producer {
            Some(producer) => producer.clone(),
            None => {
                let producer: FutureProducer =
                    client_config(&self.kafka, KafkaRole::DeadLetterProducer)
                        .create()
                        .map_err(|e| {
                            format!("could not create the dead-letter producer: {}", explain(e))
                        })?;
                self.producer = Some(producer.clone());
                producer
            }
        };
        let mut left: Vec<&DeadLetter<'_>> = letters.iter().collect();
        loop {
            // Enqueued together, then awaited: one round trip per batch.
            let deliveries: Vec<_> = left
                .iter()
                .map(|letter| {
                    let headers = headers(letter, &self.group);
                    let dlq = dlq_topic_name(letter.topic);
                    let mut record = FutureRecord::to(&dlq)
                        .payload(letter.value)
                        .headers(headers);
                    if let Some(key) = letter.key {
                        record = record.key(key);
                    }
                    producer.send_result(record).map_err(|(e, _)| e)
                })
                .collect();
            let mut failed = Vec::new();
            for (letter, delivery) in left.iter().zip(deliveries) {
                let outcome = match delivery {
                    Ok(delivery) => match delivery.await {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err((e, _))) => Err(e),
                        Err(_) => Err(KafkaError::Canceled),
                    },
                    Err(e) => Err(e),
                };
                if let Err(e) = outcome {
                    failed.push((*letter, classify(&e)));
                }
            }
            self.tell(letters, &failed, sink);
            if failed.is_empty() {
                return Ok(true);
            }
            left = failed.into_iter().map(|(letter, _)| letter).collect();
            tokio::select! {
                biased;
                _ = &mut *stop => return Ok(false),
                () = tokio::time::sleep(RETRY) => {}
            }
        }
    }

    /// Says once per dead-letter topic that it cannot be written, and once
    /// that it can again.
    fn tell(
        &mut self,
        letters: &[DeadLetter<'_>],
        failed: &[(&DeadLetter<'_>, Failure)],
        sink: &mut impl Sink,
    ) {
        for (letter, failure) in failed {
            let dlq = dlq_topic_name(letter.topic);
            if self.failing.contains(&dlq) {
                continue;
            }
            let why = match failure {
                Failure::Missing => format!(
                    "Kafka has no topic {dlq} (the producer daemon creates it with the topic; the consumer never does)"
                ),
                Failure::Other(e) => format!("writing to {dlq} failed ({e})"),
            };
            sink.notice(&format!(
                "Bad records of {} cannot be dead-lettered: {why}. They stay uncommitted; trying again every {} s.",
                letter.topic,
                RETRY.as_secs()
            ));
            self.failing.insert(dlq);
        }
        for letter in letters {
            let dlq = dlq_topic_name(letter.topic);
            if !failed.iter().any(|(f, _)| f.topic == letter.topic) && self.failing.remove(&dlq) {
                sink.notice(&format!(
                    "Dead letters of {} are written to {dlq} again.",
                    letter.topic
                ));
            }
        }
    }
}

fn classify(e: &KafkaError) -> Failure {
    match e.rdkafka_error_code() {
        Some(RDKafkaErrorCode::UnknownTopic | RDKafkaErrorCode::UnknownTopicOrPartition) => {
            Failure::Missing
        }
        _ => Failure::Other(e.to_string()),
    }
}

/// The six `topicgate-dlq-*` headers of `letter` (the schema id only when
/// there is one).
fn headers(letter: &DeadLetter<'_>, group: &str) -> OwnedHeaders {
    let reason = clean_reason(&letter.reason);
    let partition = letter.partition.to_string();
    let offset = letter.offset.to_string();
    let mut headers = OwnedHeaders::new_with_capacity(6)
        .insert(Header {
            key: DLQ_REASON_HEADER,
            value: Some(&reason),
        })
        .insert(Header {
            key: DLQ_TOPIC_HEADER,
            value: Some(letter.topic),
        })
        .insert(Header {
            key: DLQ_PARTITION_HEADER,
            value: Some(&partition),
        })
        .insert(Header {
            key: DLQ_OFFSET_HEADER,
            value: Some(&offset),
        });
    if let Some(id) = letter.schema_id {
        headers = headers.insert(Header {
            key: DLQ_SCHEMA_ID_HEADER,
            value: Some(&id.to_string()),
        });
    }
    headers.insert(Header {
        key: DLQ_GROUP_HEADER,
        value: Some(group),
    })
}

/// `reason` as a header value: control characters (which the record's own
/// bytes may have put into a parser's message) become spaces, and it is cut
/// to [`MAX_REASON`] bytes at a character boundary.
pub fn clean_reason(reason: &str) -> String {
    let mut clean = String::with_capacity(reason.len().min(MAX_REASON));
    for c in reason.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if clean.len() + c.len_utf8() > MAX_REASON {
            break;
        }
        clean.push(c);
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_bounded_and_free_of_controls() {
        assert_eq!(clean_reason("a\x1b]0;x\x07b\u{9b}c"), "a ]0;x b c");
        let long = "é".repeat(MAX_REASON);
        let cut = clean_reason(&long);
        assert!(cut.len() <= MAX_REASON && cut.len() >= MAX_REASON - 1);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
