//! Each user's Kafka (SCRAM) password, derived rather than stored.
//!
//! The password is HMAC-SHA-256 of the user id and the user's credential
//! generation under a secret only the admin service holds. The registry
//! therefore keeps no Kafka password; rotating a user's token moves the
//! generation, which rotates the password too.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;
use crate::domain::UserId;

/// The SASL mechanism of every credential topicgate provisions.
pub const KAFKA_SCRAM_MECHANISM: &str = "SCRAM-SHA-512";

/// Derives users' Kafka passwords from the admin's credential secret.
#[derive(Clone)]
pub struct KafkaPasswords {
    key: Secret,
}

impl KafkaPasswords {
    pub fn new(key: Secret) -> Self {
        KafkaPasswords { key }
    }

    /// The password of `user` at credential `generation`.
    pub fn password(&self, user: &UserId, generation: i32) -> Secret {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose().as_bytes())
        else {
            unreachable!("HMAC accepts keys of every length")
        };
        mac.update(b"topicgate kafka scram v1\0");
        mac.update(user.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(generation.to_string().as_bytes());
        let derived =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Secret::made_here(derived)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_user_id;

    #[test]
    fn passwords_depend_on_user_generation_and_key() {
        let key = KafkaPasswords::new(Secret::new("k".repeat(32)).unwrap());
        let other_key = KafkaPasswords::new(Secret::new("j".repeat(32)).unwrap());
        let alice = parse_user_id("alice").unwrap();
        let bob = parse_user_id("bob").unwrap();
        let first = key.password(&alice, 1);
        assert_eq!(first.expose(), key.password(&alice, 1).expose());
        assert_eq!(first.expose().len(), 43);
        assert_ne!(first.expose(), key.password(&alice, 2).expose());
        assert_ne!(first.expose(), key.password(&bob, 1).expose());
        assert_ne!(first.expose(), other_key.password(&alice, 1).expose());
    }
}
