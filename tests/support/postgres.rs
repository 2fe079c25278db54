//! The tests' PostgreSQL: the server scripts/test.sh starts (with
//! scripts/postgres.sh) and names in `TOPICGATE_TEST_POSTGRES_URL`.

use diesel::{Connection, PgConnection, RunQueryDsl};

/// The environment variable that names the tests' PostgreSQL: a URL to a
/// database on it (its `postgres` one) whose user may create databases.
pub const POSTGRES_URL_ENV: &str = "TOPICGATE_TEST_POSTGRES_URL";

/// The URL of the tests' PostgreSQL, when one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_ENV)
        .ok()
        .filter(|url| !url.is_empty())
}

/// A new, empty database of its own for one test on the tests' PostgreSQL,
/// as a URL. A test that needs PostgreSQL fails here without one rather
/// than passing without having used it.
pub fn fresh_database() -> String {
    let server = postgres_url().unwrap_or_else(|| {
        panic!(
            "{POSTGRES_URL_ENV} is not set: run the tests with scripts/test.sh, or start \
             scripts/postgres.sh and export its DATABASE_URL under that name"
        )
    });
    let name = format!("test_{:016x}", rand::random::<u64>());
    let mut admin = PgConnection::establish(&server)
        .unwrap_or_else(|e| panic!("connecting to the tests' PostgreSQL at {server}: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
    with_database(&server, &name)
}

/// `url` with its database replaced by `database`: the path of
/// `postgres://user@host/database?options`.
fn with_database(url: &str, database: &str) -> String {
    let (before_options, options) = url.split_once('?').unwrap_or((url, ""));
    let authority_end = before_options
        .find("://")
        .map(|scheme| scheme + 3)
        .and_then(|start| before_options[start..].find('/').map(|slash| start + slash))
        .unwrap_or(before_options.len());
    let mut changed = format!("{}/{database}", &before_options[..authority_end]);
    if !options.is_empty() {
        changed.push('?');
        changed.push_str(options);
    }
    changed
}
