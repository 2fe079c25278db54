//! `topicgate-producer`: creates approved topics in Kafka and streams typed
//! records into the active ones until SIGINT or SIGTERM.

use std::process::ExitCode;

use clap::Parser;
use topicgate::config::ProducerConfig;

fn main() -> ExitCode {
    topicgate::telemetry::init("topicgate-producer", topicgate::telemetry::DAEMON_FILTER);
    let settings = match ProducerConfig::parse().into_settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("topicgate-producer: {message}");
            return ExitCode::from(2);
        }
    };
    match actix_rt::System::new().block_on(topicgate::producer::run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("topicgate-producer: {error:#}");
            ExitCode::FAILURE
        }
    }
}
