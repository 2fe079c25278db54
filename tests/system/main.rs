//! Tests of the whole system and what it stands on: every role as a real
//! process end to end, `topicgate up`, and the Kafka the other tests rely
//! on. One binary per area (see tests/admin/main.rs).

#[path = "../support/mod.rs"]
mod support;

mod docs_layout;
mod end_to_end;
mod kafka_broker;
mod launcher;
