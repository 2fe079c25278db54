//! A benchmark's settings from the environment.

use std::str::FromStr;

/// The number in the environment variable `name`, or `default` when it is
/// unset or not a number.
pub fn env_number<T: FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}
