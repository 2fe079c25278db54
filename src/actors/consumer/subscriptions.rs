//! Recording subscriptions through the admin API, with the checks and
//! messages a user needs. The session and the one-shot commands share it.

use crate::api::ErrorCode;
use crate::client::{AdminClient, ClientError};
use crate::domain::{TopicName, TopicNameError, TopicStatus};

/// What subscribing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    New,
    /// The user was subscribed already; nothing changed.
    Already,
}

/// Why a subscription change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("'{topic}' is not a valid topic name: {reason}")]
    BadName {
        topic: String,
        reason: TopicNameError,
    },
    #[error("there is no topic '{topic}'. {}", active_list(.active))]
    NoSuchTopic {
        topic: String,
        /// `None` when the active topics could not be listed.
        active: Option<Vec<String>>,
    },
    #[error("topic '{topic}' {}. {}", not_active_reason(*.status), active_list(.active))]
    NotActive {
        topic: String,
        /// `None` when the admin service did not say (an older one).
        status: Option<TopicStatus>,
        active: Option<Vec<String>>,
    },
    #[error("you are not subscribed to '{topic}'")]
    NotSubscribed { topic: String },
    #[error("{0}")]
    Admin(#[from] ClientError),
}

impl SubscriptionError {
    /// True when the admin API could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, SubscriptionError::Admin(e) if e.is_unreachable())
    }
}

/// Why a topic cannot be subscribed to, from its status.
fn not_active_reason(status: Option<TopicStatus>) -> &'static str {
    match status {
        Some(TopicStatus::Pending) => "is still waiting for an admin's approval",
        Some(TopicStatus::Approved) => {
            "is approved and being created in Kafka; try again in a moment"
        }
        Some(TopicStatus::Rejected) => "was rejected by an admin",
        Some(TopicStatus::Inactive) => "has been deactivated by an admin",
        Some(TopicStatus::Deleted) => "was deleted by an admin",
        Some(TopicStatus::Active) | None => "is not active",
    }
}

fn active_list(active: &Option<Vec<String>>) -> String {
    match active.as_deref() {
        None => String::new(),
        Some([]) => "There are no active topics yet.".into(),
        Some(active) => format!("Active topics: {}", active.join(", ")),
    }
}

/// Subscribes `user` to `topic` when the topic is active. A refusal is told
/// apart by its HTTP status and the API's error code, and names the topics
/// that can be subscribed to.
pub async fn subscribe(
    admin: &AdminClient,
    user: &str,
    topic: &str,
) -> Result<Subscribed, SubscriptionError> {
    check_name(topic)?;
    let refusal = match admin.subscribe(user, topic).await {
        Ok(_) => return Ok(Subscribed::New),
        Err(e) => e,
    };
    let ClientError::Api {
        status,
        code,
        topic_status,
        ..
    } = &refusal
    else {
        return Err(refusal.into());
    };
    let (status, code, topic_status) = (*status, *code, *topic_status);
    match (status, code) {
        (409, Some(ErrorCode::AlreadySubscribed)) => Ok(Subscribed::Already),
        (404, Some(ErrorCode::TopicNotFound)) => Err(SubscriptionError::NoSuchTopic {
            topic: topic.to_owned(),
            active: active_topics(admin).await,
        }),
        (409, Some(ErrorCode::TopicNotActive)) => Err(SubscriptionError::NotActive {
            topic: topic.to_owned(),
            status: topic_status,
            active: active_topics(admin).await,
        }),
        // A service older than error codes refuses a duplicate and an
        // inactive topic alike with 409: the topic's state tells them apart.
        (404 | 409, None) => {
            let active = active_topics(admin).await;
            match &active {
                Some(names) if status == 409 && names.iter().any(|t| t == topic) => {
                    Ok(Subscribed::Already)
                }
                _ => Err(SubscriptionError::NotActive {
                    topic: topic.to_owned(),
                    status: None,
                    active,
                }),
            }
        }
        _ => Err(refusal.into()),
    }
}

/// The names of the active topics; `None` when they cannot be listed, as
/// that only spoils the hint, not the answer.
async fn active_topics(admin: &AdminClient) -> Option<Vec<String>> {
    let topics = admin.active_topics().await.ok()?;
    Some(topics.into_iter().map(|t| t.topic_name).collect())
}

/// Removes `user`'s subscription to `topic`.
pub async fn unsubscribe(
    admin: &AdminClient,
    user: &str,
    topic: &str,
) -> Result<(), SubscriptionError> {
    check_name(topic)?;
    match admin.unsubscribe(user, topic).await {
        Ok(_) => Ok(()),
        Err(ClientError::Api { status: 404, .. }) => Err(SubscriptionError::NotSubscribed {
            topic: topic.to_owned(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The topics of `user`'s active subscriptions.
pub async fn subscribed_topics(
    admin: &AdminClient,
    user: &str,
) -> Result<Vec<String>, ClientError> {
    Ok(admin
        .subscriptions(user)
        .await?
        .into_iter()
        .filter(|s| s.status.is_active())
        .map(|s| s.topic_name)
        .collect())
}

fn check_name(topic: &str) -> Result<(), SubscriptionError> {
    TopicName::parse(topic)
        .map(|_| ())
        .map_err(|reason| SubscriptionError::BadName {
            topic: topic.to_owned(),
            reason,
        })
}
