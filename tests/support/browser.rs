//! A real headless Chromium for dashboard tests, driven over WebDriver
//! (fantoccini, plain HTTP to a chromedriver on 127.0.0.1).
//!
//! [`Browser::start`] runs its own chromedriver on a free port with a fresh
//! Chromium profile. Dropping the browser kills chromedriver and the
//! Chromium it started (they share a process group of their own); call
//! [`Browser::close`] at the end of a test to end the session politely
//! first. Screenshots go to `target/browser-artifacts/<test name>/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` packages
//! (`scripts/install-browser.sh`).

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to listen and Chromium to open a session.
const START_BOUND: Duration = Duration::from_secs(60);

/// How often the waiting helpers look at the page.
const POLL: Duration = Duration::from_millis(100);

pub struct Browser {
    pub client: Client,
    driver: Child,
    artifacts: PathBuf,
    screenshots: usize,
    _profile: tempfile::TempDir,
}

/// Where the artifacts of all browser tests go: `target/browser-artifacts`
/// (under `CARGO_TARGET_DIR` when that is set).
pub fn artifacts_root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("browser-artifacts")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    /// `name` names the directory that receives this test's screenshots.
    pub async fn start(name: &str) -> Browser {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: run scripts/install-browser.sh"
            );
        }
        let artifacts = artifacts_root().join(name);
        // Screenshots of an earlier run would mix with this one's.
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts)
            .unwrap_or_else(|e| panic!("creating {}: {e}", artifacts.display()));
        let profile = tempfile::tempdir().expect("a Chromium profile directory");
        let log = artifacts.join("chromedriver.log");

        let port = free_port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own: on drop the driver and every Chromium
            // process it started go together, and nothing else.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {CHROMEDRIVER}: {e}"));

        let deadline = Instant::now() + START_BOUND;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = driver.try_wait().expect("chromedriver status") {
                panic!(
                    "chromedriver exited ({status}) before listening on {port}; see {}",
                    log.display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port} within {START_BOUND:?}"
            );
            actix_rt::time::sleep(POLL).await;
        }

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                    "--window-size=1400,1800",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let connecting = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match connecting {
            Ok(client) => client,
            Err(e) => {
                kill_group(&mut driver);
                panic!(
                    "no WebDriver session from chromedriver: {e}; see {}",
                    log.display()
                );
            }
        };
        Browser {
            client,
            driver,
            artifacts,
            screenshots: 0,
            _profile: profile,
        }
    }

    /// The directory of this test's screenshots.
    pub fn artifacts(&self) -> &Path {
        &self.artifacts
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// The first element matching `css`, now. Panics when the browser
    /// fails, rather than waiting for an element that cannot come.
    pub async fn find(&self, css: &str) -> Option<Element> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Some(element),
            Err(e) if e.is_no_such_element() => None,
            Err(e) => panic!("looking for {css}: {e}"),
        }
    }

    /// The element matching `css`, panicking when there is none.
    pub async fn element(&self, css: &str) -> Element {
        self.find(css)
            .await
            .unwrap_or_else(|| panic!("no element matches {css}"))
    }

    /// Waits (at most `bound`) for an element matching `css`.
    pub async fn wait_for(&self, css: &str, bound: Duration) -> Option<Element> {
        let deadline = Instant::now() + bound;
        loop {
            if let Some(element) = self.find(css).await {
                return Some(element);
            }
            if Instant::now() >= deadline {
                return None;
            }
            actix_rt::time::sleep(POLL).await;
        }
    }

    /// Like [`Browser::wait_for`], panicking with a screenshot after `bound`.
    pub async fn expect(&mut self, css: &str, bound: Duration) -> Element {
        match self.wait_for(css, bound).await {
            Some(element) => element,
            None => {
                let shot = self.screenshot("missing").await;
                panic!(
                    "no {css} within {bound:?} (page: {}); screenshot {}",
                    self.url().await,
                    shot.display()
                );
            }
        }
    }

    /// Clicks the element matching `css`. The live refresh may replace
    /// the element between finding and clicking it: then it is found again.
    pub async fn click(&self, css: &str) {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.element(css).await.click().await {
                Ok(()) => return,
                Err(e) if e.is_stale_element_reference() && attempts < 3 => continue,
                Err(e) => panic!("clicking {css}: {e}"),
            }
        }
    }

    /// Replaces the value of the input matching `css`.
    pub async fn fill(&self, css: &str, value: &str) {
        let input = self.element(css).await;
        input
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clearing {css}: {e}"));
        input
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.element(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choosing {value} in {css}: {e}"));
    }

    /// The rendered text of the first element matching `css`, read in one
    /// step so that a live refresh cannot swap the element away midway.
    pub async fn text(&self, css: &str) -> String {
        let script = "var e = document.querySelector(arguments[0]); \
                      return e === null ? null : e.innerText;";
        match self.execute_with(script, vec![Value::from(css)]).await {
            Value::String(text) => text,
            _ => panic!("no element matches {css}"),
        }
    }

    pub async fn execute(&self, script: &str) -> Value {
        self.execute_with(script, Vec::new()).await
    }

    pub async fn execute_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("running {script:?}: {e}"))
    }

    /// Resizes the browser window, e.g. to lay the page out for a
    /// narrower screen.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("resizing the window to {width}x{height}: {e}"));
    }

    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_else(|e| format!("<unknown: {e}>"))
    }

    /// Saves a PNG of the viewport as `NN-step.png` and returns its path.
    pub async fn screenshot(&mut self, step: &str) -> PathBuf {
        self.screenshots += 1;
        let path = self
            .artifacts
            .join(format!("{:02}-{step}.png", self.screenshots));
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {step}: {e}"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }

    /// Ends the WebDriver session (Chromium quits), then chromedriver.
    pub async fn close(self) {
        // The drop that follows kills chromedriver's process group.
        let _ = self.client.clone().close().await;
    }
}

fn kill_group(driver: &mut Child) {
    // The negative id names the group that `process_group(0)` made, whose
    // leader is chromedriver: only processes this harness started.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", driver.id())])
        .stderr(Stdio::null())
        .status();
    let _ = driver.kill();
    let _ = driver.wait();
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}
