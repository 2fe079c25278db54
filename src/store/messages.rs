//! Queries on the message store.

use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sqlite::{Sqlite, SqliteConnection};

use super::StoreError;
use super::models::{NewMessage, StoredMessage};
use super::schema::messages;

/// Rows per INSERT statement. 64 rows of 8 values stay far below SQLite's
/// variable limit and amortise a statement's overhead well.
const ROWS_PER_STATEMENT: usize = 64;

/// Stores a batch in one transaction and returns how many rows were new.
/// A record already stored (same topic, partition and offset) is skipped,
/// which is what makes redelivery after a restart harmless.
pub fn insert_batch(
    conn: &mut SqliteConnection,
    batch: &[NewMessage<'_>],
) -> Result<usize, StoreError> {
    if batch.is_empty() {
        return Ok(0);
    }
    conn.immediate_transaction(|conn| {
        let mut inserted = 0;
        let mut chunks = batch.chunks_exact(ROWS_PER_STATEMENT);
        for chunk in &mut chunks {
            let rows: &[NewMessage<'_>; ROWS_PER_STATEMENT] =
                chunk.try_into().expect("chunks_exact yields full chunks");
            inserted += InsertOrIgnore(rows).execute(conn)?;
        }
        for row in chunks.remainder() {
            inserted += InsertOrIgnore(std::array::from_ref(row)).execute(conn)?;
        }
        Ok(inserted)
    })
}

/// `INSERT OR IGNORE INTO messages (..) VALUES (..), ..` for exactly `N`
/// rows; the unique (topic, partition, offset) key makes a record that is
/// already stored one that is ignored.
///
/// Diesel looks a prepared statement up by the query's type when that type
/// fixes the SQL, and otherwise builds the SQL text again on every
/// execution to look it up by text. Its own batch insert takes the slow way
/// here (because of the conflict clause and the borrowed rows), which was a
/// quarter of the time spent storing; this statement's type fixes its SQL,
/// so executing it only binds the values.
struct InsertOrIgnore<'a, const N: usize>(&'a [NewMessage<'a>; N]);

impl<const N: usize> QueryId for InsertOrIgnore<'_, N> {
    type QueryId = InsertOrIgnore<'static, N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> QueryFragment<Sqlite> for InsertOrIgnore<'_, N> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Integer, Nullable, Text};
        use messages::{
            data_type, kafka_offset, kafka_partition, message_key, payload, received_at, sent_at,
            topic,
        };
        // Names from the schema, so a renamed column does not compile.
        let columns = [
            topic::NAME,
            kafka_partition::NAME,
            kafka_offset::NAME,
            message_key::NAME,
            data_type::NAME,
            sent_at::NAME,
            payload::NAME,
            received_at::NAME,
        ];
        out.push_sql("INSERT OR IGNORE INTO messages (");
        for (i, column) in columns.into_iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_identifier(column)?;
        }
        out.push_sql(") VALUES ");
        for (i, row) in self.0.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<Text, _>(row.topic)?;
            out.push_sql(", ");
            out.push_bind_param::<Integer, _>(&row.kafka_partition)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&row.kafka_offset)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.message_key)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(row.data_type)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(row.sent_at)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(row.payload)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(row.received_at)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<const N: usize> RunQueryDsl<SqliteConnection> for InsertOrIgnore<'_, N> {}

/// The newest `limit` messages of `topic`, oldest first.
pub fn history(
    conn: &mut SqliteConnection,
    topic: &str,
    limit: i64,
) -> Result<Vec<StoredMessage>, StoreError> {
    let mut rows: Vec<StoredMessage> = messages::table
        .filter(messages::topic.eq(topic))
        .order(messages::id.desc())
        .limit(limit)
        .select(StoredMessage::as_select())
        .load(conn)?;
    rows.reverse();
    Ok(rows)
}

/// How many messages of `topic` are stored.
pub fn count(conn: &mut SqliteConnection, topic: &str) -> Result<i64, StoreError> {
    Ok(messages::table
        .filter(messages::topic.eq(topic))
        .count()
        .get_result(conn)?)
}

/// Every stored message of `topic` in Kafka order (partition, offset).
pub fn all_of_topic(
    conn: &mut SqliteConnection,
    topic: &str,
) -> Result<Vec<StoredMessage>, StoreError> {
    Ok(messages::table
        .filter(messages::topic.eq(topic))
        .order((messages::kafka_partition, messages::kafka_offset))
        .select(StoredMessage::as_select())
        .load(conn)?)
}
