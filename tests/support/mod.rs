//! Shared test harness. Each test binary uses only part of it.
#![allow(dead_code)]

pub mod admin;
pub mod browser;
pub mod kafka;
pub mod origin;
pub mod raw_http;
pub mod wait;
