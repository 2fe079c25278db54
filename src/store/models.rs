//! Rows as they are written (`NewMessage`) and read (`StoredMessage`).

use diesel::prelude::*;

use super::schema::messages;

/// A received record, ready to insert. It borrows from the Kafka record, so
/// storing a batch copies nothing.
// A missing key is written as NULL rather than DEFAULT, which lets SQLite
// take the whole batch in one multi-row INSERT.
#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = messages, treat_none_as_default_value = false)]
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
#[diesel(table_name = messages, check_for_backend(diesel::sqlite::Sqlite))]
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
