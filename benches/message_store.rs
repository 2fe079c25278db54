//! How fast the consumer's message store takes rows, with no Kafka in the
//! way: the ceiling for `tail` and the REPL while they store every message.
//!
//! Four ways of storing the same rows (sensor envelopes' fields, three
//! partitions interleaved, 2,048 rows per transaction as the consumer
//! batches them, the count rounded up to whole batches), each into a fresh
//! store file made by `store::open`:
//!
//! - `insert_batch`: what the consumer runs.
//! - diesel batch insert: diesel's own `insert_into(..).values(&rows)
//!   .on_conflict_do_nothing()` in 64-row statements, as the store did
//!   before `insert_batch`.
//! - raw SQLite: the same 64-row `INSERT OR IGNORE` prepared once through
//!   the C API with no copies, which is as fast as SQLite takes these rows.
//! - raw SQLite, no key: the same into a table without the unique
//!   (topic, partition, offset) key, which shows what the key costs.
//!
//! With a PostgreSQL server (`STORE_BENCH_POSTGRES_URL`, else
//! `TOPICGATE_TEST_POSTGRES_URL`: a URL to its `postgres` database, as
//! `scripts/postgres.sh` prints it), the same rows also go, each round,
//! into a fresh database made by `store::open_at`:
//!
//! - `insert_batch`, PostgreSQL: what the consumer runs on a shared store.
//! - COPY, PostgreSQL: PostgreSQL's own bulk load (`COPY .. FROM STDIN`,
//!   binary, through diesel), one COPY per batch, into the same keyed
//!   table. It cannot skip a stored row, so it is a ceiling, not a way
//!   the consumer could store.
//!
//! ```text
//! cargo bench --bench message_store
//! STORE_BENCH_ROWS=1000000 STORE_BENCH_ROUNDS=5 cargo bench --bench message_store
//! STORE_BENCH_POSTGRES_URL=postgres://... cargo bench --bench message_store
//! ```

#[path = "support/env.rs"]
mod env;

use env::env_number;
use std::ffi::{CString, c_int};
use std::path::Path;
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use libsqlite3_sys as ffi;
use topicgate::store::schema::messages;
use topicgate::store::{self, NewMessage, StoreConn, StoreLocation};

/// One way of storing rows into a new store file at a path.
type StoreFn = fn(&Path, &[NewMessage<'_>]);
/// One way of storing rows into a new PostgreSQL store at a URL.
type PostgresFn = fn(&str, &[NewMessage<'_>]);

const BATCH: usize = 2048;
const ROWS_PER_STATEMENT: usize = 64;
const COLUMNS: usize = 8;

/// The same row, insertable by diesel's derive.
#[derive(Insertable)]
#[diesel(table_name = messages, treat_none_as_default_value = false)]
struct DieselRow<'a> {
    topic: &'a str,
    kafka_partition: i32,
    kafka_offset: i64,
    message_key: Option<&'a str>,
    data_type: &'a str,
    sent_at: &'a str,
    payload: &'a str,
    received_at: &'a str,
}

impl<'a> From<&NewMessage<'a>> for DieselRow<'a> {
    fn from(m: &NewMessage<'a>) -> Self {
        Self {
            topic: m.topic,
            kafka_partition: m.kafka_partition,
            kafka_offset: m.kafka_offset,
            message_key: m.message_key,
            data_type: m.data_type,
            sent_at: m.sent_at,
            payload: m.payload,
            received_at: m.received_at,
        }
    }
}

fn main() {
    // Whole batches only, so every statement has all its rows.
    let rows = env_number("STORE_BENCH_ROWS", 200_000usize).div_ceil(BATCH) * BATCH;
    let rounds: usize = env_number("STORE_BENCH_ROUNDS", 3).max(1);
    let payloads: Vec<String> = (0..rows)
        .map(|i| {
            format!(
                r#"{{"sensor_id":"sensor_{}","temperature":{:.1},"humidity":{},"pressure":1013.25,"seq":{i}}}"#,
                i % 100,
                20.0 + (i % 150) as f64 / 10.0,
                40 + i % 40
            )
        })
        .collect();
    let keys: Vec<String> = (0..100).map(|i| format!("sensor_{i}")).collect();
    let sent_at = "2026-11-27T06:03:42.123456+00:00";
    let received_at = "2026-11-27T06:03:42.250Z";
    let messages: Vec<NewMessage<'_>> = payloads
        .iter()
        .enumerate()
        .map(|(i, payload)| NewMessage {
            topic: "bench-store",
            kafka_partition: (i % 3) as i32,
            kafka_offset: (i / 3) as i64,
            message_key: Some(&keys[i % 100]),
            data_type: "sensor",
            sent_at,
            payload,
            received_at,
        })
        .collect();

    let dir = tempfile::tempdir().expect("a temp dir");
    let sides: [(&str, StoreFn); 4] = [
        ("insert_batch", store_with_insert_batch),
        ("diesel batch insert", store_with_diesel_batch),
        ("raw SQLite", |path, rows| store_raw(path, rows, "messages")),
        ("raw SQLite, no key", |path, rows| {
            store_raw(path, rows, "messages_without_key")
        }),
    ];
    let mut times = vec![Vec::new(); sides.len()];
    for round in 0..rounds {
        for (side, (name, run)) in sides.iter().enumerate() {
            let path = dir.path().join(format!("store-{round}-{side}.db"));
            let started = Instant::now();
            run(&path, &messages);
            let took = started.elapsed();
            eprintln!("round {round}: {name}: {:.0} rows/s", rate(rows, took));
            times[side].push(took);
        }
    }
    let names: Vec<&str> = sides.iter().map(|(name, _)| *name).collect();
    print_table(&names, times, 2, "raw SQLite", rows);
    println!("({rows} rows in transactions of {BATCH}, median of {rounds} rounds)");

    let Some(server) = std::env::var("STORE_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("TOPICGATE_TEST_POSTGRES_URL"))
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!("no STORE_BENCH_POSTGRES_URL: PostgreSQL not measured");
        return;
    };
    let sides: [(&str, PostgresFn); 2] = [
        ("insert_batch, PostgreSQL", store_with_insert_batch_postgres),
        ("COPY, PostgreSQL", store_with_copy),
    ];
    let mut times = vec![Vec::new(); sides.len()];
    for round in 0..rounds {
        for (side, (name, run)) in sides.iter().enumerate() {
            let database = Database::create(&server);
            let started = Instant::now();
            run(&database.url, &messages);
            let took = started.elapsed();
            eprintln!("round {round}: {name}: {:.0} rows/s", rate(rows, took));
            times[side].push(took);
        }
    }
    println!();
    let names: Vec<&str> = sides.iter().map(|(name, _)| *name).collect();
    print_table(&names, times, 1, "COPY", rows);
    println!("({rows} rows in transactions of {BATCH}, median of {rounds} rounds)");
}

/// A Markdown table of each side's median, with its share of the
/// `baseline`th side's speed.
fn print_table(
    names: &[&str],
    times: Vec<Vec<Duration>>,
    baseline: usize,
    baseline_name: &str,
    rows: usize,
) {
    let base = median(times[baseline].clone());
    println!("| way of storing | rows/s | µs per row | share of {baseline_name} |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, runs) in names.iter().zip(times) {
        let took = median(runs);
        println!(
            "| {name} | {:.0} | {:.2} | {:.0}% |",
            rate(rows, took),
            took.as_secs_f64() * 1e6 / rows as f64,
            base.as_secs_f64() / took.as_secs_f64() * 100.0
        );
    }
}

/// An empty database on the benchmark's server, dropped afterwards so the
/// rounds do not fill the disk.
struct Database {
    server: String,
    name: String,
    url: String,
}

impl Database {
    fn create(server: &str) -> Self {
        let name = format!("store_bench_{:016x}", rand::random::<u64>());
        let mut conn = PgConnection::establish(server).expect("connecting to PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("creating a database");
        let (scheme, rest) = server.split_once("://").expect("a postgres:// URL");
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let query = tail.find('?').map_or("", |at| &tail[at..]);
        let url = format!("{scheme}://{authority}/{name}{query}");
        Self {
            server: server.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.server) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

fn store_with_insert_batch_postgres(url: &str, rows: &[NewMessage<'_>]) {
    let pool = store::open_at(&StoreLocation::Postgres(url.to_owned())).expect("a store");
    let mut conn = pool.get().expect("a connection");
    for batch in rows.chunks(BATCH) {
        store::messages::insert_batch(&mut conn, batch).expect("storing");
    }
}

fn store_with_copy(url: &str, rows: &[NewMessage<'_>]) {
    // The store's own table, key and all.
    drop(store::open_at(&StoreLocation::Postgres(url.to_owned())).expect("a store"));
    let mut conn = PgConnection::establish(url).expect("connecting to PostgreSQL");
    for batch in rows.chunks(BATCH) {
        let batch: Vec<DieselRow<'_>> = batch.iter().map(DieselRow::from).collect();
        diesel::copy_from(messages::table)
            .from_insertable(&batch)
            .execute(&mut conn)
            .expect("copying");
    }
}

fn rate(rows: usize, took: Duration) -> f64 {
    rows as f64 / took.as_secs_f64()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn store_with_insert_batch(path: &Path, rows: &[NewMessage<'_>]) {
    let pool = store::open(path).expect("a store");
    let mut conn = pool.get().expect("a connection");
    for batch in rows.chunks(BATCH) {
        store::messages::insert_batch(&mut conn, batch).expect("storing");
    }
}

fn store_with_diesel_batch(path: &Path, rows: &[NewMessage<'_>]) {
    let pool = store::open(path).expect("a store");
    let StoreConn::Sqlite(mut conn) = pool.get().expect("a connection") else {
        panic!("a store file is SQLite");
    };
    for batch in rows.chunks(BATCH) {
        let batch: Vec<DieselRow<'_>> = batch.iter().map(DieselRow::from).collect();
        conn.immediate_transaction(|conn: &mut SqliteConnection| {
            for statement in batch.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(messages::table)
                    .values(statement)
                    .on_conflict_do_nothing()
                    .execute(conn)?;
            }
            diesel::QueryResult::Ok(())
        })
        .expect("storing");
    }
}

/// Stores through SQLite's C API into `table` of a store made by
/// `store::open` (so with the same page size and journal), binding text
/// without copying it.
fn store_raw(path: &Path, rows: &[NewMessage<'_>], table: &str) {
    drop(store::open(path).expect("a store"));
    let db = RawDb::open(path);
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("CREATE TABLE messages_without_key AS SELECT * FROM messages WHERE 0");
    let values = format!("({})", ["?"; COLUMNS].join(", "));
    let sql = format!(
        "INSERT OR IGNORE INTO {table} (topic, kafka_partition, kafka_offset, message_key, \
         data_type, sent_at, payload, received_at) VALUES {}",
        vec![values; ROWS_PER_STATEMENT].join(", ")
    );
    let statement = db.prepare(&sql);
    for batch in rows.chunks(BATCH) {
        db.exec("BEGIN IMMEDIATE");
        // `main` makes the row count a multiple of BATCH, so every chunk
        // is a full statement.
        for chunk in batch.chunks_exact(ROWS_PER_STATEMENT) {
            for (i, row) in chunk.iter().enumerate() {
                let first = (i * COLUMNS) as c_int + 1;
                // SAFETY: `statement` is a live statement with these
                // parameters; SQLITE_STATIC text must outlive the step,
                // and `rows` outlives this whole function.
                unsafe {
                    bind_text(statement, first, Some(row.topic));
                    ffi::sqlite3_bind_int(statement, first + 1, row.kafka_partition);
                    ffi::sqlite3_bind_int64(statement, first + 2, row.kafka_offset);
                    bind_text(statement, first + 3, row.message_key);
                    bind_text(statement, first + 4, Some(row.data_type));
                    bind_text(statement, first + 5, Some(row.sent_at));
                    bind_text(statement, first + 6, Some(row.payload));
                    bind_text(statement, first + 7, Some(row.received_at));
                }
            }
            // SAFETY: as above; reset makes the statement reusable.
            unsafe {
                assert_eq!(ffi::sqlite3_step(statement), ffi::SQLITE_DONE, "insert");
                ffi::sqlite3_reset(statement);
            }
        }
        db.exec("COMMIT");
    }
    // SAFETY: prepared above and not used after this.
    unsafe { ffi::sqlite3_finalize(statement) };
}

/// Binds `text` (or NULL) without SQLite copying it.
///
/// # Safety
/// `statement` must be a live statement, and `text` must outlive its next
/// step.
unsafe fn bind_text(statement: *mut ffi::sqlite3_stmt, index: c_int, text: Option<&str>) {
    // SAFETY: as the caller promises.
    unsafe {
        match text {
            Some(text) => ffi::sqlite3_bind_text(
                statement,
                index,
                text.as_ptr().cast(),
                text.len() as c_int,
                ffi::SQLITE_STATIC(),
            ),
            None => ffi::sqlite3_bind_null(statement, index),
        };
    }
}

/// A connection through SQLite's C API, closed on drop.
struct RawDb(*mut ffi::sqlite3);

impl RawDb {
    fn open(path: &Path) -> Self {
        let name = CString::new(path.to_str().expect("a UTF-8 path")).expect("a path");
        let mut db = std::ptr::null_mut();
        // SAFETY: `name` is NUL-terminated and `db` receives the handle.
        let rc = unsafe { ffi::sqlite3_open(name.as_ptr(), &mut db) };
        assert_eq!(rc, ffi::SQLITE_OK, "opening {}", path.display());
        Self(db)
    }

    fn exec(&self, sql: &str) {
        let sql = CString::new(sql).expect("SQL");
        // SAFETY: a live connection and a NUL-terminated statement.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.0,
                sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        assert_eq!(rc, ffi::SQLITE_OK, "{}", self.error());
    }

    fn prepare(&self, sql: &str) -> *mut ffi::sqlite3_stmt {
        let sql = CString::new(sql).expect("SQL");
        let mut statement = std::ptr::null_mut();
        // SAFETY: a live connection and a NUL-terminated statement.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                self.0,
                sql.as_ptr(),
                -1,
                &mut statement,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(rc, ffi::SQLITE_OK, "{}", self.error());
        statement
    }

    fn error(&self) -> String {
        // SAFETY: SQLite returns a NUL-terminated message it owns.
        unsafe { std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for RawDb {
    fn drop(&mut self) {
        // SAFETY: every statement was finalized, so the close succeeds.
        unsafe { ffi::sqlite3_close(self.0) };
    }
}
