//! The consumer's message store: its own SQLite file, or a PostgreSQL
//! database a team shares ([`StoreLocation`], chosen by `--store`), through
//! diesel and r2d2 like the registry, with embedded migrations for each
//! backend (`store_migrations/`, `store_migrations_postgres/`).
//!
//! Queries are plain functions over a connection ([`messages`]), written
//! once for both backends; the consumer session writes, the REPL's
//! `history` reads.

pub mod location;
pub mod messages;
pub mod models;
pub mod postgres;
pub mod schema;
pub mod sqlite;

use std::path::PathBuf;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;

pub use location::StoreLocation;
pub use models::{NewMessage, StoredMessage};
pub use sqlite::open;

/// A pool of connections to one store, of either backend.
#[derive(Clone)]
pub enum StorePool {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Postgres(Pool<ConnectionManager<PgConnection>>),
}

/// One connection taken from a [`StorePool`].
pub enum StoreConn {
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    Postgres(PooledConnection<ConnectionManager<PgConnection>>),
}

impl StorePool {
    /// A connection, waiting for one while both are in use.
    pub fn get(&self) -> Result<StoreConn, StoreError> {
        Ok(match self {
            StorePool::Sqlite(pool) => StoreConn::Sqlite(pool.get()?),
            StorePool::Postgres(pool) => StoreConn::Postgres(pool.get()?),
        })
    }
}

/// Opens the store at `location`, creating what is missing and applying
/// pending migrations.
pub fn open_at(location: &StoreLocation) -> Result<StorePool, StoreError> {
    match location {
        StoreLocation::File(path) => sqlite::open(path),
        StoreLocation::Postgres(url) => postgres::open(url),
    }
}

/// What can go wrong with the message store.
#[derive(thiserror::Error)]
pub enum StoreError {
    #[error("message store {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    /// `location` never shows a password.
    #[error("message store {location}: {reason}")]
    Connect {
        location: StoreLocation,
        reason: String,
    },
    #[error("message store: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("message store: no connection: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
}

impl std::fmt::Debug for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}
