//! The admin API's read endpoints and one transition at a registry's
//! small and large sizes, under a closed-loop load from wrk (a process of
//! its own) on 127.0.0.1.
//!
//! For each size (`REGISTRY_BENCH_TOPICS`, default `50,10000`) a fresh
//! SQLite registry is filled through the registry's own queries (each its
//! own transaction, as the service commits them): 20% of the topics pending, 10% approved, 70% active, and
//! `REGISTRY_BENCH_SUBSCRIPTIONS_PER_TOPIC` (default 10) subscriptions per
//! topic, spread over 1,000 users. Then the admin service starts on it in
//! this process (two workers, as `topicgate up` runs it) and wrk measures
//! each endpoint for `REGISTRY_BENCH_SECONDS` (default 10) after a warm-up.
//! The baseline, measured in the same run on the same server, is a static
//! asset that never reaches the registry.
//!
//! The transition takes the active topics, one after the other, round
//! deactivate, reactivate and activate, so it can run for as long as
//! wanted; their subscriptions follow each time. Answers other than 2xx
//! are counted.
//!
//! Run: `cargo bench --bench registry_scale` (needs wrk: apt-get install wrk).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use topicgate::config::{AdminSettings, Secret};
use topicgate::db;
use topicgate::db::models::NewTopic;
use topicgate::db::topics::TopicRef;
use topicgate::domain::{
    RawTopicRequest, TopicName, TopicNamePolicy, TopicRequest, Transition, UserId, parse_user_id,
};
use topicgate::web::Application;

const USERS: usize = 1_000;
const CONNECTIONS: usize = 32;
/// Writes go through one SQLite writer; more connections only queue.
const WRITE_CONNECTIONS: usize = 4;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("REGISTRY_BENCH_TOPICS")
        .unwrap_or_else(|_| "50,10000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("REGISTRY_BENCH_TOPICS: numbers"))
        .collect();
    let per_topic = env_number("REGISTRY_BENCH_SUBSCRIPTIONS_PER_TOPIC", 10) as usize;
    let seconds = env_number("REGISTRY_BENCH_SECONDS", 10);
    println!(
        "registry_scale: wrk -t1, {CONNECTIONS} connections ({WRITE_CONNECTIONS} for the \
         transition), {seconds} s each, {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        Utc::now().format("%Y-%m-%d")
    );
    for topics in sizes {
        bench_size(topics, per_topic, seconds);
    }
}

fn bench_size(topics: usize, per_topic: usize, seconds: u64) {
    let subscriptions = topics * per_topic;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("registry.db");
    let started = Instant::now();
    let active = seed(&path, topics, subscriptions);
    // The fill leaves the WAL long; the service would checkpoint it under
    // the first measurement.
    checkpoint(&path);
    println!(
        "\n{topics} topics ({} active), {subscriptions} subscriptions: filled in {:.1} s",
        active.len(),
        started.elapsed().as_secs_f64()
    );
    let (admin_token, producer_key) = (Secret::generate(), Secret::generate());
    let port = start_admin(path.clone(), admin_token.clone(), producer_key.clone());
    let base = format!("http://127.0.0.1:{port}");
    let list_bytes = body_size(&format!("{base}/api/topics"));
    println!("GET /api/topics answers {list_bytes} bytes");

    println!("| request | req/s | p50 | p99 | non-2xx |");
    println!("|---|---:|---:|---:|---:|");
    // Python's requests, which the original clients use, accepts gzip.
    for (path, gzip) in [
        ("/static/app.css", false),
        ("/api/topics/active", false),
        ("/api/topics/active", true),
        ("/api/stats", false),
        ("/api/topics", false),
        ("/api/topics", true),
        ("/", false),
    ] {
        let result = wrk(&format!("{base}{path}"), CONNECTIONS, seconds, None, gzip);
        let label = if gzip { " (gzip)" } else { "" };
        result.print(&format!("GET {path}{label}"));
    }
    let script = transition_script(dir.path(), &active, &admin_token, &producer_key);
    let result = wrk(&base, WRITE_CONNECTIONS, seconds, Some(&script), false);
    result.print("POST deactivate, reactivate, activate");
}

/// Fills a new registry at `path`; returns the active topics' ids and names.
/// `subscriptions` are spread over the active topics.
fn seed(path: &Path, topics: usize, subscriptions: usize) -> Vec<(i32, String)> {
    let pool = db::open(path, 2).expect("a new registry");
    let mut conn = pool.get().expect("a connection");
    let now = Utc::now().naive_utc();
    let names = TopicNamePolicy::default();
    let fill =
        |conn: &mut db::RegistryConnection| -> Result<Vec<(i32, String)>, db::RegistryError> {
            let mut active = Vec::new();
            for i in 0..topics {
                let name = format!("bench_topic_{i}");
                let description =
                    format!("benchmark topic {i} with a description of ordinary length");
                let created_by = format!("team-{}", i % 100);
                let raw = RawTopicRequest {
                    name: &name,
                    partitions: Some(3),
                    description: Some(&description),
                    created_by: Some(&created_by),
                    ..Default::default()
                };
                let request = TopicRequest::parse(raw, 3, &names).expect("a valid request");
                let topic =
                    db::topics::create(conn, &NewTopic::pending(request, now), "bench", i64::MAX)?;
                let id = TopicRef::Id(topic.id);
                // 20% stay pending, 10% approved, 70% active.
                if i % 10 >= 2 {
                    db::topics::transition(conn, &id, Transition::Approve, "bench", None, now)?;
                }
                if i % 10 >= 3 {
                    db::topics::transition(conn, &id, Transition::Activate, "bench", None, now)?;
                    active.push((topic.id.0, topic.name.clone()));
                }
            }
            let users: Vec<UserId> = (0..USERS)
                .map(|u| parse_user_id(&format!("user-{u}")).expect("a valid user id"))
                .collect();
            // Only active topics can be subscribed to.
            for s in 0..subscriptions {
                let (_, name) = &active[s % active.len()];
                let topic = TopicName::parse(name).expect("a valid name");
                let user = &users[(s / active.len()) % USERS];
                db::subscriptions::subscribe(conn, user, &topic, "bench", now)?;
            }
            Ok(active)
        };
    fill(&mut conn).expect("filling the registry")
}

fn checkpoint(path: &Path) {
    use diesel::connection::SimpleConnection;
    let pool = db::open(path, 1).expect("the registry");
    pool.get()
        .expect("a connection")
        .batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("a checkpoint");
}

fn start_admin(database: std::path::PathBuf, admin_token: Secret, producer_key: Secret) -> u16 {
    let settings = AdminSettings {
        bind: "127.0.0.1:0".into(),
        database_url: database.into(),
        producer_key,
        admin_token,
        admin_token_hint: Default::default(),
        max_replication_factor: 3,
        workers: Some(2),
        topic_names: Default::default(),
        http: Default::default(),
        kafka: None,
        access: Default::default(),
    };
    let (port_tx, port_rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings).expect("the admin service starts");
            let _ = port_tx.send(app.port());
            let _ = app.run_until_stopped().await;
        })
    });
    port_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the admin service started")
}

fn body_size(url: &str) -> usize {
    let out = Command::new("curl")
        .args(["-sf", url])
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "GET {url} failed");
    out.stdout.len()
}

/// A wrk script that takes every active topic once round its cycle in
/// turn: deactivate (admin), reactivate (admin: back to approved), then
/// activate (producer key), as the producer would. The secrets go into a
/// file only the current user can read, never onto a command line.
fn transition_script(
    dir: &Path,
    active: &[(i32, String)],
    admin_token: &Secret,
    producer_key: &Secret,
) -> std::path::PathBuf {
    let ids: Vec<String> = active.iter().map(|(id, _)| id.to_string()).collect();
    let names: Vec<String> = active.iter().map(|(_, name)| format!("{name:?}")).collect();
    let path = dir.join("transition.lua");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode_private()
        .open(&path)
        .expect("the wrk script");
    write!(
        file,
        r#"local ids = {{{ids}}}
local names = {{{names}}}
local admin = {{["Authorization"] = "Bearer {admin_token}"}}
local producer = {{["X-Producer-Key"] = "{producer_key}", ["Content-Type"] = "application/json"}}
local n = 0
local checked = false
request = function()
  -- wrk asks once for a request it never sends, to see whether the
  -- requests change: that one must not move the cycle.
  if not checked then
    checked = true
    return wrk.format("GET", "/api/health")
  end
  local i = n % #ids
  local step = math.floor(n / #ids) % 3
  n = n + 1
  if step == 0 then
    return wrk.format("POST", "/api/topics/" .. ids[i + 1] .. "/deactivate", admin)
  elseif step == 1 then
    return wrk.format("POST", "/api/topics/" .. ids[i + 1] .. "/reactivate", admin)
  end
  return wrk.format("POST", "/api/topics/activate_by_name", producer,
    '{{"topic_name":"' .. names[i + 1] .. '"}}')
end
"#,
        ids = ids.join(","),
        names = names.join(","),
        admin_token = admin_token.expose(),
        producer_key = producer_key.expose(),
    )
    .expect("writing the wrk script");
    path
}

trait PrivateFile {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateFile for std::fs::OpenOptions {
    fn mode_private(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
}

struct WrkResult {
    requests_per_second: String,
    p50: String,
    p99: String,
    non_2xx: String,
}

impl WrkResult {
    fn print(&self, label: &str) {
        println!(
            "| {label} | {} | {} | {} | {} |",
            self.requests_per_second, self.p50, self.p99, self.non_2xx
        );
    }
}

fn wrk(
    url: &str,
    connections: usize,
    seconds: u64,
    script: Option<&Path>,
    gzip: bool,
) -> WrkResult {
    let run = |duration: u64| {
        let mut command = Command::new("wrk");
        command.args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{duration}s"),
            "--latency",
        ]);
        if let Some(script) = script {
            command.arg("-s").arg(script);
        }
        if gzip {
            command.args(["-H", "Accept-Encoding: gzip"]);
        }
        let out = command
            .arg(url)
            .output()
            .expect("wrk runs (apt-get install wrk)");
        assert!(out.status.success(), "wrk failed: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    if script.is_none() {
        run(2);
    }
    let out = run(seconds);
    let field = |prefix: &str| {
        out.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
    };
    WrkResult {
        requests_per_second: field("Requests/sec:").unwrap_or_default(),
        p50: field("50%").unwrap_or_default(),
        p99: field("99%").unwrap_or_default(),
        non_2xx: field("Non-2xx or 3xx responses:").unwrap_or_else(|| "0".into()),
    }
}
