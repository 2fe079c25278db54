//! Prometheus' own tools against our `/metrics`: `promtool check metrics`
//! on a scraped body, and a real Prometheus server that scrapes the roles.
//! Both come from Debian's `prometheus` package; a missing one fails the
//! test with the way to install it, never skips it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::wait::eventually;

/// The path of `tool`, or a panic saying how to install it.
fn require(tool: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("{tool} is missing: run scripts/install-prometheus.sh (Debian's prometheus package)")
    })
}

/// Runs `promtool check metrics` on `body`; panics with its complaints
/// unless it exits 0 with nothing to say.
pub fn check_metrics(body: &str) {
    let mut child = Command::new(require("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promtool");
    child
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(body.as_bytes())
        .expect("write to promtool");
    let out = child.wait_with_output().expect("promtool finished");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool check metrics: {}\n{said}\n--- body ---\n{body}",
        out.status
    );
}

/// The value of the sample `name{labels}` in an exposition, labels given
/// in any order; `None` when there is no such sample.
pub fn sample(body: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, series_labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            if series_name != name {
                return None;
            }
            let mut found: Vec<String> = series_labels
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .map(|pair| pair.trim_end_matches('"').replacen("=\"", "=", 1))
                .collect();
            let mut wanted: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            found.sort();
            wanted.sort();
            (found == wanted).then(|| value.parse().ok()).flatten()
        })
}

/// GETs `url` and answers its body as text.
pub async fn get_text(url: &str) -> String {
    let mut response = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert_eq!(response.status().as_u16(), 200, "GET {url}");
    let bytes = response.body().limit(16 << 20).await.expect("a body");
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// A free port on 127.0.0.1 (bound, then let go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A Prometheus server of its own: configuration and storage in a temp
/// dir, listening on a free port, scraping each target every second.
/// Dropping it stops it.
pub struct PrometheusServer {
    pub base_url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl PrometheusServer {
    /// Starts Prometheus scraping `targets` (`(job, "host:port")`).
    pub fn start(targets: &[(&str, String)]) -> PrometheusServer {
        let binary = require("prometheus");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config =
            String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
        for (job, address) in targets {
            config.push_str(&format!(
                "  - job_name: {job}\n    static_configs:\n      - targets: ['{address}']\n"
            ));
        }
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).expect("write prometheus.yml");
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("a log file");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        PrometheusServer {
            base_url: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
        }
    }

    /// Its log so far, for a failing assertion.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("prometheus.log")).unwrap_or_default()
    }

    async fn api(&self, path: &str) -> Option<Value> {
        let mut response = awc::Client::builder()
            .timeout(Duration::from_secs(5))
            .finish()
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .ok()?;
        let body = response.body().limit(16 << 20).await.ok()?;
        serde_json::from_slice(&body).ok()
    }

    /// `job -> health` of every active target, as `/api/v1/targets` says.
    pub async fn target_health(&self) -> Vec<(String, String)> {
        let Some(answer) = self.api("/api/v1/targets").await else {
            return Vec::new();
        };
        answer["data"]["activeTargets"]
            .as_array()
            .map(|targets| {
                targets
                    .iter()
                    .map(|t| {
                        (
                            t["labels"]["job"].as_str().unwrap_or("").to_owned(),
                            t["health"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until every target is `up`; panics with what it saw if not.
    pub async fn wait_all_up(&self, jobs: usize, bound: Duration) {
        let up = eventually(bound, || async {
            let health = self.target_health().await;
            health.len() == jobs && health.iter().all(|(_, h)| h == "up")
        })
        .await;
        assert!(
            up,
            "targets not all up: {:?}\n{}",
            self.target_health().await,
            self.log()
        );
    }

    /// The value of the instant query `expr`'s first result, if any.
    pub async fn query_value(&self, expr: &str) -> Option<f64> {
        let path = format!(
            "/api/v1/query?{}",
            serde_urlencoded::to_string([("query", expr)]).ok()?
        );
        let answer = self.api(&path).await?;
        answer["data"]["result"][0]["value"][1]
            .as_str()?
            .parse()
            .ok()
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The series names (`topicgate_…`) that the shipped alert rules and
/// Grafana board query: a renamed metric would leave them silently empty.
pub fn series_the_deploy_files_query() -> std::collections::BTreeSet<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let mut names = std::collections::BTreeSet::new();
    for file in ["prometheus/rules.yml", "grafana/topicgate.json"] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut rest = text.as_str();
        while let Some(at) = rest.find("topicgate_") {
            let name: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            rest = &rest[at + name.len()..];
            names.insert(name);
        }
    }
    names
}

/// Every series name a `/metrics` body has a sample of.
pub fn series_in(body: &str) -> std::collections::BTreeSet<String> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split(['{', ' ']).next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}
