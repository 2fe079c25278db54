//! `topicgate-consumer`: one user's consumer REPL, or one command for scripts.

use std::process::ExitCode;

use clap::Parser;
use topicgate::config::ConsumerConfig;

fn main() -> ExitCode {
    topicgate::repl::main(ConsumerConfig::parse())
}
