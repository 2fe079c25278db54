//! The dashboard as a browser without JavaScript sees it: real HTTP, the
//! session cookie carried by hand, plain form posts and redirects.

use crate::support;

use std::time::Duration;

use support::admin::TestAdmin;
use support::visitor::{Page, Visitor};
use topicgate::config::AdminTokenHint;

#[actix_rt::test]
async fn descriptions_are_rendered_escaped() {
    let admin = TestAdmin::spawn();
    let answer = admin
        .post(
            "/api/topics",
            &serde_json::json!({"name": "xss", "description": "<script>alert('owned')</script>", "created_by": "<b>eve</b>"}),
            false,
        )
        .await;
    assert_eq!(answer.status, 201);
    let mut visitor = Visitor::new(&admin);
    for path in ["/", "/dashboard/live"] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains("<script>alert"),
            "{path} rendered the script raw"
        );
        assert!(
            !page.body.contains("<b>eve</b>"),
            "{path} rendered markup raw"
        );
        assert!(
            page.body.contains("&lt;script&gt;alert("),
            "{path} lost the description"
        );
    }
}

#[actix_rt::test]
async fn the_dashboard_shows_stats_tables_and_activity() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("sensor_data", 3, 1).await;
    admin.approve(id).await;
    admin.activate("sensor_data").await;
    admin
        .post(
            "/api/subscriptions",
            &serde_json::json!({"user_id": "alice", "topic_name": "sensor_data"}),
            false,
        )
        .await;
    let mut visitor = Visitor::new(&admin);
    let page = visitor.get("/").await;
    for expected in [
        "Total Topics",
        "Pending Approval",
        "Active Topics",
        "Subscriptions",
        "Create Topic",
        "Topics Management",
        "Recent Activity",
        "sensor_data",
        "alice",
        "/static/app.js",
    ] {
        assert!(page.body.contains(expected), "dashboard lacks {expected:?}");
    }
    assert!(page.body.contains("log in to manage"));
    let css = visitor.get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert!(css.body.contains(".cards"));
}

#[actix_rt::test]
async fn logging_in_sets_a_hardened_session_cookie() {
    let admin = TestAdmin::spawn();
    let mut visitor = Visitor::new(&admin);
    let login = visitor.get("/login").await;
    let csrf = Visitor::csrf(&login);

    let wrong = visitor
        .post(
            "/login",
            &[("csrf_token", &csrf), ("token", "guess-guess-guess")],
        )
        .await;
    assert_eq!(wrong.status, 303);
    assert_eq!(wrong.location.as_deref(), Some("/login"));
    let refused = visitor.get("/login").await;
    assert!(refused.body.contains("not valid"));

    let csrf = Visitor::csrf(&refused);
    let token = admin.admin_token.clone();
    let ok = visitor
        .post("/login", &[("csrf_token", &csrf), ("token", &token)])
        .await;
    assert_eq!(ok.status, 303);
    let cookie = ok.set_cookie.expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(&token), "the cookie carries the token");
    let home = visitor.get("/").await;
    assert!(home.body.contains("Logged in as admin"));
    assert!(home.body.contains("Log out"));

    // A tampered cookie is not a session.
    let mut forger = Visitor::new(&admin);
    forger.cookie = visitor.cookie.clone().map(|c| format!("{c}x"));
    assert!(!forger.get("/").await.body.contains("Log out"));

    let csrf = Visitor::csrf(&home);
    let out = visitor.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(!visitor.get("/").await.body.contains("Log out"));
}

#[actix_rt::test]
async fn admin_forms_change_topics_only_with_session_and_csrf() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("orders", 1, 1).await;
    let action = format!("/dashboard/topics/{id}/approve");

    let mut stranger = Visitor::new(&admin);
    let page = stranger.get("/").await;
    let csrf = Visitor::csrf(&page);
    let refused = stranger.post(&action, &[("csrf_token", &csrf)]).await;
    assert_eq!(refused.location.as_deref(), Some("/login"));
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");

    let mut admin_visitor = Visitor::new(&admin);
    admin_visitor.log_in().await;
    let page = admin_visitor.get("/").await;
    assert!(
        page.body
            .contains(&format!("action=\"/dashboard/topics/{id}/approve\""))
    );
    assert!(
        page.body
            .contains(&format!("action=\"/dashboard/topics/{id}/reject\""))
    );
    assert!(
        !page
            .body
            .contains(&format!("action=\"/dashboard/topics/{id}/deactivate\""))
    );

    let forged = admin_visitor
        .post(&action, &[("csrf_token", "forged")])
        .await;
    assert_eq!(forged.status, 303);
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");
    assert!(admin_visitor.get("/").await.body.contains("form expired"));

    let csrf = Visitor::csrf(&admin_visitor.get("/").await);
    let approved = admin_visitor.post(&action, &[("csrf_token", &csrf)]).await;
    assert_eq!(approved.status, 303);
    assert_eq!(admin.topic(id).await.status.as_str(), "approved");
    let page = admin_visitor.get("/").await;
    assert!(
        page.body.contains("Topic &#x27;orders&#x27; approved")
            || page.body.contains("Topic 'orders' approved")
    );
    assert!(page.body.contains("waiting for the producer"));

    // An action the state does not allow is refused with a message.
    let again = admin_visitor.post(&action, &[("csrf_token", &csrf)]).await;
    assert_eq!(again.status, 303);
    assert!(admin_visitor.get("/").await.body.contains("cannot approve"));

    let reject_id = admin.create_topic("spam", 1, 1).await;
    let rejected = admin_visitor
        .post(
            &format!("/dashboard/topics/{reject_id}/reject"),
            &[("csrf_token", &csrf), ("reason", "not needed")],
        )
        .await;
    assert_eq!(rejected.status, 303);
    assert_eq!(admin.topic(reject_id).await.status.as_str(), "rejected");
    assert!(admin_visitor.get("/").await.body.contains("not needed"));
}

#[actix_rt::test]
async fn the_create_form_works_without_javascript() {
    let admin = TestAdmin::spawn();
    let mut visitor = Visitor::new(&admin);
    let csrf = Visitor::csrf(&visitor.get("/").await);
    let created = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "weather_eu"),
                ("created_by", "meteo"),
                ("partitions", "4"),
                ("replication_factor", "1"),
                ("description", "hourly"),
                ("data_type", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let page = visitor.get("/").await;
    assert!(page.body.contains("weather_eu"));
    assert!(page.body.contains("waiting for approval"));
    let topics = admin.get("/api/topics").await.body;
    assert_eq!(topics[0]["topic_name"], "weather_eu");
    assert_eq!(topics[0]["partitions"], 4);
    assert_eq!(topics[0]["data_type"], "weather");

    let bad = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "bad name"),
                ("partitions", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, 303);
    assert!(visitor.get("/").await.body.contains("partitions"));
    let bad = visitor
        .post(
            "/dashboard/topics",
            &[("csrf_token", &csrf), ("name", "bad name")],
        )
        .await;
    assert_eq!(bad.status, 303);
    assert!(visitor.get("/").await.body.contains("invalid name"));
    let no_csrf = visitor
        .post(
            "/dashboard/topics",
            &[("csrf_token", "nope"), ("name", "sneaky")],
        )
        .await;
    assert_eq!(no_csrf.status, 303);
    assert_eq!(
        admin
            .get("/api/topics")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Requests `count` topics named `{prefix}{i:03}`, oldest first, as the
/// admin (whose requests the per-address rate limit lets through) for ten
/// teams (each below the bound on pending requests per requester).
async fn request_topics(admin: &TestAdmin, prefix: &str, count: usize) {
    for i in 0..count {
        let answer = admin
            .post(
                "/api/topics",
                &serde_json::json!({
                    "name": format!("{prefix}{i:03}"),
                    "partitions": 1,
                    "created_by": format!("team-{}", i % 10),
                }),
                true,
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
}

/// The topic names in a page's table, top to bottom.
fn topic_rows(body: &str) -> Vec<String> {
    body.split("<tr data-topic=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// Where the page's live refresh fetches from.
fn refresh_url(body: &str) -> String {
    let marker = "data-refresh=\"";
    let start = body.find(marker).expect("a live part") + marker.len();
    body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#x3D;", "=")
}

#[actix_rt::test]
async fn the_topic_table_is_paged_fifty_rows_at_a_time() {
    let admin = TestAdmin::spawn();
    request_topics(&admin, "t", 100).await;
    request_topics(&admin, "Sensor_Room_", 20).await;
    let mut visitor = Visitor::new(&admin);

    let first = visitor.get("/").await;
    assert_eq!(first.status, 200);
    let rows = topic_rows(&first.body);
    assert_eq!(rows.len(), 50, "{rows:?}");
    assert_eq!(rows[0], "Sensor_Room_019", "newest first");
    assert_eq!(refresh_url(&first.body), "/dashboard/live?page=1");
    assert!(first.body.contains("page 1 of 3"), "no pager on page 1");
    // The stat cards still count every topic.
    assert!(first.body.contains("<div class=\"value\">120</div>"));

    let third = visitor.get("/?page=3").await;
    let rows = topic_rows(&third.body);
    assert_eq!(rows.len(), 20, "{rows:?}");
    assert_eq!(rows.first().map(String::as_str), Some("t019"));
    assert_eq!(rows.last().map(String::as_str), Some("t000"));
    // The live refresh asks for the page on screen, and gets just that.
    let refresh = refresh_url(&third.body);
    assert_eq!(refresh, "/dashboard/live?page=3");
    let live = visitor.get(&refresh).await;
    assert_eq!(topic_rows(&live.body), rows);
    let live_first = visitor.get("/dashboard/live").await;
    assert_eq!(topic_rows(&live_first.body).len(), 50);
    // Past the end shows the last page.
    assert_eq!(topic_rows(&visitor.get("/?page=99").await.body), rows);

    for bad in ["/?page=abc", "/?page=-1", "/dashboard/live?page=1.5"] {
        let page = visitor.get(bad).await;
        assert_eq!(page.status, 400, "{bad}: {}", page.body);
        assert!(page.body.contains("\"error\""), "{bad}: {}", page.body);
    }
}

impl Visitor<'_> {
    /// Whether the dashboard treats this visitor as a logged-in admin.
    async fn is_admin(&mut self) -> bool {
        self.get("/").await.body.contains("Log out")
    }
}

#[actix_rt::test]
async fn the_topic_search_narrows_the_table_on_the_server() {
    let admin = TestAdmin::spawn();
    request_topics(&admin, "t", 100).await;
    request_topics(&admin, "Sensor_Room_", 20).await;
    let mut visitor = Visitor::new(&admin);

    // By name substring, in any case.
    let found = visitor.get("/?q=sENSOR_rOOM").await;
    let rows = topic_rows(&found.body);
    assert_eq!(rows.len(), 20, "{rows:?}");
    assert!(rows.iter().all(|name| name.starts_with("Sensor_Room_")));
    let refresh = refresh_url(&found.body);
    assert_eq!(refresh, "/dashboard/live?page=1&q=sENSOR_rOOM");
    assert_eq!(topic_rows(&visitor.get(&refresh).await.body), rows);
    assert!(
        found.body.contains("value=\"sENSOR_rOOM\""),
        "search box lost the text"
    );

    // Paged too: every one of the 120 names holds a "0".
    let zero = visitor.get("/?q=0&page=3").await;
    assert_eq!(topic_rows(&zero.body).len(), 20);
    assert!(zero.body.contains("page 3 of 3"));
    let digits = visitor.get("/dashboard/live?q=05").await;
    let mut names = topic_rows(&digits.body);
    names.sort();
    assert_eq!(
        names,
        [
            "Sensor_Room_005",
            "t005",
            "t050",
            "t051",
            "t052",
            "t053",
            "t054",
            "t055",
            "t056",
            "t057",
            "t058",
            "t059"
        ]
    );

    // `_` and `%` are literal, not wildcards.
    for literal in ["t_1", "t%1", "m_1x"] {
        let page = visitor
            .get(&format!("/?q={}", literal.replace('%', "%25")))
            .await;
        assert_eq!(page.status, 200);
        assert!(topic_rows(&page.body).is_empty(), "{literal} matched");
        assert!(page.body.contains("no-match"), "{literal}");
    }
    let long = visitor.get(&format!("/?q={}", "x".repeat(250))).await;
    assert_eq!(long.status, 400);
    assert!(long.body.contains("invalid q"), "{}", long.body);
}

#[actix_rt::test]
async fn a_cookie_copied_before_logout_is_refused_after_it() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("orders", 1, 1).await;
    let mut visitor = Visitor::new(&admin);
    visitor.log_in().await;
    let home = visitor.get("/").await;
    let csrf = Visitor::csrf(&home);
    let copied = visitor.cookie.clone();
    assert!(copied.is_some(), "no session cookie after log in");
    let mut thief = Visitor::new(&admin);
    thief.cookie = copied.clone();
    assert!(
        thief.is_admin().await,
        "the copy works while the session lives"
    );

    let out = visitor.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(!visitor.is_admin().await);

    // The copy taken before logout, replayed as it was.
    let mut replay = Visitor::new(&admin);
    replay.cookie = copied.clone();
    assert!(!replay.is_admin().await, "a copied cookie outlived logout");
    replay.cookie = copied;
    let approve = replay
        .post(
            &format!("/dashboard/topics/{id}/approve"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(approve.location.as_deref(), Some("/login"));
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");
}

/// A service whose sessions end after `idle` without a request, or
/// `max_age` after log in.
fn service_with_sessions(idle: Duration, max_age: Duration) -> TestAdmin {
    TestAdmin::spawn_with(|settings| {
        settings.http.session_idle_timeout = idle;
        settings.http.session_max_age = max_age;
    })
}

#[actix_rt::test]
async fn an_idle_session_expires_and_activity_keeps_it_alive() {
    let admin = service_with_sessions(Duration::from_secs(2), Duration::from_secs(3600));
    let mut visitor = Visitor::new(&admin);
    visitor.log_in().await;
    // Requests 0.7 s apart, for longer than the idle timeout: each one
    // pushes the end back.
    for _ in 0..4 {
        actix_rt::time::sleep(Duration::from_millis(700)).await;
        assert!(visitor.is_admin().await, "a busy session expired");
    }
    actix_rt::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !visitor.is_admin().await,
        "an idle session outlived its timeout"
    );
}

#[actix_rt::test]
async fn a_session_ends_at_its_max_age_long_before_its_idle_timeout() {
    let admin = service_with_sessions(Duration::from_secs(3600), Duration::from_secs(1));
    let mut visitor = Visitor::new(&admin);
    visitor.log_in().await;
    actix_rt::time::sleep(Duration::from_millis(1500)).await;
    assert!(!visitor.is_admin().await, "a session outlived its max age");
}

#[actix_rt::test]
async fn an_oversized_form_field_is_a_400_with_a_message() {
    let admin = TestAdmin::spawn();
    let mut visitor = Visitor::new(&admin);
    let csrf = Visitor::csrf(&visitor.get("/").await);
    let huge = "9".repeat(5000);
    let refused = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "fine"),
                ("partitions", &huge),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("partitions"), "{}", refused.body);
    assert!(refused.body.contains("at most"), "{}", refused.body);
    // The visitor's session carries on.
    let page = visitor.get("/").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        admin
            .get("/api/topics")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// The value of the form input `id` on `page`, as written in the HTML.
fn input_value(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let tag = &page.body[start..];
    let tag = &tag[..tag.find('>').expect("the input's tag ends")];
    let value = tag
        .split("value=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("#{id} has no value: {tag}"));
    value.split('"').next().unwrap_or_default().to_owned()
}

/// The text inside the description's textarea on `page`.
fn description_text(page: &Page) -> String {
    let start = page.body.find("id=\"description\"").expect("a description");
    let inner = &page.body[start..];
    let inner = &inner[inner.find('>').expect("the textarea's tag ends") + 1..];
    inner[..inner.find("</textarea>").expect("the textarea ends")].to_owned()
}

#[actix_rt::test]
async fn a_refused_request_brings_the_form_back_with_what_was_typed() {
    let admin = TestAdmin::spawn();
    admin.create_topic("weather_eu", 1, 1).await;
    let mut visitor = Visitor::new(&admin);
    let csrf = Visitor::csrf(&visitor.get("/").await);
    let description = "Hourly <script>alert(1)</script> & \"readings\"";
    let refused = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "Weather.EU"),
                ("created_by", "team-<b>meteo</b>"),
                ("partitions", "7"),
                ("replication_factor", "1"),
                ("description", description),
                ("data_type", "stock"),
            ],
        )
        .await;
    assert_eq!(refused.status, 303);
    let page = visitor.get("/").await;
    assert!(
        page.body.contains("class=\"flash error\""),
        "no error shown"
    );
    assert!(
        page.body.contains("weather_eu"),
        "the collision is not named"
    );
    assert_eq!(input_value(&page, "topic-name"), "Weather.EU");
    let created_by = input_value(&page, "created-by");
    assert!(
        created_by.starts_with("team-&lt;b&gt;meteo&lt;"),
        "{created_by}"
    );
    assert!(!created_by.contains('<'), "{created_by}");
    assert_eq!(input_value(&page, "partitions"), "7");
    assert_eq!(input_value(&page, "replication-factor"), "1");
    assert!(page.body.contains("<option value=\"stock\" selected>"));
    let shown = description_text(&page);
    assert!(!shown.contains('<'), "unescaped description: {shown}");
    assert!(shown.contains("&lt;script&gt;alert(1)"), "{shown}");
    assert!(shown.contains("&amp; &quot;readings&quot;"), "{shown}");

    // Shown once: the next page has the empty form again.
    let page = visitor.get("/").await;
    assert_eq!(input_value(&page, "topic-name"), "");
    assert_eq!(input_value(&page, "partitions"), "3");
    assert_eq!(description_text(&page), "");

    // A field that is not a number comes back as typed too.
    visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "rainfall"),
                ("partitions", "many"),
            ],
        )
        .await;
    let page = visitor.get("/").await;
    assert!(page.body.contains("invalid partitions"));
    assert_eq!(input_value(&page, "topic-name"), "rainfall");
    assert_eq!(input_value(&page, "partitions"), "many");
    assert_eq!(admin.topics().await.len(), 1, "a refused request wrote");
}

#[actix_rt::test]
async fn the_cluster_size_bounds_the_forms_replication_factor() {
    let admin = TestAdmin::spawn();
    let mut visitor = Visitor::new(&admin);
    let page = visitor.get("/").await;
    assert!(
        page.body.contains(
            "class=\"cluster silent\" id=\"kafka-cluster\">Kafka: unknown &middot; producer never seen"
        ),
        "no red cluster line before the producer reports"
    );
    assert!(page.body.contains("max=\"3\""), "the configured limit");
    let reported = admin
        .post_as_producer(
            "/api/cluster",
            &serde_json::json!({"brokers": 1, "controller": 0}),
            Some(&admin.producer_key),
        )
        .await;
    assert_eq!(reported.status, 200, "{reported:?}");

    let page = visitor.get("/").await;
    let line = &page.body[page
        .body
        .find("id=\"kafka-cluster\"")
        .expect("a cluster line")..];
    let line = &line[..line.find("</p>").expect("the line ends")];
    assert!(
        page.body
            .contains("class=\"cluster\" id=\"kafka-cluster\" data-age=\""),
        "the line is red, or has no age for the script: {line}"
    );
    assert!(
        line.contains("Kafka: 1 broker &middot; producer seen <span class=\"age\">"),
        "{line}"
    );
    let input = &page.body[page
        .body
        .find("id=\"replication-factor\"")
        .expect("the input")..];
    assert!(
        input[..input.find('>').unwrap()].contains("max=\"1\""),
        "the form's limit did not follow the cluster"
    );

    let csrf = Visitor::csrf(&page);
    let refused = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "replicated"),
                ("partitions", "4"),
                ("replication_factor", "2"),
            ],
        )
        .await;
    assert_eq!(refused.status, 303);
    let page = visitor.get("/").await;
    assert!(
        page.body.contains("class=\"flash error\""),
        "no error shown"
    );
    assert!(
        page.body
            .contains("replication factor 2 exceeds the 1 broker(s) of the Kafka cluster"),
        "the error does not say why"
    );
    assert_eq!(input_value(&page, "topic-name"), "replicated");
    assert_eq!(input_value(&page, "partitions"), "4");
    assert_eq!(input_value(&page, "replication-factor"), "2");
    assert!(admin.topics().await.is_empty(), "a refused request wrote");
}

#[actix_rt::test]
async fn approved_rows_show_their_kafka_state_and_offer_reject_only_when_kafka_refused() {
    let admin = TestAdmin::spawn();
    let mut ids = Vec::new();
    for (name, report) in [
        ("k_waiting", None),
        ("k_creating", Some(serde_json::json!({"state": "creating"}))),
        (
            "k_failed",
            Some(serde_json::json!({"state": "failed", "error": "Topic <b>policy</b> violation"})),
        ),
        ("k_conflict", Some(serde_json::json!({"state": "conflict"}))),
    ] {
        let id = admin.create_topic(name, 1, 1).await;
        admin.approve(id).await;
        if let Some(report) = report {
            admin.report_kafka(id, &report).await;
        }
        ids.push((name, id));
    }
    let mut visitor = Visitor::new(&admin);
    visitor.log_in().await;
    let page = visitor.get("/").await;
    let row_of = |name: &str| -> String {
        let start = page
            .body
            .find(&format!("data-topic=\"{name}\""))
            .unwrap_or_else(|| panic!("no row for {name}"));
        let row = &page.body[start..];
        row[..row.find("</tr>").expect("the row ends")].to_owned()
    };
    let waiting = row_of("k_waiting");
    assert!(waiting.contains("waiting for the producer"), "{waiting}");
    assert!(!waiting.contains("data-action=\"reject\""), "{waiting}");
    let creating = row_of("k_creating");
    assert!(creating.contains("creating…"), "{creating}");
    assert!(!creating.contains("waiting for the producer"), "{creating}");
    assert!(!creating.contains("data-action=\"reject\""), "{creating}");
    let failed = row_of("k_failed");
    assert!(
        failed.contains("Kafka refused it: Topic &lt;b&gt;policy&lt;/b&gt; violation"),
        "{failed}"
    );
    assert!(failed.contains("kafka-note failed error"), "{failed}");
    assert!(!failed.contains("waiting for the producer"), "{failed}");
    assert!(failed.contains("data-action=\"reject\""), "{failed}");
    assert!(failed.contains("name=\"reason\""), "{failed}");
    let conflict = row_of("k_conflict");
    assert!(
        conflict.contains(
            "a topic of this name already exists in Kafka; topicgate will not write into it"
        ),
        "{conflict}"
    );
    assert!(!conflict.contains("waiting for the producer"), "{conflict}");
    assert!(conflict.contains("data-action=\"reject\""), "{conflict}");
}

#[actix_rt::test]
async fn a_rate_limited_form_comes_back_filled_in_with_the_wait() {
    let admin = TestAdmin::spawn_with(|settings| {
        settings.http.rate_limit_per_second = 1;
        settings.http.rate_limit_burst = 1;
    });
    let mut visitor = Visitor::new(&admin);
    let csrf = Visitor::csrf(&visitor.get("/").await);
    // The quota allows one request a second: within a few quick ones, one
    // is refused.
    let mut refused = None;
    for n in 0..12 {
        let name = format!("quota_{n}");
        let answer = visitor
            .post(
                "/dashboard/topics",
                &[
                    ("csrf_token", &csrf),
                    ("name", &name),
                    ("description", "kept when refused"),
                ],
            )
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let page = visitor.get("/").await;
        if page.body.contains("too many requests") {
            refused = Some((name, page));
            break;
        }
    }
    let (name, page) = refused.expect("never limited");
    assert!(page.body.contains("class=\"flash error\""));
    assert_eq!(input_value(&page, "topic-name"), name);
    assert_eq!(description_text(&page), "kept when refused");
    let names: Vec<String> = admin
        .topics()
        .await
        .into_iter()
        .map(|t| t.topic_name)
        .collect();
    assert!(!names.contains(&name), "a limited request created {name}");
}

#[actix_rt::test]
async fn the_login_page_says_where_the_admin_token_is_never_what_it_is() {
    let file = "/srv/topicgate/.topicgate/admin-token";
    let admin = TestAdmin::spawn_with(|settings| {
        settings.admin_token_hint = AdminTokenHint::File(file.into());
    });
    let mut visitor = Visitor::new(&admin);
    let page = visitor.get("/login").await;
    assert!(
        page.body.contains(&format!("<code>{file}</code>")),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&admin.admin_token));

    // Given as a value, the page says how, not which.
    let admin = TestAdmin::spawn();
    let page = Visitor::new(&admin).get("/login").await;
    for how in [
        "--admin-token",
        "TOPICGATE_ADMIN_TOKEN",
        "--admin-token-file",
    ] {
        assert!(page.body.contains(how), "{how} missing: {}", page.body);
    }
    assert!(!page.body.contains(&admin.admin_token));
}

#[actix_rt::test]
async fn the_create_form_sets_topic_configs_and_keeps_them_when_refused() {
    let admin = TestAdmin::spawn();
    let mut visitor = Visitor::new(&admin);
    let csrf = Visitor::csrf(&visitor.get("/").await);
    let refused = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "ledger"),
                ("retention_ms", "5"),
                ("cleanup_policy", "compact"),
                ("max_message_bytes", "4096"),
            ],
        )
        .await;
    assert_eq!(refused.status, 303);
    let page = visitor.get("/").await;
    assert!(
        page.body.contains("class=\"flash error\""),
        "no error shown"
    );
    assert!(
        page.body.contains("retention.ms must be"),
        "the key is not named"
    );
    assert_eq!(input_value(&page, "topic-name"), "ledger");
    assert_eq!(input_value(&page, "retention-ms"), "5");
    assert_eq!(input_value(&page, "max-message-bytes"), "4096");
    assert!(page.body.contains("<option value=\"compact\" selected>"));
    assert!(admin.topics().await.is_empty(), "a refused request wrote");

    let created = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "ledger"),
                ("retention_ms", "86400000"),
                ("cleanup_policy", "compact"),
                ("max_message_bytes", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let topics = admin.topics().await;
    assert_eq!(topics.len(), 1);
    assert_eq!(
        topics[0].configs,
        std::collections::BTreeMap::from([
            ("cleanup.policy".to_owned(), "compact".to_owned()),
            ("retention.ms".to_owned(), "86400000".to_owned()),
        ])
    );
    let page = visitor.get("/").await;
    let shown = page
        .body
        .split("<small class=\"configs muted\">")
        .nth(1)
        .and_then(|rest| rest.split("</small>").next())
        .unwrap_or_else(|| panic!("the row does not show its configs"));
    assert!(
        shown.contains("cleanup.policy=compact") && shown.contains("retention.ms=86400000"),
        "{shown}"
    );
}

#[actix_rt::test]
async fn a_refused_topic_is_edited_and_a_partition_change_decided_from_the_dashboard() {
    let admin = TestAdmin::spawn();
    let waiting = admin.create_topic("e_waiting", 1, 1).await;
    admin.approve(waiting).await;
    let failed = admin.create_topic("e_failed", 2, 3).await;
    admin.approve(failed).await;
    admin
        .report_kafka(
            failed,
            &serde_json::json!({"state": "failed", "error": "Invalid replication factor"}),
        )
        .await;
    let grown = admin.create_topic("e_active", 2, 1).await;
    admin.approve(grown).await;
    admin
        .report_kafka(
            grown,
            &serde_json::json!({"state": "created", "partitions": 2, "replication_factor": 1}),
        )
        .await;
    admin.activate("e_active").await;
    let asked = admin
        .post(
            &format!("/api/topics/{grown}/partitions"),
            &serde_json::json!({"partitions": 4, "requested_by": "carol"}),
            false,
        )
        .await;
    assert_eq!(asked.status, 201, "{asked:?}");
    let change = asked.body["change_id"].as_i64().expect("change_id");

    let mut visitor = Visitor::new(&admin);
    visitor.log_in().await;
    let page = visitor.get("/").await;
    let edit_action = format!("action=\"/dashboard/topics/{failed}/edit\"");
    assert!(
        page.body.contains(&edit_action),
        "no Edit form on the failed row"
    );
    assert!(
        !page
            .body
            .contains(&format!("action=\"/dashboard/topics/{waiting}/edit\"")),
        "an Edit form on a row Kafka did not refuse"
    );
    let approve_action = format!("action=\"/dashboard/topic-changes/{change}/approve\"");
    assert!(
        page.body.contains(&approve_action),
        "no pending change shown"
    );
    assert!(page.body.contains("anonymous (requested_by: carol)"));

    let csrf = Visitor::csrf(&page);
    let edited = visitor
        .post(
            &format!("/dashboard/topics/{failed}/edit"),
            &[
                ("csrf_token", &csrf),
                ("partitions", "2"),
                ("replication_factor", "1"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303);
    let topic = admin.topic(failed).await;
    assert_eq!(topic.replication_factor, 1);
    assert_eq!(topic.kafka.state.as_str(), "not_created");
    assert!(visitor.get("/").await.body.contains("edited"));

    let approved = visitor
        .post(
            &format!("/dashboard/topic-changes/{change}/approve"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(approved.status, 303);
    assert_eq!(admin.topic(grown).await.partitions, 4);
    let page = visitor.get("/").await;
    assert!(
        !page.body.contains(&approve_action),
        "decided, so no longer shown"
    );

    // A stranger's post changes nothing.
    let mut stranger = Visitor::new(&admin);
    let csrf = Visitor::csrf(&stranger.get("/").await);
    let refused = stranger
        .post(
            &format!("/dashboard/topics/{failed}/edit"),
            &[("csrf_token", &csrf), ("partitions", "5")],
        )
        .await;
    assert_eq!(refused.location.as_deref(), Some("/login"));
    assert_eq!(admin.topic(failed).await.partitions, 2);
}

#[actix_rt::test]
async fn a_user_logs_in_with_their_token_and_a_consumer_cannot_approve() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("orders", 1, 1).await;
    let token = admin.create_user("bob", &["consumer"]).await;

    // A wrong user token: the login page with an error, no login.
    let mut guesser = Visitor::new(&admin);
    let csrf = Visitor::csrf(&guesser.get("/login").await);
    let wrong = guesser
        .post(
            "/login",
            &[("csrf_token", &csrf), ("token", "tgu_not-a-real-token")],
        )
        .await;
    assert_eq!(wrong.location.as_deref(), Some("/login"));
    assert!(guesser.get("/login").await.body.contains("not valid"));
    assert!(!guesser.is_logged_in().await);

    let mut bob = Visitor::new(&admin);
    let before = bob.get("/login").await;
    bob.log_in_with(&token).await;
    assert_ne!(
        bob.cookie.as_deref(),
        before
            .set_cookie
            .as_deref()
            .map(|c| c.split(';').next().unwrap()),
        "log in kept the session id"
    );
    let home = bob.get("/").await;
    assert!(
        home.body.contains("bob · consumer"),
        "no name in the header"
    );
    assert!(home.body.contains("Log out"));
    assert!(
        !home
            .body
            .contains(&format!("/dashboard/topics/{id}/approve")),
        "a consumer is offered Approve"
    );
    assert!(
        !home.body.contains("id=\"create-form\""),
        "a consumer is offered the Create Topic form"
    );

    // Posted anyway: refused, the topic unchanged.
    let csrf = Visitor::csrf(&home);
    let refused = bob
        .post(
            &format!("/dashboard/topics/{id}/approve"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 303);
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");
    let page = bob.get("/").await;
    assert!(
        page.body.contains("may not change topics"),
        "no reason shown"
    );
    let created = bob
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "sneaky"),
                ("partitions", "1"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    assert_eq!(
        admin.topics().await.len(),
        1,
        "a consumer requested a topic"
    );
    for path in [
        "/dashboard/topic-changes/1/approve",
        "/dashboard/schema-changes/1/approve",
        &format!("/dashboard/topics/{id}/edit"),
    ] {
        let refused = bob.post(path, &[("csrf_token", &csrf)]).await;
        assert_eq!(refused.location.as_deref(), Some("/"), "{path}");
        assert!(bob.get("/").await.body.contains("may not"), "{path}");
    }
}

#[actix_rt::test]
async fn an_approvers_session_approves_and_the_audit_names_the_user() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("orders", 1, 1).await;
    let token = admin.create_user("alice", &["approver", "consumer"]).await;
    let mut alice = Visitor::new(&admin);
    alice.log_in_with(&token).await;
    let home = alice.get("/").await;
    assert!(home.body.contains("alice · approver, consumer"));
    assert!(home.body.contains("Logged in as alice"));
    let approve = format!("/dashboard/topics/{id}/approve");
    assert!(home.body.contains(&format!("action=\"{approve}\"")));
    let csrf = Visitor::csrf(&home);
    let approved = alice.post(&approve, &[("csrf_token", &csrf)]).await;
    assert_eq!(approved.status, 303);
    assert_eq!(admin.topic(id).await.status.as_str(), "approved");
    assert_eq!(
        admin.topic_actors(id).last(),
        Some(&("approved".to_owned(), "user:alice".to_owned()))
    );
    let page = alice.get("/topics/orders").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("by user:alice"),
        "the audit trail lacks the approver"
    );
    assert!(page.body.contains("alice · approver, consumer"));
}

#[actix_rt::test]
async fn a_revoked_or_deleted_users_session_is_logged_out_on_its_next_request() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("orders", 1, 1).await;
    let alice_token = admin.create_user("alice", &["approver"]).await;
    let carol_token = admin.create_user("carol", &["approver"]).await;
    let mut alice = Visitor::new(&admin);
    alice.log_in_with(&alice_token).await;
    let csrf = Visitor::csrf(&alice.get("/").await);
    let mut carol = Visitor::new(&admin);
    carol.log_in_with(&carol_token).await;
    let carol_csrf = Visitor::csrf(&carol.get("/").await);
    assert!(alice.is_logged_in().await && carol.is_logged_in().await);

    let rotated = admin
        .send_as(
            "POST",
            "/api/users/alice/tokens",
            None,
            Some(&admin.admin_token),
        )
        .await;
    assert_eq!(rotated.status, 201, "{rotated:?}");
    let page = alice.get("/").await;
    assert!(!page.body.contains("alice ·"), "still shown as alice");
    assert!(page.body.contains("logged out"), "no reason given");
    let refused = alice
        .post(
            &format!("/dashboard/topics/{id}/approve"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(refused.location.as_deref(), Some("/login"));
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");

    let deleted = admin
        .send_as("DELETE", "/api/users/carol", None, Some(&admin.admin_token))
        .await;
    assert!(deleted.status < 300, "{deleted:?}");
    // A form posted first thing after: refused, and told why.
    let refused = carol
        .post(
            &format!("/dashboard/topics/{id}/approve"),
            &[("csrf_token", &carol_csrf)],
        )
        .await;
    assert_eq!(refused.location.as_deref(), Some("/login"));
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");
    assert!(carol.get("/login").await.body.contains("logged out"));
    assert!(
        !carol.is_logged_in().await,
        "a deleted user stayed logged in"
    );
}

#[actix_rt::test]
async fn in_secure_mode_an_anonymous_visitor_reads_and_its_posts_are_refused() {
    let admin = TestAdmin::spawn_with(|settings| settings.access.secure = true);
    let created = admin
        .post(
            "/api/topics",
            &serde_json::json!({"name": "orders", "partitions": 1}),
            true,
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body["topic_id"].as_i64().unwrap() as i32;

    let mut visitor = Visitor::new(&admin);
    let home = visitor.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("orders"), "read-only pages show topics");
    assert!(home.body.contains("id=\"login-link\""));
    assert!(!home.body.contains("id=\"create-form\""));
    assert!(
        !home
            .body
            .contains(&format!("/dashboard/topics/{id}/approve"))
    );
    assert!(
        !home.body.contains("name=\"csrf_token\""),
        "a form is offered"
    );

    let csrf = Visitor::csrf(&visitor.get("/login").await);
    let create = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "sneaky"),
                ("partitions", "1"),
            ],
        )
        .await;
    assert_eq!(create.location.as_deref(), Some("/login"));
    assert!(
        visitor
            .get("/login")
            .await
            .body
            .contains("Log in to request topics")
    );
    for path in [
        format!("/dashboard/topics/{id}/approve"),
        format!("/dashboard/topics/{id}/edit"),
        "/dashboard/topic-changes/1/approve".to_owned(),
        "/dashboard/schema-changes/1/reject".to_owned(),
    ] {
        let refused = visitor.post(&path, &[("csrf_token", &csrf)]).await;
        assert_eq!(refused.location.as_deref(), Some("/login"), "{path}");
        assert!(
            visitor
                .get("/login")
                .await
                .body
                .contains("class=\"flash error\""),
            "{path}: no message"
        );
    }
    assert_eq!(admin.topics().await.len(), 1);
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");
}

impl Visitor<'_> {
    /// Whether the dashboard treats this visitor as logged in at all.
    async fn is_logged_in(&mut self) -> bool {
        self.get("/").await.body.contains("Log out")
    }
}

#[actix_rt::test]
async fn the_page_lists_the_newest_subscriptions_and_says_how_many_there_are() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("many-readers", 1, 1).await;
    admin.approve(id).await;
    admin.activate("many-readers").await;
    for user in 0..53 {
        let body = serde_json::json!({"user_id": format!("reader-{user:02}"), "topic_name": "many-readers"});
        let answer = admin.post("/api/subscriptions", &body, true).await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let page = Visitor::new(&admin).get("/").await;
    assert_eq!(page.status, 200);
    let table = page
        .body
        .split("<table id=\"subscriptions\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the subscriptions table");
    assert_eq!(table.matches("<tr><td>").count(), 50, "{table}");
    assert!(table.contains("reader-52"), "the newest is listed");
    assert!(!table.contains("reader-00"), "the oldest is not");
    assert!(page.body.contains("the newest 50 of 53"), "{}", page.body);
}
