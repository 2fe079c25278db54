//! Dashboard sessions kept in a PostgreSQL registry (`db::sessions`), so
//! that every admin replica sharing it knows every session and a browser
//! may be sent to any of them. Expiry works as in `session_store.rs`: a
//! sliding idle timeout (the TTL the middleware passes) and an absolute
//! lifetime from the session's start, which a log in renews.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::web;

use crate::db::sessions::{self, Lifetime};
use crate::db::{DbPool, RegistryError};

type SessionState = HashMap<String, String>;

/// A [`SessionStore`] over the registry's `dashboard_sessions` table.
#[derive(Clone)]
pub struct RegistrySessionStore {
    pool: DbPool,
    max_age: Duration,
    capacity: usize,
    protected_key: &'static str,
    trims: TrimCadence,
}

/// Counts the sessions a replica makes, to trim the table every so many.
#[derive(Clone)]
struct TrimCadence {
    every: u64,
    made: Arc<AtomicU64>,
}

impl TrimCadence {
    /// A trim every fiftieth of `capacity` sessions made.
    fn of(capacity: usize) -> Self {
        Self {
            every: (capacity as u64 / 50).max(1),
            made: Arc::default(),
        }
    }

    /// Counts one session made; whether it is one that trims the table.
    fn due(&self) -> bool {
        self.made.fetch_add(1, Ordering::Relaxed) % self.every == self.every - 1
    }
}

impl RegistrySessionStore {
    /// A store whose sessions live at most `max_age`, holding about
    /// `capacity` of them: every fiftieth of it that a replica makes, it
    /// trims the table back to `capacity`, dropping anonymous sessions
    /// before those holding `protected_key` (the logged-in ones), so a
    /// flood of anonymous visits can neither fill the registry nor log an
    /// admin out.
    pub fn new(
        pool: DbPool,
        max_age: Duration,
        capacity: usize,
        protected_key: &'static str,
    ) -> Self {
        Self {
            pool,
            max_age,
            capacity: capacity.max(1),
            protected_key,
            trims: TrimCadence::of(capacity),
        }
    }

    fn lifetime(&self, ttl: &CookieDuration) -> Lifetime {
        let now = chrono::Utc::now().naive_utc();
        let idle = Duration::try_from(*ttl).unwrap_or(Duration::ZERO);
        let span = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        Lifetime {
            now,
            idle_until: now.checked_add_signed(span(idle)).unwrap_or(now),
            started_after: now.checked_sub_signed(span(self.max_age)).unwrap_or(now),
        }
    }

    /// Runs `query` on a pooled connection off the async workers.
    async fn run<T: Send + 'static>(
        &self,
        query: impl FnOnce(&mut crate::db::RegistryConnection) -> Result<T, RegistryError>
        + Send
        + 'static,
    ) -> Result<T, anyhow::Error> {
        let pool = self.pool.clone();
        let done = web::block(move || query(&mut *pool.get()?))
            .await
            .map_err(|e| anyhow::anyhow!("session query did not run: {e}"))?;
        done.map_err(|e| anyhow::anyhow!("session query: {e:?}"))
    }

    async fn insert_new(
        &self,
        state: &SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, anyhow::Error> {
        let key = generate_session_key();
        let json = serde_json::to_string(state)?;
        let life = self.lifetime(ttl);
        let stored = key.as_ref().to_owned();
        let trim = self.trims.due().then_some((
            i64::try_from(self.capacity).unwrap_or(i64::MAX),
            self.protected_key,
        ));
        self.run(move |conn| {
            sessions::insert(conn, &stored, &json, life)?;
            if let Some((keep, protected_key)) = trim {
                sessions::trim(conn, keep, protected_key)?;
            }
            Ok(())
        })
        .await?;
        Ok(key)
    }
}

impl SessionStore for RegistrySessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let key = session_key.as_ref().to_owned();
        let life = self.lifetime(&CookieDuration::ZERO);
        let found = self
            .run(move |conn| sessions::load(conn, &key, life))
            .await
            .map_err(LoadError::Other)?;
        found
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(
        &self,
        session_state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        self.insert_new(&session_state, ttl)
            .await
            .map_err(SaveError::Other)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let json = serde_json::to_string(&session_state)
            .map_err(|e| UpdateError::Serialization(e.into()))?;
        let key = session_key.as_ref().to_owned();
        let life = self.lifetime(ttl);
        let updated = self
            .run(move |conn| sessions::update(conn, &key, &json, life))
            .await
            .map_err(UpdateError::Other)?;
        if updated {
            return Ok(session_key);
        }
        // It ended between load and update: start afresh under a new key,
        // never under the old one.
        self.insert_new(&session_state, ttl)
            .await
            .map_err(UpdateError::Other)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_owned();
        let life = self.lifetime(ttl);
        self.run(move |conn| sessions::touch(conn, &key, life))
            .await
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_owned();
        self.run(move |conn| sessions::delete(conn, &key)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thousandth_session_of_fifty_thousand_trims_the_table() {
        let cadence = TrimCadence::of(50_000);
        let due: Vec<usize> = (1..=3_000).filter(|_| cadence.due()).collect();
        assert_eq!(due, [1_000, 2_000, 3_000]);
        // Clones (the store's, one per worker) count together.
        let other = cadence.clone();
        assert_eq!((1..=1_000).filter(|_| other.due()).count(), 1);
        let tiny = TrimCadence::of(10);
        assert!((0..5).all(|_| tiny.due()));
    }
}
