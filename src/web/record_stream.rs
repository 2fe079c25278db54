//! A live tail as Server-Sent Events: one `data:` line of JSON per record,
//! a comment every 15 s so proxies and browsers keep the connection.
//!
//! A pump task moves records from the tail's Kafka consumer into a bounded
//! buffer (at most [`BUFFER_EVENTS`] events and [`BUFFER_BYTES`] bytes);
//! the response body takes them out as the client reads. A burst may fill
//! the buffer for a moment; a client that leaves it full for
//! [`SLOW_CLIENT_GRACE`] reads slower than records arrive: the pump then
//! stops, drops its consumer and frees the stream's slot, and the client,
//! if it ever reads again, gets what was buffered and a final
//! `event: dropped` saying why. Nothing grows with the client's delay.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use futures_util::stream::{self, Stream};
use rdkafka::consumer::StreamConsumer;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::mpsc::error::SendTimeoutError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, Interval, interval_at, timeout};

use super::stream_slots::StreamSlot;
use crate::actors::registry::record_reader::decode::RecordView;
use crate::db::topics_version::TopicsVersion;

/// Events a stream buffers for its client.
pub const BUFFER_EVENTS: usize = 256;
/// Bytes a stream buffers for its client; more than the largest event (a
/// value is cut at 64 KiB, and escaping at most sextuples it).
pub const BUFFER_BYTES: usize = 1024 * 1024;
/// How long a full buffer may wait for its client before the stream is
/// dropped; while it waits, the stream's consumer reads nothing.
pub const SLOW_CLIENT_GRACE: Duration = Duration::from_secs(5);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How many bytes of waiting events one chunk of the body joins.
const CHUNK_BYTES: usize = 64 * 1024;

/// One event with its share of the byte budget, returned once sent.
type Buffered = (Bytes, OwnedSemaphorePermit);
/// Why the pump stopped, for the client's final event.
type DropReason = Arc<Mutex<Option<String>>>;

/// What a `data:` line carries.
#[derive(Serialize)]
struct TailEvent<'a> {
    partition: i32,
    offset: i64,
    key: Option<&'a str>,
    timestamp: Option<i64>,
    value: &'a RawValue,
    truncated: bool,
}

/// The streaming answer for a tail of `topic` read by `consumer`; `slot`
/// is held until the pump stops; the stream ends when `stopping` closes.
pub fn respond(
    consumer: StreamConsumer,
    slot: StreamSlot,
    topic: String,
    stopping: TopicsVersion,
) -> HttpResponse {
    let (events, buffered) = mpsc::channel(BUFFER_EVENTS);
    let budget = Arc::new(Semaphore::new(BUFFER_BYTES));
    let reason = DropReason::default();
    actix_web::rt::spawn(pump(consumer, slot, topic, events, budget, reason.clone()));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Proxies such as nginx would otherwise hold events back.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body(buffered, reason, stopping))
}

async fn pump(
    consumer: StreamConsumer,
    _slot: StreamSlot,
    topic: String,
    events: mpsc::Sender<Buffered>,
    budget: Arc<Semaphore>,
    reason: DropReason,
) {
    let stop = |why: String| {
        log::info!("live tail of '{topic}' dropped: {why}");
        if let Ok(mut reason) = reason.lock() {
            *reason = Some(why);
        }
    };
    loop {
        let received = tokio::select! {
            // The client went away: free the slot even if no record comes.
            () = events.closed() => return,
            received = consumer.recv() => received,
        };
        let message = match received {
            Ok(message) => message,
            Err(e) => {
                // librdkafka retries on its own; the error is only news.
                log::warn!("live tail of '{topic}': {e}");
                continue;
            }
        };
        let event = encode(&RecordView::read(&message));
        let cost = event_cost(&event);
        let permit = match timeout(
            SLOW_CLIENT_GRACE,
            Arc::clone(&budget).acquire_many_owned(cost),
        )
        .await
        {
            Ok(Ok(permit)) => permit,
            Ok(Err(_closed)) => return,
            Err(_elapsed) => return stop(too_slow()),
        };
        match events
            .send_timeout((event, permit), SLOW_CLIENT_GRACE)
            .await
        {
            Ok(()) => {}
            Err(SendTimeoutError::Timeout(_)) => return stop(too_slow()),
            Err(SendTimeoutError::Closed(_)) => return,
        }
    }
}

fn too_slow() -> String {
    format!(
        "the client read too slowly: its buffer ({BUFFER_EVENTS} events or {} KiB) stayed full for {} s",
        BUFFER_BYTES / 1024,
        SLOW_CLIENT_GRACE.as_secs()
    )
}

/// An event's share of the byte budget (at least 1, at most all of it).
fn event_cost(event: &Bytes) -> u32 {
    u32::try_from(event.len().clamp(1, BUFFER_BYTES)).unwrap_or(u32::MAX)
}

/// `record` as one SSE event.
fn encode(record: &RecordView) -> Bytes {
    let event = TailEvent {
        partition: record.partition,
        offset: record.offset,
        key: record.key.as_deref(),
        timestamp: record.timestamp,
        value: &record.value,
        truncated: record.truncated,
    };
    // Serialising plain fields and checked JSON cannot fail; one line,
    // since `value` never holds a line break (see `RecordView`).
    let json = serde_json::to_string(&event).unwrap_or_else(|_| "{}".to_owned());
    Bytes::from(format!("data: {json}\n\n"))
}

fn dropped_event(why: &str) -> Bytes {
    let json = serde_json::json!({ "reason": why });
    Bytes::from(format!("event: dropped\ndata: {json}\n\n"))
}

/// Events waiting behind `first`, joined into one chunk of at most about
/// [`CHUNK_BYTES`]: under load one write carries many events.
fn gather(first: Bytes, buffered: &mut mpsc::Receiver<Buffered>) -> Bytes {
    let mut chunk = BytesMut::from(&first[..]);
    while chunk.len() < CHUNK_BYTES {
        match buffered.try_recv() {
            Ok((event, _permit)) => chunk.extend_from_slice(&event),
            Err(_) => break,
        }
    }
    chunk.freeze()
}

struct BodyState {
    buffered: mpsc::Receiver<Buffered>,
    reason: DropReason,
    /// Closed when the service stops (ending the body drops the pump's
    /// receiver, so the pump stops too).
    stopping: TopicsVersion,
    keep_alive: Interval,
    greeted: bool,
    done: bool,
}

/// The response body: a greeting (so the client knows the tail is
/// assigned), then events and keep-alives, then the reason if dropped.
fn body(
    buffered: mpsc::Receiver<Buffered>,
    reason: DropReason,
    stopping: TopicsVersion,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let state = BodyState {
        buffered,
        reason,
        stopping,
        keep_alive: interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE),
        greeted: false,
        done: false,
    };
    stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        if !state.greeted {
            state.greeted = true;
            return Some((Ok(Bytes::from_static(b": connected\n\n")), state));
        }
        let chunk = tokio::select! {
            event = state.buffered.recv() => match event {
                // The permits return to the budget here: actix holds what
                // it writes in a buffer of its own, bounded.
                Some((event, _permit)) => gather(event, &mut state.buffered),
                None => {
                    state.done = true;
                    let why = state.reason.lock().ok().and_then(|mut r| r.take())?;
                    dropped_event(&why)
                }
            },
            _ = state.keep_alive.tick() => Bytes::from_static(b": keep-alive\n\n"),
            () = state.stopping.closed() => {
                state.done = true;
                dropped_event("the admin service is stopping")
            }
        };
        Some((Ok(chunk), state))
    })
}
