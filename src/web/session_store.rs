//! Dashboard sessions kept in the admin process's memory, so that logging
//! out, an idle or absolute timeout, or a restart really ends a session: the
//! cookie only names a session, it does not carry one. One admin process
//! holds them all: the store for a SQLite registry (replicas sharing a
//! PostgreSQL one use `registry_session_store.rs`).

use std::collections::{BTreeMap, HashMap};
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
    /// Its place in [`Sessions::anonymous`] or [`Sessions::protected`].
    rank: Rank,
    protected: bool,
}

/// A session's place in the order of eviction: the soonest to expire
/// first; `seq` tells apart two that expire at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    expires: Instant,
    seq: u64,
}

/// The sessions by key, and their keys in the order of eviction, the
/// anonymous apart from those holding the protected key: a full store
/// evicts one in logarithmic time. Walking every session at each new one,
/// as a full store did, let a flood of anonymous visits slow every
/// dashboard request thirtyfold (docs/benchmarks.md).
struct Sessions {
    entries: HashMap<String, Entry>,
    anonymous: BTreeMap<Rank, String>,
    protected: BTreeMap<Rank, String>,
    next_seq: u64,
    last_sweep: Instant,
}

impl Sessions {
    fn order(&mut self, protected: bool) -> &mut BTreeMap<Rank, String> {
        if protected {
            &mut self.protected
        } else {
            &mut self.anonymous
        }
    }

    /// Keeps `state` under `key`, in place of what it held.
    fn put(
        &mut self,
        key: String,
        state: SessionState,
        started: Instant,
        expires: Instant,
        protected_key: &str,
    ) {
        let protected = state.contains_key(protected_key);
        let rank = Rank {
            expires,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.order(protected).insert(rank, key.clone());
        let entry = Entry {
            state,
            started,
            expires,
            rank,
            protected,
        };
        if let Some(old) = self.entries.insert(key, entry) {
            self.order(old.protected).remove(&old.rank);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            self.order(entry.protected).remove(&entry.rank);
        }
    }

    /// Drops one session: a protected one whose idle time ran out, else
    /// the anonymous one closest to expiring, else the protected one.
    fn evict_one(&mut self, now: Instant) {
        let protected_first = self.protected.first_key_value().map(|(rank, _)| *rank);
        let from_protected = match protected_first {
            Some(rank) => rank.expires <= now || self.anonymous.is_empty(),
            None => false,
        };
        if let Some((_, key)) = self.order(from_protected).pop_first() {
            self.entries.remove(&key);
        }
    }
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
                anonymous: BTreeMap::new(),
                protected: BTreeMap::new(),
                next_seq: 0,
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
        // A panic elsewhere cannot leave the map and its order apart: each
        // change below is made to both before the lock is let go, and none
        // of them panics.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn alive(&self, entry: &Entry, now: Instant) -> bool {
        now < entry.expires && now < entry.started + self.max_age
    }

    fn insert_new(&self, state: SessionState, ttl: &CookieDuration) -> SessionKey {
        let now = Instant::now();
        let key = generate_session_key();
        let mut sessions = self.lock();
        if now.duration_since(sessions.last_sweep) >= SWEEP_EVERY {
            self.sweep(&mut sessions, now);
        }
        while sessions.entries.len() >= self.capacity {
            sessions.evict_one(now);
        }
        sessions.put(
            key.as_ref().to_owned(),
            state,
            now,
            now + idle(ttl),
            self.protected_key,
        );
        key
    }

    /// Drops every session past its idle time or its absolute lifetime;
    /// at most once a minute, as it walks them all.
    fn sweep(&self, sessions: &mut Sessions, now: Instant) {
        let dead: Vec<String> = sessions
            .entries
            .iter()
            .filter(|(_, entry)| !self.alive(entry, now))
            .map(|(key, _)| key.clone())
            .collect();
        for key in dead {
            sessions.remove(&key);
        }
        sessions.last_sweep = now;
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
                sessions.remove(key);
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
            let key = session_key.as_ref();
            if let Some(entry) = sessions.entries.get(key) {
                if self.alive(entry, now) {
                    let started = entry.started;
                    sessions.put(
                        key.to_owned(),
                        session_state,
                        started,
                        now + idle(ttl),
                        self.protected_key,
                    );
                    return Ok(session_key);
                }
                sessions.remove(key);
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
        let mut sessions = self.lock();
        let key = session_key.as_ref();
        if let Some(entry) = sessions.entries.remove(key) {
            sessions.order(entry.protected).remove(&entry.rank);
            sessions.put(
                key.to_owned(),
                entry.state,
                entry.started,
                now + idle(ttl),
                self.protected_key,
            );
        }
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        self.lock().remove(session_key.as_ref());
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
    async fn a_full_store_evicts_the_anonymous_session_closest_to_expiring() {
        let store = MemorySessionStore::new(Duration::from_secs(3600), 3, "admin");
        let soon = store.save(state(&[("csrf", "a")]), &ttl(60)).await.unwrap();
        let late = store
            .save(state(&[("csrf", "b")]), &ttl(600))
            .await
            .unwrap();
        let renewed = store.save(state(&[("csrf", "c")]), &ttl(30)).await.unwrap();
        // A request renews its session's idle time: no longer the soonest.
        store.update_ttl(&renewed, &ttl(900)).await.unwrap();
        store
            .save(state(&[("csrf", "d")]), &ttl(300))
            .await
            .unwrap();
        assert!(store.load(&soon).await.unwrap().is_none());
        assert!(store.load(&late).await.unwrap().is_some());
        assert!(store.load(&renewed).await.unwrap().is_some());
        assert_eq!(store.len(), 3);
    }

    #[actix_rt::test]
    async fn a_protected_session_past_its_idle_time_goes_before_a_live_anonymous_one() {
        let store = MemorySessionStore::new(Duration::from_secs(3600), 2, "admin");
        let idle_admin = store
            .save(state(&[("admin", "true")]), &ttl(0))
            .await
            .unwrap();
        let visitor = store
            .save(state(&[("csrf", "x")]), &ttl(600))
            .await
            .unwrap();
        let admin = store
            .save(state(&[("admin", "true")]), &ttl(600))
            .await
            .unwrap();
        assert!(store.load(&visitor).await.unwrap().is_some());
        assert!(store.load(&admin).await.unwrap().is_some());
        assert!(store.load(&idle_admin).await.unwrap().is_none());
        // Logging in moves a session among the protected: it outlasts a
        // newer anonymous one.
        let store = MemorySessionStore::new(Duration::from_secs(3600), 2, "admin");
        let key = store.save(state(&[("csrf", "y")]), &ttl(60)).await.unwrap();
        let key = store
            .update(key, state(&[("csrf", "y"), ("admin", "true")]), &ttl(60))
            .await
            .unwrap();
        store
            .save(state(&[("csrf", "z")]), &ttl(600))
            .await
            .unwrap();
        store
            .save(state(&[("csrf", "w")]), &ttl(600))
            .await
            .unwrap();
        assert!(store.load(&key).await.unwrap().is_some());
        assert_eq!(store.len(), 2);
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
