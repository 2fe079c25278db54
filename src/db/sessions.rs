//! Dashboard sessions and the key that signs their cookies, kept in a
//! PostgreSQL registry so that every admin replica sharing it knows them
//! (`migrations_postgres/` step 000011; a SQLite registry has one admin
//! service, which keeps its sessions in memory).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::RegistryError;
use crate::db::{RegistryConnection, on_backend};

diesel::table! {
    /// One row per live session; `state` is its entries as a JSON object.
    dashboard_sessions (session_key) {
        session_key -> Text,
        state -> Text,
        started_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// The one row holding the cookie key, base64.
    dashboard_cookie_key (id) {
        id -> Integer,
        key -> Text,
    }
}

/// When a session ends: `idle_until` moves with each request, and no
/// session outlives `started_after` (the absolute lifetime).
#[derive(Debug, Clone, Copy)]
pub struct Lifetime {
    pub now: NaiveDateTime,
    pub idle_until: NaiveDateTime,
    pub started_after: NaiveDateTime,
}

/// The state of session `key`, if it is still alive.
pub fn load(
    conn: &mut RegistryConnection,
    key: &str,
    life: Lifetime,
) -> Result<Option<String>, RegistryError> {
    use dashboard_sessions::dsl as s;
    Ok(s::dashboard_sessions
        .find(key)
        .filter(s::expires_at.gt(life.now))
        .filter(s::started_at.gt(life.started_after))
        .select(s::state)
        .first(conn)
        .optional()?)
}

/// Stores a new session, first removing the ones that have ended.
pub fn insert(
    conn: &mut RegistryConnection,
    key: &str,
    state: &str,
    life: Lifetime,
) -> Result<(), RegistryError> {
    use dashboard_sessions::dsl as s;
    diesel::delete(
        s::dashboard_sessions.filter(
            s::expires_at
                .le(life.now)
                .or(s::started_at.le(life.started_after)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(s::dashboard_sessions)
        .values((
            s::session_key.eq(key),
            s::state.eq(state),
            s::started_at.eq(life.now),
            s::expires_at.eq(life.idle_until),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a live session's state and pushes its idle end back; false
/// when it has ended (or never was).
pub fn update(
    conn: &mut RegistryConnection,
    key: &str,
    state: &str,
    life: Lifetime,
) -> Result<bool, RegistryError> {
    use dashboard_sessions::dsl as s;
    let updated = diesel::update(
        s::dashboard_sessions
            .find(key)
            .filter(s::expires_at.gt(life.now))
            .filter(s::started_at.gt(life.started_after)),
    )
    .set((s::state.eq(state), s::expires_at.eq(life.idle_until)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Pushes a live session's idle end back.
pub fn touch(
    conn: &mut RegistryConnection,
    key: &str,
    life: Lifetime,
) -> Result<(), RegistryError> {
    use dashboard_sessions::dsl as s;
    diesel::update(
        s::dashboard_sessions
            .find(key)
            .filter(s::expires_at.gt(life.now)),
    )
    .set(s::expires_at.eq(life.idle_until))
    .execute(conn)?;
    Ok(())
}

/// Drops every session beyond the `keep` most worth keeping: those holding
/// `protected_key` (logged in) first, then the ones that end last; returns
/// how many went. It sorts every session, so the store runs it now and
/// then rather than at each new one.
pub fn trim(
    conn: &mut RegistryConnection,
    keep: i64,
    protected_key: &str,
) -> Result<usize, RegistryError> {
    use diesel::sql_types::{BigInt, Text};
    // Sessions live in a PostgreSQL registry only.
    let RegistryConnection::Postgres(conn) = conn else {
        return Ok(0);
    };
    Ok(diesel::sql_query(
        "DELETE FROM dashboard_sessions WHERE session_key IN ( \
             SELECT session_key FROM dashboard_sessions \
             ORDER BY (state::jsonb -> $1) IS NOT NULL DESC, expires_at DESC \
             OFFSET $2)",
    )
    .bind::<Text, _>(protected_key)
    .bind::<BigInt, _>(keep)
    .execute(conn)?)
}

/// Ends a session.
pub fn delete(conn: &mut RegistryConnection, key: &str) -> Result<(), RegistryError> {
    use dashboard_sessions::dsl as s;
    diesel::delete(s::dashboard_sessions.find(key)).execute(conn)?;
    Ok(())
}

/// The cookie key every replica uses: `candidate` if this is the first to
/// ask, else the one stored by the first.
pub fn cookie_key(conn: &mut RegistryConnection, candidate: &str) -> Result<String, RegistryError> {
    use dashboard_cookie_key::dsl as k;
    let insert = diesel::insert_into(k::dashboard_cookie_key)
        .values((k::id.eq(1), k::key.eq(candidate)))
        .on_conflict_do_nothing();
    on_backend!(conn, |conn| insert.execute(conn))?;
    Ok(k::dashboard_cookie_key.find(1).select(k::key).first(conn)?)
}
