//! The `topicgate-producer` binary: refuses to start without a producer
//! key and says how to set one; logs each record at the default pace; on
//! SIGTERM stops generating, flushes and exits 0.

mod producer_util;
mod support;

use std::fs::File;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use producer_util::eventually;
use support::admin::TestAdmin;
use support::kafka::{bootstrap_servers, unique_name};
use topicgate::domain::TopicStatus;

const BINARY: &str = env!("CARGO_BIN_EXE_topicgate-producer");

fn wait_for_exit(child: &mut Child, bound: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("child status") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn refuses_to_start_without_a_producer_key() {
    let output = Command::new(BINARY)
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .output()
        .expect("run the producer");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TOPICGATE_PRODUCER_KEY"), "{stderr}");
    assert!(stderr.contains("--producer-key"), "{stderr}");
}

#[actix_rt::test]
async fn streams_at_the_default_pace_and_exits_cleanly_on_sigterm() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let logs = tempfile::NamedTempFile::new().expect("a log file");
    let mut child = Command::new(BINARY)
        .env("TOPICGATE_ADMIN_URL", &admin.base_url)
        .env("KAFKA_BOOTSTRAP_SERVERS", &bootstrap)
        .env("TOPICGATE_PRODUCER_KEY", &admin.producer_key)
        .env("TOPICGATE_POLL_INTERVAL", "1")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(logs.path()).expect("open the log file"))
        .spawn()
        .expect("start the producer");

    let name = unique_name("sensor");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    let active = eventually(Duration::from_secs(30), || async {
        admin.topic(id).await.status == TopicStatus::Active
    })
    .await;
    let published = format!("Published to {name}: sensor");
    let logged = eventually(Duration::from_secs(30), || async {
        std::fs::read_to_string(logs.path()).is_ok_and(|l| l.matches(&published).count() >= 2)
    })
    .await;

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(term.success());
    let status = wait_for_exit(&mut child, Duration::from_secs(30));
    let log = std::fs::read_to_string(logs.path()).unwrap_or_default();
    assert!(active, "topic not activated; log:\n{log}");
    assert!(logged, "no per-record lines; log:\n{log}");
    let status = status.unwrap_or_else(|| panic!("no exit within 30 s; log:\n{log}"));
    assert!(status.success(), "{status}; log:\n{log}");
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(log.contains("all records delivered"), "{log}");
    assert!(!log.contains(&admin.producer_key), "the key was logged");
}

#[cfg(unix)]
#[test]
fn refuses_a_key_file_that_others_can_read_naming_it_and_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    let key_file = dir.path().join("producer-key");
    std::fs::write(&key_file, "a-producer-key-of-some-length\n").expect("write the key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    for by_flag in [true, false] {
        let mut command = Command::new(BINARY);
        command.env_remove("TOPICGATE_PRODUCER_KEY");
        if by_flag {
            command.arg("--producer-key-file").arg(&key_file);
        } else {
            command.env("TOPICGATE_PRODUCER_KEY_FILE", &key_file);
        }
        let output = command.output().expect("run the producer");
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&key_file.display().to_string()) && stderr.contains("chmod 600"),
            "{stderr}"
        );
    }
}
