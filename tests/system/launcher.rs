//! `topicgate up` as a newcomer runs it: one process that brings up the
//! admin service and the producer on a Kafka, prints where to go next, and
//! stops everything it started on Ctrl-C.

use crate::support;

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

/// The Kafka cache scripts/kafka.sh of this checkout uses.
fn checkout_cache() -> std::path::PathBuf {
    std::env::var_os("KAFKA_CACHE_DIR")
        .map(Into::into)
        .unwrap_or_else(|| format!("{}/.cache/kafka", env!("CARGO_MANIFEST_DIR")).into())
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
    up_command(LAUNCHER, data_dir, kafka, extra)
        .spawn()
        .expect("topicgate up starts")
}

/// `launcher up` on a free port, with no secret in its environment and the
/// Kafka cache of this checkout.
fn up_command(
    launcher: impl AsRef<std::ffi::OsStr>,
    data_dir: &std::path::Path,
    kafka: Option<&str>,
    extra: &[&std::ffi::OsStr],
) -> Command {
    let mut command = Command::new(launcher);
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
        .env("KAFKA_CACHE_DIR", checkout_cache())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(stderr_log(data_dir));
    if let Some(servers) = kafka {
        command.env("KAFKA_BOOTSTRAP_SERVERS", servers);
    }
    command
}

/// Where `up` started in `dir` writes its errors: the Kafka script's
/// progress and, when a start fails, the tail of each node's log.
fn stderr_path(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("up.stderr")
}

/// The log in `dir`, made private (as `up` makes its data directory) when
/// `up` is yet to create it.
fn stderr_log(dir: &std::path::Path) -> std::fs::File {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .expect("the directory of up's errors");
    std::fs::File::create(stderr_path(dir)).expect("a file for up's errors")
}

/// Reads the banner up to its last line and returns it with the dashboard
/// URL; when `up` ends first, fails with what it wrote to `dir`'s log.
fn banner(stdout: &mut BufReader<ChildStdout>, dir: &std::path::Path) -> (String, String) {
    let mut text = String::new();
    let mut url = None;
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("read the banner");
        assert!(
            read > 0,
            "topicgate up ended early:\n{text}\nits errors:\n{}",
            std::fs::read_to_string(stderr_path(dir)).unwrap_or_default()
        );
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

/// Requests the topic `request` describes, approves it with the admin
/// `token`, and waits up to `bound` for the producer to activate it.
async fn request_approve_and_await_activation(
    http: &awc::Client,
    url: &str,
    token: &str,
    request: serde_json::Value,
    bound: Duration,
) -> bool {
    let mut created = http
        .post(format!("{url}/api/topics"))
        .send_json(&request)
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201, "{:?}", created.body().await);
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
    eventually(bound, || async {
        let mut answer = http
            .get(format!("{url}/api/topics/{id}"))
            .send()
            .await
            .unwrap();
        answer.json::<serde_json::Value>().await.unwrap()["status"] == "active"
    })
    .await
}

#[actix_rt::test]
async fn up_runs_the_workflow_and_stops_cleanly() {
    let servers = bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let mut child = launch_with(
        dir.path(),
        Some(&servers),
        &["--metrics-bind".as_ref(), metrics_bind.as_ref()],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (text, url) = banner(&mut stdout, dir.path());

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
    // The login page names the token's file (absolute), never the token.
    let login = http
        .get(format!("{url}/login"))
        .send()
        .await
        .unwrap()
        .body()
        .await
        .unwrap();
    let login = String::from_utf8_lossy(&login);
    let absolute = std::path::absolute(&token_file).unwrap();
    assert!(
        login.contains(&format!("<code>{}</code>", absolute.display())),
        "the login page does not say where the token is:\n{login}"
    );
    assert!(
        !login.contains(token),
        "the login page shows the admin token"
    );
    let name = unique_name("weather");
    // Two watcher intervals of 1 s, and slack for a busy machine.
    let activated = request_approve_and_await_activation(
        &http,
        &url,
        token,
        json!({"name": name, "partitions": 2}),
        Duration::from_secs(7),
    )
    .await;
    assert!(
        activated,
        "the producer inside `up` did not activate {name}"
    );

    // `up` gives the admin service its Kafka: the topic page reads it
    // (asked again while the brokers' metadata of the new topic settles).
    let details = || async {
        http.get(format!("{url}/api/topics/{name}/details"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .limit(1 << 20)
            .await
            .unwrap()
    };
    eventually(Duration::from_secs(10), || async {
        details().await["kafka"]["partitions"]
            .as_array()
            .is_some_and(|p| p.len() == 2)
    })
    .await;
    let details = details().await;
    assert_eq!(details["kafka"]["configured"], json!(true), "{details}");
    assert_eq!(
        details["kafka"]["partitions"].as_array().map(Vec::len),
        Some(2),
        "{details}"
    );
    // And the producer inside it serves its metrics where it was told.
    let produced = eventually(Duration::from_secs(10), || async {
        let Ok(mut answer) = http
            .get(format!("http://{metrics_bind}/metrics"))
            .send()
            .await
        else {
            return false;
        };
        let body = answer.body().await.unwrap_or_default();
        String::from_utf8_lossy(&body).lines().any(|line| {
            line.starts_with("topicgate_producer_records_total{") && line.contains(&name)
        })
    })
    .await;
    assert!(
        produced,
        "no records of {name} in the producer's metrics at {metrics_bind}"
    );

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
    let (text, _) = banner(&mut stdout, dir.path());
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
    let (_, url) = banner(&mut stdout, &data);

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

/// `topicgate` copied out of the build, as `cargo install` leaves it, with
/// a home and a cache of its own; the checkout's Kafka jars are linked in,
/// so nothing is downloaded.
struct Installed {
    dir: tempfile::TempDir,
    launcher: std::path::PathBuf,
}

impl Installed {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["bin", "home", "xdg", "work"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let launcher = dir.path().join("bin/topicgate");
        std::fs::copy(LAUNCHER, &launcher).unwrap();
        // The checkout's jars (fetched once if missing), by their version.
        let fetched = Command::new(kafka_script())
            .arg("fetch")
            .env("KAFKA_CACHE_DIR", checkout_cache())
            .output()
            .unwrap();
        assert!(fetched.status.success(), "{fetched:?}");
        let libs = String::from_utf8_lossy(&fetched.stdout).trim().to_owned();
        let version = std::path::Path::new(&libs).parent().unwrap();
        let cache = dir.path().join("xdg/topicgate/kafka");
        std::fs::create_dir_all(&cache).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(version, cache.join(version.file_name().unwrap())).unwrap();
        Installed { dir, launcher }
    }

    fn path(&self, sub: &str) -> std::path::PathBuf {
        self.dir.path().join(sub)
    }

    /// The copy with `args`, run from a directory outside the checkout.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.launcher);
        command
            .args(args)
            .current_dir(self.path("work"))
            .env("HOME", self.path("home"))
            .env("XDG_CACHE_HOME", self.path("xdg"))
            .env_remove("KAFKA_CACHE_DIR")
            .env_remove("KAFKA_VERSION");
        command
    }
}

/// `up` killed if the test fails before it is interrupted.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    fn take(&mut self) -> Child {
        self.0.take().expect("not taken yet")
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        // A broker that a failed test started here must not outlive it.
        let _ = self.command(&["kafka", "destroy"]).output();
    }
}

#[test]
fn an_installed_copy_manages_kafka_and_runs_up_outside_the_checkout() {
    let installed = Installed::new();
    // A script changed in the cache is replaced by the built-in one before it runs.
    let script = installed.path("xdg/topicgate/kafka/kafka.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 7\n").unwrap();
    let fetch = installed.command(&["kafka", "fetch"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&fetch.stdout);
    assert!(fetch.status.success(), "{fetch:?}");
    let cache = installed.path("xdg/topicgate/kafka");
    assert!(
        stdout.trim().starts_with(&cache.display().to_string()),
        "the jars are not in the user's cache: {stdout}"
    );
    assert!(cache.join("kafka.sh").is_file() && cache.join("pom.xml").is_file());
    let status = installed.command(&["kafka", "status"]).output().unwrap();
    assert_eq!(status.status.code(), Some(1), "{status:?}");
    assert!(String::from_utf8_lossy(&status.stdout).contains("Kafka 'default': not created"));

    let servers = bootstrap_servers();
    let mut up = installed.command(&["up", "--bind", "127.0.0.1:0"]);
    up.env("KAFKA_BOOTSTRAP_SERVERS", &servers)
        .env_remove("TOPICGATE_ADMIN_TOKEN")
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .env_remove("TOPICGATE_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(stderr_log(&installed.path("work")));
    let mut child = KillOnDrop(Some(up.spawn().unwrap()));
    let mut stdout = BufReader::new(child.0.as_mut().unwrap().stdout.take().unwrap());
    let (text, _) = banner(&mut stdout, &installed.path("work"));
    assert!(text.contains(&format!("Kafka       {servers}")), "{text}");
    assert!(installed.path("work/.topicgate/admin-token").is_file());
    interrupt(child.take(), stdout);
}

/// A port for a broker whose controller takes the port 100 above it.
fn free_broker_port() -> u16 {
    loop {
        let broker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = broker.local_addr().unwrap().port();
        if port < 65_000 && std::net::TcpListener::bind(("127.0.0.1", port + 100)).is_ok() {
            return port;
        }
    }
}

#[test]
fn an_installed_copy_starts_and_stops_its_own_kafka_without_claiming_a_download() {
    let installed = Installed::new();
    let port = free_broker_port().to_string();
    let mut up = installed.command(&["up", "--bind", "127.0.0.1:0", "--kafka-port", &port]);
    up.env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .env_remove("TOPICGATE_ADMIN_TOKEN")
        .env_remove("TOPICGATE_PRODUCER_KEY")
        .stdout(Stdio::piped())
        .stderr(stderr_log(&installed.path("work")));
    let mut child = KillOnDrop(Some(up.spawn().unwrap()));
    let mut stdout = BufReader::new(child.0.as_mut().unwrap().stdout.take().unwrap());
    let (text, _) = banner(&mut stdout, &installed.path("work"));
    assert!(
        text.contains(&format!(
            "Starting the local Apache Kafka on 127.0.0.1:{port}..."
        )),
        "{text}"
    );
    assert!(!text.contains("Maven"), "the jars were cached:\n{text}");
    assert!(text.contains(" (local, stopped on exit)"), "{text}");
    let rest = interrupt(child.take(), stdout);
    assert!(
        rest.contains("Stopping: producer, admin service, Kafka"),
        "{rest}"
    );
    let status = installed.command(&["kafka", "status"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("Kafka 'default': stopped"),
        "{status:?}"
    );
}

/// The command the banner prints after `Consumer`, continuation joined.
fn consumer_command(banner: &str) -> String {
    let start = banner.find("Consumer").expect("a consumer line") + "Consumer".len();
    let mut command = String::new();
    for line in banner[start..].lines() {
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(head) => command.push_str(head),
            None => {
                command.push_str(line);
                return command;
            }
        }
    }
    command
}

#[actix_rt::test]
async fn up_without_user_prints_a_consumer_command_that_works() {
    let servers = bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let mut up = up_command(LAUNCHER, dir.path(), Some(&servers), &[]);
    for var in ["USER", "LOGNAME", "TOPICGATE_USER"] {
        up.env_remove(var);
    }
    let mut child = KillOnDrop(Some(up.spawn().unwrap()));
    let mut stdout = BufReader::new(child.0.as_mut().unwrap().stdout.take().unwrap());
    let (text, _) = banner(&mut stdout, dir.path());
    let id = Command::new("id").arg("-un").output().unwrap();
    let name = String::from_utf8_lossy(&id.stdout).trim().to_owned();
    assert!(text.contains(&format!("--user {name} ")), "{text}");

    // Run as printed, by a shell, where USER is unset too.
    let command = consumer_command(&text);
    let subs = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} subs"))
        .current_dir(dir.path())
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("TOPICGATE_USER")
        .output()
        .unwrap();
    interrupt(child.take(), stdout);
    assert!(subs.status.success(), "`{command} subs`: {subs:?}");
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

/// A first port from which `brokers` broker ports and the controller
/// ports 100 above them are free.
fn free_cluster_port(brokers: u16) -> u16 {
    loop {
        let port = free_broker_port();
        let free = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok();
        if port < 64_000 && (0..brokers).all(|i| free(port + i) && free(port + 100 + i)) {
            return port;
        }
    }
}

/// Destroys an instance of an installed copy's Kafka when dropped, so
/// that a failed test leaves no JVM behind.
struct DestroyInstance<'a>(&'a Installed, &'static str);

impl Drop for DestroyInstance<'_> {
    fn drop(&mut self) {
        let _ = self
            .0
            .command(&["kafka", "destroy", "--name", self.1])
            .output();
    }
}

#[actix_rt::test]
async fn up_with_three_brokers_runs_a_cluster_that_keeps_three_replicas() {
    let _turn = support::kafka::Turn::take();
    let installed = Installed::new();
    let _cleanup = DestroyInstance(&installed, "cluster3");
    let port = free_cluster_port(3);
    let (first, last) = (port.to_string(), (port + 2).to_string());
    let mut up = installed.command(&[
        "up",
        "--bind",
        "127.0.0.1:0",
        "--poll-interval",
        "1",
        "--brokers",
        "3",
        "--kafka-port",
        &first,
    ]);
    up.env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .env_remove("TOPICGATE_ADMIN_TOKEN")
        .env_remove("TOPICGATE_PRODUCER_KEY")
        // Three JVMs starting beside the other tests' brokers on two cores
        // may need longer than the 90 s a user is given.
        .env("KAFKA_START_TIMEOUT", "300")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(stderr_log(&installed.path("work")));
    let mut child = KillOnDrop(Some(up.spawn().unwrap()));
    let mut stdout = BufReader::new(child.0.as_mut().unwrap().stdout.take().unwrap());
    let (text, url) = banner(&mut stdout, &installed.path("work"));
    assert!(
        text.contains(&format!(
            "Starting the local Apache Kafka cluster of 3 nodes on 127.0.0.1:{first}-{last}"
        )),
        "{text}"
    );
    let servers = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Kafka"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a Kafka line")
        .to_owned();
    assert_eq!(servers.split(',').count(), 3, "{text}");

    let token = std::fs::read_to_string(installed.path("work/.topicgate/admin-token")).unwrap();
    let http = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let name = unique_name("replicated");
    let activated = request_approve_and_await_activation(
        &http,
        &url,
        token.trim(),
        json!({"name": name, "partitions": 3, "replication_factor": 3}),
        Duration::from_secs(30),
    )
    .await;
    assert!(activated, "{name} was not activated on the cluster");
    // Every node learns of a new topic a moment after the controller does,
    // so a fresh client may see it without its partitions for a while.
    support::kafka::wait_for_topic(&servers, &name, 3).await;
    let replicated = eventually(Duration::from_secs(30), || async {
        support::kafka::partition_replicas(&servers, &name) == [3, 3, 3]
    })
    .await;
    assert!(
        replicated,
        "not every partition is on all three nodes: {:?}",
        support::kafka::partition_replicas(&servers, &name)
    );

    let rest = interrupt(child.take(), stdout);
    assert!(
        rest.contains("Stopping: producer, admin service, Kafka"),
        "{rest}"
    );
    let status = installed
        .command(&["kafka", "status", "--name", "cluster3"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1), "{status:?}");
}
