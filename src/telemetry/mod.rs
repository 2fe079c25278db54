//! Telemetry, in one place for every binary: logging (here) and the
//! Prometheus metrics ([`metrics`], [`metrics_server`]).
//!
//! Logging is set up the same way by every binary, the benchmarks included.
//!
//! Each binary calls [`init`] first with its role and its default filter;
//! `RUST_LOG` overrides the filter. Logs go to stderr, so stdout stays for
//! what a command prints (the consumer's records, `up`'s banner).

pub mod metrics;
pub mod metrics_server;

use std::sync::OnceLock;

static ROLE: OnceLock<&'static str> = OnceLock::new();

/// The default filter of the daemons: `info`, so a role started without
/// `RUST_LOG` says what it is doing, but not the per-request access log
/// (pollers make it noisy; `RUST_LOG=info` shows it).
pub const DAEMON_FILTER: &str = "info,actix_web::middleware::logger=warn";

/// The interactive consumer's filter: nearly silent, because log lines
/// would tear through the prompt; Kafka trouble shows in `stats` instead.
pub const REPL_FILTER: &str = "error,librdkafka=off,rdkafka=off";

/// Sets up logging for `role` (`topicgate-producer`, ...) with
/// `default_filter` unless `RUST_LOG` is set. A second call changes nothing.
pub fn init(role: &'static str, default_filter: &str) {
    let _ = ROLE.set(role);
    let _ =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter))
            .format_timestamp_millis()
            .try_init();
}

/// The role this process logs as, once [`init`] ran; metrics label their
/// series with it.
pub fn role() -> Option<&'static str> {
    ROLE.get().copied()
}

/// Logging for tests that run a role in-process: written through the test
/// harness, so it is captured unless the test runs with `--nocapture`.
pub fn init_for_tests() {
    let _ = env_logger::builder().is_test(true).try_init();
}
