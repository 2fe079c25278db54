//! Queries on the message store, written once for both backends.

use std::borrow::Cow;

use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Integer, Text};

use super::models::{NewMessage, StoredMessage};
use super::schema::messages;
use super::{StoreConn, StoreError, postgres};

/// Rows per INSERT statement. 64 rows of 8 values stay far below SQLite's
/// variable limit and amortise a statement's overhead well.
const ROWS_PER_STATEMENT: usize = 64;

/// Runs `$body` with `$conn` bound to the backend's own connection, so a
/// query is written once and type-checked for each backend.
macro_rules! on_backend {
    ($store:expr, $conn:ident => $body:expr) => {
        match $store {
            StoreConn::Sqlite(pooled) => {
                let $conn = &mut **pooled;
                $body
            }
            StoreConn::Postgres(pooled) => {
                let $conn = &mut **pooled;
                $body
            }
        }
    };
}

/// Stores a batch in one transaction and returns how many rows were new.
/// A record already stored (same topic, partition and offset) is skipped,
/// which is what makes redelivery after a restart harmless, and lets
/// consumers sharing a PostgreSQL store write the same records.
pub fn insert_batch(conn: &mut StoreConn, batch: &[NewMessage<'_>]) -> Result<usize, StoreError> {
    if batch.is_empty() {
        return Ok(0);
    }
    Ok(match conn {
        StoreConn::Sqlite(conn) => conn.immediate_transaction(|conn| insert_rows(conn, batch))?,
        StoreConn::Postgres(conn) => {
            let replaced = postgres::with_nul_replaced(batch);
            let rows: Cow<'_, [NewMessage<'_>]> = match &replaced {
                Some(owned) => owned.iter().map(postgres::OwnedRow::as_new).collect(),
                None => Cow::Borrowed(batch),
            };
            conn.transaction(|conn| insert_rows(conn, &rows))?
        }
    })
}

/// The rows of `batch` in statements of [`ROWS_PER_STATEMENT`] rows, and
/// what is left in statements of 16, 4 and 1: at most 9 more statements,
/// where one per row would cost a PostgreSQL store a round trip per row
/// of a small batch.
fn insert_rows<C>(conn: &mut C, batch: &[NewMessage<'_>]) -> QueryResult<usize>
where
    C: Connection,
    C::Backend: HasSqlType<Text> + HasSqlType<Integer> + HasSqlType<BigInt>,
    str: ToSql<Text, C::Backend>,
    i32: ToSql<Integer, C::Backend>,
    i64: ToSql<BigInt, C::Backend>,
{
    let (by_64, rest) = insert_by::<C, ROWS_PER_STATEMENT>(conn, batch)?;
    let (by_16, rest) = insert_by::<C, 16>(conn, rest)?;
    let (by_4, rest) = insert_by::<C, 4>(conn, rest)?;
    let (by_1, _) = insert_by::<C, 1>(conn, rest)?;
    Ok(by_64 + by_16 + by_4 + by_1)
}

/// Inserts the front of `rows` in statements of `N` rows while `N` are
/// left; returns how many were new and the rows left.
fn insert_by<'r, 'm, C, const N: usize>(
    conn: &mut C,
    rows: &'r [NewMessage<'m>],
) -> QueryResult<(usize, &'r [NewMessage<'m>])>
where
    C: Connection,
    C::Backend: HasSqlType<Text> + HasSqlType<Integer> + HasSqlType<BigInt>,
    str: ToSql<Text, C::Backend>,
    i32: ToSql<Integer, C::Backend>,
    i64: ToSql<BigInt, C::Backend>,
{
    let mut inserted = 0;
    let mut chunks = rows.chunks_exact(N);
    for chunk in &mut chunks {
        let statement: &[NewMessage<'_>; N] =
            chunk.try_into().expect("chunks_exact yields full chunks");
        inserted += InsertOrIgnore(statement).execute(conn)?;
    }
    Ok((inserted, chunks.remainder()))
}

/// `INSERT INTO messages (..) VALUES (..), .. ON CONFLICT DO NOTHING` for
/// exactly `N` rows; the unique (topic, partition, offset) key makes a
/// record that is already stored one that is ignored. Both backends speak
/// this SQL; diesel writes each one's bind markers.
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

impl<DB, const N: usize> QueryFragment<DB> for InsertOrIgnore<'_, N>
where
    DB: Backend + HasSqlType<Text> + HasSqlType<Integer> + HasSqlType<BigInt>,
    str: ToSql<Text, DB>,
    i32: ToSql<Integer, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        use diesel::sql_types::Nullable;
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
        out.push_sql("INSERT INTO messages (");
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
        out.push_sql(" ON CONFLICT DO NOTHING");
        Ok(())
    }
}

impl<C, const N: usize> RunQueryDsl<C> for InsertOrIgnore<'_, N> {}

/// The newest `limit` messages of `topic`, oldest first.
pub fn history(
    conn: &mut StoreConn,
    topic: &str,
    limit: i64,
) -> Result<Vec<StoredMessage>, StoreError> {
    let mut rows: Vec<StoredMessage> = on_backend!(conn, conn => messages::table
        .filter(messages::topic.eq(topic))
        .order(messages::id.desc())
        .limit(limit)
        .select(StoredMessage::as_select())
        .load(conn)?);
    rows.reverse();
    Ok(rows)
}

/// How many messages of `topic` are stored.
pub fn count(conn: &mut StoreConn, topic: &str) -> Result<i64, StoreError> {
    Ok(on_backend!(conn, conn => messages::table
        .filter(messages::topic.eq(topic))
        .count()
        .get_result(conn)?))
}

/// Every stored message of `topic` in Kafka order (partition, offset).
pub fn all_of_topic(conn: &mut StoreConn, topic: &str) -> Result<Vec<StoredMessage>, StoreError> {
    Ok(on_backend!(conn, conn => messages::table
        .filter(messages::topic.eq(topic))
        .order((messages::kafka_partition, messages::kafka_offset))
        .select(StoredMessage::as_select())
        .load(conn)?))
}
