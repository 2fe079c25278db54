//! The `topicgate-admin` binary as an operator starts and stops it.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

use support::raw_http::{RawAnswer, exchange};

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

/// Starts the binary with both secrets and `args`; returns it, its port
/// and its log (to keep the pipe open).
fn start(
    dir: &std::path::Path,
    token: &str,
    args: &[&str],
) -> (Child, u16, BufReader<ChildStderr>) {
    let mut child = clean_command(dir)
        .env("TOPICGATE_ADMIN_TOKEN", token)
        .env("TOPICGATE_PRODUCER_KEY", "a-producer-key-of-some-length")
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let port = loop {
        let mut line = String::new();
        if log.read_line(&mut line).unwrap_or(0) == 0 {
            let status = child.wait();
            panic!("exited early ({status:?}): {seen}");
        }
        seen.push_str(&line);
        if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    (child, port, log)
}

fn stop(mut child: Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// One request on its own connection, with `cookie` when given.
fn request(port: u16, method: &str, path: &str, cookie: Option<&str>, form: &str) -> RawAnswer {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            form.len()
        ));
    }
    exchange(
        port,
        format!("{head}\r\n{form}").as_bytes(),
        Duration::from_secs(30),
    )
}

/// `name=value` of the answer's session cookie.
fn session_cookie(answer: &RawAnswer) -> String {
    let set = answer.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_owned()
}

fn csrf(answer: &RawAnswer) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = answer.body().find(marker).expect("a CSRF token") + marker.len();
    answer.body()[start..].split('"').next().unwrap().to_owned()
}

#[test]
fn a_restart_ends_every_dashboard_session() {
    let dir = tempfile::tempdir().unwrap();
    let token = "admin-token-for-the-restart-test";
    // Every HTTP edge flag, to show the binary takes them.
    let (first, port, _log) = start(
        dir.path(),
        token,
        &[
            "--session-idle-timeout",
            "30m",
            "--session-max-age",
            "12h",
            "--cors-origin",
            "http://portal.example",
            "--cors-origin",
            "https://other.example",
            "--rate-limit-per-second",
            "10",
            "--rate-limit-burst",
            "50",
            "--max-pending-per-requester",
            "100",
            "--body-timeout",
            "10s",
        ],
    );
    let login_page = request(port, "GET", "/login", None, "");
    let anonymous = session_cookie(&login_page);
    let form =
        serde_urlencoded::to_string([("csrf_token", csrf(&login_page).as_str()), ("token", token)])
            .unwrap();
    let logged_in = request(port, "POST", "/login", Some(&anonymous), &form);
    assert_eq!(logged_in.status(), Some(303), "{logged_in:?}");
    let cookie = session_cookie(&logged_in);
    assert!(
        request(port, "GET", "/", Some(&cookie), "")
            .body()
            .contains("Log out")
    );
    stop(first);

    let (second, port, _log) = start(dir.path(), token, &[]);
    let after = request(port, "GET", "/", Some(&cookie), "");
    assert_eq!(after.status(), Some(200));
    assert!(
        !after.body().contains("Log out"),
        "a session outlived the restart"
    );
    stop(second);
}

#[test]
fn bad_http_edge_settings_stop_the_start_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (&["--session-idle-timeout", "soon"][..], "soon"),
        (&["--body-timeout", "0"], "longer than zero"),
        (&["--cors-origin", "portal.example"], "not an origin"),
        (&["--rate-limit-per-second", "0"], "rate-limit-per-second"),
    ] {
        let output = clean_command(dir.path())
            .env("TOPICGATE_ADMIN_TOKEN", "an-admin-token-of-some-length")
            .env("TOPICGATE_PRODUCER_KEY", "a-producer-key-of-some-length")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
