//! The `topicgate-admin` binary as an operator starts and stops it.

use crate::support;

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

/// A started admin process, its port and what it logged so far.
struct Running {
    child: Child,
    log: BufReader<ChildStderr>,
    seen: String,
    port: u16,
}

impl Running {
    /// Spawns `command` and reads its log until it says where it listens.
    fn start(command: &mut Command) -> Running {
        let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
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
        Running {
            child,
            log,
            seen,
            port,
        }
    }

    /// Sends one raw HTTP/1.0 request and returns the whole answer.
    fn request(&self, raw: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    /// SIGTERM; it must exit 0. Returns everything it logged.
    fn stop(mut self) -> String {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "exit after SIGTERM");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.log, &mut rest).unwrap();
        self.seen.push_str(&rest);
        std::mem::take(&mut self.seen)
    }
}

/// A failed assertion must not leave the service running, holding the
/// test's output pipes open.
impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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
    let running = Running::start(
        clean_command(dir.path())
            .env("TOPICGATE_ADMIN_TOKEN", token)
            .env("TOPICGATE_PRODUCER_KEY", key),
    );
    let health = running.request("GET /api/health HTTP/1.0\r\n\r\n");
    assert!(
        health.starts_with("HTTP/1.0 200") && health.contains("healthy"),
        "{health}"
    );
    let seen = running.stop();
    assert!(seen.contains("stopped"), "{seen}");
    assert!(
        !seen.contains(token) && !seen.contains(key),
        "a secret reached the log"
    );
}

#[test]
fn refused_credentials_are_logged_with_the_client_address_but_not_their_value() {
    let dir = tempfile::tempdir().unwrap();
    let wrong_token = "a-wrong-admin-token-guessed-here";
    let wrong_key = "a-wrong-producer-key-guessed-here";
    let running = Running::start(
        clean_command(dir.path())
            .env("TOPICGATE_ADMIN_TOKEN", "the-right-admin-token-0123")
            .env("TOPICGATE_PRODUCER_KEY", "the-right-producer-key-0123"),
    );
    let approve = running.request(&format!(
        "POST /api/topics/1/approve HTTP/1.0\r\nAuthorization: Bearer {wrong_token}\r\nContent-Length: 0\r\n\r\n"
    ));
    assert!(approve.starts_with("HTTP/1.0 401"), "{approve}");
    let body = r#"{"topic_name":"t"}"#;
    let activate = running.request(&format!(
        "POST /api/topics/activate_by_name HTTP/1.0\r\nX-Producer-Key: {wrong_key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert!(activate.starts_with("HTTP/1.0 401"), "{activate}");
    let log = running.stop();
    let warned = |what: &str| {
        log.lines().any(|line| {
            line.contains("WARN") && line.contains(what) && line.contains("from 127.0.0.1:")
        })
    };
    assert!(
        warned("admin token"),
        "no warning for the admin token:\n{log}"
    );
    assert!(
        warned("producer key"),
        "no warning for the producer key:\n{log}"
    );
    assert!(
        !log.contains(wrong_token) && !log.contains(wrong_key),
        "a presented credential reached the log:\n{log}"
    );
}

#[cfg(unix)]
fn write_with_mode(path: &std::path::Path, contents: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, contents).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn a_secret_file_others_can_read_is_refused_naming_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("admin-token");
    let key_file = dir.path().join("producer-key");
    // Each file in turn is the exposed one.
    for (exposed_env, exposed, private_env, private) in [
        (
            "TOPICGATE_ADMIN_TOKEN_FILE",
            &token_file,
            "TOPICGATE_PRODUCER_KEY_FILE",
            &key_file,
        ),
        (
            "TOPICGATE_PRODUCER_KEY_FILE",
            &key_file,
            "TOPICGATE_ADMIN_TOKEN_FILE",
            &token_file,
        ),
    ] {
        write_with_mode(exposed, "a-secret-value-of-some-length\n", 0o644);
        write_with_mode(private, "a-secret-value-of-some-length\n", 0o600);
        let refused = clean_command(dir.path())
            .env(exposed_env, exposed)
            .env(private_env, private)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&exposed.display().to_string()) && stderr.contains("chmod 600"),
            "{stderr}"
        );
        assert!(!stderr.contains("a-secret-value"), "{stderr}");
    }
    assert!(!dir.path().join("registry.db").exists());
}

#[cfg(unix)]
#[test]
fn secrets_come_from_private_files_and_the_registry_is_created_private() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("admin-token");
    let key_file = dir.path().join("producer-key");
    write_with_mode(&token_file, "admin-token-kept-in-a-file\n", 0o600);
    write_with_mode(&key_file, "producer-key-kept-in-a-file", 0o600);
    let registry_dir = dir.path().join("new/registry");
    let running = Running::start(
        clean_command(dir.path())
            .env("TOPICGATE_DATABASE_URL", registry_dir.join("registry.db"))
            .arg("--admin-token-file")
            .arg(&token_file)
            .arg("--producer-key-file")
            .arg(&key_file),
    );
    // 404, not 401: the token from the file (without its newline) is accepted.
    let approve = running.request(
        "POST /api/topics/1/approve HTTP/1.0\r\nAuthorization: Bearer admin-token-kept-in-a-file\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(approve.starts_with("HTTP/1.0 404"), "{approve}");
    let body = r#"{"topic_name":"missing"}"#;
    let activate = running.request(&format!(
        "POST /api/topics/activate_by_name HTTP/1.0\r\nX-Producer-Key: producer-key-kept-in-a-file\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert!(activate.starts_with("HTTP/1.0 404"), "{activate}");
    // The WAL files exist while the registry is open.
    for file in ["registry.db", "registry.db-wal", "registry.db-shm"] {
        assert_eq!(mode(&registry_dir.join(file)), 0o600, "{file}");
    }
    assert_eq!(mode(&registry_dir), 0o700);
    assert_eq!(mode(&dir.path().join("new")), 0o700);
    running.stop();
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

#[test]
fn the_help_shows_the_kafka_flags_without_a_default_broker() {
    let output = Command::new(BINARY)
        .arg("--help")
        .output()
        .expect("running topicgate-admin --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in ["--bootstrap-servers", "--kafka-client-id", "--kafka-option"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    assert!(
        help.contains("without it the admin service does not read Kafka"),
        "{help}"
    );
    assert!(!help.contains("[default: 127.0.0.1:9092]"), "{help}");
}
