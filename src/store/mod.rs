//! The consumer's local message store (its own SQLite file).
