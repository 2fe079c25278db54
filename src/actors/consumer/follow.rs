//! Following the status of the user's subscriptions while consuming.
//!
//! An admin who deactivates a topic sets its subscriptions `inactive`; a
//! running consumer learns of it from the admin API's subscription list,
//! checked every few seconds, leaves that topic's Kafka subscription (the
//! others are kept) and says so once. When the subscription is `active`
//! again it reads the topic again, from the group's committed offsets.
//!
//! Between the decision and Kafka's rebalance the pump may still receive
//! records of a paused topic: it drops them unshown and unstored, without
//! marking their offsets, so they are read again on resumption.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

use super::engine::WeakEngineHandle;
use super::schemas::SchemaBook;
use crate::api::SubscriptionView;
use crate::client::AdminClient;
use crate::domain::SubscriptionStatus;

/// The topics a running consumer has left because their subscription is
/// not active. Shared by the front end (which decides) and the pump (which
/// drops their records); both run on one thread.
#[derive(Debug, Clone, Default)]
pub struct PausedTopics(Rc<RefCell<BTreeSet<String>>>);

impl PausedTopics {
    /// Whether records of `topic` are to be dropped.
    pub fn contains(&self, topic: &str) -> bool {
        self.0.borrow().contains(topic)
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    /// Forgets every paused topic (a new start reads what it is told).
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// Marks `topic` paused or not; answers whether that changed anything.
    pub fn set(&self, topic: &str, paused: bool) -> bool {
        let mut set = self.0.borrow_mut();
        if paused {
            set.insert(topic.to_owned())
        } else {
            set.remove(topic)
        }
    }

    /// Of `topics`, those to read: the ones not paused.
    pub fn readable(&self, topics: &BTreeSet<String>) -> Vec<String> {
        let paused = self.0.borrow();
        topics.difference(&paused).cloned().collect()
    }
}

/// A change of what is read, to be told to the user once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// The topic's subscription is no longer active: it is not read.
    Paused {
        topic: String,
        status: SubscriptionStatus,
    },
    /// The topic's subscription is active again: it is read again.
    Resumed { topic: String },
}

impl Followed {
    /// The line shown to the user. Names come from the admin API: the
    /// front end shows it through its sanitising output.
    pub fn notice(&self) -> String {
        match self {
            Followed::Paused {
                topic,
                status: SubscriptionStatus::Inactive,
            } => format!("Stopped reading {topic}: the topic was deactivated."),
            Followed::Paused { topic, status } => {
                format!("Stopped reading {topic}: its subscription is {status}.")
            }
            Followed::Resumed { topic } => {
                format!("Reading {topic} again: the topic was reactivated.")
            }
        }
    }
}

/// Compares `subscriptions` (the user's, as the admin API lists them) with
/// what is read of `topics`, marks the changes in `paused` and returns
/// them. A topic with no subscription in the list (named on the command
/// line, or unsubscribed meanwhile) is left as it is.
pub fn follow(
    topics: &BTreeSet<String>,
    paused: &PausedTopics,
    subscriptions: &[SubscriptionView],
) -> Vec<Followed> {
    let mut changes = Vec::new();
    for topic in topics {
        let Some(subscription) = subscriptions.iter().find(|s| &s.topic_name == topic) else {
            continue;
        };
        let active = subscription.status.is_active();
        if paused.set(topic, !active) {
            changes.push(if active {
                Followed::Resumed {
                    topic: topic.clone(),
                }
            } else {
                Followed::Paused {
                    topic: topic.clone(),
                    status: subscription.status.clone(),
                }
            });
        }
    }
    changes
}

/// Asks the admin API for `user`'s subscriptions. A failure is logged and
/// answered with `None`: consuming goes on as it was while the API is away.
pub async fn fetch(admin: &AdminClient, user: &str) -> Option<Vec<SubscriptionView>> {
    match admin.subscriptions(user).await {
        Ok(subscriptions) => Some(subscriptions),
        Err(e) => {
            log::debug!("checking the subscriptions failed: {e}");
            None
        }
    }
}

/// What a running `tail` checks, and how often.
pub struct Checks {
    pub admin: AdminClient,
    /// Whose subscriptions.
    pub user: String,
    /// The schemas to ask again at each check (with validation on).
    pub schemas: Option<SchemaBook>,
    pub every: Duration,
}

/// Keeps a running engine's Kafka subscription to `topics` in step with
/// the user's subscriptions, checking every `checks.every`, and tells each
/// change to `tell`. At each check the topics' current schemas are asked
/// again too.
/// Never ends: run it beside [`super::engine::Engine::run`] and
/// drop it when that ends. It holds only a weak handle, so the engine's
/// close does not wait for it.
pub async fn keep_following(
    checks: Checks,
    topics: BTreeSet<String>,
    paused: PausedTopics,
    engine: WeakEngineHandle,
    mut tell: impl FnMut(&str),
) -> std::convert::Infallible {
    let Checks {
        admin,
        user,
        schemas,
        every,
    } = checks;
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is at once; the topics were just read from the API.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Some(schemas) = &schemas {
            schemas.refresh().await;
        }
        let Some(subscriptions) = fetch(&admin, &user).await else {
            continue;
        };
        let changes = follow(&topics, &paused, &subscriptions);
        if changes.is_empty() {
            continue;
        }
        if let Some(handle) = engine.upgrade() {
            if let Err(e) = handle.subscribe(&paused.readable(&topics)) {
                tell(&format!("The consumer could not change its topics: {e}"));
            }
        }
        for change in &changes {
            tell(&change.notice());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_user_id;

    fn subscription(topic: &str, status: &str) -> SubscriptionView {
        SubscriptionView {
            subscription_id: 1,
            user_id: parse_user_id("alice").unwrap(),
            topic_name: topic.into(),
            subscribed_at: chrono::Utc::now(),
            status: status.to_owned().into(),
        }
    }

    #[test]
    fn pauses_and_resumes_each_topic_once() {
        let topics: BTreeSet<String> = ["a", "b", "named"].map(String::from).into();
        let paused = PausedTopics::default();
        let inactive_a = [subscription("a", "inactive"), subscription("b", "active")];
        assert_eq!(
            follow(&topics, &paused, &inactive_a),
            [Followed::Paused {
                topic: "a".into(),
                status: SubscriptionStatus::Inactive
            }]
        );
        assert_eq!(paused.readable(&topics), ["b", "named"]);
        // Told once: the same answer again changes nothing.
        assert!(follow(&topics, &paused, &inactive_a).is_empty());
        let back = [subscription("a", "active"), subscription("b", "paused")];
        let changes = follow(&topics, &paused, &back);
        assert_eq!(changes.len(), 2);
        assert_eq!(
            changes[0].notice(),
            "Reading a again: the topic was reactivated."
        );
        assert_eq!(
            changes[1].notice(),
            "Stopped reading b: its subscription is paused."
        );
        assert_eq!(paused.readable(&topics), ["a", "named"]);
        assert!(paused.contains("b") && !paused.contains("a"));
    }
}
