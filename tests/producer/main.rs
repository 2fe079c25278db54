//! The producer daemon's integration tests: the `topicgate-producer` binary,
//! its lifecycle against a real admin and Kafka, reconciling Kafka with the
//! registry, broker faults, admin outages, replication, the calls that
//! manage Kafka's ACLs and SCRAM credentials, and Kafka over TLS. One binary per
//! area (see tests/admin/main.rs).

#[path = "../support/mod.rs"]
mod support;

#[path = "../producer_util/mod.rs"]
mod producer_util;

mod access_reconciler;
mod cli;
mod fault;
mod kafka_access;
mod kafka_tls;
mod lifecycle;
mod metrics;
mod outage;
mod reconcile;
mod replication;
mod schemas;
mod sharing;
