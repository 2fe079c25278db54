//! The consumer REPL: command parsing, completion, rendering, and the two
//! ways to run it: interactive, or one command for a script.

pub mod command;
pub mod complete;
pub mod interactive;
pub mod login;
pub mod output;
pub mod pretty_json;
pub mod printer;
pub mod render;
pub mod sanitize;
pub mod script;
pub mod terminal;

use std::process::ExitCode;

use crate::config::ConsumerConfig;
use crate::telemetry;

/// The `topicgate-consumer` program: the REPL without a command, else the
/// command. Exit codes: 0 success, 1 failure, 2 usage error.
pub fn main(config: ConsumerConfig) -> ExitCode {
    let filter = match config.command {
        None => telemetry::REPL_FILTER,
        Some(_) => "warn",
    };
    telemetry::init("topicgate-consumer", filter);
    let login = match config.token() {
        Ok(Some(token)) => match login::log_in(&config.admin_url, token) {
            Ok(login) => Some(login),
            Err(e) => {
                eprintln!("topicgate-consumer: {}", sanitize::visible(&e));
                return ExitCode::from(script::EXIT_FAILURE);
            }
        },
        Ok(None) => None,
        Err(e) => {
            eprintln!("topicgate-consumer: {e}");
            return ExitCode::from(script::EXIT_USAGE);
        }
    };
    let settings = match config.settings_for(login.as_ref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("topicgate-consumer: {e}");
            return ExitCode::from(script::EXIT_USAGE);
        }
    };
    match config.command {
        None => interactive::run(settings),
        Some(command) => script::run(settings, command),
    }
}
