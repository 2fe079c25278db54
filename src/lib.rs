//! topicgate: self-service streaming on Apache Kafka.
//!
//! Teams request topics, an admin approves them, a producer daemon creates
//! them in Kafka and streams typed data into them, and users watch the data
//! arrive from a terminal. Each role is a thin binary under `src/bin/`; all
//! of the behaviour lives here so tests can start any role in-process.

pub mod actors;
pub mod api;
pub mod client;
pub mod config;
pub mod db;
pub mod domain;
pub mod kafka_config;
pub mod launcher;
pub mod private_fs;
pub mod producer;
pub mod repl;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod web;
