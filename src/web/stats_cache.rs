//! The counts behind `/api/stats` and the dashboard's cards, kept until a
//! topic or a subscription changes.
//!
//! Counting is cheap at fifty topics and is not at ten thousand: the
//! subscriptions' count walks a whole index (a hundred thousand entries),
//! and every open dashboard asks for it on each refresh.

use std::sync::RwLock;

use chrono::Utc;

use super::error::ApiError;
use super::state::AppState;
use crate::actors::registry::GetStats;
use crate::api::Stats;

/// The versions the counts were read at: the topics' (a status moves) and
/// the access changes' (every subscription and unsubscription bumps it).
type Versions = (u64, u64);

#[derive(Default)]
pub struct StatsCache {
    counted: RwLock<Option<(Versions, Stats)>>,
}

impl StatsCache {
    /// The counts as of now, read again only when something they count
    /// may have changed. The timestamp is always the time of the answer.
    pub async fn stats(&self, state: &AppState) -> Result<Stats, ApiError> {
        // Read before the counts: a change landing in between leaves the
        // entry a version behind, so the next request counts again.
        let versions = (
            state.topics_version.current(),
            state.access_changes.current(),
        );
        let cached = self
            .counted
            .read()
            .ok()
            .and_then(|counted| counted.clone())
            .filter(|(at, _)| *at == versions);
        let stats = match cached {
            Some((_, stats)) => stats,
            None => {
                let stats = state.ask(GetStats).await?;
                if let Ok(mut counted) = self.counted.write() {
                    *counted = Some((versions, stats.clone()));
                }
                stats
            }
        };
        Ok(Stats {
            timestamp: Utc::now(),
            ..stats
        })
    }
}
