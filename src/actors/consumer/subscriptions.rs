//! Recording subscriptions through the admin API, with the checks and
//! messages a user needs. The session and the one-shot commands share it.

use crate::client::{AdminClient, ClientError};
use crate::domain::{TopicName, TopicNameError};

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
    #[error("topic '{topic}' is not active. {}", active_list(.active))]
    NotActive { topic: String, active: Vec<String> },
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

fn active_list(active: &[String]) -> String {
    if active.is_empty() {
        "There are no active topics yet.".into()
    } else {
        format!("Active topics: {}", active.join(", "))
    }
}

/// Subscribes `user` to `topic` when the topic is active.
pub async fn subscribe(
    admin: &AdminClient,
    user: &str,
    topic: &str,
) -> Result<Subscribed, SubscriptionError> {
    check_name(topic)?;
    // Asking for the active topics first turns "not active" into a message
    // that says which topics can be subscribed to.
    let active: Vec<String> = admin
        .active_topics()
        .await?
        .into_iter()
        .map(|t| t.topic_name)
        .collect();
    if !active.iter().any(|t| t == topic) {
        return Err(SubscriptionError::NotActive {
            topic: topic.to_owned(),
            active,
        });
    }
    match admin.subscribe(user, topic).await {
        Ok(_) => Ok(Subscribed::New),
        Err(ClientError::Api {
            status: 409,
            message,
        }) if message.contains("already subscribed") => Ok(Subscribed::Already),
        // The topic stopped being active between the two requests.
        Err(ClientError::Api {
            status: 404 | 409, ..
        }) => Err(SubscriptionError::NotActive {
            topic: topic.to_owned(),
            active: active.into_iter().filter(|t| t != topic).collect(),
        }),
        Err(e) => Err(e.into()),
    }
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
