//! Queries on the message store.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::StoreError;
use super::models::{NewMessage, StoredMessage};
use super::schema::messages;

/// Rows per INSERT statement. A fixed size lets diesel keep the prepared
/// statement, so SQLite parses it once per connection instead of once per
/// batch; 64 rows of 8 values stay far below SQLite's variable limit.
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
            inserted += match <&[NewMessage<'_>; ROWS_PER_STATEMENT]>::try_from(chunk) {
                Ok(rows) => diesel::insert_into(messages::table)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .execute(conn)?,
                // chunks_exact only yields full chunks; kept for the types.
                Err(_) => diesel::insert_into(messages::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .execute(conn)?,
            };
        }
        for row in chunks.remainder() {
            inserted += diesel::insert_into(messages::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(conn)?;
        }
        Ok(inserted)
    })
}

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
