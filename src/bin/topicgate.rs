//! `topicgate`: the launcher. `topicgate up` runs the whole system on one
//! machine; `topicgate kafka start|stop|status` manages the local Kafka.

use std::process::ExitCode;

use clap::Parser;
use topicgate::config::{LauncherCommand, LauncherConfig};

fn main() -> ExitCode {
    topicgate::telemetry::init("topicgate", topicgate::telemetry::DAEMON_FILTER);
    match LauncherConfig::parse().command {
        LauncherCommand::Up(config) => {
            match actix_rt::System::new().block_on(topicgate::launcher::up(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("topicgate: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
        LauncherCommand::Kafka { args } => {
            match topicgate::launcher::KafkaScript::install().and_then(|s| s.run(&args)) {
                Ok(status) => ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8),
                Err(error) => {
                    eprintln!("topicgate: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
