//! What was typed into the dashboard's Create Topic form, kept for one page
//! when the request is refused, so the form comes back filled in beside the
//! error instead of empty. It lives in the server-side session, each field
//! cut to the length its form input allows, and the page renders it
//! through handlebars' HTML escaping like every other value.

use actix_session::Session;
use serde::{Deserialize, Serialize};

use super::config_form::ConfigFields;

const DRAFT_KEY: &str = "topic_draft";

/// The schema text area's `maxlength` in `dashboard.hbs`; larger schemas
/// go through the API, whose body may be 64 KiB.
pub const MAX_SCHEMA_FIELD_CHARS: usize = 12_000;

/// The Create Topic form's fields, as typed (or its defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicDraft {
    pub name: String,
    pub created_by: String,
    pub partitions: String,
    pub replication_factor: String,
    pub description: String,
    pub data_type: String,
    /// The value schema as typed (JSON text); empty for the built-in one.
    #[serde(default)]
    pub schema: String,
    /// The optional Kafka config inputs.
    #[serde(flatten)]
    pub configs: ConfigFields,
}

impl Default for TopicDraft {
    /// An empty form with the usual partitions and replication factor.
    fn default() -> Self {
        Self {
            name: String::new(),
            created_by: String::new(),
            partitions: "3".into(),
            replication_factor: "1".into(),
            description: String::new(),
            data_type: String::new(),
            schema: String::new(),
            configs: ConfigFields::default(),
        }
    }
}

impl TopicDraft {
    /// The draft with each field cut to its input's `maxlength` in
    /// `dashboard.hbs`: a refused request cannot grow the session or the
    /// page past what the form itself could send.
    fn bounded(self) -> Self {
        Self {
            name: cut(self.name, 249),
            created_by: cut(self.created_by, 100),
            partitions: cut(self.partitions, 12),
            replication_factor: cut(self.replication_factor, 12),
            description: cut(self.description, 1000),
            data_type: cut(self.data_type, 32),
            schema: cut(self.schema, MAX_SCHEMA_FIELD_CHARS),
            configs: self.configs.bounded(),
        }
    }
}

fn cut(mut text: String, max_chars: usize) -> String {
    if let Some((end, _)) = text.char_indices().nth(max_chars) {
        text.truncate(end);
    }
    text
}

/// Keeps `draft` for the next page of this session.
pub fn keep_draft(session: &Session, draft: TopicDraft) {
    let _ = session.insert(DRAFT_KEY, draft.bounded());
}

/// The draft left by the previous request, once; else the empty form.
pub fn take_draft(session: &Session) -> TopicDraft {
    session
        .remove_as::<TopicDraft>(DRAFT_KEY)
        .and_then(Result::ok)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_cut_to_their_inputs_lengths_on_character_boundaries() {
        let draft = TopicDraft {
            name: "n".repeat(300),
            description: "é".repeat(1500),
            ..TopicDraft::default()
        }
        .bounded();
        assert_eq!(draft.name.chars().count(), 249);
        assert_eq!(draft.description.chars().count(), 1000);
        assert_eq!(draft.partitions, "3");
    }
}
