//! Message stores for consumer tests, of either backend, so one test body
//! runs against a SQLite file and a PostgreSQL database alike.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use topicgate::store::{self, StoreLocation, StoredMessage};

use super::{consumer, seq_of, store_path};
use crate::support::postgres::fresh_database;

/// Which backend a test's store uses.
#[derive(Debug, Clone, Copy)]
pub enum StoreKind {
    /// The SQLite file [`consumer`] uses by default.
    File,
    /// A fresh database on the test PostgreSQL server.
    Postgres,
}

impl StoreKind {
    /// A new store for `user` (a file in `dir`, or a new database).
    pub fn location(self, dir: &Path, user: &str) -> StoreLocation {
        match self {
            StoreKind::File => StoreLocation::File(store_path(dir, user)),
            StoreKind::Postgres => StoreLocation::Postgres(fresh_database()),
        }
    }
}

/// The `--store` value naming `location`.
pub fn store_arg(location: &StoreLocation) -> OsString {
    match location {
        StoreLocation::File(path) => path.clone().into_os_string(),
        StoreLocation::Postgres(url) => url.into(),
    }
}

/// [`consumer`], keeping its messages at `location`.
pub fn consumer_at(
    admin_url: &str,
    bootstrap: &str,
    user: &str,
    dir: &Path,
    location: &StoreLocation,
) -> Command {
    let mut command = consumer(admin_url, bootstrap, user, dir);
    command.env("TOPICGATE_STORE", store_arg(location));
    command
}

/// The stored messages of `topic` at `location`, read through the library.
pub fn stored_at(location: &StoreLocation, topic: &str) -> Vec<StoredMessage> {
    let pool = store::open_at(location).expect("opening the store");
    let mut conn = pool.get().expect("a store connection");
    store::messages::all_of_topic(&mut conn, topic).expect("reading the store")
}

/// Asserts the store at `location` holds each of `0..count` exactly once
/// for `topic`.
pub fn assert_stored_once_at(location: &StoreLocation, topic: &str, count: u64) {
    let rows = stored_at(location, topic);
    let positions: BTreeSet<(i32, i64)> = rows
        .iter()
        .map(|r| (r.kafka_partition, r.kafka_offset))
        .collect();
    assert_eq!(positions.len(), rows.len(), "a Kafka position stored twice");
    let mut seqs: Vec<u64> = rows
        .iter()
        .map(|r| seq_of(&serde_json::from_str(&r.payload).expect("stored payload is JSON")))
        .collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (0..count).collect::<Vec<_>>(),
        "stored messages of {topic}"
    );
}
