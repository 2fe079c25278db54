//! `topicgate up` as a newcomer runs it: one process that brings up the
//! admin service and the producer on a Kafka, prints where to go next, and
//! stops everything it started on Ctrl-C.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use support::kafka::{bootstrap_servers, unique_name};
use support::wait::eventually;

const LAUNCHER: &str = env!("CARGO_BIN_EXE_topicgate");

fn kafka_script() -> String {
    format!("{}/scripts/kafka.sh", env!("CARGO_MANIFEST_DIR"))
}

fn launch(data_dir: &std::path::Path, kafka: Option<&str>) -> Child {
    let mut command = Command::new(LAUNCHER);
    command
        .args([
            "up",
            "--bind",
            "127.0.0.1:0",
            "--poll-interval",
            "1",
            "--data-dir",
        ])
        .arg(data_dir)
        .env_remove("TOPICGATE_ADMIN_TOKEN")
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(servers) = kafka {
        command.env("KAFKA_BOOTSTRAP_SERVERS", servers);
    }
    command.spawn().expect("topicgate up starts")
}

/// Reads the banner up to its last line and returns it with the dashboard URL.
fn banner(stdout: &mut BufReader<ChildStdout>) -> (String, String) {
    let mut text = String::new();
    let mut url = None;
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("read the banner");
        assert!(read > 0, "topicgate up ended early:\n{text}");
        text.push_str(&line);
        if let Some(rest) = line.trim().strip_prefix("Dashboard") {
            url = Some(rest.trim().trim_end_matches('/').to_owned());
        }
        if line.contains("Press Ctrl-C to stop everything") {
            return (text, url.expect("a dashboard line"));
        }
    }
}

/// Ctrl-C, then the rest of what it printed; it must exit 0.
fn interrupt(mut child: Child, mut stdout: BufReader<ChildStdout>) -> String {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "exit after Ctrl-C:\n{rest}");
    rest
}

#[actix_rt::test]
async fn up_runs_the_workflow_and_stops_cleanly() {
    let servers = bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let mut child = launch(dir.path(), Some(&servers));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (text, url) = banner(&mut stdout);

    // The secrets are generated, kept private to the user, and not printed.
    let token_file = dir.path().join("admin-token");
    let token = std::fs::read_to_string(&token_file).expect("an admin token file");
    let token = token.trim();
    assert!(token.len() >= 16);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the token file is readable by others");
    }
    assert!(!text.contains(token), "the banner shows the admin token");
    assert!(
        text.contains("admin-token"),
        "the banner does not say where the token is:\n{text}"
    );
    assert!(text.contains(&format!("--admin-url {url}")), "{text}");
    assert!(
        text.contains(&format!("--bootstrap-servers {servers}")),
        "{text}"
    );

    let http = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let name = unique_name("weather");
    let mut created = http
        .post(format!("{url}/api/topics"))
        .send_json(&json!({"name": name, "partitions": 2}))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["topic_id"]
        .as_i64()
        .unwrap();
    let approved = http
        .post(format!("{url}/api/topics/{id}/approve"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status().as_u16(), 200);
    // Two watcher intervals of 1 s, and slack for a busy machine.
    let active = eventually(Duration::from_secs(7), || async {
        let mut answer = http
            .get(format!("{url}/api/topics/{id}"))
            .send()
            .await
            .unwrap();
        answer.json::<serde_json::Value>().await.unwrap()["status"] == "active"
    })
    .await;
    assert!(active, "the producer inside `up` did not activate {name}");

    let rest = interrupt(child, stdout);
    assert!(rest.contains("topicgate stopped."), "{rest}");
    assert!(
        http.get(format!("{url}/api/health")).send().await.is_err(),
        "the admin service still answers"
    );
}

#[actix_rt::test]
async fn up_uses_a_running_local_kafka_and_leaves_it_running() {
    // The project's own Kafka, as the test run starts it.
    let running = Command::new(kafka_script()).arg("status").output().unwrap();
    if !running.status.success() {
        let started = Command::new(kafka_script()).arg("start").output().unwrap();
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = launch(dir.path(), None);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (text, _) = banner(&mut stdout);
    assert!(
        text.contains("Using the local Apache Kafka that already runs"),
        "{text}"
    );
    assert!(text.contains("left running"), "{text}");
    let rest = interrupt(child, stdout);
    assert!(!rest.contains("Kafka..."), "{rest}");
    let after = Command::new(kafka_script()).arg("status").output().unwrap();
    assert!(
        after.status.success(),
        "topicgate up stopped a Kafka it did not start"
    );
}
