//! Tab completion of command words and topic names.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::command::{COMMANDS, takes_topic};
use crate::domain::TopicName;

/// Topic names worth completing: active topics and subscriptions seen so
/// far. The REPL thread updates them from replies.
#[derive(Debug, Clone, Default)]
pub struct KnownTopics(Arc<Mutex<BTreeSet<String>>>);

impl KnownTopics {
    /// Adds the valid topic names among `names`; the rest (which the
    /// admin API should never send) would only be echoed back raw by the
    /// completion list, so they are left out.
    pub fn extend<I: IntoIterator<Item = String>>(&self, names: I) {
        self.lock()
            .extend(names.into_iter().filter(|n| TopicName::parse(n).is_ok()));
    }

    pub fn matching(&self, prefix: &str) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|name| name.starts_with(prefix))
            .cloned()
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        // A set of names cannot be left half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The REPL's rustyline helper.
pub struct ReplHelper {
    topics: KnownTopics,
    /// Set while a prompt asks only for a topic name ("Topic name: ").
    topic_only: bool,
}

impl ReplHelper {
    pub fn new(topics: KnownTopics) -> Self {
        Self {
            topics,
            topic_only: false,
        }
    }

    /// Complete only topic names (for the "Topic name:" prompt) or commands.
    pub fn set_topic_only(&mut self, topic_only: bool) {
        self.topic_only = topic_only;
    }

    fn candidates(&self, line: &str) -> (usize, Vec<Pair>) {
        // The word under the cursor starts after the last space.
        let start = line.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &line[start..];
        let earlier: Vec<&str> = line[..start].split_whitespace().collect();
        let topics = |prefix: &str| {
            self.topics
                .matching(prefix)
                .into_iter()
                .map(|name| Pair {
                    display: name.clone(),
                    replacement: name,
                })
                .collect()
        };
        let pairs = match earlier.as_slice() {
            _ if self.topic_only => topics(word),
            [] => COMMANDS
                .iter()
                .filter(|c| c.starts_with(&word.to_ascii_lowercase()))
                .map(|c| Pair {
                    display: (*c).to_owned(),
                    replacement: format!("{c} "),
                })
                .collect(),
            [command] if takes_topic(&command.to_ascii_lowercase()) => topics(word),
            _ => Vec::new(),
        };
        (start, pairs)
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(&line[..pos]))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ReplHelper {
        let topics = KnownTopics::default();
        topics.extend(["sensor_data".into(), "stock_ticks".into(), "weather".into()]);
        ReplHelper::new(topics)
    }

    #[test]
    fn only_valid_topic_names_are_completed() {
        let topics = KnownTopics::default();
        topics.extend(["sensor_data".into(), "sensor\x1b]0;title\x07".into()]);
        assert_eq!(topics.matching("sensor"), ["sensor_data"]);
    }

    fn replacements(helper: &ReplHelper, line: &str) -> (usize, Vec<String>) {
        let (start, pairs) = helper.candidates(line);
        (start, pairs.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn completes_commands_then_topics() {
        let helper = helper();
        assert_eq!(
            replacements(&helper, "su"),
            (0, vec!["subs ".into(), "subscribe ".into()])
        );
        assert_eq!(
            replacements(&helper, "st"),
            (0, vec!["start ".into(), "stop ".into(), "stats ".into()])
        );
        assert_eq!(
            replacements(&helper, "subscribe s"),
            (10, vec!["sensor_data".into(), "stock_ticks".into()])
        );
        assert_eq!(
            replacements(&helper, "history w"),
            (8, vec!["weather".into()])
        );
        assert_eq!(
            replacements(&helper, "3 se"),
            (2, vec!["sensor_data".into()])
        );
        assert_eq!(replacements(&helper, "stats x").1, Vec::<String>::new());
    }

    #[test]
    fn completes_bare_topic_names_at_the_topic_prompt() {
        let mut helper = helper();
        helper.set_topic_only(true);
        assert_eq!(replacements(&helper, "w"), (0, vec!["weather".into()]));
    }
}
