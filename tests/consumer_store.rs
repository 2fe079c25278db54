//! The consumer's message store: a redelivered message is stored once, and
//! history returns the newest. (tests/schema.rs checks its schema.rs.)

use topicgate::store::{self, NewMessage, messages};

fn message(partition: i32, offset: i64, payload: &str) -> NewMessage<'_> {
    NewMessage {
        topic: "sensor_data",
        kafka_partition: partition,
        kafka_offset: offset,
        message_key: (offset % 2 == 0).then_some("sensor_1"),
        data_type: "sensor",
        sent_at: "2026-11-27T10:15:00.123Z",
        payload,
        received_at: "2026-11-27T10:15:01.000Z",
    }
}

#[test]
fn a_redelivered_message_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let pool = store::open(&dir.path().join("store.db")).unwrap();
    let mut conn = pool.get().unwrap();
    let payloads: Vec<String> = (0..1200).map(|i| format!("{{\"seq\":{i}}}")).collect();
    let first: Vec<NewMessage<'_>> = payloads[..1000]
        .iter()
        .enumerate()
        .map(|(i, p)| message((i % 3) as i32, i as i64, p))
        .collect();
    assert_eq!(messages::insert_batch(&mut conn, &first).unwrap(), 1000);
    // After a crash Kafka repeats the tail of what was stored, then goes on.
    let again: Vec<NewMessage<'_>> = payloads[900..]
        .iter()
        .enumerate()
        .map(|(i, p)| message(((900 + i) % 3) as i32, (900 + i) as i64, p))
        .collect();
    assert_eq!(messages::insert_batch(&mut conn, &again).unwrap(), 200);
    assert_eq!(messages::count(&mut conn, "sensor_data").unwrap(), 1200);
    assert_eq!(messages::count(&mut conn, "other").unwrap(), 0);

    let newest = messages::history(&mut conn, "sensor_data", 3).unwrap();
    let seqs: Vec<&str> = newest.iter().map(|m| m.payload.as_str()).collect();
    assert_eq!(seqs, ["{\"seq\":1197}", "{\"seq\":1198}", "{\"seq\":1199}"]);
    assert_eq!(newest[0].message_key, None);
    assert_eq!(newest[1].message_key.as_deref(), Some("sensor_1"));
}
