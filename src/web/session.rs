//! The dashboard's sessions: the middleware that keeps them server-side
//! (see `session_store.rs`), and what a session holds: the admin flag, the
//! CSRF token and a one-time flash message.

use super::identity::Caller;
use std::time::Duration;

use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Key, SameSite};
use serde::{Deserialize, Serialize};

use super::session_store::MemorySessionStore;
use crate::config::Secret;

const SESSION_COOKIE: &str = "topicgate_session";
const ADMIN_KEY: &str = "admin";
const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";

/// Most sessions held at once (about 0.5 KB each); past it the ones
/// closest to expiring go, anonymous before admin.
const MAX_SESSIONS: usize = 50_000;

/// Longest flash message kept, in characters; longer ones are cut, so
/// that no form field can make a session large.
const MAX_FLASH_CHARS: usize = 500;

/// What every worker's session middleware shares: one store, one key.
#[derive(Clone)]
pub struct Sessions {
    store: MemorySessionStore,
    key: Key,
    idle_timeout: Duration,
}

impl Sessions {
    /// Sessions that end after `idle_timeout` without a request, or
    /// `max_age` after they began; signed with a key made at each start.
    pub fn new(idle_timeout: Duration, max_age: Duration) -> Self {
        Self {
            store: MemorySessionStore::new(max_age, MAX_SESSIONS, ADMIN_KEY),
            key: Key::generate(),
            idle_timeout,
        }
    }

    /// The session middleware for one worker.
    pub fn middleware(&self) -> SessionMiddleware<MemorySessionStore> {
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

/// The message left by the previous request, once.
pub fn take_flash(session: &Session) -> Option<Flash> {
    session.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok)
}

/// Whether this session logged in with the admin token.
pub fn is_admin(session: &Session) -> bool {
    session
        .get::<bool>(ADMIN_KEY)
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Who this session acts as, for the handlers the API shares with the
/// dashboard.
pub fn session_caller(session: &Session) -> Caller {
    if is_admin(session) {
        Caller::BootstrapAdmin
    } else {
        Caller::Anonymous
    }
}

/// Makes this session an admin's under a new id: a new id on a privilege
/// change defeats session fixation, and the new CSRF token goes with it.
pub fn log_in(session: &Session) {
    session.renew();
    session.remove(CSRF_KEY);
    let _ = session.insert(ADMIN_KEY, true);
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
