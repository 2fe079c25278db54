//! Secrets kept in files (`--admin-token-file`, `--producer-key-file`), so
//! they never appear on a command line that `ps` shows to every user.

use std::path::Path;

use super::{Secret, missing};
use crate::private_fs::check_private;

/// Reads the secret in `path`: a file only its owner may read, holding the
/// secret and perhaps a final newline.
pub fn read_secret_file(path: &Path) -> Result<Secret, String> {
    let text = read_private_file(path)?;
    Secret::new(text.trim()).map_err(|e| format!("the secret in {}: {e}", path.display()))
}

/// The text of `path`, refused when anyone but its owner may read it.
pub(crate) fn read_private_file(path: &Path) -> Result<String, String> {
    check_private(path)?;
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The names under which one secret can be configured.
pub(crate) struct SecretOptions {
    pub what: &'static str,
    pub flag: &'static str,
    pub env: &'static str,
    pub file_flag: &'static str,
    pub file_env: &'static str,
}

impl SecretOptions {
    /// The secret from its value or from its file; both at once is refused
    /// rather than guessing which one was meant.
    pub fn resolve(&self, value: Option<Secret>, file: Option<&Path>) -> Result<Secret, String> {
        match (value, file) {
            (Some(_), Some(_)) => Err(format!(
                "the {} is configured twice: use either {} ({}) or {} ({}), not both",
                self.what, self.flag, self.env, self.file_flag, self.file_env
            )),
            (Some(secret), None) => Ok(secret),
            (None, Some(path)) => read_secret_file(path),
            (None, None) => Err(format!(
                "{}; or keep it in a file only you can read and pass {} or set {}",
                missing(self.what, self.flag, self.env),
                self.file_flag,
                self.file_env
            )),
        }
    }
}

/// The admin token's names on every role.
pub(crate) const ADMIN_TOKEN: SecretOptions = SecretOptions {
    what: "admin token",
    flag: "--admin-token",
    env: "TOPICGATE_ADMIN_TOKEN",
    file_flag: "--admin-token-file",
    file_env: "TOPICGATE_ADMIN_TOKEN_FILE",
};

/// The producer key's names on every role.
pub(crate) const PRODUCER_KEY: SecretOptions = SecretOptions {
    what: "producer key",
    flag: "--producer-key",
    env: "TOPICGATE_PRODUCER_KEY",
    file_flag: "--producer-key-file",
    file_env: "TOPICGATE_PRODUCER_KEY_FILE",
};
