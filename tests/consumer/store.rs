//! The consumer's message store: a redelivered message is stored once, and
//! history returns the newest, in a SQLite file and in PostgreSQL; a
//! PostgreSQL store is shared by consumers and matches `schema.rs`.
//! (tests/admin/schema.rs checks schema.rs against the SQLite migrations.)

use std::time::Duration;

use topicgate::store::{self, NewMessage, StoreConn, StoreLocation, messages};

use crate::consumer_support::{
    Running, StoreKind, active_topic, assert_stored_once_at, consumer_at, envelopes, publish,
};
use crate::support::admin::TestAdmin;
use crate::support::kafka;
use crate::support::postgres::fresh_database;

const LIMIT: Duration = Duration::from_secs(60);

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
    a_redelivered_message_is_stored_once_in(StoreKind::File);
}

#[test]
fn a_redelivered_message_is_stored_once_in_postgres() {
    a_redelivered_message_is_stored_once_in(StoreKind::Postgres);
}

fn a_redelivered_message_is_stored_once_in(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let pool = store::open_at(&kind.location(dir.path(), "store")).unwrap();
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
    let StoreConn::Sqlite(conn) = &mut conn else {
        panic!("a file store is SQLite");
    };
    let size: PageSize = diesel::sql_query("PRAGMA page_size")
        .get_result(&mut **conn)
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

#[test]
fn postgres_text_cannot_hold_nul_so_it_is_replaced_not_refused() {
    let url = fresh_database();
    let pool = store::open_at(&StoreLocation::Postgres(url)).unwrap();
    let mut conn = pool.get().unwrap();
    let hostile = NewMessage {
        message_key: Some("key\0with nul"),
        data_type: "sensor\0",
        ..message(0, 7, "{\"seq\":7}")
    };
    let batch = [message(0, 6, "{\"seq\":6}"), hostile];
    assert_eq!(messages::insert_batch(&mut conn, &batch).unwrap(), 2);
    let stored = messages::all_of_topic(&mut conn, "sensor_data").unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored[1].message_key.as_deref(),
        Some("key\u{FFFD}with nul")
    );
    assert_eq!(stored[1].data_type, "sensor\u{FFFD}");
    assert_eq!(stored[0].data_type, "sensor");
}

/// `(column, diesel type)` of the `messages` table as src/store/schema.rs
/// declares it.
fn declared_columns() -> Vec<(String, String)> {
    let schema = include_str!("../../src/store/schema.rs");
    schema
        .lines()
        .filter_map(|line| line.trim().split_once(" -> "))
        .map(|(column, ty)| (column.to_owned(), ty.trim_end_matches(',').to_owned()))
        .collect()
}

#[test]
fn a_postgres_store_has_the_columns_schema_rs_declares() {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;

    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        data_type: String,
        #[diesel(sql_type = Text)]
        is_nullable: String,
    }
    let pool = store::open_at(&StoreLocation::Postgres(fresh_database())).unwrap();
    let StoreConn::Postgres(mut conn) = pool.get().unwrap() else {
        panic!("a postgres:// store is PostgreSQL");
    };
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_name = 'messages' \
         ORDER BY ordinal_position",
    )
    .load(&mut *conn)
    .unwrap();
    let migrated: Vec<(String, String)> = columns
        .into_iter()
        .map(|c| {
            let base = match c.data_type.as_str() {
                "bigint" => "BigInt",
                "integer" => "Integer",
                "text" => "Text",
                other => panic!("{}: unexpected type {other}", c.column_name),
            };
            let ty = if c.is_nullable == "YES" {
                format!("Nullable<{base}>")
            } else {
                base.to_owned()
            };
            (c.column_name, ty)
        })
        .collect();
    assert_eq!(migrated, declared_columns());
}

#[actix_rt::test]
async fn two_consumers_sharing_a_postgres_store_store_each_message_once() {
    let bootstrap = kafka::bootstrap_servers();
    let admin = TestAdmin::spawn();
    let topic = active_topic(&admin, &bootstrap, "shared-store", 3).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // A new database: both consumers also migrate it at the same moment.
    let store = StoreKind::Postgres.location(dir.path(), "team");
    publish(&bootstrap, &topic, 0..300).await;

    // Two users, so two groups: each consumer reads every message.
    let tails: Vec<Running> = ["team-a", "team-b"]
        .into_iter()
        .map(|user| {
            let mut command = consumer_at(&admin.base_url, &bootstrap, user, dir.path(), &store);
            command
                .args(["tail", &topic, "--count", "300", "--json"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            Running::watch(command.spawn().expect("starting topicgate-consumer"))
        })
        .collect();
    for tail in tails {
        let out = tail.finish(LIMIT);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(envelopes(&out.stdout).len(), 300);
    }
    assert_stored_once_at(&store, &topic, 300);
}
