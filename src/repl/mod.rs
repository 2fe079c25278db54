//! The consumer REPL: command parsing, completion, rendering, and the two
//! ways to run it: interactive, or one command for a script.

pub mod command;
pub mod complete;
pub mod interactive;
pub mod output;
pub mod pretty_json;
pub mod printer;
pub mod render;
pub mod sanitize;
pub mod script;
pub mod terminal;

use std::process::ExitCode;

use crate::config::ConsumerConfig;

/// The `topicgate-consumer` program: the REPL without a command, else the
/// command. Exit codes: 0 success, 1 failure, 2 usage error.
pub fn main(config: ConsumerConfig) -> ExitCode {
    let settings = match config.settings() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("topicgate-consumer: {e}");
            return ExitCode::from(script::EXIT_USAGE);
        }
    };
    match config.command {
        None => {
            init_logging("error,librdkafka=off,rdkafka=off");
            interactive::run(settings)
        }
        Some(command) => {
            init_logging("warn");
            script::run(settings, command)
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the default filter. The REPL's
/// default is nearly silent because log lines would tear through the prompt:
/// Kafka trouble shows in `stats` instead.
fn init_logging(default_filter: &str) {
    let _ =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter))
            .format_timestamp_millis()
            .try_init();
}
