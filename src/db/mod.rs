//! The registry's storage: SQLite or PostgreSQL through diesel and r2d2.
//!
//! Queries are plain functions over a connection so the registry actor and
//! tests call the same code.

pub mod change_requests;
mod connection;
mod error;
pub mod kafka_grants;
pub mod kafka_state;
pub mod models;
pub mod schema;
pub mod schema_changes;
pub mod schema_registrations;
pub mod schemas;
pub mod sessions;
pub mod shared_version;
mod sql_types;
pub mod subscriptions;
pub mod topic_configs;
pub mod topic_counts;
pub mod topic_edits;
pub mod topics;
pub mod topics_version;
mod url;
pub mod users;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use nix::fcntl::{Flock, FlockArg};

pub(crate) use connection::on_backend;
pub use connection::{MultiBackend, RegistryConnection, RegistryConnections};
pub use error::RegistryError;
pub use url::DatabaseUrl;

pub type DbPool = Pool<RegistryConnections>;
pub type DbConn = PooledConnection<RegistryConnections>;

/// The columns `T` is read from, for a `RETURNING` clause: diesel's
/// `as_returning()` is tied to one backend, these plain columns render on
/// each. `T`'s fields are in the order of its columns, so its `Queryable`
/// reads them back.
pub fn columns_of<T: diesel::Selectable<MultiBackend>>() -> T::SelectExpression {
    T::construct_selection()
}

/// The registry's migrations for SQLite.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
/// The same steps in PostgreSQL's dialect, giving the same tables and columns.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations_postgres");

/// Session-level advisory lock that one service holds while it migrates a
/// PostgreSQL registry; others starting at once wait for it.
const MIGRATION_LOCK_KEY: i64 = 7_375_846_162_957_418;

/// Opens the registry at `url` (creating a missing SQLite file), and
/// applies pending migrations. A SQLite registry is switched to WAL so
/// readers never wait for the writer; a new one, its WAL files and a new
/// directory for it are private to this user (0600, 0700): they hold who
/// asked for and reads what.
pub fn open(url: impl Into<DatabaseUrl>, max_connections: u32) -> Result<DbPool, RegistryError> {
    let url = url.into();
    if let Some(path) = url.sqlite_path() {
        crate::private_fs::ensure_private_file(path).map_err(|e| {
            RegistryError::Unexpected(anyhow::anyhow!("creating {}: {e}", path.display()))
        })?;
    }
    let pool = Pool::builder()
        .max_size(max_connections)
        .connection_timeout(Duration::from_secs(10))
        .build(RegistryConnections::new(url.clone()))
        .map_err(|e| RegistryError::Unexpected(anyhow::anyhow!("opening {url}: {e}")))?;
    let mut conn = pool.get()?;
    match url.sqlite_path() {
        Some(path) => {
            // Two services started at once on one file would both find the
            // same migrations pending and apply them twice ("duplicate
            // column"): each migration is a transaction of its own, not the
            // whole run. An exclusive flock on the database file makes one
            // wait for the other; SQLite's own locks are POSIX record
            // locks, which flock does not touch on Linux.
            let _only_migrator = lock_for_migrations(path)?;
            // journal_mode is stored in the file, so setting it once is enough.
            conn.batch_execute("PRAGMA journal_mode = WAL;")?;
            prepare(&mut conn)?;
        }
        None => {
            // The same reason as the flock above, for replicas sharing one
            // PostgreSQL database.
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let prepared = prepare(&mut conn);
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            prepared?;
        }
    }
    Ok(pool)
}

/// Migrates, then gives old topics their built-in schema.
fn prepare(conn: &mut RegistryConnection) -> Result<(), RegistryError> {
    migrate(conn)?;
    let adopted = schemas::adopt_builtin_schemas(conn, chrono::Utc::now().naive_utc())?;
    if adopted > 0 {
        log::info!(
            "{adopted} topic(s) registered before schemas got their data type's built-in schema"
        );
    }
    Ok(())
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

/// The migrations written for `conn`'s backend.
pub fn migrations_for(conn: &RegistryConnection) -> EmbeddedMigrations {
    match conn {
        RegistryConnection::Sqlite(_) => MIGRATIONS,
        RegistryConnection::Postgres(_) => POSTGRES_MIGRATIONS,
    }
}

/// Applies every migration that has not run on this database yet, from
/// the set for its backend.
pub fn migrate(conn: &mut RegistryConnection) -> Result<(), RegistryError> {
    let migrations = migrations_for(conn);
    conn.run_pending_migrations(migrations)
        .map(drop)
        .map_err(|e| RegistryError::Unexpected(anyhow::anyhow!("running migrations: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How SQLite would run `sql` (with `?` bound to `name`) on a new
    /// registry: one line per step of its plan.
    fn query_plan(sql: &str) -> Vec<String> {
        use diesel::RunQueryDsl;
        use diesel::sql_types::Text;
        #[derive(diesel::QueryableByName)]
        struct PlanStep {
            #[diesel(sql_type = Text)]
            detail: String,
        }
        let dir = tempfile::tempdir().unwrap();
        let pool = open(dir.path().join("registry.db"), 1).unwrap();
        let mut conn = pool.get().unwrap();
        let plan: Vec<PlanStep> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .bind::<Text, _>("weather")
            .load(&mut conn)
            .unwrap();
        plan.into_iter().map(|step| step.detail).collect()
    }

    #[test]
    fn a_topic_is_found_by_its_name_through_an_index_not_by_reading_the_table() {
        // Deleted topics keep their names, so a lookup by name that may
        // find one cannot use the unique index of live names.
        let steps = query_plan("SELECT id FROM topics WHERE name = ? ORDER BY id DESC LIMIT 1");
        assert!(
            steps.iter().any(|s| s.contains("INDEX topics_by_name")),
            "{steps:?}"
        );
    }

    #[test]
    fn the_newest_subscriptions_and_events_are_read_off_an_index_without_sorting() {
        for sql in [
            "SELECT s.id, t.name FROM user_subscriptions s JOIN topics t ON t.id = s.topic_id \
             WHERE ? IS NOT NULL ORDER BY s.subscribed_at DESC, s.id DESC LIMIT 50",
            "SELECT e.id, t.name FROM topic_events e JOIN topics t ON t.id = e.topic_id \
             WHERE ? IS NOT NULL ORDER BY e.at DESC, e.id DESC LIMIT 15",
        ] {
            let steps = query_plan(sql);
            assert!(
                !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                "{sql}: {steps:?}"
            );
        }
    }

    #[test]
    fn a_page_of_the_newest_topics_is_read_off_an_index_without_sorting() {
        let steps = query_plan(
            "SELECT id, name FROM topics WHERE ? IS NOT NULL \
             ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 40",
        );
        assert!(
            steps.iter().any(|s| s.contains("INDEX topics_newest"))
                && !steps.iter().any(|s| s.contains("TEMP B-TREE")),
            "{steps:?}"
        );
    }

    #[test]
    fn pending_schema_changes_are_found_through_indexes_without_a_set_of_every_topic() {
        let sql = format!(
            "SELECT schemas.id, topics.name FROM schemas \
             INNER JOIN topics ON topics.id = schemas.topic_id \
             WHERE {} AND schemas.status = ? ORDER BY schemas.id DESC",
            schema_changes::IS_CHANGE_SQL
        );
        let steps = query_plan(&sql);
        assert!(
            steps.iter().any(|s| s.contains("INDEX schemas_by_status"))
                && steps.iter().any(|s| s.contains("INDEX schemas_by_topic"))
                && !steps.iter().any(|s| s.contains("LIST SUBQUERY")),
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
