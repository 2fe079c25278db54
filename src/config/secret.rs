use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// A configured secret (admin token, producer key, SASL password). Held in
/// a `SecretString`, so its memory is wiped when dropped; its `Debug` and
/// `Display` never show the value, and comparison takes constant time.
#[derive(Clone)]
pub struct Secret(SecretString);

/// Shortest secret accepted; a guessable token is no protection.
pub const MIN_SECRET_LEN: usize = 16;

impl Secret {
    pub fn new(value: impl Into<String>) -> Result<Self, String> {
        let value = SecretString::from(value.into());
        if value.expose_secret().trim().len() < MIN_SECRET_LEN {
            return Err(format!(
                "must be at least {MIN_SECRET_LEN} characters long (try: openssl rand -hex 24)"
            ));
        }
        Ok(Self(value))
    }

    /// A secret whose strength someone else sets (a Kafka SASL password):
    /// only an empty one is refused.
    pub fn external(value: impl Into<String>) -> Result<Self, String> {
        let value = SecretString::from(value.into());
        if value.expose_secret().is_empty() {
            return Err("must not be empty".into());
        }
        Ok(Self(value))
    }

    /// A secret this program made itself (a user token, a derived Kafka
    /// password): strong by construction, so no length rule applies.
    pub fn made_here(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// A fresh random secret, for `topicgate up` when none is configured.
    pub fn generate() -> Self {
        use rand::Rng;
        let bytes: [u8; 24] = rand::rng().random();
        Self(SecretString::from(
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        ))
    }

    /// Constant-time comparison with what a client sent.
    pub fn matches(&self, presented: &str) -> bool {
        self.expose().as_bytes().ct_eq(presented.as_bytes()).into()
    }

    /// The value itself, for sending it where it belongs (a header).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Secret::new(s)
    }
}

// By hand rather than `SecretString`'s own `Debug`, to keep the short
// `****` that log lines and tests already expect.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("a-very-secret-token-1234").unwrap();
        assert!(!format!("{secret:?} {secret} {secret:#?}").contains("secret-token"));
        let password = Secret::external("hunter2").unwrap();
        assert!(!format!("{password:?} {password} {password:#?}").contains("hunter2"));
        assert_eq!(password.expose(), "hunter2");
    }

    #[test]
    fn compares_whole_values() {
        let secret = Secret::new("0123456789abcdef").unwrap();
        assert!(secret.matches("0123456789abcdef"));
        assert!(!secret.matches("0123456789abcde"));
        assert!(!secret.matches("0123456789abcdeg"));
        assert!(!secret.matches(""));
        assert!(secret.clone().matches("0123456789abcdef"));
    }

    #[test]
    fn refuses_short_secrets() {
        assert!(Secret::new("short").is_err());
        assert!(Secret::new("   padded-short   ").is_err());
        assert!(Secret::external("").is_err());
        assert_ne!(Secret::generate().expose(), Secret::generate().expose());
        assert_eq!(Secret::generate().expose().len(), 48);
    }
}
