//! The `topicgate-admin` binary as an operator starts and stops it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_topicgate-admin");

fn clean_command(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_remove("TOPICGATE_ADMIN_TOKEN")
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .env("TOPICGATE_BIND", "127.0.0.1:0")
        .env("TOPICGATE_DATABASE_URL", dir.join("registry.db"))
        .env("RUST_LOG", "info");
    command
}

#[test]
fn refuses_to_start_without_secrets_and_says_how_to_set_them() {
    let dir = tempfile::tempdir().unwrap();
    let no_token = clean_command(dir.path())
        .env("TOPICGATE_PRODUCER_KEY", "a-producer-key-of-some-length")
        .output()
        .unwrap();
    assert_eq!(no_token.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&no_token.stderr);
    assert!(
        stderr.contains("TOPICGATE_ADMIN_TOKEN") && stderr.contains("--admin-token"),
        "{stderr}"
    );

    let no_key = clean_command(dir.path())
        .env("TOPICGATE_ADMIN_TOKEN", "an-admin-token-of-some-length")
        .output()
        .unwrap();
    assert_eq!(no_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_key.stderr).contains("TOPICGATE_PRODUCER_KEY"));

    let short = clean_command(dir.path())
        .env("TOPICGATE_ADMIN_TOKEN", "short")
        .env("TOPICGATE_PRODUCER_KEY", "a-producer-key-of-some-length")
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 16 characters"));
    assert!(
        !dir.path().join("registry.db").exists(),
        "created a registry without starting"
    );
}

#[test]
fn serves_until_sigterm_then_exits_cleanly_without_logging_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let token = "admin-token-that-must-not-be-logged";
    let key = "producer-key-that-must-not-be-logged";
    let mut child = clean_command(dir.path())
        .env("TOPICGATE_ADMIN_TOKEN", token)
        .env("TOPICGATE_PRODUCER_KEY", key)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let port = loop {
        let mut line = String::new();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "exited early: {seen}"
        );
        seen.push_str(&line);
        if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .parse::<u16>()
                .unwrap();
        }
    };
    let health = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
        use std::io::{Read, Write};
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.write_all(b"GET /api/health HTTP/1.0\r\n\r\n")?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    });
    let health = health.unwrap();
    assert!(
        health.starts_with("HTTP/1.0 200") && health.contains("healthy"),
        "{health}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exit after SIGTERM");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut log, &mut rest).unwrap();
    seen.push_str(&rest);
    assert!(seen.contains("stopped"), "{seen}");
    assert!(
        !seen.contains(token) && !seen.contains(key),
        "a secret reached the log"
    );
}
