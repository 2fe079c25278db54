//! Who a request comes from: users' bearer tokens, and the Kafka
//! passwords derived for them.

mod kafka_password;
mod token;

pub use kafka_password::{KAFKA_SCRAM_MECHANISM, KafkaPasswords};
pub use token::{TOKEN_PREFIX, TokenHash, new_token};

use crate::domain::{Role, Roles, UserId};

/// A registered user who proved who they are with a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub user_id: UserId,
    pub roles: Roles,
}

impl Person {
    /// Whether the person holds `role` (or `admin`, which holds them all).
    pub fn may(&self, role: Role) -> bool {
        self.roles.allows(role)
    }
}
