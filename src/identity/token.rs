//! User tokens: 32 random bytes shown once; only their SHA-256 is stored.
//!
//! A token is looked up by its hash, so the database compares hashes, not
//! tokens: learning how long a comparison of hashes took tells nothing
//! about a token. A fast hash is enough for 256 random bits (argon2 is for
//! passwords people choose).

use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::config::Secret;

/// What every user token starts with, so a leaked one is recognisable
/// (secret scanners) and never confused with the shared admin token.
pub const TOKEN_PREFIX: &str = "tgu_";

/// The stored form of a token: its SHA-256 in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hash of what a client presented.
    pub fn of(token: &str) -> Self {
        let digest = Sha256::digest(token.as_bytes());
        TokenHash(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A hash kept earlier (by a dashboard session); `None` unless it has
    /// the stored form, 64 lowercase hex digits.
    pub fn from_stored(stored: &str) -> Option<Self> {
        let well_formed = stored.len() == 64
            && stored
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| TokenHash(stored.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A fresh token and its hash.
pub fn new_token() -> (Secret, TokenHash) {
    let bytes: [u8; 32] = rand::rng().random();
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = TokenHash::of(&token);
    (Secret::made_here(token), hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert!(a.expose().starts_with(TOKEN_PREFIX));
        assert_eq!(a.expose().len(), TOKEN_PREFIX.len() + 43);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(TokenHash::of(a.expose()), hash_a);
        assert_eq!(hash_a.as_str().len(), 64);
        assert!(!hash_a.as_str().contains(a.expose()));
        assert_eq!(
            TokenHash::from_stored(hash_a.as_str()),
            Some(hash_a.clone())
        );
        assert_eq!(TokenHash::from_stored(a.expose()), None);
        assert_eq!(
            TokenHash::from_stored(&hash_a.as_str().to_uppercase()),
            None
        );
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
