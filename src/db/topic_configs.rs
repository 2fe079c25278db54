//! The Kafka topic configs each request asked for (`topic_configs`).

use std::collections::{BTreeMap, HashMap};

use crate::db::{RegistryConnection, on_backend};
use diesel::prelude::*;

use super::RegistryError;
use super::schema::topic_configs;
use crate::api::TopicView;
use crate::domain::{TopicConfigs, TopicId};

/// Stores `configs` for a new topic; call it in the transaction that
/// inserts the topic, so a topic is never seen without its configs.
pub fn store(
    conn: &mut RegistryConnection,
    topic_id: TopicId,
    configs: &TopicConfigs,
) -> Result<(), RegistryError> {
    let rows: Vec<_> = configs
        .iter()
        .map(|(key, value)| {
            (
                topic_configs::topic_id.eq(topic_id),
                topic_configs::key.eq(key),
                topic_configs::value.eq(value),
            )
        })
        .collect();
    if !rows.is_empty() {
        // One statement for all rows; diesel renders a multi-row insert
        // only for a concrete backend.
        on_backend!(conn, |conn| diesel::insert_into(topic_configs::table)
            .values(&rows)
            .execute(conn))?;
    }
    Ok(())
}

/// The configs of the given topics, by topic; topics without any are absent.
pub fn for_topics(
    conn: &mut RegistryConnection,
    ids: &[TopicId],
) -> Result<HashMap<TopicId, BTreeMap<String, String>>, RegistryError> {
    let mut found: HashMap<TopicId, BTreeMap<String, String>> = HashMap::new();
    // SQLite caps bound parameters; pages of topics are far smaller, but a
    // full listing may not be.
    for chunk in ids.chunks(500) {
        let rows: Vec<(TopicId, String, String)> = topic_configs::table
            .filter(topic_configs::topic_id.eq_any(chunk))
            .select((
                topic_configs::topic_id,
                topic_configs::key,
                topic_configs::value,
            ))
            .load(conn)?;
        for (topic_id, key, value) in rows {
            found.entry(topic_id).or_default().insert(key, value);
        }
    }
    Ok(found)
}

/// Fills in the `configs` of each view from the registry.
pub fn attach(conn: &mut RegistryConnection, views: &mut [TopicView]) -> Result<(), RegistryError> {
    let ids: Vec<TopicId> = views.iter().map(|v| v.topic_id).collect();
    let mut found = for_topics(conn, &ids)?;
    for view in views {
        view.configs = found.remove(&view.topic_id).unwrap_or_default();
    }
    Ok(())
}
