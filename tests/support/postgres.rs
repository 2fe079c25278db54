//! The test PostgreSQL server (`scripts/test.sh` starts it and exports
//! `TOPICGATE_TEST_POSTGRES_URL`) and empty databases on it, one per test.

use diesel::prelude::*;

/// The variable holding the test server's URL (to its `postgres` database).
pub const URL_VAR: &str = "TOPICGATE_TEST_POSTGRES_URL";

/// The test server's URL, when one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(URL_VAR).ok().filter(|url| !url.is_empty())
}

/// Creates an empty database with a random name on the test server and
/// returns its URL. Panics when no server is configured: a test that needs
/// PostgreSQL must not pass without one.
pub fn fresh_database() -> String {
    let url = postgres_url().unwrap_or_else(|| {
        panic!("{URL_VAR} is unset: run scripts/test.sh, or start scripts/postgres.sh and export its URL")
    });
    let name = format!("topicgate_test_{:016x}", rand::random::<u64>());
    let mut conn = PgConnection::establish(&url)
        .unwrap_or_else(|e| panic!("connecting to the test PostgreSQL ({URL_VAR}): {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
    with_database(&url, &name)
}

/// `url` naming database `name` instead of the one it names.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |at| &tail[at..]);
    format!("{scheme}://{authority}/{name}{query}")
}
