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
    launch_with(data_dir, kafka, &[])
}

/// `topicgate up` with `extra` arguments after the usual ones.
fn launch_with(
    data_dir: &std::path::Path,
    kafka: Option<&str>,
    extra: &[&std::ffi::OsStr],
) -> Child {
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
        .args(extra)
        .env_remove("TOPICGATE_ADMIN_TOKEN")
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .env_remove("TOPICGATE_ADMIN_TOKEN_FILE")
        .env_remove("TOPICGATE_PRODUCER_KEY_FILE")
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

/// `pid` and every process below it, from /proc.
fn process_tree(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|child| {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            let after = &stat[stat.rfind(')')? + 1..];
            let ppid = after.split_whitespace().nth(1)?.parse().ok()?;
            Some((child, ppid))
        })
        .collect();
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(child, _)| *child),
        );
        i += 1;
    }
    tree
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
fn private_file(path: &std::path::Path, contents: &str, file_mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, contents).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(file_mode)).unwrap();
}

#[cfg(unix)]
#[actix_rt::test]
async fn up_reads_secret_files_and_keeps_secrets_off_every_command_line() {
    let servers = bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let token = "admin-token-from-a-file-0123456789";
    let key = "producer-key-from-a-file-0123456789";
    let token_file = dir.path().join("token");
    let key_file = dir.path().join("key");
    private_file(&token_file, &format!("{token}\n"), 0o600);
    private_file(&key_file, key, 0o600);
    let data = dir.path().join("data");
    let mut child = launch_with(
        &data,
        Some(&servers),
        &[
            "--admin-token-file".as_ref(),
            token_file.as_os_str(),
            "--producer-key-file".as_ref(),
            key_file.as_os_str(),
        ],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (_, url) = banner(&mut stdout);

    let tree = process_tree(child.id());
    for pid in &tree {
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue; // ended meanwhile
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        assert!(
            !cmdline.contains(token) && !cmdline.contains(key),
            "process {pid} of `topicgate up` has a secret on its command line: {cmdline}"
        );
    }
    let own = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
    assert!(String::from_utf8_lossy(&own).contains("--admin-token-file"));

    // The admin inside `up` took the token from the file.
    let http = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let name = unique_name("logs");
    let mut created = http
        .post(format!("{url}/api/topics"))
        .send_json(&json!({"name": name}))
        .await
        .unwrap();
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

    // Its new data directory and the registry (with its WAL files, which
    // exist while it runs) are private; no secret was generated beside them.
    assert_eq!(mode(&data), 0o700, "data directory");
    for file in ["topicgate.db", "topicgate.db-wal", "topicgate.db-shm"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    assert!(!data.join("admin-token").exists());
    assert!(!data.join("producer-key").exists());
    interrupt(child, stdout);
}

#[cfg(unix)]
#[test]
fn up_refuses_a_secret_file_that_others_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    private_file(&token_file, "admin-token-from-a-file-0123456789", 0o644);
    let output = Command::new(LAUNCHER)
        .args([
            "up",
            "--bind",
            "127.0.0.1:0",
            "--bootstrap-servers",
            "127.0.0.1:1",
        ])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--admin-token-file")
        .arg(&token_file)
        .env_remove("TOPICGATE_ADMIN_TOKEN")
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&token_file.display().to_string()) && stderr.contains("chmod 600"),
        "{stderr}"
    );
}

/// `up` checks the Kafka settings it hands to the roles it runs before
/// starting any of them: a bad option stops it, naming the option.
#[test]
fn up_stops_on_a_bad_kafka_option_naming_it() {
    for (option, named, code) in [("no.such=1", "no.such", 1), ("foo", "'foo'", 2)] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let output = Command::new(LAUNCHER)
            .args(["up", "--bind", "127.0.0.1:0", "--kafka-option", option])
            .arg("--data-dir")
            .arg(dir.path())
            .env("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
            .stdin(Stdio::null())
            .output()
            .expect("run topicgate up");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{option}: {stderr}");
        assert!(stderr.contains(named), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!String::from_utf8_lossy(&output.stdout).contains("topicgate is up"));
    }
}
