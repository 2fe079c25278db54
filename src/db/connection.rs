//! One connection type for both backends, chosen at start from the
//! registry's URL, and the pool that opens them.
//!
//! Queries are written once against [`RegistryConnection`]; diesel renders
//! them in each backend's dialect. The few that need a backend's own form
//! match on the variant (see `on_backend!`).

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::result::Error as DieselError;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult};

use super::url::DatabaseUrl;

/// A connection to the registry, on whichever backend it lives.
#[derive(diesel::MultiConnection)]
pub enum RegistryConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$inner` bound to the backend's own connection, for
/// the queries diesel renders only for a concrete backend (`ON CONFLICT`).
/// The body is written once and compiled for each backend.
macro_rules! on_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::db::RegistryConnection::Postgres($inner) => $body,
            $crate::db::RegistryConnection::Sqlite($inner) => $body,
        }
    };
}
pub(crate) use on_backend;

/// How long a SQLite writer waits for another writer's lock before giving up.
const BUSY_TIMEOUT_MS: u32 = 10_000;

/// Every writing transaction on PostgreSQL takes this transaction-scoped
/// advisory lock first, so writers run one at a time as they do on SQLite
/// (`BEGIN IMMEDIATE`): a check and the write it allows (a name still
/// free, a state still pending) cannot interleave with another writer's.
/// Readers never take it.
const WRITER_LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(7375846162957419)";

impl RegistryConnection {
    /// Runs `work` in a transaction that holds the registry's write lock
    /// from its first statement: `BEGIN IMMEDIATE` on SQLite, the writers'
    /// advisory lock on PostgreSQL. Commits when `work` succeeds, rolls
    /// back when it fails.
    pub fn write_transaction<T, E, F>(&mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<DieselError>,
    {
        self.begin_write()?;
        self.finish(work)
    }

    /// Runs `work` in a transaction whose reads all see one snapshot, so a
    /// count and the rows it counts agree: SQLite's deferred transaction
    /// does that already; PostgreSQL's default isolation takes a snapshot
    /// per statement, so it is asked for `REPEATABLE READ`.
    pub fn read_transaction<T, E, F>(&mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<DieselError>,
    {
        match self {
            RegistryConnection::Sqlite(conn) => {
                AnsiTransactionManager::begin_transaction_sql(conn, "BEGIN")?
            }
            RegistryConnection::Postgres(conn) => AnsiTransactionManager::begin_transaction_sql(
                conn,
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            )?,
        }
        self.finish(work)
    }

    /// Runs `work` in the transaction just begun, then ends it.
    fn finish<T, E, F>(&mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<DieselError>,
    {
        match work(self) {
            Ok(value) => {
                <Self as TransactionManager<Self>>::commit_transaction(self)?;
                Ok(value)
            }
            Err(error) => match <Self as TransactionManager<Self>>::rollback_transaction(self) {
                Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(error),
                Err(rollback_error) => Err(rollback_error.into()),
            },
        }
    }

    fn begin_write(&mut self) -> QueryResult<()> {
        match self {
            RegistryConnection::Sqlite(conn) => {
                AnsiTransactionManager::begin_transaction_sql(conn, "BEGIN IMMEDIATE")
            }
            RegistryConnection::Postgres(conn) => {
                AnsiTransactionManager::begin_transaction_sql(conn, "BEGIN")?;
                if let Err(e) = conn.batch_execute(WRITER_LOCK_SQL) {
                    // The lock failing leaves an aborted transaction behind;
                    // the lock's error is the one worth reporting.
                    let _ = AnsiTransactionManager::rollback_transaction(conn);
                    return Err(e);
                }
                Ok(())
            }
        }
    }

    /// Whether this connection is to PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, RegistryConnection::Postgres(_))
    }
}

/// Opens the registry's connections for r2d2, each on the backend the URL
/// names (never guessing by trying one backend after the other).
#[derive(Debug)]
pub struct RegistryConnections {
    url: DatabaseUrl,
}

impl RegistryConnections {
    pub fn new(url: DatabaseUrl) -> Self {
        RegistryConnections { url }
    }
}

/// Opens one connection to the registry at `url`, set up for use.
pub fn establish(url: &DatabaseUrl) -> Result<RegistryConnection, r2d2::Error> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(r2d2::Error::ConnectionError)?;
            // SQLite applies these to each connection, not to the file.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
                 PRAGMA foreign_keys = ON;
                 PRAGMA synchronous = NORMAL;"
            ))
            .map_err(r2d2::Error::QueryError)?;
            Ok(RegistryConnection::Sqlite(conn))
        }
        DatabaseUrl::Postgres(url) => PgConnection::establish(url)
            .map(RegistryConnection::Postgres)
            .map_err(r2d2::Error::ConnectionError),
    }
}

impl ManageConnection for RegistryConnections {
    type Connection = RegistryConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<RegistryConnection, r2d2::Error> {
        establish(&self.url)
    }

    fn is_valid(&self, conn: &mut RegistryConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut RegistryConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}
