//! The dashboard in a real headless Chromium, against an in-process admin
//! service, an in-process producer daemon and the real Kafka: an admin logs
//! in, requests a topic with the form, approves it and watches it turn
//! ACTIVE, then deactivates it. Every step leaves a screenshot under
//! `target/browser-artifacts/`.
//!
//! The page follows the registry's change feed: a topic requested through
//! the API shows up before the page's own timer would have refreshed.
//!
//! The time from the click on Approve to the ACTIVE row is printed, never
//! asserted; `approval_to_active_timings` (ignored by default) repeats that
//! measurement for `docs/benchmarks.md`.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::admin::TestAdmin;
use support::browser::Browser;
use support::kafka::{bootstrap_servers, unique_name};
use support::origin::OtherSite;
use topicgate::config::{Pace, ProducerSettings, Secret};
use topicgate::domain::TopicStatus;
use topicgate::producer::ProducerHandle;

/// The producer's poll interval in the main test.
const POLL: Duration = Duration::from_secs(1);

/// How long a page may take to show the outcome of a form post.
const PAGE: Duration = Duration::from_secs(15);

/// Bound for the ACTIVE row to appear without a reload: the page refreshes
/// every 10 s, so this leaves room for a refresh that comes too early plus
/// the next one, and for a slow two-core machine.
const LIVE: Duration = Duration::from_secs(40);

/// Bound for a change made elsewhere to show through the change feed:
/// well below the page's 10 s timer, which would otherwise show it.
const FEED: Duration = Duration::from_secs(6);

fn start_producer(admin: &TestAdmin, bootstrap: &str, poll: Duration) -> ProducerHandle {
    start_producer_with_feed(admin, bootstrap, poll, true)
}

fn start_producer_with_feed(
    admin: &TestAdmin,
    bootstrap: &str,
    poll: Duration,
    change_feed: bool,
) -> ProducerHandle {
    // Shown with --nocapture (RUST_LOG=info), captured otherwise.
    topicgate::telemetry::init_for_tests();
    let key = Secret::new(&admin.producer_key).expect("a valid producer key");
    let mut settings = ProducerSettings::new(&admin.base_url, bootstrap, key);
    settings.poll_interval = poll;
    settings.change_feed = change_feed;
    settings.pace = Pace::Rate(5.0);
    // Its own group: other tests' daemons must not take its topics.
    settings.producer_group = support::kafka::unique_name("producers");
    ProducerHandle::start(settings).expect("the producer starts")
}

fn row(name: &str) -> String {
    format!("#topics tr[data-topic=\"{name}\"]")
}

fn row_with(name: &str, status: TopicStatus) -> String {
    format!("{}[data-status=\"{status}\"]", row(name))
}

/// The id in the first cell of `name`'s row.
async fn topic_id(browser: &Browser, name: &str) -> i32 {
    let text = browser.text(&format!("{} td", row(name))).await;
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("the first cell of {name}'s row is {text:?}, not an id"))
}

/// The number on one stat card, e.g. `active`.
async fn card(browser: &Browser, stat: &str) -> i64 {
    let css = format!("#stats .card[data-stat=\"{stat}\"] .value");
    let text = browser.text(&css).await;
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{css} shows {text:?}, not a number"))
}

async fn log_in(browser: &mut Browser, admin: &TestAdmin) {
    browser.click("#login-link").await;
    browser.expect("#admin-token", PAGE).await;
    browser.fill("#admin-token", &admin.admin_token).await;
    browser.click("#login-submit").await;
    // Back on the dashboard, now with the admin's session.
    browser.expect("header .badge", PAGE).await;
}

async fn request_topic(browser: &Browser, name: &str) {
    browser.fill("#topic-name", name).await;
    browser.fill("#created-by", "team-iot").await;
    browser.fill("#partitions", "2").await;
    browser.fill("#replication-factor", "1").await;
    browser.select("#data-type", "sensor").await;
    browser
        .fill("#description", "Temperature, humidity and pressure")
        .await;
    browser.click("#create-submit").await;
}

/// What one approval looked like from the browser.
struct Approval {
    /// From approval to activation in the registry (its own time stamps):
    /// the producer's share.
    registry: Duration,
    /// Click on Approve until the row showed ACTIVE, without a reload.
    dashboard: Duration,
}

/// Clicks Approve in `name`'s row and waits for the row to show ACTIVE.
/// With the change feed the producer may activate the topic before the
/// form's redirect has loaded the page again; when the load shows it still
/// APPROVED, the page must turn ACTIVE in place, without loading again.
async fn approve_and_watch(browser: &mut Browser, admin: &TestAdmin, name: &str) -> Approval {
    let id = topic_id(browser, name).await;
    let clicked = Instant::now();
    browser
        .click(&format!("{} button[data-action=approve]", row(name)))
        .await;
    let approved = row_with(name, TopicStatus::Approved);
    let active = row_with(name, TopicStatus::Active);
    browser.expect(&format!("{approved}, {active}"), PAGE).await;
    // One script checks the row and, while it is still APPROVED, marks the
    // page and its live part (which a refresh replaces), so no refresh can
    // slip in between the check and the marks.
    let mark = format!(
        "if (document.querySelector({active:?})) {{ return 'active'; }} \
         window.__marker = 1; \
         document.querySelector('#live > *').setAttribute('data-loaded', ''); \
         return 'marked';"
    );
    let dashboard = if browser.execute(&mark).await == "active" {
        clicked.elapsed()
    } else {
        browser.screenshot("approved").await;
        let page = browser.url().await;
        let shown = wait_in_place(browser, admin, id, name, clicked).await;
        assert_eq!(
            browser
                .execute("return window.__marker === 1 ? 'kept' : 'lost'")
                .await,
            Value::from("kept"),
            "the page was reloaded instead of refreshed in place"
        );
        assert_eq!(browser.url().await, page, "the page navigated away");
        assert!(
            browser.find("#live [data-loaded]").await.is_none(),
            "ACTIVE showed without the live part being refreshed"
        );
        assert_eq!(
            browser
                .execute("return document.getElementById('live-updated').textContent")
                .await,
            Value::from(browser.text("#updated").await),
            "the footer's time stamp did not follow the live refresh"
        );
        shown
    };
    let topic = admin.topic(id).await;
    let (Some(approved), Some(activated)) = (topic.approved_at, topic.activated_at) else {
        panic!("{name} shows ACTIVE but lacks its time stamps: {topic:?}");
    };
    Approval {
        registry: (activated - approved)
            .to_std()
            .expect("activated after approval"),
        dashboard,
    }
}

/// Waits for `name`'s row to show ACTIVE; the time since `clicked`.
async fn wait_in_place(
    browser: &mut Browser,
    admin: &TestAdmin,
    id: i32,
    name: &str,
    clicked: Instant,
) -> Duration {
    let deadline = clicked + LIVE;
    loop {
        if browser
            .find(&row_with(name, TopicStatus::Active))
            .await
            .is_some()
        {
            return clicked.elapsed();
        }
        if Instant::now() >= deadline {
            let shot = browser.screenshot("not-active").await;
            panic!(
                "{name} not ACTIVE in the page {LIVE:?} after the click \
                 (registry: {:?}); screenshot {}",
                admin.topic(id).await.status,
                shot.display()
            );
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn an_admin_approves_a_topic_and_watches_it_turn_active_without_reloading() {
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let producer = start_producer(&admin, &bootstrap, POLL);
    let mut browser = Browser::start("dashboard").await;
    let name = unique_name("sensor");

    browser.goto(&admin.url("/")).await;
    browser.expect("#stats", PAGE).await;
    assert!(
        browser.find("#topics").await.is_none(),
        "a fresh registry lists topics"
    );
    browser.screenshot("dashboard").await;

    log_in(&mut browser, &admin).await;
    browser.screenshot("logged-in").await;

    let active_before = card(&browser, "active").await;
    request_topic(&browser, &name).await;
    browser
        .expect(&row_with(&name, TopicStatus::Pending), PAGE)
        .await;
    let flash = browser.text("#flash").await;
    assert!(flash.contains(&name), "flash after the request: {flash:?}");
    let cells = browser.text(&row(&name)).await;
    for shown in ["sensor", "team-iot", "Temperature, humidity and pressure"] {
        assert!(cells.contains(shown), "{shown:?} missing from {cells:?}");
    }
    assert_eq!(card(&browser, "pending").await, 1);
    browser.screenshot("requested").await;

    let approval = approve_and_watch(&mut browser, &admin, &name).await;
    println!(
        "approval -> ACTIVE with a {POLL:?} poll and the page's 10 s refresh: \
         in the registry after {:?}, in the page after {:?}",
        approval.registry, approval.dashboard
    );
    browser.screenshot("active").await;
    assert_eq!(card(&browser, "active").await, active_before + 1);
    assert_eq!(card(&browser, "approved").await, 0);
    assert_eq!(card(&browser, "pending").await, 0);
    assert!(
        browser
            .find(&format!("{} button[data-action=deactivate]", row(&name)))
            .await
            .is_some(),
        "an active topic offers Deactivate"
    );

    browser
        .click(&format!("{} button[data-action=deactivate]", row(&name)))
        .await;
    browser
        .expect(&row_with(&name, TopicStatus::Inactive), PAGE)
        .await;
    assert_eq!(card(&browser, "active").await, active_before);
    assert_eq!(card(&browser, "inactive").await, 1);
    let activity = browser.text("#activity").await;
    assert!(activity.contains("inactive"), "{activity}");
    browser.screenshot("inactive").await;
    assert_eq!(
        admin.topic(topic_id(&browser, &name).await).await.status,
        TopicStatus::Inactive
    );

    // The deactivation's form post just loaded the page, so its timer
    // refreshes 10 s from now: a topic requested elsewhere that shows up
    // sooner came through the change feed.
    browser.execute("window.__marker = 1; return true").await;
    let elsewhere = unique_name("weather");
    admin.create_topic(&elsewhere, 1, 1).await;
    browser
        .expect(&row_with(&elsewhere, TopicStatus::Pending), FEED)
        .await;
    assert_eq!(
        browser
            .execute("return window.__marker === 1 ? 'kept' : 'lost'")
            .await,
        Value::from("kept"),
        "the page was reloaded instead of refreshed in place"
    );
    browser.screenshot("requested-elsewhere").await;

    println!("screenshots in {}", browser.artifacts().display());
    browser.close().await;
    producer.stop().expect("the producer stops");
}

/// Rows in the topic table now.
async fn row_count(browser: &Browser) -> i64 {
    browser
        .execute("return document.querySelectorAll('#topics tbody tr').length")
        .await
        .as_i64()
        .expect("a row count")
}

/// The URLs of the live refreshes the page has fetched so far.
async fn live_fetches(browser: &Browser) -> Vec<String> {
    let script = "return performance.getEntriesByType('resource')\
                  .map(function (e) { return e.name; })\
                  .filter(function (n) { return n.indexOf('/dashboard/live') >= 0; });";
    match browser.execute(script).await {
        Value::Array(urls) => urls
            .into_iter()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect(),
        other => panic!("resource timings: {other:?}"),
    }
}

#[actix_rt::test]
async fn a_large_topic_table_is_paged_searched_and_refreshed_one_page_at_a_time() {
    // 120 anonymous requests from one address and one requester, at once.
    let admin = TestAdmin::spawn_with(|settings| {
        settings.http.rate_limit_burst = 1_000;
        settings.http.max_pending_per_requester = 1_000;
    });
    for i in 0..100 {
        admin.create_topic(&format!("t{i:03}"), 1, 1).await;
    }
    for i in 0..20 {
        admin
            .create_topic(&format!("Sensor_Room_{i:03}"), 1, 1)
            .await;
    }
    let mut browser = Browser::start("dashboard-paging").await;

    browser.goto(&admin.url("/")).await;
    browser.expect("#topic-pager", PAGE).await;
    assert_eq!(row_count(&browser).await, 50);
    browser.click("#pager-next").await;
    browser.expect("#topic-pager[data-page=\"2\"]", PAGE).await;
    browser.click("#pager-next").await;
    browser.expect("#topic-pager[data-page=\"3\"]", PAGE).await;
    assert_eq!(row_count(&browser).await, 20);
    assert!(
        browser.find("#pager-next").await.is_none(),
        "page 3 is the last"
    );
    browser.screenshot("page-3").await;

    // The live refresh fetches page 3 only, and keeps showing it.
    browser.execute("window.__marker = 1; return true").await;
    let deadline = Instant::now() + LIVE;
    let fetched = loop {
        let fetched = live_fetches(&browser).await;
        if !fetched.is_empty() {
            break fetched;
        }
        assert!(Instant::now() < deadline, "no live refresh within {LIVE:?}");
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    };
    for url in &fetched {
        assert!(
            url.ends_with("/dashboard/live?page=3"),
            "the refresh fetched {url}, not the page on screen"
        );
    }
    assert_eq!(
        browser.execute("return window.__marker === 1").await,
        Value::from(true),
        "the page was reloaded instead of refreshed in place"
    );
    assert_eq!(row_count(&browser).await, 20);
    assert_eq!(browser.text("#topics tbody tr td.name").await, "t019");

    // Searching asks the server: any case, a substring of the name.
    browser.fill("#topic-search", "room_01").await;
    browser.click("#topic-search-submit").await;
    browser.expect("#topic-search-clear", PAGE).await;
    let names = browser
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('#topics td.name'), \
             function (td) { return td.innerText; });",
        )
        .await;
    assert_eq!(
        names,
        Value::from(
            (10..20)
                .rev()
                .map(|i| format!("Sensor_Room_{i:03}"))
                .collect::<Vec<_>>()
        )
    );
    assert!(
        browser.url().await.contains("q=room_01"),
        "the search is not in the address"
    );
    browser.screenshot("search").await;
}

/// A page on another site whose script tries to request a topic from the
/// admin API given in its query string (`?api=http://...`), once as
/// `text/plain` (no preflight) and once as JSON (preflight first). It
/// writes what each fetch saw into `#results`: a status, or `blocked`.
const OTHER_SITE_PAGE: &str = r#"<!doctype html>
<html><body><pre id="results"></pre><script>
const api = new URLSearchParams(location.search).get("api");
async function attempt(kind, contentType) {
  try {
    const answer = await fetch(api + "/api/topics", {
      method: "POST",
      headers: {"Content-Type": contentType},
      body: JSON.stringify({name: "from_" + kind, created_by: "other-site"}),
    });
    return kind + ":" + answer.status;
  } catch (e) {
    return kind + ":blocked";
  }
}
(async () => {
  const seen = [await attempt("plain", "text/plain"), await attempt("json", "application/json")];
  const results = document.getElementById("results");
  results.textContent = seen.join(" ");
  results.setAttribute("data-done", "1");
})();
</script></body></html>"#;

/// Runs the other site's page against `admin`; returns what its script saw.
async fn fetches_from_other_site(
    browser: &mut Browser,
    site: &OtherSite,
    admin: &TestAdmin,
) -> String {
    browser
        .goto(&format!("{}/?api={}", site.origin, admin.base_url))
        .await;
    browser.expect("#results[data-done]", PAGE).await;
    browser.text("#results").await
}

async fn topic_names(admin: &TestAdmin) -> Vec<String> {
    let topics = admin.get("/api/topics").await.body;
    topics
        .as_array()
        .expect("a list of topics")
        .iter()
        .map(|t| t["topic_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[actix_rt::test]
async fn a_page_on_another_site_cannot_create_topics_unless_its_origin_is_allowed() {
    let site = OtherSite::serve(OTHER_SITE_PAGE.to_owned());
    let mut browser = Browser::start("cross-origin").await;

    // By default no origin is allowed: neither fetch gets through.
    let closed = TestAdmin::spawn();
    let seen = fetches_from_other_site(&mut browser, &site, &closed).await;
    browser.screenshot("default").await;
    assert_eq!(seen, "plain:blocked json:blocked", "the page saw {seen:?}");
    assert!(
        topic_names(&closed).await.is_empty(),
        "a page on another site created {:?}",
        topic_names(&closed).await
    );

    // With --cors-origin for that site, its JSON request passes the
    // preflight; text/plain is still refused, now visibly.
    let origin = site.origin.clone();
    let open = TestAdmin::spawn_with(move |settings| settings.http.cors_origins = vec![origin]);
    let seen = fetches_from_other_site(&mut browser, &site, &open).await;
    browser.screenshot("allowed").await;
    assert_eq!(seen, "plain:415 json:201", "the page saw {seen:?}");
    assert_eq!(topic_names(&open).await, vec!["from_json".to_owned()]);
    browser.close().await;
}

/// Repeats the approval in the browser a few times and prints the times
/// from the click to ACTIVE, for `docs/benchmarks.md`:
///
/// `TOPICGATE_BENCH_POLL=5 TOPICGATE_BENCH_RUNS=5 cargo test --test admin browser_dashboard:: -- --ignored --nocapture`
#[actix_rt::test]
#[ignore = "a measurement; run it on purpose"]
async fn approval_to_active_timings() {
    let env_number = |name: &str, default: f64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let poll = Duration::from_secs_f64(env_number("TOPICGATE_BENCH_POLL", 5.0));
    let runs = env_number("TOPICGATE_BENCH_RUNS", 5.0) as usize;
    let bootstrap = bootstrap_servers();
    let admin = TestAdmin::spawn();
    let mut browser = Browser::start("approval-timings").await;
    browser.goto(&admin.url("/")).await;
    log_in(&mut browser, &admin).await;

    // The baseline first (the producer only polls), then the change feed,
    // in the same run on the same admin service, page and broker.
    for change_feed in [false, true] {
        let producer = start_producer_with_feed(&admin, &bootstrap, poll, change_feed);
        let mut registry = Vec::new();
        let mut dashboard = Vec::new();
        for run in 1..=runs {
            // Approvals at a random phase of the producer's poll cycle.
            actix_rt::time::sleep(poll.mul_f64(rand::random::<f64>())).await;
            let name = unique_name("sensor");
            admin.create_topic(&name, 1, 1).await;
            browser.goto(&admin.url("/")).await;
            browser
                .expect(&row_with(&name, TopicStatus::Pending), PAGE)
                .await;
            let approval = approve_and_watch(&mut browser, &admin, &name).await;
            println!(
                "run {run}: ACTIVE in the registry after {:?}, in the page after {:?}",
                approval.registry, approval.dashboard
            );
            registry.push(approval.registry);
            dashboard.push(approval.dashboard);
        }
        let mode = if change_feed {
            "change feed"
        } else {
            "polling only"
        };
        println!("producer: {mode}, poll interval {poll:?}, {runs} runs");
        println!(
            "approved -> ACTIVE in the registry: {}",
            summary(&mut registry)
        );
        println!(
            "click -> ACTIVE in the page:       {}",
            summary(&mut dashboard)
        );
        producer.stop().expect("the producer stops");
    }
    browser.close().await;
}

fn summary(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "no samples".into();
    }
    times.sort_unstable();
    let n = times.len();
    let median = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    };
    format!(
        "median {:.2} s, min {:.2} s, max {:.2} s",
        median.as_secs_f64(),
        times[0].as_secs_f64(),
        times[n - 1].as_secs_f64()
    )
}

/// Waits until the live part has been swapped for a fresh copy at least
/// once after now (the table element is replaced by each refresh).
async fn wait_for_refresh(browser: &mut Browser) {
    browser
        .execute("window.__tableBefore = document.getElementById('topics'); return true")
        .await;
    let deadline = Instant::now() + LIVE;
    loop {
        let swapped = browser
            .execute("return document.getElementById('topics') !== window.__tableBefore")
            .await;
        if swapped == Value::Bool(true) {
            return;
        }
        if Instant::now() >= deadline {
            let shot = browser.screenshot("no-refresh").await;
            panic!(
                "the live part did not refresh in {LIVE:?}; {}",
                shot.display()
            );
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn a_rejection_reason_being_typed_survives_the_refresh() {
    let admin = TestAdmin::spawn();
    let name = unique_name("reason");
    admin.create_topic(&name, 1, 1).await;
    // An approved topic waiting for a producer (none runs here) makes the
    // page refresh every 2 seconds.
    let waiting = admin.create_topic(&unique_name("waiting"), 1, 1).await;
    admin.approve(waiting).await;
    let mut browser = Browser::start("reject-reason").await;
    browser.goto(&admin.url("/")).await;
    browser.expect("#stats", PAGE).await;
    log_in(&mut browser, &admin).await;

    let reason_field = format!("{} input.reason", row(&name));
    let reason = "duplicate of sensor_data";
    browser.fill(&reason_field, reason).await;
    // Typed, then left: the admin clicked elsewhere before rejecting.
    browser
        .execute("document.activeElement.blur(); return true")
        .await;
    wait_for_refresh(&mut browser).await;
    wait_for_refresh(&mut browser).await;
    let kept = browser
        .execute_with(
            "return document.querySelector(arguments[0]).value",
            vec![Value::from(reason_field.as_str())],
        )
        .await;
    browser.screenshot("after-refresh").await;
    assert_eq!(kept, Value::from(reason), "the refresh lost the reason");

    browser
        .click(&format!("{} button[data-action=reject]", row(&name)))
        .await;
    browser
        .expect(&row_with(&name, TopicStatus::Rejected), PAGE)
        .await;
    let activity = browser.text("#activity").await;
    assert!(activity.contains(&format!("({reason})")), "{activity}");
    browser.close().await;
}

/// Where the description of `row` lays out: the words of ordinary length
/// that are split over two lines, the cell's width, and how far right the
/// row, its table and the table's panel reach, against the viewport's width.
const DESCRIPTION_LAYOUT: &str = r#"
    var row = document.querySelector(arguments[0]);
    var cell = row.querySelector('td.description');
    var text = cell.firstChild;
    var split = [];
    var word = /\S+/g, found;
    while ((found = word.exec(text.textContent))) {
      if (found[0].length > 40) { continue; }
      var range = document.createRange();
      range.setStart(text, found.index);
      range.setEnd(text, found.index + found[0].length);
      var tops = {};
      Array.prototype.forEach.call(range.getClientRects(), function (r) {
        tops[Math.round(r.top)] = true;
      });
      if (Object.keys(tops).length > 1) { split.push(found[0]); }
    }
    var table = row.closest('table');
    var panel = table.parentElement;
    return {
      split: split,
      description: cell.getBoundingClientRect().width,
      row: row.getBoundingClientRect().right,
      table: table.getBoundingClientRect().right,
      panel: panel.getBoundingClientRect().right,
      scroll: panel.scrollWidth - panel.clientWidth,
      viewport: document.documentElement.clientWidth
    };
"#;

#[actix_rt::test]
async fn long_descriptions_wrap_between_words_inside_the_table() {
    let admin = TestAdmin::spawn();
    let name = unique_name("wrap");
    let words = "Readings from every rooftop weather station in the northern \
                 region, averaged over ten minutes and published for the \
                 forecasting, irrigation and insurance teams; ";
    let description = format!("{}{}", words.repeat(4), "z".repeat(180));
    let created = admin
        .post(
            "/api/topics",
            &serde_json::json!({"name": name, "description": description}),
            true,
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let mut browser = Browser::start("description-wrap").await;
    browser.goto(&admin.url("/")).await;
    browser.expect("#stats", PAGE).await;
    // The admin's view, whose Approve and Reject forms widen the table.
    log_in(&mut browser, &admin).await;
    // (width, whether the whole table fits): on narrower screens the panel
    // scrolls sideways, but the description still wraps between words.
    for (width, fits) in [(1400, true), (1280, true), (900, false)] {
        browser.resize(width, 1200).await;
        browser.goto(&admin.url("/")).await;
        browser.expect(&row(&name), PAGE).await;
        let layout = browser
            .execute_with(DESCRIPTION_LAYOUT, vec![Value::from(row(&name))])
            .await;
        browser.screenshot(&format!("width-{width}")).await;
        let at = |key: &str| layout[key].as_f64().unwrap_or(f64::MAX);
        assert_eq!(
            layout["split"],
            Value::Array(vec![]),
            "words split across lines at {width}px: {layout}"
        );
        assert!(
            at("row") <= at("table") + 0.5,
            "the row overflows its table at {width}px: {layout}"
        );
        assert!(
            at("panel") <= at("viewport"),
            "the table's panel overflows the page at {width}px: {layout}"
        );
        // At least 12rem of 15px: a column of a few words per line.
        assert!(
            at("description") >= 180.0,
            "the description is squeezed at {width}px: {layout}"
        );
        if fits {
            assert!(
                at("table") <= at("panel") + 0.5 && at("scroll") <= 0.0,
                "the table overflows its panel at {width}px: {layout}"
            );
        }
    }
    browser.close().await;
}

#[actix_rt::test]
async fn a_topic_kafka_refused_shows_why_and_is_rejected_from_its_row() {
    let admin = TestAdmin::spawn();
    let name = unique_name("refused");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    let kafka_said = "Replication factor: 3 larger than available brokers: 1.";
    admin
        .report_kafka(
            id,
            &serde_json::json!({"state": "failed", "error": kafka_said}),
        )
        .await;

    let mut browser = Browser::start("kafka-refused").await;
    browser.goto(&admin.url("/")).await;
    browser.expect("#stats", PAGE).await;
    let cluster = browser.text("#kafka-cluster").await;
    assert!(cluster.contains("producer never seen"), "{cluster}");
    browser.expect("#kafka-cluster.silent", PAGE).await;
    log_in(&mut browser, &admin).await;

    let failed_row = format!("{}[data-kafka=\"failed\"]", row(&name));
    browser.expect(&failed_row, PAGE).await;
    let note = browser
        .text(&format!("{failed_row} .kafka-note.error"))
        .await;
    assert!(note.contains(kafka_said), "{note}");
    assert!(
        !browser
            .text(&row(&name))
            .await
            .contains("waiting for the producer"),
        "a refused topic still waits for the producer"
    );
    browser.screenshot("refused").await;

    // The cluster line follows the live refresh, without a reload.
    let reported = admin
        .post_as_producer(
            "/api/cluster",
            &serde_json::json!({"brokers": 1}),
            Some(&admin.producer_key),
        )
        .await;
    assert_eq!(reported.status, 200, "{reported:?}");
    browser.expect("#kafka-cluster:not(.silent)", LIVE).await;
    let cluster = browser.text("#kafka-cluster").await;
    assert!(
        cluster.contains("Kafka: 1 broker · producer seen"),
        "{cluster}"
    );

    let reason = "the cluster has one broker";
    browser
        .fill(&format!("{} input.reason", row(&name)), reason)
        .await;
    browser
        .click(&format!("{} button[data-action=reject]", row(&name)))
        .await;
    browser
        .expect(&row_with(&name, TopicStatus::Rejected), PAGE)
        .await;
    browser.screenshot("rejected").await;
    // No further word from the producer: within three of its polls and a
    // refresh the line turns red again, without a reload.
    browser.expect("#kafka-cluster.silent", LIVE).await;
    let cluster = browser.text("#kafka-cluster").await;
    assert!(cluster.contains("producer seen"), "{cluster}");
    assert_eq!(admin.topic(id).await.status, TopicStatus::Rejected);
    assert_eq!(
        crate::kafka_state::status_events_of(&admin, id).last(),
        Some(&(
            Some("approved".to_owned()),
            "rejected".to_owned(),
            Some(reason.to_owned())
        ))
    );
    browser.close().await;
}

#[actix_rt::test]
async fn a_topic_is_deleted_from_its_row_only_after_a_second_confirming_click() {
    let admin = TestAdmin::spawn();
    let name = unique_name("retire");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.reject(id).await;
    let waiting = unique_name("waiting");
    admin.create_topic(&waiting, 1, 1).await;

    let mut browser = Browser::start("delete-confirmation").await;
    browser.goto(&admin.url("/")).await;
    browser.expect("#stats", PAGE).await;
    log_in(&mut browser, &admin).await;
    let delete = format!("{} button[data-action=delete]", row(&name));
    browser.expect(&delete, PAGE).await;
    assert!(
        browser
            .find(&format!("{} button[data-action=delete]", row(&waiting)))
            .await
            .is_none(),
        "a pending topic offers Delete"
    );

    // The first click only asks; Cancel takes the question back.
    browser.click(&delete).await;
    let armed = format!("{delete}[data-armed]");
    browser.expect(&armed, PAGE).await;
    assert_eq!(
        browser.text(&armed).await.trim(),
        format!("Really delete {name}?")
    );
    browser.screenshot("asking").await;
    assert_eq!(admin.topic(id).await.status, TopicStatus::Rejected);
    browser
        .click(&format!("{} button.cancel-confirm", row(&name)))
        .await;
    assert!(browser.find(&armed).await.is_none(), "still armed");
    assert_eq!(browser.text(&delete).await.trim(), "Delete");
    assert_eq!(admin.topic(id).await.status, TopicStatus::Rejected);

    // Asked again and confirmed: deleted, and the row says so.
    browser.click(&delete).await;
    browser.expect(&armed, PAGE).await;
    browser.click(&armed).await;
    browser
        .expect(&row_with(&name, TopicStatus::Deleted), PAGE)
        .await;
    browser.screenshot("deleted").await;
    assert!(
        browser.find(&delete).await.is_none(),
        "a deleted row offers Delete"
    );
    assert_eq!(admin.topic(id).await.status, TopicStatus::Deleted);
    browser.close().await;
}

#[actix_rt::test]
async fn an_approver_logs_in_with_their_own_token_and_approves_by_clicking() {
    let admin = TestAdmin::spawn();
    let name = unique_name("by-approver");
    admin.create_topic(&name, 1, 1).await;
    let token = admin.create_user("alice", &["approver"]).await;
    let mut browser = Browser::start("approver-login").await;
    browser.goto(&admin.url("/")).await;
    browser.expect("#stats", PAGE).await;
    assert!(
        browser
            .find(&format!("{} button[data-action=approve]", row(&name)))
            .await
            .is_none(),
        "a visitor is offered Approve"
    );

    browser.click("#login-link").await;
    browser.expect("#admin-token", PAGE).await;
    browser.fill("#admin-token", &token).await;
    browser.click("#login-submit").await;
    browser.expect("header #who", PAGE).await;
    let who = browser.text("header #who").await;
    assert_eq!(who.trim(), "alice · approver");
    browser.screenshot("logged-in").await;

    browser
        .click(&format!("{} button[data-action=approve]", row(&name)))
        .await;
    browser
        .expect(&row_with(&name, TopicStatus::Approved), PAGE)
        .await;
    browser.screenshot("approved").await;

    browser.goto(&admin.url(&format!("/topics/{name}"))).await;
    browser.expect("#audit", PAGE).await;
    let audit = browser.text("#audit").await;
    assert!(audit.contains("by user:alice"), "{audit}");
    browser.close().await;
}
