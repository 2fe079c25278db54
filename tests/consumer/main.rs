//! The consumer's integration tests: the script commands, the REPL in a
//! pseudo-terminal, groups, restarts, broker outages and the message store.
//! One binary per area (see tests/admin/main.rs).

#[path = "../support/mod.rs"]
mod support;

#[path = "../consumer_support/mod.rs"]
mod consumer_support;

mod broker_outage;
mod cli;
mod group;
mod metrics;
mod repl;
mod restart;
mod schemas;
mod store;
