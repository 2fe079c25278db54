//! Command-line configuration for each role: flags with environment
//! fallbacks, parsed by clap.

mod admin;
mod secret;

pub use admin::{AdminConfig, AdminSettings};
pub use secret::Secret;
