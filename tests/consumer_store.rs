//! The consumer's message store: its schema.rs matches its migrations, a
//! redelivered message is stored once, and history returns the newest.

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use topicgate::store::{self, NewMessage, messages};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    sql_type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

/// The diesel type of a migrated column, as `diesel print-schema
/// --sqlite-integer-primary-key-is-bigint` writes it.
fn diesel_type(c: &Column) -> String {
    let base = match (c.sql_type.to_ascii_uppercase().as_str(), c.pk) {
        ("INTEGER", 1) | ("BIGINT", _) => "BigInt",
        ("INTEGER", _) => "Integer",
        ("TEXT", _) => "Text",
        (other, _) => panic!(
            "column {} has a type this check does not know: {other}",
            c.name
        ),
    };
    if c.notnull == 1 || c.pk == 1 {
        base.to_owned()
    } else {
        format!("Nullable<{base}>")
    }
}

#[test]
fn store_schema_matches_its_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(store::open(&path).unwrap());
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();

    let schema_rs = std::fs::read_to_string("src/store/schema.rs").unwrap();
    let declared: Vec<(String, String)> = schema_rs
        .lines()
        .filter_map(|line| line.trim().split_once(" -> "))
        .map(|(name, ty)| (name.to_owned(), ty.trim_end_matches(',').to_owned()))
        .collect();
    let migrated: Vec<(String, String)> = diesel::sql_query("PRAGMA table_info(messages)")
        .load::<Column>(&mut conn)
        .unwrap()
        .iter()
        .map(|c| (c.name.clone(), diesel_type(c)))
        .collect();
    assert_eq!(
        migrated, declared,
        "src/store/schema.rs drifted from store_migrations/"
    );

    let tables: Vec<String> = diesel::sql_query(
        "SELECT name, 'TEXT' AS type, 0 AS \"notnull\", 0 AS pk FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'",
    )
    .load::<Column>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|c| c.name)
    .collect();
    assert_eq!(tables, ["messages"]);
}

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
