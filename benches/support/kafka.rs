//! The broker a benchmark runs against.

use std::process::Command;

/// `KAFKA_BOOTSTRAP_SERVERS` when set; otherwise the local broker of
/// `scripts/kafka.sh`, started (or found running) here.
pub fn bootstrap_servers() -> String {
    if let Ok(servers) = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        && !servers.trim().is_empty()
    {
        return servers;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka.sh");
    let output = Command::new("bash")
        .args([script, "start"])
        .output()
        .expect("running scripts/kafka.sh start");
    assert!(
        output.status.success(),
        "scripts/kafka.sh start failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .and_then(|line| line.strip_prefix("KAFKA_BOOTSTRAP_SERVERS="))
        .expect("scripts/kafka.sh printed the bootstrap servers")
        .to_owned()
}
