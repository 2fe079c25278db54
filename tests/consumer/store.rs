//! The consumer's message store: a redelivered message is stored once, and
//! history returns the newest. (tests/admin/schema.rs checks its schema.rs.)

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

    // Every field lands in its own column, for full statements and the
    // rows left over after them alike.
    let stored = messages::all_of_topic(&mut conn, "sensor_data").unwrap();
    let mut written: Vec<NewMessage<'_>> = first.iter().chain(&again[100..]).copied().collect();
    written.sort_by_key(|m| (m.kafka_partition, m.kafka_offset));
    assert_eq!(stored.len(), written.len());
    for (row, sent) in stored.iter().zip(&written) {
        assert_eq!(row.topic, sent.topic);
        assert_eq!(row.kafka_partition, sent.kafka_partition);
        assert_eq!(row.kafka_offset, sent.kafka_offset);
        assert_eq!(row.message_key.as_deref(), sent.message_key);
        assert_eq!(row.data_type, sent.data_type);
        assert_eq!(row.sent_at, sent.sent_at);
        assert_eq!(row.payload, sent.payload);
        assert_eq!(row.received_at, sent.received_at);
    }
}

#[test]
fn a_new_store_uses_large_pages() {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Integer;

    #[derive(diesel::QueryableByName)]
    struct PageSize {
        #[diesel(sql_type = Integer)]
        page_size: i32,
    }
    let dir = tempfile::tempdir().unwrap();
    let pool = store::open(&dir.path().join("store.db")).unwrap();
    let mut conn = pool.get().unwrap();
    let size: PageSize = diesel::sql_query("PRAGMA page_size")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(size.page_size, 16 * 1024);
}

#[cfg(unix)]
#[test]
fn a_new_store_and_its_new_directories_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consumer/alice/store.db");
    let pool = store::open(&path).unwrap();
    let mut conn = pool.get().unwrap();
    messages::insert_batch(&mut conn, &[message(0, 0, "{}")]).unwrap();
    // The WAL files exist while a connection is open.
    for file in ["store.db", "store.db-wal", "store.db-shm"] {
        assert_eq!(mode(&path.with_file_name(file)), 0o600, "{file}");
    }
    assert_eq!(mode(&dir.path().join("consumer")), 0o700);
    assert_eq!(mode(&dir.path().join("consumer/alice")), 0o700);
}
