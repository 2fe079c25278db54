//! Dashboard sessions kept in the admin process's memory, so that logging
//! out, an idle or absolute timeout, or a restart really ends a session: the
//! cookie only names a session, it does not carry one. One admin process
//! holds them all: the store for a SQLite registry (replicas sharing a
//! PostgreSQL one use `registry_session_store.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use actix_web::cookie::time::Duration as CookieDuration;

type SessionState = HashMap<String, String>;

/// How often expired sessions are swept out, at most.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// An in-memory [`SessionStore`]: random 64-character keys (from
/// actix-session), a sliding idle timeout (the TTL the middleware passes)
/// and an absolute lifetime counted from the session's creation, which a
/// log in renews. Clones share the sessions.
#[derive(Clone)]
pub struct MemorySessionStore {
    sessions: Arc<Mutex<Sessions>>,
    max_age: Duration,
    capacity: usize,
    protected_key: &'static str,
}

struct Entry {
    state: SessionState,
    started: Instant,
    expires: Instant,
}

struct Sessions {
    entries: HashMap<String, Entry>,
    last_sweep: Instant,
}

impl MemorySessionStore {
    /// A store whose sessions live at most `max_age`, holding at most
    /// `capacity` of them. When full, sessions holding `protected_key`
    /// (the admins') are the last to be evicted, so a flood of anonymous
    /// visits cannot log an admin out.
    pub fn new(max_age: Duration, capacity: usize, protected_key: &'static str) -> Self {
        Self {
            sessions: Arc::new(Mutex::new(Sessions {
                entries: HashMap::new(),
                last_sweep: Instant::now(),
            })),
            max_age,
            capacity: capacity.max(1),
            protected_key,
        }
    }

    /// The number of sessions held, expired ones included until swept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> MutexGuard<'_, Sessions> {
        // Every update below is a single map operation, so a panic elsewhere
        // cannot leave the map half-changed: its data stays usable.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn alive(&self, entry: &Entry, now: Instant) -> bool {
        now < entry.expires && now < entry.started + self.max_age
    }

    fn insert_new(&self, state: SessionState, ttl: &CookieDuration) -> SessionKey {
        let now = Instant::now();
        let key = generate_session_key();
        let mut sessions = self.lock();
        if now.duration_since(sessions.last_sweep) >= SWEEP_EVERY
            || sessions.entries.len() >= self.capacity
        {
            self.sweep(&mut sessions, now);
        }
        while sessions.entries.len() >= self.capacity {
            self.evict_one(&mut sessions);
        }
        sessions.entries.insert(
            key.as_ref().to_owned(),
            Entry {
                state,
                started: now,
                expires: now + idle(ttl),
            },
        );
        key
    }

    fn sweep(&self, sessions: &mut Sessions, now: Instant) {
        sessions.entries.retain(|_, entry| self.alive(entry, now));
        sessions.last_sweep = now;
    }

    /// Drops the session closest to expiring, anonymous ones first.
    fn evict_one(&self, sessions: &mut Sessions) {
        let victim = sessions
            .entries
            .iter()
            .min_by_key(|(_, entry)| (entry.state.contains_key(self.protected_key), entry.expires))
            .map(|(key, _)| key.clone());
        if let Some(key) = victim {
            sessions.entries.remove(&key);
        }
    }
}

/// The middleware's TTL as a std duration; a negative one means "now".
fn idle(ttl: &CookieDuration) -> Duration {
    Duration::try_from(*ttl).unwrap_or(Duration::ZERO)
}

impl SessionStore for MemorySessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let now = Instant::now();
        let mut sessions = self.lock();
        let key = session_key.as_ref();
        match sessions.entries.get(key) {
            Some(entry) if self.alive(entry, now) => Ok(Some(entry.state.clone())),
            Some(_) => {
                sessions.entries.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn save(
        &self,
        session_state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        Ok(self.insert_new(session_state, ttl))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let now = Instant::now();
        {
            let mut sessions = self.lock();
            if let Some(entry) = sessions.entries.get_mut(session_key.as_ref()) {
                if now < entry.expires && now < entry.started + self.max_age {
                    entry.state = session_state;
                    entry.expires = now + idle(ttl);
                    return Ok(session_key);
                }
                sessions.entries.remove(session_key.as_ref());
            }
        }
        // It expired between load and update: start afresh under a new key,
        // never under the old one.
        Ok(self.insert_new(session_state, ttl))
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        let now = Instant::now();
        if let Some(entry) = self.lock().entries.get_mut(session_key.as_ref()) {
            entry.expires = now + idle(ttl);
        }
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        self.lock().entries.remove(session_key.as_ref());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(pairs: &[(&str, &str)]) -> SessionState {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn ttl(seconds: i64) -> CookieDuration {
        CookieDuration::seconds(seconds)
    }

    #[actix_rt::test]
    async fn a_deleted_session_is_gone() {
        let store = MemorySessionStore::new(Duration::from_secs(3600), 10, "admin");
        let key = store
            .save(state(&[("admin", "true")]), &ttl(60))
            .await
            .unwrap();
        assert!(store.load(&key).await.unwrap().is_some());
        store.delete(&key).await.unwrap();
        assert!(store.load(&key).await.unwrap().is_none());
    }

    #[actix_rt::test]
    async fn when_full_anonymous_sessions_go_first() {
        let store = MemorySessionStore::new(Duration::from_secs(3600), 2, "admin");
        let admin = store
            .save(state(&[("admin", "true")]), &ttl(60))
            .await
            .unwrap();
        for _ in 0..5 {
            store
                .save(state(&[("csrf", "x")]), &ttl(600))
                .await
                .unwrap();
        }
        assert_eq!(store.len(), 2);
        assert!(store.load(&admin).await.unwrap().is_some());
    }

    #[actix_rt::test]
    async fn an_update_of_an_unknown_key_makes_a_new_one() {
        let store = MemorySessionStore::new(Duration::from_secs(3600), 10, "admin");
        let stale: SessionKey = "x".repeat(64).try_into().unwrap();
        let key = store
            .update(stale, state(&[("csrf", "y")]), &ttl(60))
            .await
            .unwrap();
        assert_ne!(key.as_ref(), "x".repeat(64));
        assert!(store.load(&key).await.unwrap().is_some());
    }
}
