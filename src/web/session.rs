//! The dashboard's sessions: the middleware that keeps them server-side
//! (see `session_store.rs`), and what a session holds: who logged in, the
//! CSRF token and a one-time flash message.

use std::time::Duration;

use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Key, SameSite};
use serde::{Deserialize, Serialize};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::registry_session_store::RegistrySessionStore;
use super::session_store::MemorySessionStore;
use crate::config::Secret;
use crate::db::{DbPool, RegistryError};
use crate::identity::TokenHash;

const SESSION_COOKIE: &str = "topicgate_session";
const LOGIN_KEY: &str = "login";
const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";

/// Most sessions held at once (about 0.5 KB each); past it the ones
/// closest to expiring go, anonymous before logged-in ones. A PostgreSQL
/// registry holds up to a fiftieth more per replica between two trims.
const MAX_SESSIONS: usize = 50_000;

/// Longest flash message kept, in characters; longer ones are cut, so
/// that no form field can make a session large.
const MAX_FLASH_CHARS: usize = 500;

/// What every worker's session middleware shares: one store, one key.
#[derive(Clone)]
pub struct Sessions {
    store: SessionStorage,
    key: Key,
    idle_timeout: Duration,
}

/// Where the sessions live.
#[derive(Clone)]
pub enum SessionStorage {
    /// In this process: one admin service on a SQLite registry.
    Memory(MemorySessionStore),
    /// In a PostgreSQL registry that admin replicas share.
    Registry(RegistrySessionStore),
}

impl Sessions {
    /// Sessions that end after `idle_timeout` without a request, or
    /// `max_age` after they began; signed with a key made at each start.
    pub fn new(idle_timeout: Duration, max_age: Duration) -> Self {
        Self {
            store: SessionStorage::Memory(MemorySessionStore::new(
                max_age,
                MAX_SESSIONS,
                LOGIN_KEY,
            )),
            key: Key::generate(),
            idle_timeout,
        }
    }

    /// Like [`Sessions::new`], kept in the (PostgreSQL) registry behind
    /// `pool` and signed with the key stored there, made by the first
    /// replica to start: a session survives a switch to another replica.
    pub fn in_registry(
        idle_timeout: Duration,
        max_age: Duration,
        pool: DbPool,
    ) -> Result<Self, RegistryError> {
        let candidate = BASE64.encode(Key::generate().master());
        let stored = crate::db::sessions::cookie_key(&mut *pool.get()?, &candidate)?;
        let key = BASE64
            .decode(stored)
            .map_err(anyhow::Error::new)
            .and_then(|bytes| Key::try_from(bytes.as_slice()).map_err(anyhow::Error::new))
            .map_err(|e| {
                RegistryError::Unexpected(e.context("the registry's dashboard cookie key"))
            })?;
        Ok(Self {
            store: SessionStorage::Registry(RegistrySessionStore::new(
                pool,
                max_age,
                MAX_SESSIONS,
                LOGIN_KEY,
            )),
            key,
            idle_timeout,
        })
    }

    /// The session middleware for one worker.
    pub fn middleware(&self) -> SessionMiddleware<SessionStorage> {
        let idle = CookieDuration::try_from(self.idle_timeout).unwrap_or(CookieDuration::MAX);
        SessionMiddleware::builder(self.store.clone(), self.key.clone())
            .cookie_name(SESSION_COOKIE.into())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Strict)
            // Served over plain HTTP on a trusted network by default; a TLS
            // proxy in front may add `Secure`.
            .cookie_secure(false)
            .cookie_content_security(CookieContentSecurity::Signed)
            // A browser-session cookie; the store ends the session itself
            // after the idle timeout, which every request pushes back.
            .session_lifecycle(
                BrowserSession::default()
                    .state_ttl(idle)
                    .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
            )
            .build()
    }
}

impl SessionStore for SessionStorage {
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        match self {
            SessionStorage::Memory(store) => store.load(key).await,
            SessionStorage::Registry(store) => store.load(key).await,
        }
    }

    async fn save(
        &self,
        state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        match self {
            SessionStorage::Memory(store) => store.save(state, ttl).await,
            SessionStorage::Registry(store) => store.save(state, ttl).await,
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: SessionState,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        match self {
            SessionStorage::Memory(store) => store.update(key, state, ttl).await,
            SessionStorage::Registry(store) => store.update(key, state, ttl).await,
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &CookieDuration) -> anyhow::Result<()> {
        match self {
            SessionStorage::Memory(store) => store.update_ttl(key, ttl).await,
            SessionStorage::Registry(store) => store.update_ttl(key, ttl).await,
        }
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        match self {
            SessionStorage::Memory(store) => store.delete(key).await,
            SessionStorage::Registry(store) => store.delete(key).await,
        }
    }
}

type SessionState = std::collections::HashMap<String, String>;

/// A one-time message shown on the next page.
#[derive(Serialize, Deserialize)]
pub struct Flash {
    kind: String,
    text: String,
}

/// Leaves `text` for the next page, cut to a bounded length.
pub fn flash(session: &Session, kind: &str, text: impl Into<String>) {
    let mut text: String = text.into();
    if let Some((cut, _)) = text.char_indices().nth(MAX_FLASH_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    let _ = session.insert(
        FLASH_KEY,
        Flash {
            kind: kind.into(),
            text,
        },
    );
}

/// Whether a message waits for the next page.
pub fn has_flash(session: &Session) -> bool {
    session.contains_key(FLASH_KEY)
}

/// The message left by the previous request, once.
pub fn take_flash(session: &Session) -> Option<Flash> {
    session.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok)
}

/// Who a session logged in as. A user's session keeps only the hash of
/// the token, which every request authenticates again, so revoking or
/// rotating the token (or deleting the user) ends the session at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Login {
    /// The shared admin token.
    BootstrapAdmin,
    /// A user token, by its SHA-256.
    User { token_hash: String },
}

impl Login {
    /// The login of a user token.
    pub fn user(token: &TokenHash) -> Self {
        Login::User {
            token_hash: token.as_str().to_owned(),
        }
    }
}

/// Who this session logged in as, if anyone.
pub fn login(session: &Session) -> Option<Login> {
    session.get::<Login>(LOGIN_KEY).ok().flatten()
}

/// Makes this session `who`'s under a new id: a new id on a privilege
/// change defeats session fixation, and the new CSRF token goes with it.
pub fn log_in(session: &Session, who: &Login) {
    session.renew();
    session.remove(CSRF_KEY);
    let _ = session.insert(LOGIN_KEY, who);
}

/// Forgets the login of a session whose token no longer proves anyone,
/// under a new id (the old one is deleted from the store), keeping the
/// session itself for the message that says why.
pub fn drop_login(session: &Session) {
    session.renew();
    session.remove(CSRF_KEY);
    session.remove(LOGIN_KEY);
}

/// Ends the session in the store: its cookie, even a copy, names nothing.
pub fn log_out(session: &Session) {
    session.purge();
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Some(token) = session.get::<String>(CSRF_KEY).ok().flatten() {
        return token;
    }
    let token = Secret::generate().expose().to_owned();
    let _ = session.insert(CSRF_KEY, &token);
    token
}

/// Whether `presented` is this session's CSRF token (constant time).
pub fn csrf_ok(session: &Session, presented: &str) -> bool {
    session
        .get::<String>(CSRF_KEY)
        .ok()
        .flatten()
        .and_then(|token| Secret::new(token).ok())
        .is_some_and(|token| token.matches(presented))
}
