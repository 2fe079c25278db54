//! The registry's storage: SQLite through diesel and r2d2.
//!
//! Queries are plain functions over a connection so the registry actor and
//! tests call the same code.

pub mod change_requests;
mod error;
pub mod kafka_grants;
pub mod kafka_state;
pub mod models;
pub mod schema;
pub mod schema_changes;
pub mod schema_registrations;
pub mod schemas;
mod sql_types;
pub mod subscriptions;
pub mod topic_configs;
pub mod topic_counts;
pub mod topic_edits;
pub mod topics;
pub mod topics_version;
pub mod users;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use nix::fcntl::{Flock, FlockArg};

pub use error::RegistryError;

pub type DbPool = Pool<ConnectionManager<SqliteConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<SqliteConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// How long a writer waits for another writer's lock before giving up.
const BUSY_TIMEOUT_MS: u32 = 10_000;

/// Per-connection settings: SQLite applies these to each connection, not to
/// the file, so every connection the pool opens gets them.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
             PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens (creating when missing) the registry at `path`, switches it to WAL
/// so readers never wait for the writer, and applies pending migrations.
/// A new registry, its WAL files and a new directory for it are private to
/// this user (0600, 0700): they hold who asked for and reads what.
pub fn open(path: &Path, max_connections: u32) -> Result<DbPool, RegistryError> {
    crate::private_fs::ensure_private_file(path).map_err(|e| {
        RegistryError::Unexpected(anyhow::anyhow!("creating {}: {e}", path.display()))
    })?;
    let url = path.to_string_lossy().into_owned();
    let manager = ConnectionManager::<SqliteConnection>::new(url);
    let pool = Pool::builder()
        .max_size(max_connections)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)
        .map_err(|e| {
            RegistryError::Unexpected(anyhow::anyhow!("opening {}: {e}", path.display()))
        })?;
    let mut conn = pool.get()?;
    // Two services started at once on one file would both find the same
    // migrations pending and apply them twice ("duplicate column"): each
    // migration is a transaction of its own, not the whole run. An
    // exclusive flock on the database file makes one wait for the other;
    // SQLite's own locks are POSIX record locks, which flock does not
    // touch on Linux.
    let _only_migrator = lock_for_migrations(path)?;
    // journal_mode is stored in the file, so setting it once is enough.
    conn.batch_execute("PRAGMA journal_mode = WAL;")?;
    migrate(&mut conn)?;
    let adopted = schemas::adopt_builtin_schemas(&mut conn, chrono::Utc::now().naive_utc())?;
    if adopted > 0 {
        log::info!(
            "{adopted} topic(s) registered before schemas got their data type's built-in schema"
        );
    }
    Ok(pool)
}

/// Holds an exclusive flock on `path` until dropped.
fn lock_for_migrations(path: &Path) -> Result<Flock<std::fs::File>, RegistryError> {
    let file = std::fs::File::open(path).map_err(|e| {
        RegistryError::Unexpected(anyhow::anyhow!("opening {}: {e}", path.display()))
    })?;
    Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| {
        RegistryError::Unexpected(anyhow::anyhow!(
            "locking {} for its migrations: {e}",
            path.display()
        ))
    })
}

/// Applies every migration that has not run on this database yet.
pub fn migrate(conn: &mut SqliteConnection) -> Result<(), RegistryError> {
    conn.run_pending_migrations(MIGRATIONS)
        .map_err(|e| RegistryError::Unexpected(anyhow::anyhow!("running migrations: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_is_found_by_its_name_through_an_index_not_by_reading_the_table() {
        use diesel::RunQueryDsl;
        use diesel::sql_types::Text;
        #[derive(diesel::QueryableByName)]
        struct PlanStep {
            #[diesel(sql_type = Text)]
            detail: String,
        }
        let dir = tempfile::tempdir().unwrap();
        let pool = open(&dir.path().join("registry.db"), 1).unwrap();
        let mut conn = pool.get().unwrap();
        // Deleted topics keep their names, so a lookup by name that may
        // find one cannot use the unique index of live names.
        let plan: Vec<PlanStep> = diesel::sql_query(
            "EXPLAIN QUERY PLAN SELECT id FROM topics WHERE name = ? ORDER BY id DESC LIMIT 1",
        )
        .bind::<Text, _>("weather")
        .load(&mut conn)
        .unwrap();
        let steps: Vec<&str> = plan.iter().map(|step| step.detail.as_str()).collect();
        assert!(
            steps.iter().any(|s| s.contains("INDEX topics_by_name")),
            "{steps:?}"
        );
    }

    #[test]
    fn services_opening_one_new_registry_at_once_migrate_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.db");
        let start = std::sync::Arc::new(std::sync::Barrier::new(4));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                let start = std::sync::Arc::clone(&start);
                std::thread::spawn(move || {
                    start.wait();
                    open(&path, 2).map(|_| ())
                })
            })
            .collect();
        for opener in openers {
            let opened = opener.join().unwrap();
            assert!(opened.is_ok(), "{opened:?}");
        }
    }
}
