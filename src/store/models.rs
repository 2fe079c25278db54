//! Rows as they are written (`NewMessage`) and read (`StoredMessage`).

use diesel::prelude::*;

use super::schema::messages;

/// A received record, ready to insert (see `messages::insert_batch`). It
/// borrows its text, so building a batch of rows copies nothing.
#[derive(Debug, Clone, Copy)]
pub struct NewMessage<'a> {
    pub topic: &'a str,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub message_key: Option<&'a str>,
    pub data_type: &'a str,
    pub sent_at: &'a str,
    pub payload: &'a str,
    /// RFC 3339, UTC.
    pub received_at: &'a str,
}

/// One stored record.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StoredMessage {
    pub id: i64,
    pub topic: String,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub message_key: Option<String>,
    pub data_type: String,
    pub sent_at: String,
    pub payload: String,
    pub received_at: String,
}
