//! The dashboard's live part, rendered once for every viewer who would see
//! the same thing, until the registry or the clock moves.
//!
//! At ten thousand topics one rendering costs about 4 ms of CPU (seven
//! registry reads and a hundred table rows through handlebars), and every
//! open dashboard asks for it on each refresh, mostly finding nothing new.
//! A rendering is kept under a [`Stamp`]: the topics' rows and the access
//! changes it was read at, and the second it shows (the page's time and
//! the producer's age are to the second). The first request under a newer
//! stamp drops every rendering of the older one.
//!
//! Within a stamp a rendering is shared by the requests of one key: the
//! page and search, what the viewer may do, and the cluster line. What is
//! the session's own, its CSRF token, is put in on the way out
//! ([`CSRF_PLACEHOLDER`]).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::state::AppState;

/// Renderings kept for one stamp (one second at most): a few megabytes at
/// worst, however many searches a client makes up. Past it, requests still
/// get a rendering of their own; they just do not share it.
const MAX_KEYS: usize = 64;

/// Stands for the viewer's CSRF token in a shared rendering. The template
/// places the token raw (`{{{csrf}}}`), so this is the only `<` that can
/// come out there: every value from a request or from Kafka is escaped and
/// turns `<` into `&lt;`, so no topic field can forge it.
pub const CSRF_PLACEHOLDER: &str = "<csrf-token>";

/// What a rendering was read and drawn at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The topics' version and quiet changes (`TopicsVersion::rows`):
    /// statuses, Kafka states, change requests, schemas, events.
    topics: (u64, u64),
    /// Subscriptions (the list and the count).
    access: u64,
    /// The second the page shows.
    second: i64,
}

impl Stamp {
    /// Read before the registry is: a change landing in between leaves
    /// the rendering under the older stamp, so the next request renders
    /// again rather than keep it.
    pub fn now(state: &AppState, now: DateTime<Utc>) -> Self {
        Self {
            topics: state.topics_version.rows(),
            access: state.access_changes.current(),
            second: now.timestamp(),
        }
    }

    /// The topics' version: where the page's script starts following the
    /// change feed.
    pub fn version(&self) -> u64 {
        self.topics.0
    }
}

/// Renderings of the newest stamp seen, by key.
pub struct RenderCache<K, V> {
    newest: Mutex<Newest<K, V>>,
}

struct Newest<K, V> {
    stamp: Option<Stamp>,
    renderings: HashMap<K, Arc<V>>,
}

impl<K, V> Default for RenderCache<K, V> {
    fn default() -> Self {
        Self {
            newest: Mutex::new(Newest {
                stamp: None,
                renderings: HashMap::new(),
            }),
        }
    }
}

impl<K: Hash + Eq + Clone, V> RenderCache<K, V> {
    /// The rendering of `key` at `stamp`, made by `render` when there is
    /// none yet, and whether it was made for this call. Requests that miss
    /// at once each render (nothing waits on another's rendering); the
    /// last one in is kept.
    pub async fn get_or_render<E, F>(
        &self,
        stamp: Stamp,
        key: &K,
        render: F,
    ) -> Result<(Arc<V>, bool), E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if let Some(kept) = self.kept(stamp, key) {
            return Ok((kept, false));
        }
        let rendered = Arc::new(render.await?);
        self.keep(stamp, key.clone(), rendered.clone());
        Ok((rendered, true))
    }

    fn kept(&self, stamp: Stamp, key: &K) -> Option<Arc<V>> {
        let newest = self.newest.lock().ok()?;
        (newest.stamp == Some(stamp))
            .then(|| newest.renderings.get(key).cloned())
            .flatten()
    }

    fn keep(&self, stamp: Stamp, key: K, rendered: Arc<V>) {
        let Ok(mut newest) = self.newest.lock() else {
            return;
        };
        let Newest {
            stamp: kept_at,
            renderings,
        } = &mut *newest;
        if *kept_at != Some(stamp) {
            // A slow rendering of an older stamp must not push out the
            // newer ones; the clock and the versions only move forward.
            if kept_at.is_some_and(|at| older(stamp, at)) {
                return;
            }
            *kept_at = Some(stamp);
            renderings.clear();
        }
        if renderings.len() < MAX_KEYS || renderings.contains_key(&key) {
            renderings.insert(key, rendered);
        }
    }
}

/// Whether `stamp` was read before `than`: the versions and the clock
/// only move forward, and any one of them behind makes it the older.
fn older(stamp: Stamp, than: Stamp) -> bool {
    stamp.topics < than.topics || stamp.access < than.access || stamp.second < than.second
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(version: u64, second: i64) -> Stamp {
        Stamp {
            topics: (version, 0),
            access: 0,
            second,
        }
    }

    async fn render(
        cache: &RenderCache<&'static str, String>,
        at: Stamp,
        key: &'static str,
    ) -> (String, bool) {
        let (got, rendered) = cache
            .get_or_render::<(), _>(at, &key, async { Ok(format!("{key} at {at:?}")) })
            .await
            .unwrap();
        (got.to_string(), rendered)
    }

    #[actix_rt::test]
    async fn a_rendering_serves_its_key_until_the_stamp_moves() {
        let cache = RenderCache::default();
        assert!(render(&cache, stamp(1, 10), "page 1").await.1);
        assert!(!render(&cache, stamp(1, 10), "page 1").await.1);
        assert!(render(&cache, stamp(1, 10), "page 2").await.1);
        // A change, then the next second: each renders again.
        assert!(render(&cache, stamp(2, 10), "page 1").await.1);
        assert!(!render(&cache, stamp(2, 10), "page 1").await.1);
        assert!(render(&cache, stamp(2, 11), "page 1").await.1);
        // The newer stamp dropped the older renderings.
        assert!(render(&cache, stamp(2, 11), "page 2").await.1);
    }

    #[actix_rt::test]
    async fn a_late_rendering_of_an_older_stamp_is_not_kept() {
        let cache = RenderCache::default();
        render(&cache, stamp(2, 10), "page 1").await;
        let (old, rendered) = render(&cache, stamp(1, 10), "page 1").await;
        assert!(rendered && old.contains("topics: (1, 0)"));
        let (kept, rendered) = render(&cache, stamp(2, 10), "page 1").await;
        assert!(!rendered && kept.contains("topics: (2, 0)"), "{kept}");
    }

    #[actix_rt::test]
    async fn past_the_bound_renderings_are_made_but_not_kept() {
        let cache = RenderCache::default();
        let keys: Vec<&'static str> = (0..=MAX_KEYS)
            .map(|i| &*Box::leak(format!("page {i}").into_boxed_str()))
            .collect();
        for key in &keys {
            render(&cache, stamp(1, 10), key).await;
        }
        assert!(!render(&cache, stamp(1, 10), keys[0]).await.1);
        assert!(render(&cache, stamp(1, 10), keys[MAX_KEYS]).await.1);
    }
}
