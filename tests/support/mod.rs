//! Shared test harness, compiled into each of the four test binaries;
//! each uses only part of it, hence the one `allow(dead_code)` here.
#![allow(dead_code)]

pub mod admin;
pub mod browser;
pub mod kafka;
pub mod origin;
pub mod postgres;
pub mod prometheus;
pub mod raw_http;
pub mod secure_kafka;
pub mod visitor;
pub mod wait;
