//! topicgate: self-service streaming on Apache Kafka.
//!
//! Teams request topics, an admin approves them, a producer daemon creates
//! them in Kafka and streams typed data into them, and users watch the data
//! arrive from a terminal. Each role is a thin binary under `src/bin/`; all
//! of the behaviour lives here so tests can start any role in-process.
//!
//! # A map of the crate
//!
//! Each process, and where its work happens:
//!
//! - **admin** (`topicgate-admin`): [`web`] serves the REST API and the
//!   dashboard; every change goes through one actor, `actors::registry`,
//!   the only writer to the SQLite registry in [`db`].
//! - **producer** (`topicgate-producer`): [`producer`] wires the actors in
//!   `actors::producer` — watch the admin API ([`client`]), reconcile Kafka
//!   with the registry (create topics, report what Kafka has), generate
//!   and publish records.
//! - **consumer** (`topicgate-consumer`): [`repl`] reads commands and drives
//!   the actors in `actors::consumer`, which read Kafka, keep each message in
//!   the local [`store`] and print it safely.
//! - **launcher** (`topicgate`): [`launcher`] starts a local Kafka and the
//!   other roles (`topicgate up`).
//!
//! Shared by all of them: [`domain`] (topic names, statuses, data types, the
//! record envelope), [`schema`] (record schemas, their validation and the
//! dead-letter topics), [`api`] (the REST API's JSON shapes), [`config`] (flags
//! and environment), [`kafka_config`] (the one librdkafka configuration),
//! [`kafka_access`] (Kafka's ACLs and SCRAM credentials),
//! [`telemetry`] (logging), [`shutdown`] (signals and ordered stops) and
//! [`private_fs`] (files only their owner may read).

mod actors;
pub mod api;
pub mod client;
pub mod config;
pub mod db;
pub mod domain;
pub mod identity;
pub mod kafka_access;
pub mod kafka_config;
pub mod launcher;
pub mod private_fs;
pub mod producer;
pub mod repl;
pub mod schema;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod web;
