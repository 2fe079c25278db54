//! Who did something, as the audit trail records it.

use std::fmt;

use super::UserId;

/// The party behind a change. Only a checked credential makes someone
/// `Admin`, `Producer` or a `User`; whatever else a request says about its sender is
/// a claim, recorded as such.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Presented the admin token (bearer header or dashboard session).
    Admin,
    /// Presented the producer key.
    Producer,
    /// Presented a user token.
    User(UserId),
    /// No credential; `field` is what the request claimed about its sender.
    Anonymous {
        field: &'static str,
        claimed: String,
    },
}

impl Actor {
    /// An unauthenticated topic request that names `created_by`.
    pub fn anonymous_creator(created_by: &str) -> Self {
        Actor::Anonymous {
            field: "created_by",
            claimed: created_by.to_owned(),
        }
    }

    /// An unauthenticated subscription change for `user_id`.
    pub fn anonymous_user(user_id: &str) -> Self {
        Actor::Anonymous {
            field: "user_id",
            claimed: user_id.to_owned(),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Admin => f.write_str("admin"),
            Actor::Producer => f.write_str("producer"),
            Actor::User(user) => write!(f, "user:{user}"),
            Actor::Anonymous { field, claimed } => write!(f, "anonymous ({field}: {claimed})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_labelled_as_claims() {
        assert_eq!(Actor::Admin.to_string(), "admin");
        let alice = super::super::parse_user_id("alice").unwrap();
        assert_eq!(Actor::User(alice).to_string(), "user:alice");
        assert_eq!(
            Actor::anonymous_creator("team-iot").to_string(),
            "anonymous (created_by: team-iot)"
        );
        assert_eq!(
            Actor::anonymous_user("alice").to_string(),
            "anonymous (user_id: alice)"
        );
    }
}
