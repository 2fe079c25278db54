//! A counter of committed changes to the topics table, which readers can
//! also wait on: the `/api/topics/active` cache checks it per request, and
//! the change feed (`GET /api/topics/changes`) holds a request until it moves.
//! On a PostgreSQL registry it also moves on other replicas' changes (see
//! `db::shared_version`).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::watch;

use super::shared_version::Announcer;

#[derive(Debug, Clone, Copy, Default)]
struct State {
    version: u64,
    /// Changes that readers of whole rows must see but that nobody waits
    /// for: a report that only refreshes a topic's `kafka.checked_at`.
    touches: u64,
    /// Set once the admin service stops, so held requests end at once
    /// instead of delaying the graceful stop by a whole wait.
    closing: bool,
}

/// Counts committed changes to the topics table. Cloning shares the count.
#[derive(Clone, Default)]
pub struct TopicsVersion {
    state: Arc<watch::Sender<State>>,
    /// Tells the other replicas of a shared registry; set once at start.
    announcer: Arc<OnceLock<Announcer>>,
}

impl TopicsVersion {
    pub fn current(&self) -> u64 {
        self.state.borrow().version
    }

    /// Called after a change has committed, never before: a reader that
    /// saw the old number then read newer rows only refreshes once more.
    /// Blocks while it tells the other replicas, if there are any.
    pub fn bump(&self) {
        self.moved_elsewhere();
        if let Some(announcer) = self.announcer.get() {
            announcer.announce(Announcer::MOVE);
        }
    }

    /// Moves the count for a change another replica committed.
    pub fn moved_elsewhere(&self) {
        self.state.send_modify(|state| state.version += 1);
    }

    /// From now on every [`TopicsVersion::bump`] also tells `announcer`.
    pub fn announce_with(&self, announcer: Announcer) {
        // Set once at start; a second call would be a bug, and keeping
        // the first announcer is the safe answer to it.
        let _ = self.announcer.set(announcer);
    }

    /// What a cache of whole topic rows is keyed on: the version and the
    /// quiet changes since ([`TopicsVersion::touch`]).
    pub fn rows(&self) -> (u64, u64) {
        let state = self.state.borrow();
        (state.version, state.touches)
    }

    /// Records a committed change that moves no version: cached rows are
    /// stale, but the change feed's waiters are not woken for it.
    pub fn touch(&self) {
        self.touched_elsewhere();
        if let Some(announcer) = self.announcer.get() {
            announcer.announce(Announcer::TOUCH);
        }
    }

    /// Records a quiet change another replica committed.
    pub fn touched_elsewhere(&self) {
        self.state.send_if_modified(|state| {
            state.touches += 1;
            false
        });
    }

    /// The version once it differs from `since`, or the current one after
    /// `wait` (or as soon as the service stops). Any difference counts,
    /// not only a larger number: after a restart the count starts again
    /// from zero, and a reader holding an old number must look again.
    pub async fn changed_since(&self, since: u64, wait: Duration) -> u64 {
        let mut changes = self.state.subscribe();
        let moved = changes.wait_for(|state| state.version != since || state.closing);
        // The sender lives as long as `self`, so `wait_for` cannot fail.
        let _ = tokio::time::timeout(wait, moved).await;
        self.current()
    }

    /// Resolves once the service stops (see [`TopicsVersion::close`]), so
    /// open streams end rather than hold the graceful stop back.
    pub async fn closed(&self) {
        let mut changes = self.state.subscribe();
        // The sender lives as long as `self`, so `wait_for` cannot fail.
        let _ = changes.wait_for(|state| state.closing).await;
    }

    /// Whether the service is stopping.
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closing
    }

    /// Ends every wait now and every later one at once (the service stops).
    pub fn close(&self) {
        self.state.send_modify(|state| state.closing = true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_wait_ends_when_the_version_moves() {
        let version = TopicsVersion::default();
        let waiting = tokio::spawn({
            let version = version.clone();
            async move { version.changed_since(0, Duration::from_secs(30)).await }
        });
        tokio::task::yield_now().await;
        version.bump();
        assert_eq!(waiting.await.unwrap(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_without_change_ends_after_its_time_with_the_same_version() {
        let version = TopicsVersion::default();
        version.bump();
        let started = tokio::time::Instant::now();
        assert_eq!(version.changed_since(1, Duration::from_secs(30)).await, 1);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_number_from_before_a_restart_is_answered_at_once() {
        let version = TopicsVersion::default();
        let started = tokio::time::Instant::now();
        assert_eq!(version.changed_since(57, Duration::from_secs(30)).await, 0);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_touch_moves_the_rows_but_wakes_no_wait() {
        let version = TopicsVersion::default();
        let waiting = tokio::spawn({
            let version = version.clone();
            async move { version.changed_since(0, Duration::from_secs(30)).await }
        });
        tokio::task::yield_now().await;
        let started = tokio::time::Instant::now();
        version.touch();
        assert_eq!(version.rows(), (0, 1));
        assert_eq!(waiting.await.unwrap(), 0);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn closing_ends_the_waits() {
        let version = TopicsVersion::default();
        let waiting = tokio::spawn({
            let version = version.clone();
            async move { version.changed_since(0, Duration::from_secs(30)).await }
        });
        tokio::task::yield_now().await;
        version.close();
        assert_eq!(waiting.await.unwrap(), 0);
        let started = tokio::time::Instant::now();
        assert_eq!(version.changed_since(0, Duration::from_secs(30)).await, 0);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
