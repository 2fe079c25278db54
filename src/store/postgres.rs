//! The message store in a PostgreSQL database, which consumers of a team
//! can share: the unique (topic, partition, offset) key keeps a message
//! that two of them receive stored once.

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::BigInt;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{NewMessage, StoreError, StoreLocation, StorePool};

/// The PostgreSQL store's schema history, applied when a store is opened.
pub const STORE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("store_migrations_postgres");

/// The advisory lock held while migrating, so consumers that open a new
/// shared store at the same moment do not create its tables twice.
const MIGRATION_LOCK: i64 = 0x7467_5f73_746f_7265; // "tg_store"

/// Connects to the store at `url` and applies pending migrations. A server
/// that cannot be reached is an error at once, with libpq's reason.
pub fn open(url: &str) -> Result<StorePool, StoreError> {
    let connect_error = |reason: String| StoreError::Connect {
        location: StoreLocation::Postgres(url.to_owned()),
        reason,
    };
    let mut conn =
        PgConnection::establish(url).map_err(|e| connect_error(format!("cannot connect: {e}")))?;
    migrate(&mut conn).map_err(|e| connect_error(format!("running migrations: {e}")))?;
    drop(conn);
    let pool = Pool::builder()
        // One writer (the session) and one reader (history) at a time.
        .max_size(2)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager::<PgConnection>::new(url))
        .map_err(|e| connect_error(e.to_string()))?;
    Ok(StorePool::Postgres(pool))
}

fn migrate(conn: &mut PgConnection) -> diesel::migration::Result<()> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    let migrated = conn.run_pending_migrations(STORE_MIGRATIONS).map(drop);
    // Closing the connection would release the lock too; this is sooner.
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn);
    migrated?;
    unlocked?;
    Ok(())
}

/// A row whose text had to change for PostgreSQL.
pub(super) struct OwnedRow {
    topic: String,
    kafka_partition: i32,
    kafka_offset: i64,
    message_key: Option<String>,
    data_type: String,
    sent_at: String,
    payload: String,
    received_at: String,
}

impl OwnedRow {
    pub(super) fn as_new(&self) -> NewMessage<'_> {
        NewMessage {
            topic: &self.topic,
            kafka_partition: self.kafka_partition,
            kafka_offset: self.kafka_offset,
            message_key: self.message_key.as_deref(),
            data_type: &self.data_type,
            sent_at: &self.sent_at,
            payload: &self.payload,
            received_at: &self.received_at,
        }
    }
}

/// PostgreSQL's text cannot hold U+0000, which a Kafka key or an envelope's
/// decoded strings may: the whole batch would fail, and the consumer with
/// it. When any text of `batch` holds one, the batch again with each
/// U+0000 made U+FFFD; `None` (nothing copied) when none does.
pub(super) fn with_nul_replaced(batch: &[NewMessage<'_>]) -> Option<Vec<OwnedRow>> {
    fn has_nul(m: &NewMessage<'_>) -> bool {
        [
            m.topic,
            m.message_key.unwrap_or_default(),
            m.data_type,
            m.sent_at,
            m.payload,
            m.received_at,
        ]
        .iter()
        .any(|text| text.contains('\0'))
    }
    if !batch.iter().any(has_nul) {
        return None;
    }
    let clean = |text: &str| text.replace('\0', "\u{FFFD}");
    Some(
        batch
            .iter()
            .map(|m| OwnedRow {
                topic: clean(m.topic),
                kafka_partition: m.kafka_partition,
                kafka_offset: m.kafka_offset,
                message_key: m.message_key.map(clean),
                data_type: clean(m.data_type),
                sent_at: clean(m.sent_at),
                payload: clean(m.payload),
                received_at: clean(m.received_at),
            })
            .collect(),
    )
}
