//! The admin API's read endpoints and one transition at a registry's
//! small and large sizes, under a closed-loop load from wrk (a process of
//! its own) on 127.0.0.1.
//!
//! For each size (`REGISTRY_BENCH_TOPICS`, default `50,10000`) and each
//! backend (`REGISTRY_BENCH_BACKENDS`, default `sqlite`; `sqlite,postgres`
//! adds a fresh database on the PostgreSQL named in
//! `TOPICGATE_TEST_POSTGRES_URL`, as `scripts/postgres.sh start` prints it)
//! a fresh registry is filled through the registry's own queries (each its
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
//! Plain (not gzipped), the two listings are megabytes at ten thousand
//! topics; the same bytes served by a bare actix-web route, in the same
//! run, show what moving them costs on this machine by itself.
//!
//! On SQLite the dashboard is measured with its session store full: wrk
//! first visits the login page as 50,000 visitors (each a new session), and
//! every dashboard request after is one more new session.
//!
//! The dashboard is measured twice: the first page over and over, where
//! every request but one a second is served the live part another request
//! rendered, and each page of the topic table in turn, where most requests
//! render their own. Under each, the service's own count of live parts
//! rendered and shared (`/metrics`) says which it was.
//!
//! `REGISTRY_BENCH_ONLY`, when set, measures only the rows whose label
//! contains it (`GET /api/stats`, `GET / `, `POST`): for profiling one.
//!
//! Run: `cargo bench --bench registry_scale` (needs wrk: apt-get install wrk).

#[path = "support/admin.rs"]
mod admin_service;
#[path = "support/bare_server.rs"]
mod bare_server;
#[allow(dead_code)] // the benchmark needs only a fresh database
#[path = "../tests/support/postgres.rs"]
mod postgres;
#[path = "support/private_file.rs"]
mod private_file;

#[path = "support/env.rs"]
mod env;

use env::env_number;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chrono::Utc;
use private_file::PrivateFile;
use topicgate::config::{AdminSettings, Secret};
use topicgate::db;
use topicgate::db::DatabaseUrl;
use topicgate::db::models::NewTopic;
use topicgate::db::topics::TopicRef;
use topicgate::domain::{
    RawTopicRequest, TopicName, TopicNamePolicy, TopicRequest, Transition, UserId, parse_user_id,
};

const USERS: usize = 1_000;
/// How many dashboard sessions one admin service keeps (`web/session.rs`).
const SESSION_STORE_CAPACITY: usize = 50_000;
/// Long enough for the visits at well under the login page's rate.
const SESSION_FILL_SECONDS: u64 = 30;
const CONNECTIONS: usize = 32;
/// Writes go through one SQLite writer; more connections only queue.
const WRITE_CONNECTIONS: usize = 4;

fn main() {
    let sizes: Vec<usize> = std::env::var("REGISTRY_BENCH_TOPICS")
        .unwrap_or_else(|_| "50,10000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("REGISTRY_BENCH_TOPICS: numbers"))
        .collect();
    let per_topic = env_number("REGISTRY_BENCH_SUBSCRIPTIONS_PER_TOPIC", 10) as usize;
    let seconds = env_number("REGISTRY_BENCH_SECONDS", 10);
    let backends: Vec<String> = std::env::var("REGISTRY_BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite".into())
        .split(',')
        .map(|b| b.trim().to_owned())
        .collect();
    println!(
        "registry_scale: wrk -t1, {CONNECTIONS} connections ({WRITE_CONNECTIONS} for the \
         transition), {seconds} s each, {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        Utc::now().format("%Y-%m-%d")
    );
    for topics in sizes {
        for backend in &backends {
            bench_size(backend, topics, per_topic, seconds);
        }
    }
}

fn bench_size(backend: &str, topics: usize, per_topic: usize, seconds: u64) {
    let subscriptions = topics * per_topic;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = match backend {
        "sqlite" => DatabaseUrl::Sqlite(dir.path().join("registry.db")),
        "postgres" => postgres::fresh_database().parse().expect("a database URL"),
        other => panic!("REGISTRY_BENCH_BACKENDS: {other} is neither sqlite nor postgres"),
    };
    let started = Instant::now();
    let active = seed(&database, topics, subscriptions);
    settle(&database);
    println!(
        "\n{backend}: {topics} topics ({} active), {subscriptions} subscriptions: filled in {:.1} s",
        active.len(),
        started.elapsed().as_secs_f64()
    );
    let (admin_token, producer_key) = (Secret::generate(), Secret::generate());
    let port = start_admin(database, admin_token.clone(), producer_key.clone());
    let base = format!("http://127.0.0.1:{port}");
    let list = body(&format!("{base}/api/topics"));
    println!("GET /api/topics answers {} bytes", list.len());

    // The dashboard's rows below run with the session store full, as it is
    // once enough visitors came by: each of their requests (no cookie) is
    // a new session, which evicts one. (On PostgreSQL the sessions are rows
    // of the registry, with no such bound.)
    if backend == "sqlite" && (wanted("GET / ") || wanted("GET /?page")) {
        let script = visits_script(dir.path(), SESSION_STORE_CAPACITY);
        // wrk stops sending after the visits but still waits out `-d`.
        wrk(
            &base,
            CONNECTIONS,
            SESSION_FILL_SECONDS,
            Some(&script),
            false,
        );
        println!(
            "(the session store was filled with {SESSION_STORE_CAPACITY} visits to /login first)"
        );
    }
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
        let label = format!("GET {path}{}", if gzip { " (gzip)" } else { "" });
        if wanted(&label) {
            let (parts, started) = (LiveParts::read(&base), Instant::now());
            wrk(&format!("{base}{path}"), CONNECTIONS, seconds, None, gzip).print(&label);
            if path == "/" {
                LiveParts::read(&base)
                    .since(&parts)
                    .print(started.elapsed());
            }
        }
    }
    // The two listings' plain answers are megabytes at ten thousand
    // topics: the same bytes from a bare server say what moving them costs.
    for path in ["/api/topics/active", "/api/topics"] {
        let label = format!("GET {path}: its bytes from a bare actix route");
        if wanted(&label) {
            let bare = bare_server::serve_bytes(body(&format!("{base}{path}")).into());
            wrk(
                &format!("http://127.0.0.1:{bare}/"),
                CONNECTIONS,
                seconds,
                None,
                false,
            )
            .print(&label);
        }
    }
    // Every page of the topic table in turn: in one second each page is
    // asked for about as often as the pages are rendered, so most requests
    // render their own. What a refresh costs after every change.
    let label = "GET /?page=N, each page in turn";
    if wanted(label) {
        let pages = topics.div_ceil(50).max(1);
        let script = pages_script(dir.path(), pages);
        let (parts, started) = (LiveParts::read(&base), Instant::now());
        wrk(&base, CONNECTIONS, seconds, Some(&script), false).print(label);
        LiveParts::read(&base)
            .since(&parts)
            .print(started.elapsed());
    }
    let label = "POST deactivate, reactivate, activate";
    if wanted(label) {
        let script = transition_script(dir.path(), &active, &admin_token, &producer_key);
        wrk(&base, WRITE_CONNECTIONS, seconds, Some(&script), false).print(label);
    }
}

/// Whether `REGISTRY_BENCH_ONLY` (when set; alternatives apart with `|`)
/// picks the row `label`. The
/// labels are matched with a space after them, so that `GET / ` picks the
/// dashboard page alone.
fn wanted(label: &str) -> bool {
    std::env::var("REGISTRY_BENCH_ONLY").map_or(true, |only| {
        only.split('|').any(|one| format!("{label} ").contains(one))
    })
}

/// Fills a new registry at `path`; returns the active topics' ids and names.
/// `subscriptions` are spread over the active topics.
fn seed(database: &DatabaseUrl, topics: usize, subscriptions: usize) -> Vec<(i32, String)> {
    let pool = db::open(database, 2).expect("a new registry");
    let mut conn = pool.get().expect("a connection");
    if let DatabaseUrl::Postgres(_) = database {
        // Each write is still a transaction of its own, as the service
        // commits it, but the fill does not wait for each to reach the
        // disk: 130,000 flushes would take the best part of a quarter of
        // an hour. The service's own connections keep the default.
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SET synchronous_commit = off;")
            .expect("relaxing the fill's commits");
    }
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

/// What the database would do soon after such a fill anyway, done before
/// the measurements rather than under them: SQLite checkpoints the long
/// WAL; PostgreSQL gathers the statistics its planner goes by.
fn settle(database: &DatabaseUrl) {
    use diesel::connection::SimpleConnection;
    let sql = match database {
        DatabaseUrl::Sqlite(_) => "PRAGMA wal_checkpoint(TRUNCATE);",
        DatabaseUrl::Postgres(_) => "VACUUM ANALYZE;",
    };
    let pool = db::open(database, 1).expect("the registry");
    pool.get()
        .expect("a connection")
        .batch_execute(sql)
        .expect("settling the registry");
}

fn start_admin(database: DatabaseUrl, admin_token: Secret, producer_key: Secret) -> u16 {
    admin_service::serve(AdminSettings {
        bind: "127.0.0.1:0".into(),
        database_url: database,
        producer_key,
        admin_token,
        admin_token_hint: Default::default(),
        max_replication_factor: 3,
        workers: Some(2),
        topic_names: Default::default(),
        http: Default::default(),
        kafka: None,
        access: Default::default(),
    })
}

fn body(url: &str) -> Vec<u8> {
    let out = Command::new("curl")
        .args(["-sf", url])
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "GET {url} failed");
    out.stdout
}

/// The admin service's count of dashboard live parts, from `/metrics`.
struct LiveParts {
    rendered: f64,
    shared: f64,
}

impl LiveParts {
    fn read(base: &str) -> Self {
        let out = Command::new("curl")
            .args(["-sf", &format!("{base}/metrics")])
            .output()
            .expect("curl runs");
        assert!(out.status.success(), "GET /metrics failed");
        let metrics = String::from_utf8_lossy(&out.stdout);
        let count = |outcome: &str| {
            let series = format!("topicgate_dashboard_live_parts_total{{outcome=\"{outcome}\"}} ");
            metrics
                .lines()
                .find_map(|line| line.strip_prefix(&series))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {series}in /metrics"))
        };
        Self {
            rendered: count("rendered"),
            shared: count("shared"),
        }
    }

    fn since(&self, before: &Self) -> Self {
        Self {
            rendered: self.rendered - before.rendered,
            shared: self.shared - before.shared,
        }
    }

    /// Under the row it counts, over `elapsed` (the warm-up included).
    fn print(&self, elapsed: std::time::Duration) {
        let served = self.rendered + self.shared;
        println!(
            "|   live parts: {:.0} rendered, {:.0} shared ({:.1}% rendered, {:.0} renderings/s) | | | | |",
            self.rendered,
            self.shared,
            100.0 * self.rendered / served.max(1.0),
            self.rendered / elapsed.as_secs_f64(),
        );
    }
}

/// A wrk script that visits the login page `visits` times, then stops.
fn visits_script(dir: &Path, visits: usize) -> std::path::PathBuf {
    lua_script(
        dir,
        "visits.lua",
        format!(
            r#"local answered = 0
request = function()
  return wrk.format("GET", "/login")
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= {visits} then
    wrk.thread:stop()
  end
end
"#
        ),
    )
}

/// A wrk script that asks for page 1, 2, ... `pages` of the dashboard's
/// topic table, and round again.
fn pages_script(dir: &Path, pages: usize) -> std::path::PathBuf {
    lua_script(
        dir,
        "pages.lua",
        format!(
            r#"local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/?page=" .. ((n % {pages}) + 1))
end
"#
        ),
    )
}

/// Writes a wrk script that holds no secret as `name` in `dir`.
fn lua_script(dir: &Path, name: &str, text: String) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writing the wrk script");
    path
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
