//! The admin REST API over real HTTP, against a fresh SQLite file per test.

use crate::support;

use diesel::prelude::*;
use serde_json::{Value, json};
use support::admin::TestAdmin;
use topicgate::db;

/// Creates topics in every state and returns their ids by state name.
async fn one_topic_per_state(admin: &TestAdmin) -> Vec<(&'static str, i32)> {
    let pending = admin.create_topic("t-pending", 1, 1).await;
    let approved = admin.create_topic("t-approved", 1, 1).await;
    admin.approve(approved).await;
    let active = admin.create_topic("t-active", 1, 1).await;
    admin.approve(active).await;
    admin.activate("t-active").await;
    let inactive = admin.create_topic("t-inactive", 1, 1).await;
    admin.approve(inactive).await;
    admin.activate("t-inactive").await;
    admin.deactivate(inactive).await;
    let rejected = admin.create_topic("t-rejected", 1, 1).await;
    admin.reject(rejected).await;
    vec![
        ("pending", pending),
        ("approved", approved),
        ("active", active),
        ("inactive", inactive),
        ("rejected", rejected),
    ]
}

fn events_of(
    admin: &TestAdmin,
    wanted: i32,
) -> Vec<(Option<String>, String, String, Option<String>)> {
    use topicgate::db::schema::topic_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    topic_events
        .filter(topic_id.eq(wanted))
        .order(id.asc())
        .select((from_status, to_status, actor, reason))
        .load(&mut conn)
        .expect("events")
}

#[actix_rt::test]
async fn health_reports_a_readable_database() {
    let admin = TestAdmin::spawn();
    let answer = admin.get("/api/health").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["status"], "healthy");
    assert_eq!(answer.body["database"], "ok");
    assert!(answer.body["timestamp"].is_string());
}

#[actix_rt::test]
async fn a_topic_request_is_recorded_pending_with_defaults() {
    let admin = TestAdmin::spawn();
    let answer = admin
        .post(
            "/api/topics",
            &json!({"name": "sensor_data", "description": "room sensors"}),
            false,
        )
        .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    assert_eq!(answer.body["status"], "pending");
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains("sensor_data")
    );
    let id = answer.body["topic_id"].as_i64().unwrap();

    let topic = admin.get(&format!("/api/topics/{id}")).await;
    assert_eq!(topic.status, 200);
    let t = &topic.body;
    assert_eq!(t["topic_name"], "sensor_data");
    assert_eq!(t["partitions"], 3);
    assert_eq!(t["replication_factor"], 1);
    assert_eq!(t["data_type"], "sensor");
    assert_eq!(t["created_by"], "anonymous");
    assert_eq!(t["description"], "room sensors");
    assert!(t["created_at"].is_string());
    assert!(t["approved_at"].is_null() && t["activated_at"].is_null());
    for field in [
        "topic_id",
        "topic_name",
        "status",
        "partitions",
        "replication_factor",
        "created_at",
        "approved_at",
        "activated_at",
        "created_by",
        "description",
        "data_type",
    ] {
        assert!(t.get(field).is_some(), "missing {field}");
    }

    let explicit = admin
        .post(
            "/api/topics",
            &json!({"name": "orders", "partitions": 6, "replication_factor": 2,
                    "created_by": "shop", "data_type": "payments"}),
            false,
        )
        .await;
    assert_eq!(explicit.status, 201);
    let orders = admin
        .topic(explicit.body["topic_id"].as_i64().unwrap() as i32)
        .await;
    assert_eq!((orders.partitions, orders.replication_factor), (6, 2));
    assert_eq!(orders.data_type.as_str(), "payments");
    assert_eq!(orders.created_by, "shop");
}

#[actix_rt::test]
async fn topics_list_newest_first_and_filter_by_status() {
    let admin = TestAdmin::spawn();
    let states = one_topic_per_state(&admin).await;
    let all = admin.get("/api/topics").await;
    assert_eq!(all.status, 200);
    let names: Vec<&str> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "t-rejected",
            "t-inactive",
            "t-active",
            "t-approved",
            "t-pending"
        ]
    );

    let some = admin.get("/api/topics?status=approved,active").await;
    let mut names: Vec<&str> = some
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic_name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["t-active", "t-approved"]);

    let bad = admin.get("/api/topics?status=sleeping").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"].as_str().unwrap().contains("sleeping"));

    assert_eq!(admin.get("/api/topics/9999").await.status, 404);
    assert_eq!(admin.get("/api/topics/not-a-number").await.status, 404);
    assert_eq!(states.len(), 5);
}

#[actix_rt::test]
async fn active_topics_have_the_producer_shape() {
    let admin = TestAdmin::spawn();
    one_topic_per_state(&admin).await;
    let answer = admin.get("/api/topics/active").await;
    assert_eq!(answer.status, 200);
    let active = answer.body.as_array().unwrap();
    assert_eq!(active.len(), 1);
    let topic = active[0].as_object().unwrap();
    let mut keys: Vec<&str> = topic.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "activated_at",
            "data_type",
            "description",
            "partitions",
            "schema_id",
            "topic_name",
            "value_format"
        ]
    );
    assert_eq!(topic["topic_name"], "t-active");
    assert!(topic["activated_at"].is_string());

    // The answer follows every change at once, however often it is read.
    let ids = admin.get("/api/topics?status=active").await.body;
    let active_id = ids[0]["topic_id"].as_i64().unwrap() as i32;
    admin.deactivate(active_id).await;
    assert_eq!(admin.get("/api/topics/active").await.body, json!([]));
    admin.reactivate(active_id).await;
    assert_eq!(admin.get("/api/topics/active").await.body, json!([]));
    admin.activate("t-active").await;
    admin.activate("t-approved").await;
    let names: Vec<String> = admin
        .get("/api/topics/active")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["topic_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["t-active", "t-approved"]);
}

#[actix_rt::test]
async fn every_legal_transition_moves_and_is_audited() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("lifecycle", 2, 1).await;
    admin.approve(id).await;
    assert_eq!(admin.topic(id).await.status.as_str(), "approved");
    assert!(admin.topic(id).await.approved_at.is_some());
    admin.activate("lifecycle").await;
    let active = admin.topic(id).await;
    assert_eq!(active.status.as_str(), "active");
    assert!(active.activated_at.is_some());
    // Activation is idempotent for the producer.
    admin.activate("lifecycle").await;
    admin.deactivate(id).await;
    assert_eq!(admin.topic(id).await.status.as_str(), "inactive");
    admin.reactivate(id).await;
    assert_eq!(admin.topic(id).await.status.as_str(), "approved");

    let rejected = admin.create_topic("unwanted", 1, 1).await;
    let answer = admin
        .post(
            &format!("/api/topics/{rejected}/reject"),
            &json!({"reason": "duplicate of orders"}),
            true,
        )
        .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .contains("rejected")
    );

    let trail: Vec<(Option<String>, String, String)> = events_of(&admin, id)
        .into_iter()
        .map(|(f, t, a, _)| (f, t, a))
        .collect();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        trail,
        vec![
            (None, s("pending"), s("anonymous (created_by: tests)")),
            (Some(s("pending")), s("approved"), s("admin")),
            (Some(s("approved")), s("active"), s("producer")),
            (Some(s("active")), s("inactive"), s("admin")),
            (Some(s("inactive")), s("approved"), s("admin")),
        ]
    );
    let rejection = events_of(&admin, rejected);
    assert_eq!(
        rejection.last().unwrap().3.as_deref(),
        Some("duplicate of orders")
    );
}

#[actix_rt::test]
async fn every_illegal_transition_is_refused_naming_the_state() {
    let admin = TestAdmin::spawn();
    let states = one_topic_per_state(&admin).await;
    let legal = [
        ("pending", "approve"),
        ("pending", "reject"),
        ("approved", "reject"),
        ("active", "deactivate"),
        ("inactive", "reactivate"),
    ];
    let mut refused = 0;
    for (state, id) in &states {
        for action in ["approve", "reject", "deactivate", "reactivate"] {
            if legal.contains(&(*state, action)) {
                continue;
            }
            let before = events_of(&admin, *id).len();
            let answer = admin
                .post(&format!("/api/topics/{id}/{action}"), &json!({}), true)
                .await;
            assert_eq!(answer.status, 409, "{action} on {state}: {answer:?}");
            let error = answer.body["error"].as_str().unwrap();
            assert!(error.contains(&format!("status is {state}")), "{error}");
            assert_eq!(admin.topic(*id).await.status.as_str(), *state);
            assert_eq!(
                events_of(&admin, *id).len(),
                before,
                "a refusal wrote an event"
            );
            refused += 1;
        }
    }
    // Activation by the producer is legal only from approved (and a no-op when active).
    for name in ["t-pending", "t-inactive", "t-rejected"] {
        let answer = TestAdminExt::activate_raw(&admin, name, &admin.producer_key).await;
        assert_eq!(answer.status, 409, "activate {name}: {answer:?}");
        refused += 1;
    }
    assert_eq!(refused, 15 + 3);
    // Unknown topics are 404, not 409.
    assert_eq!(
        admin
            .post("/api/topics/777/approve", &json!({}), true)
            .await
            .status,
        404
    );
    assert_eq!(
        TestAdminExt::activate_raw(&admin, "ghost", &admin.producer_key)
            .await
            .status,
        404
    );
}

/// How many of `statuses` are `status`.
fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Raw calls the happy-path helpers do not cover.
struct TestAdminExt;

impl TestAdminExt {
    async fn activate_raw(admin: &TestAdmin, name: &str, key: &str) -> support::admin::Answer {
        let mut response = awc::Client::default()
            .post(admin.url("/api/topics/activate_by_name"))
            .insert_header(("X-Producer-Key", key))
            .send_json(&json!({"topic_name": name}))
            .await
            .unwrap();
        let body = response.body().await.unwrap();
        support::admin::Answer {
            status: response.status().as_u16(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            content_type: String::new(),
        }
    }

    async fn send(
        admin: &TestAdmin,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> support::admin::Answer {
        let client = awc::Client::default();
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = client.request(method, admin.url(path));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(body.to_owned()).await.unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.body().limit(1 << 20).await.unwrap();
        support::admin::Answer {
            status: response.status().as_u16(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            content_type,
        }
    }
}

#[actix_rt::test]
async fn admin_actions_need_the_admin_token() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("guarded", 1, 1).await;
    for action in ["approve", "reject", "deactivate", "reactivate"] {
        let path = format!("/api/topics/{id}/{action}");
        let none = admin.post(&path, &json!({}), false).await;
        assert_eq!(none.status, 401, "{action} without token");
        assert!(none.body["error"].is_string());
        let wrong = TestAdminExt::send(
            &admin,
            "POST",
            &path,
            &[
                ("Authorization", "Bearer not-the-token"),
                ("content-type", "application/json"),
            ],
            "{}",
        )
        .await;
        assert_eq!(wrong.status, 401, "{action} with a wrong token");
        let basic = TestAdminExt::send(
            &admin,
            "POST",
            &path,
            &[
                ("Authorization", "Basic YWRtaW46YWRtaW4="),
                ("content-type", "application/json"),
            ],
            "{}",
        )
        .await;
        assert_eq!(basic.status, 401, "{action} with basic auth");
    }
    assert_eq!(admin.topic(id).await.status.as_str(), "pending");
    admin.approve(id).await;

    let missing = TestAdminExt::send(
        &admin,
        "POST",
        "/api/topics/activate_by_name",
        &[("content-type", "application/json")],
        r#"{"topic_name":"guarded"}"#,
    )
    .await;
    assert_eq!(missing.status, 401);
    let wrong = TestAdminExt::activate_raw(&admin, "guarded", "wrong-producer-key").await;
    assert_eq!(wrong.status, 401);
    let admin_token_is_not_a_producer_key =
        TestAdminExt::activate_raw(&admin, "guarded", &admin.admin_token).await;
    assert_eq!(admin_token_is_not_a_producer_key.status, 401);
    assert_eq!(admin.topic(id).await.status.as_str(), "approved");
}

#[actix_rt::test]
async fn every_validation_rule_is_enforced_with_a_named_field() {
    let admin = TestAdmin::spawn();
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"name": ""}), "name"),
        (json!({"name": "."}), "name"),
        (json!({"name": ".."}), "name"),
        (json!({"name": long(250)}), "name"),
        (json!({"name": "has space"}), "name"),
        (json!({"name": "slash/topic"}), "name"),
        (json!({"name": "ok", "partitions": 0}), "partitions"),
        (json!({"name": "ok", "partitions": 1001}), "partitions"),
        (
            json!({"name": "ok", "replication_factor": 0}),
            "replication_factor",
        ),
        (
            json!({"name": "ok", "replication_factor": 4}),
            "replication_factor",
        ),
        (
            json!({"name": "ok", "description": long(1001)}),
            "description",
        ),
        (json!({"name": "ok", "created_by": long(101)}), "created_by"),
        (json!({"name": "ok", "data_type": "telepathy"}), "data_type"),
        (json!({"name": "ok", "partitions": "three"}), "partitions"),
        (json!({"partitions": 3}), "name"),
    ];
    for (body, field) in cases {
        let answer = admin.post("/api/topics", &body, false).await;
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
        let error = answer.body["error"].as_str().unwrap();
        assert!(
            error.contains(field),
            "{body}: error {error:?} does not name {field}"
        );
    }
    // Boundaries that are allowed.
    for body in [
        json!({"name": long(249)}),
        json!({"name": "edge", "partitions": 1000, "replication_factor": 3,
               "description": long(1000), "created_by": long(100)}),
    ] {
        assert_eq!(
            admin.post("/api/topics", &body, false).await.status,
            201,
            "{body}"
        );
    }
    let malformed = TestAdminExt::send(
        &admin,
        "POST",
        "/api/topics",
        &[("content-type", "application/json")],
        "{\"name\": ",
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.body["error"].as_str().unwrap().contains("JSON"));
    let not_an_object = TestAdminExt::send(
        &admin,
        "POST",
        "/api/topics",
        &[("content-type", "application/json")],
        "[1,2]",
    )
    .await;
    assert_eq!(not_an_object.status, 400);

    let huge = format!("{{\"name\":\"big\",\"description\":\"{}\"}}", long(100_000));
    let too_large = TestAdminExt::send(
        &admin,
        "POST",
        "/api/topics",
        &[("content-type", "application/json")],
        &huge,
    )
    .await;
    assert_eq!(too_large.status, 413);
    assert!(
        too_large.content_type.starts_with("application/json"),
        "{too_large:?}"
    );
    assert!(too_large.body["error"].is_string());

    let duplicate = admin
        .post("/api/topics", &json!({"name": "edge"}), false)
        .await;
    assert_eq!(duplicate.status, 409);
    assert!(
        duplicate.body["error"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );

    // Nothing invalid was stored.
    let all = admin.get("/api/topics").await;
    assert_eq!(all.body.as_array().unwrap().len(), 2);

    // Subscription fields are checked too.
    for (body, field) in [
        (json!({"user_id": "", "topic_name": "edge"}), "user_id"),
        (
            json!({"user_id": long(101), "topic_name": "edge"}),
            "user_id",
        ),
        (
            json!({"user_id": "u\u{7}", "topic_name": "edge"}),
            "user_id",
        ),
        (
            json!({"user_id": "u", "topic_name": "no way"}),
            "topic_name",
        ),
        (json!({"user_id": "u"}), "topic_name"),
    ] {
        let answer = admin.post("/api/subscriptions", &body, false).await;
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
        let error = answer.body["error"].as_str().unwrap();
        assert!(
            error.contains(field),
            "{body}: {error:?} does not name {field}"
        );
    }
    let long_reason = admin
        .post("/api/topics/1/reject", &json!({"reason": long(1001)}), true)
        .await;
    assert_eq!(long_reason.status, 400);
}

#[actix_rt::test]
async fn errors_are_json_everywhere_on_the_api() {
    let admin = TestAdmin::spawn();
    for (method, path, status) in [
        ("GET", "/api/nothing-here", 404),
        ("PUT", "/api/stats", 405),
        ("DELETE", "/api/topics/1", 405),
        ("POST", "/api/topics/active", 405),
        ("GET", "/api/topics/1/approve", 405),
    ] {
        let answer = TestAdminExt::send(&admin, method, path, &[], "").await;
        assert_eq!(answer.status, status, "{method} {path}");
        assert!(
            answer.content_type.starts_with("application/json"),
            "{method} {path}: {answer:?}"
        );
        assert!(
            answer.body["error"].is_string(),
            "{method} {path}: {answer:?}"
        );
    }
}

#[actix_rt::test]
async fn subscriptions_follow_the_original_rules() {
    let admin = TestAdmin::spawn();
    one_topic_per_state(&admin).await;

    let created = admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "u1", "topic_name": "t-active"}),
            false,
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    assert!(created.body["message"].is_string());

    let duplicate = admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "u1", "topic_name": "t-active"}),
            false,
        )
        .await;
    assert_eq!(duplicate.status, 409);
    for not_active in ["t-pending", "t-approved", "t-inactive", "t-rejected"] {
        let answer = admin
            .post(
                "/api/subscriptions",
                &json!({"user_id": "u1", "topic_name": not_active}),
                false,
            )
            .await;
        assert_eq!(answer.status, 409, "{not_active}");
        assert!(
            answer.body["error"]
                .as_str()
                .unwrap()
                .contains("only active topics")
        );
    }
    let unknown = admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "u1", "topic_name": "ghost"}),
            false,
        )
        .await;
    assert_eq!(unknown.status, 404);
    admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "u2", "topic_name": "t-active"}),
            false,
        )
        .await;

    let all = admin.get("/api/subscriptions").await;
    assert_eq!(all.body.as_array().unwrap().len(), 2);
    let mine = admin.get("/api/subscriptions?user_id=u1").await;
    let mine = mine.body.as_array().unwrap();
    assert_eq!(mine.len(), 1);
    let entry = mine[0].as_object().unwrap();
    let mut keys: Vec<&str> = entry.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "status",
            "subscribed_at",
            "subscription_id",
            "topic_name",
            "user_id"
        ]
    );
    assert_eq!(entry["topic_name"], "t-active");

    let removed = TestAdminExt::send(
        &admin,
        "DELETE",
        "/api/subscriptions",
        &[("content-type", "application/json")],
        r#"{"user_id":"u1","topic_name":"t-active"}"#,
    )
    .await;
    assert_eq!(removed.status, 200, "{removed:?}");
    let again = TestAdminExt::send(
        &admin,
        "DELETE",
        "/api/subscriptions",
        &[("content-type", "application/json")],
        r#"{"user_id":"u1","topic_name":"t-active"}"#,
    )
    .await;
    assert_eq!(again.status, 404);
    let by_query = TestAdminExt::send(
        &admin,
        "DELETE",
        "/api/subscriptions?user_id=u2&topic_name=t-active",
        &[],
        "",
    )
    .await;
    assert_eq!(by_query.status, 200, "{by_query:?}");
    let incomplete =
        TestAdminExt::send(&admin, "DELETE", "/api/subscriptions?user_id=u2", &[], "").await;
    assert_eq!(incomplete.status, 400);
    assert_eq!(
        admin
            .get("/api/subscriptions")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// Every error body carries a machine-readable `code` beside the
/// unchanged `error` text; refusing a topic that is not active names its
/// status.
#[actix_rt::test]
async fn error_bodies_carry_a_machine_readable_code() {
    let admin = TestAdmin::spawn();
    one_topic_per_state(&admin).await;
    let subscribe = |topic: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/api/subscriptions",
                    &json!({"user_id": "u1", "topic_name": topic}),
                    false,
                )
                .await
        }
    };

    assert_eq!(subscribe("t-active").await.status, 201);
    let duplicate = subscribe("t-active").await;
    assert_eq!(duplicate.status, 409, "{duplicate:?}");
    assert_eq!(
        duplicate.body["code"], "already_subscribed",
        "{duplicate:?}"
    );
    assert_eq!(
        duplicate.body["error"],
        "user 'u1' is already subscribed to 't-active'"
    );

    for (topic, status) in [
        ("t-pending", "pending"),
        ("t-approved", "approved"),
        ("t-inactive", "inactive"),
        ("t-rejected", "rejected"),
    ] {
        let answer = subscribe(topic).await;
        assert_eq!(answer.status, 409, "{answer:?}");
        assert_eq!(answer.body["code"], "topic_not_active", "{answer:?}");
        assert_eq!(answer.body["topic_status"], status, "{answer:?}");
        assert_eq!(
            answer.body["error"],
            format!("topic '{topic}' is {status}; only active topics can be subscribed to")
        );
    }

    let unknown = subscribe("ghost").await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    assert_eq!(unknown.body["code"], "topic_not_found", "{unknown:?}");
    assert!(unknown.body.get("topic_status").is_none(), "{unknown:?}");

    let not_subscribed = TestAdminExt::send(
        &admin,
        "DELETE",
        "/api/subscriptions?user_id=u2&topic_name=t-active",
        &[],
        "",
    )
    .await;
    assert_eq!(not_subscribed.status, 404, "{not_subscribed:?}");
    assert_eq!(not_subscribed.body["code"], "not_subscribed");

    // Generic refusals get the code of their status.
    let malformed = TestAdminExt::send(
        &admin,
        "POST",
        "/api/subscriptions",
        &[("content-type", "application/json")],
        "{",
    )
    .await;
    assert_eq!(malformed.status, 400, "{malformed:?}");
    assert_eq!(malformed.body["code"], "bad_request");
    let no_token = admin.post("/api/topics/1/approve", &json!({}), false).await;
    assert_eq!(no_token.status, 401, "{no_token:?}");
    assert_eq!(no_token.body["code"], "unauthorized");
    let nowhere = admin.get("/api/no-such-endpoint").await;
    assert_eq!(nowhere.status, 404, "{nowhere:?}");
    assert_eq!(nowhere.body["code"], "not_found");
    let missing_topic = admin.get("/api/topics/99999").await;
    assert_eq!(missing_topic.status, 404, "{missing_topic:?}");
    assert_eq!(missing_topic.body["code"], "topic_not_found");
}

#[actix_rt::test]
async fn stats_count_topics_by_state_and_subscriptions() {
    let admin = TestAdmin::spawn();
    let empty = admin.get("/api/stats").await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body["total_topics"], 0);
    one_topic_per_state(&admin).await;
    admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "u1", "topic_name": "t-active"}),
            false,
        )
        .await;
    let stats = admin.get("/api/stats").await.body;
    assert_eq!(stats["total_topics"], 5);
    for key in [
        "pending_topics",
        "approved_topics",
        "active_topics",
        "rejected_topics",
        "inactive_topics",
    ] {
        assert_eq!(stats[key], 1, "{key}");
    }
    assert_eq!(stats["total_subscriptions"], 1);
    assert!(stats["timestamp"].is_string());
}

#[actix_rt::test]
async fn stats_follow_every_change_at_once_and_are_timed_at_each_answer() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("counted", 1, 1).await;
    let counts = |stats: &Value| {
        [
            "pending_topics",
            "approved_topics",
            "active_topics",
            "total_subscriptions",
        ]
        .map(|key| stats[key].as_i64().unwrap())
    };
    let first = admin.get("/api/stats").await.body;
    assert_eq!(counts(&first), [1, 0, 0, 0]);
    // Nothing changed: the same counts, but timed at this answer.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let again = admin.get("/api/stats").await.body;
    assert_eq!(counts(&again), [1, 0, 0, 0]);
    assert_ne!(again["timestamp"], first["timestamp"]);

    admin.approve(id).await;
    assert_eq!(counts(&admin.get("/api/stats").await.body), [0, 1, 0, 0]);
    admin.activate("counted").await;
    assert_eq!(counts(&admin.get("/api/stats").await.body), [0, 0, 1, 0]);
    let subscription = json!({"user_id": "u1", "topic_name": "counted"});
    admin.post("/api/subscriptions", &subscription, false).await;
    assert_eq!(counts(&admin.get("/api/stats").await.body), [0, 0, 1, 1]);
    let gone = admin
        .send_as("DELETE", "/api/subscriptions", Some(&subscription), None)
        .await;
    assert_eq!(gone.status, 200, "{gone:?}");
    assert_eq!(counts(&admin.get("/api/stats").await.body), [0, 0, 1, 0]);
}

#[actix_rt::test]
async fn a_hundred_concurrent_subscriptions_are_all_recorded() {
    // One address sends them all: above the default burst.
    let admin = TestAdmin::spawn_with(|settings| settings.http.rate_limit_burst = 200);
    let id = admin.create_topic("busy", 1, 1).await;
    admin.approve(id).await;
    admin.activate("busy").await;

    let requests = (0..100).map(|i| {
        let body = json!({"user_id": format!("user-{i}"), "topic_name": "busy"});
        let admin = &admin;
        async move { admin.post("/api/subscriptions", &body, false).await.status }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let all = admin.get("/api/subscriptions").await;
    assert_eq!(all.body.as_array().unwrap().len(), 100);
    assert_eq!(
        admin.get("/api/stats").await.body["total_subscriptions"],
        100
    );
}

#[actix_rt::test]
async fn concurrent_duplicate_subscriptions_leave_exactly_one_row() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("contested", 1, 1).await;
    admin.approve(id).await;
    admin.activate("contested").await;

    let requests = (0..30).map(|_| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/api/subscriptions",
                    &json!({"user_id": "same-user", "topic_name": "contested"}),
                    false,
                )
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert_eq!(
        (tally(&statuses, 201), tally(&statuses, 409)),
        (1, 29),
        "{statuses:?}"
    );
    let rows = admin.get("/api/subscriptions?user_id=same-user").await;
    assert_eq!(rows.body.as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn concurrent_approvals_move_a_topic_once() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("raced", 1, 1).await;
    let requests = (0..20).map(|_| {
        let admin = &admin;
        async move {
            admin
                .post(&format!("/api/topics/{id}/approve"), &json!({}), true)
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert_eq!(
        (tally(&statuses, 200), tally(&statuses, 409)),
        (1, 19),
        "{statuses:?}"
    );
    assert_eq!(events_of(&admin, id).len(), 2);
}

#[actix_rt::test]
async fn health_turns_unhealthy_when_the_registry_file_is_gone() {
    let admin = TestAdmin::spawn_on_sqlite_with(|_| {});
    let file = admin.registry_file();
    assert_eq!(admin.get("/api/health").await.status, 200);
    let aside = file.with_extension("aside");
    std::fs::rename(file, &aside).unwrap();
    // A directory where the file was: nothing can open it as a database.
    std::fs::create_dir(file).unwrap();
    let sick = admin.get("/api/health").await;
    assert_eq!(sick.status, 503, "{sick:?}");
    assert_eq!(sick.body["status"], "unhealthy");
    assert!(
        !sick.body.to_string().contains(file.to_str().unwrap()),
        "leaked a path"
    );
    std::fs::remove_dir(file).unwrap();
    std::fs::rename(&aside, file).unwrap();
    assert_eq!(admin.get("/api/health").await.status, 200);
}

/// Characters that hide or reorder text: every one is refused in both
/// identifiers, with a 400 naming the field and nothing stored.
const INVISIBLE_OR_REORDERING: [(&str, &str); 9] = [
    ("C0 NUL", "\u{0}"),
    ("C0 ESC", "\u{1B}"),
    ("newline", "\n"),
    ("DEL", "\u{7F}"),
    ("C1 CSI", "\u{9B}"),
    ("right-to-left override", "\u{202E}"),
    ("zero-width space", "\u{200B}"),
    ("left-to-right isolate", "\u{2066}"),
    ("byte-order mark", "\u{FEFF}"),
];

#[actix_rt::test]
async fn identifiers_refuse_control_bidi_and_zero_width_characters() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("watched", 1, 1).await;
    admin.approve(id).await;
    admin.activate("watched").await;
    for (what, bad) in INVISIBLE_OR_REORDERING {
        let who = format!("team{bad}ops");
        let created = admin
            .post(
                "/api/topics",
                &json!({"name": "sneaky", "created_by": who}),
                false,
            )
            .await;
        assert_eq!(created.status, 400, "created_by with {what}: {created:?}");
        let error = created.body["error"].as_str().unwrap();
        assert!(error.contains("created_by"), "{what}: {error}");

        let subscribed = admin
            .post(
                "/api/subscriptions",
                &json!({"user_id": who, "topic_name": "watched"}),
                false,
            )
            .await;
        assert_eq!(
            subscribed.status, 400,
            "user_id with {what}: {subscribed:?}"
        );
        let error = subscribed.body["error"].as_str().unwrap();
        assert!(error.contains("user_id"), "{what}: {error}");
    }
    let topics = admin.get("/api/topics").await;
    assert_eq!(topics.body.as_array().unwrap().len(), 1, "{topics:?}");
    let subscriptions = admin.get("/api/subscriptions").await;
    assert_eq!(subscriptions.body, json!([]));
}

#[actix_rt::test]
async fn descriptions_keep_newline_and_tab_and_refuse_other_controls() {
    let admin = TestAdmin::spawn();
    let prose = "Line one\n\tindented line two";
    let created = admin
        .post(
            "/api/topics",
            &json!({"name": "prose", "description": prose}),
            false,
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body["topic_id"].as_i64().unwrap() as i32;
    assert_eq!(admin.topic(id).await.description, prose);
    for bad in [
        "a\rb",
        "bell\u{7}",
        "esc\u{1B}[31m",
        "del\u{7F}",
        "csi\u{9B}x",
    ] {
        let answer = admin
            .post(
                "/api/topics",
                &json!({"name": "prose2", "description": bad}),
                false,
            )
            .await;
        assert_eq!(answer.status, 400, "{bad:?}: {answer:?}");
        assert!(
            answer.body["error"]
                .as_str()
                .unwrap()
                .contains("description")
        );
    }
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

#[actix_rt::test]
async fn the_audit_trail_names_who_authenticated_not_who_was_claimed() {
    let admin = TestAdmin::spawn();
    let claimed = admin
        .post(
            "/api/topics",
            &json!({"name": "claimed", "created_by": "admin"}),
            false,
        )
        .await;
    assert_eq!(claimed.status, 201, "{claimed:?}");
    let claimed = claimed.body["topic_id"].as_i64().unwrap() as i32;
    admin.approve(claimed).await;
    admin.activate("claimed").await;
    let trail: Vec<(String, String)> = events_of(&admin, claimed)
        .into_iter()
        .map(|(_, to, actor, _)| (to, actor))
        .collect();
    let pair = |to: &str, actor: &str| (to.to_owned(), actor.to_owned());
    assert_eq!(
        trail,
        [
            pair("pending", "anonymous (created_by: admin)"),
            pair("approved", "admin"),
            pair("active", "producer"),
        ]
    );

    // Nobody named: the default name is still labelled a claim.
    let nobody = admin
        .post("/api/topics", &json!({"name": "nobody"}), false)
        .await;
    let nobody = nobody.body["topic_id"].as_i64().unwrap() as i32;
    assert_eq!(
        events_of(&admin, nobody)[0].2,
        "anonymous (created_by: anonymous)"
    );
    // The admin token on a request makes the admin its creator.
    let by_admin = admin
        .post(
            "/api/topics",
            &json!({"name": "by_admin", "created_by": "team-iot"}),
            true,
        )
        .await;
    let by_admin = by_admin.body["topic_id"].as_i64().unwrap() as i32;
    assert_eq!(events_of(&admin, by_admin)[0].2, "admin");
}

#[actix_rt::test]
async fn subscriptions_and_unsubscriptions_are_audited() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("watched", 1, 1).await;
    admin.approve(id).await;
    admin.activate("watched").await;
    let subscribe = json!({"user_id": "alice", "topic_name": "watched"});
    assert_eq!(
        admin
            .post("/api/subscriptions", &subscribe, false)
            .await
            .status,
        201
    );
    // Refused requests leave no audit row.
    assert_eq!(
        admin
            .post("/api/subscriptions", &subscribe, false)
            .await
            .status,
        409
    );
    let removed = TestAdminExt::send(
        &admin,
        "DELETE",
        "/api/subscriptions?user_id=alice&topic_name=watched",
        &[],
        "",
    )
    .await;
    assert_eq!(removed.status, 200, "{removed:?}");
    let again = TestAdminExt::send(
        &admin,
        "DELETE",
        "/api/subscriptions?user_id=alice&topic_name=watched",
        &[],
        "",
    )
    .await;
    assert_eq!(again.status, 404);

    let rows: Vec<(i32, String, String, String)> = {
        use topicgate::db::schema::subscription_events::dsl::*;
        let pool = db::open(&admin.database, 1).expect("open registry");
        let mut conn = pool.get().expect("connection");
        subscription_events
            .order(id.asc())
            .select((topic_id, user_id, action, actor))
            .load(&mut conn)
            .expect("subscription events")
    };
    let row = |action: &str| {
        (
            id,
            "alice".to_owned(),
            action.to_owned(),
            "anonymous (user_id: alice)".to_owned(),
        )
    };
    assert_eq!(rows, [row("subscribed"), row("unsubscribed")]);
    // They are not state changes: the topic's own trail is untouched.
    assert_eq!(events_of(&admin, id).len(), 3);
}

/// `(topic_name, user_id, status)` of every subscription, sorted.
async fn subscription_statuses(admin: &TestAdmin) -> Vec<(String, String, String)> {
    let answer = admin.get("/api/subscriptions").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let mut rows: Vec<(String, String, String)> = answer
        .body
        .as_array()
        .expect("a list of subscriptions")
        .iter()
        .map(|s| {
            let field = |name: &str| s[name].as_str().expect(name).to_owned();
            (field("topic_name"), field("user_id"), field("status"))
        })
        .collect();
    rows.sort();
    rows
}

/// `(topic_id, user_id, action, actor)` of the status changes in
/// `subscription_events`, oldest first.
fn subscription_status_events(admin: &TestAdmin) -> Vec<(i32, String, String, String)> {
    use topicgate::db::schema::subscription_events::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    subscription_events
        .filter(action.ne_all(["subscribed", "unsubscribed"]))
        .order(id.asc())
        .select((topic_id, user_id, action, actor))
        .load(&mut conn)
        .expect("subscription events")
}

#[actix_rt::test]
async fn subscriptions_follow_their_topic_through_deactivation_and_reactivation() {
    let admin = TestAdmin::spawn();
    let followed = admin.create_topic("followed", 1, 1).await;
    admin.approve(followed).await;
    admin.activate("followed").await;
    let other = admin.create_topic("other", 1, 1).await;
    admin.approve(other).await;
    admin.activate("other").await;
    for (user, topic) in [
        ("alice", "followed"),
        ("bob", "followed"),
        ("alice", "other"),
    ] {
        let body = json!({"user_id": user, "topic_name": topic});
        let answer = admin.post("/api/subscriptions", &body, false).await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let row = |topic: &str, user: &str, status: &str| {
        (topic.to_owned(), user.to_owned(), status.to_owned())
    };

    admin.deactivate(followed).await;
    assert_eq!(
        subscription_statuses(&admin).await,
        [
            row("followed", "alice", "inactive"),
            row("followed", "bob", "inactive"),
            row("other", "alice", "active"),
        ]
    );
    let event = |user: &str, action: &str| {
        (
            followed,
            user.to_owned(),
            action.to_owned(),
            "admin".to_owned(),
        )
    };
    let mut events = subscription_status_events(&admin);
    events.sort();
    assert_eq!(
        events,
        [event("alice", "deactivated"), event("bob", "deactivated")]
    );
    let alices = admin.get("/api/subscriptions?user_id=alice").await;
    assert_eq!(alices.body[0]["status"], "active", "{alices:?}");
    assert_eq!(alices.body[1]["status"], "inactive", "{alices:?}");

    // Subscribing to the inactive topic is refused and changes nothing.
    let carol = json!({"user_id": "carol", "topic_name": "followed"});
    let refused = admin.post("/api/subscriptions", &carol, false).await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert_eq!(refused.body["code"], "topic_not_active", "{refused:?}");
    assert_eq!(subscription_statuses(&admin).await.len(), 3);
    let active = admin.get("/api/topics/active").await;
    let names: Vec<&str> = active
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["topic_name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["other"]);

    admin.reactivate(followed).await;
    assert_eq!(
        subscription_statuses(&admin).await,
        [
            row("followed", "alice", "active"),
            row("followed", "bob", "active"),
            row("other", "alice", "active"),
        ]
    );
    // The producer's activation that follows changes no subscription.
    admin.activate("followed").await;
    let events = subscription_status_events(&admin);
    assert_eq!(events.len(), 4, "{events:?}");
    let mut reactivated = events[2..].to_vec();
    reactivated.sort();
    assert_eq!(
        reactivated,
        [event("alice", "reactivated"), event("bob", "reactivated")]
    );
}

/// POSTs a topic request by name and returns the answer.
async fn request(admin: &TestAdmin, name: &str) -> support::admin::Answer {
    admin
        .post(
            "/api/topics",
            &json!({"name": name, "partitions": 1, "created_by": "tests"}),
            false,
        )
        .await
}

fn error_of(answer: &support::admin::Answer) -> &str {
    answer.body["error"].as_str().unwrap_or_default()
}

async fn registered_names(admin: &TestAdmin) -> Vec<String> {
    let list = admin.get("/api/topics").await;
    let mut names: Vec<String> = list
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["topic_name"].as_str().expect("a name").to_owned())
        .collect();
    names.sort();
    names
}

#[actix_rt::test]
async fn kafka_internal_and_denied_names_are_refused_naming_the_rule() {
    let admin = TestAdmin::spawn();
    for internal in [
        "__consumer_offsets",
        "__transaction_state",
        "._consumer_offsets",
    ] {
        let answer = request(&admin, internal).await;
        assert_eq!(answer.status, 400, "{internal}: {answer:?}");
        assert!(
            error_of(&answer).contains("reserved for Kafka's internal topics"),
            "{internal}: {answer:?}"
        );
    }
    for (name, pattern) in [
        ("_schemas", "'_schemas'"),
        (".Schemas", "'_schemas'"),
        ("_confluent-command", "'_confluent*'"),
        ("_confluent_metrics", "'_confluent*'"),
    ] {
        let answer = request(&admin, name).await;
        assert_eq!(answer.status, 400, "{name}: {answer:?}");
        assert!(
            error_of(&answer).contains(&format!("deny pattern {pattern}")),
            "{name}: {answer:?}"
        );
    }
    assert!(registered_names(&admin).await.is_empty());
    // Names that merely resemble them are fine.
    assert_eq!(request(&admin, "schemas").await.status, 201);
    assert_eq!(request(&admin, "my_confluent").await.status, 201);
}

#[actix_rt::test]
async fn a_custom_deny_list_replaces_the_default_but_not_the_reserved_prefix() {
    let admin = TestAdmin::spawn_with(|settings| {
        settings.topic_names = topicgate::domain::TopicNamePolicy::new(vec![
            "legacy-*".parse().unwrap(),
            "audit".parse().unwrap(),
        ])
    });
    for (name, pattern) in [("legacy-orders", "'legacy-*'"), ("AUDIT", "'audit'")] {
        let answer = request(&admin, name).await;
        assert_eq!(answer.status, 400, "{name}: {answer:?}");
        assert!(error_of(&answer).contains(pattern), "{name}: {answer:?}");
    }
    assert_eq!(request(&admin, "__consumer_offsets").await.status, 400);
    assert_eq!(request(&admin, "_schemas").await.status, 201);
    assert_eq!(registered_names(&admin).await, ["_schemas"]);
}

#[actix_rt::test]
async fn names_kafka_would_confuse_get_a_409_naming_the_existing_topic() {
    let admin = TestAdmin::spawn();
    assert_eq!(request(&admin, "col.lide").await.status, 201);
    let underscore = request(&admin, "col_lide").await;
    assert_eq!(underscore.status, 409, "{underscore:?}");
    assert!(
        error_of(&underscore).contains("existing topic 'col.lide'")
            && error_of(&underscore).contains("'.' and '_'"),
        "{underscore:?}"
    );
    let case = request(&admin, "COL.lide").await;
    assert_eq!(case.status, 409, "{case:?}");
    assert!(
        error_of(&case).contains("existing topic 'col.lide'")
            && error_of(&case).contains("differ only in case"),
        "{case:?}"
    );
    let both = request(&admin, "Col_Lide").await;
    assert_eq!(both.status, 409, "{both:?}");
    assert!(error_of(&both).contains("'col.lide'"), "{both:?}");
    let same = request(&admin, "col.lide").await;
    assert_eq!(same.status, 409, "{same:?}");
    assert!(error_of(&same).contains("already exists"), "{same:?}");
    assert_eq!(registered_names(&admin).await, ["col.lide"]);
    // A hyphen is a different character to Kafka: no collision.
    assert_eq!(request(&admin, "col-lide").await.status, 201);
}

#[actix_rt::test]
async fn racing_requests_for_colliding_names_have_exactly_one_winner() {
    let admin = TestAdmin::spawn();
    let variants = [
        "race.name",
        "race_name",
        "RACE.name",
        "Race_Name",
        "race.NAME",
    ];
    let requests = (0..30).map(|i| {
        let admin = &admin;
        let name = variants[i % variants.len()];
        async move { request(admin, name).await.status }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert_eq!(
        (tally(&statuses, 201), tally(&statuses, 409)),
        (1, 29),
        "{statuses:?}"
    );
    assert_eq!(registered_names(&admin).await.len(), 1);
}

#[actix_rt::test]
async fn a_registry_already_holding_colliding_names_migrates_and_refuses_more() {
    use diesel_migrations::MigrationHarness;
    use topicgate::domain::{DataType, TopicName, TopicStatus};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old-registry.db");
    {
        // The registry as the first release left it, before the collision check.
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.run_next_migration(db::MIGRATIONS).unwrap();
        let now = chrono::Utc::now().naive_utc();
        for name in ["old.pair", "old_pair", "OLD.pair"] {
            use db::schema::topics;
            // Column by column: today's `NewTopic` has columns this
            // registry does not have yet.
            diesel::insert_into(topics::table)
                .values((
                    topics::name.eq(TopicName::parse(name).unwrap().as_str()),
                    topics::status.eq(TopicStatus::Pending),
                    topics::partitions.eq(1),
                    topics::replication_factor.eq(1),
                    topics::data_type.eq(DataType::Sensor),
                    topics::created_by.eq("tests"),
                    topics::description.eq(""),
                    topics::created_at.eq(now),
                    topics::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
    }
    let admin = TestAdmin::spawn_with(|settings| settings.database_url = path.clone().into());
    assert_eq!(
        registered_names(&admin).await,
        ["OLD.pair", "old.pair", "old_pair"]
    );
    let exact = request(&admin, "old_pair").await;
    assert_eq!(exact.status, 409, "{exact:?}");
    assert!(
        error_of(&exact).contains("'old_pair' already exists"),
        "{exact:?}"
    );
    let another = request(&admin, "Old_Pair").await;
    assert_eq!(another.status, 409, "{another:?}");
    assert_eq!(registered_names(&admin).await.len(), 3);
}

#[actix_rt::test]
async fn an_older_registry_keeps_its_subscription_events_and_stops_subscriptions_of_inactive_topics()
 {
    use diesel_migrations::MigrationHarness;
    use topicgate::db::schema::{
        subscription_events as events, topics, user_subscriptions as subs,
    };

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("older-registry.db");
    {
        // The registry as the previous release left it: three migrations.
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        for _ in 0..3 {
            conn.run_next_migration(db::MIGRATIONS).unwrap();
        }
        let now = chrono::Utc::now().naive_utc();
        for (id, name, status) in [(1, "still_on", "active"), (2, "long_off", "inactive")] {
            diesel::insert_into(topics::table)
                .values((
                    topics::id.eq(id),
                    topics::name.eq(name),
                    topics::status.eq(status),
                    topics::partitions.eq(1),
                    topics::replication_factor.eq(1),
                    topics::data_type.eq("sensor"),
                    topics::created_by.eq("tests"),
                    topics::description.eq(""),
                    topics::created_at.eq(now),
                    topics::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
            diesel::insert_into(subs::table)
                .values((
                    subs::user_id.eq("alice"),
                    subs::topic_id.eq(id),
                    subs::subscribed_at.eq(now),
                    subs::status.eq("active"),
                ))
                .execute(&mut conn)
                .unwrap();
            diesel::insert_into(events::table)
                .values((
                    events::topic_id.eq(id),
                    events::user_id.eq("alice"),
                    events::action.eq("subscribed"),
                    events::actor.eq("anonymous (user_id: alice)"),
                    events::at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
    }
    let admin = TestAdmin::spawn_with(|settings| settings.database_url = path.clone().into());
    let statuses: Vec<(String, String)> = subscription_statuses(&admin)
        .await
        .into_iter()
        .map(|(topic, _, status)| (topic, status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("long_off".to_owned(), "inactive".to_owned()),
            ("still_on".to_owned(), "active".to_owned()),
        ]
    );
    let trail = || -> Vec<(i32, i32, String, String)> {
        let pool = db::open(&path, 1).expect("open registry");
        let mut conn = pool.get().expect("connection");
        events::table
            .order(events::id.asc())
            .select((events::id, events::topic_id, events::action, events::actor))
            .load(&mut conn)
            .expect("subscription events")
    };
    let subscribed = |id: i32| {
        (
            id,
            id,
            "subscribed".to_owned(),
            "anonymous (user_id: alice)".to_owned(),
        )
    };
    assert_eq!(
        trail(),
        [
            subscribed(1),
            subscribed(2),
            (3, 2, "deactivated".to_owned(), "migration".to_owned()),
        ]
    );
    admin.reactivate(2).await;
    assert_eq!(
        trail()[3..],
        [(4, 2, "reactivated".to_owned(), "admin".to_owned())]
    );
    assert!(
        subscription_statuses(&admin)
            .await
            .iter()
            .all(|(_, _, status)| status == "active")
    );
}

#[actix_rt::test]
async fn a_registered_name_the_policy_refuses_cannot_be_approved() {
    use topicgate::domain::TopicStatus;
    let admin = TestAdmin::spawn();
    admin.forge_topic("__consumer_offsets", TopicStatus::Pending, 1);
    admin.forge_topic("_schemas", TopicStatus::Inactive, 1);
    let ids: Vec<(String, i32)> = admin
        .topics()
        .await
        .into_iter()
        .map(|t| (t.topic_name, t.topic_id.0))
        .collect();
    for (name, id) in &ids {
        let action = if name == "_schemas" {
            "reactivate"
        } else {
            "approve"
        };
        let answer = admin
            .post(&format!("/api/topics/{id}/{action}"), &json!({}), true)
            .await;
        assert_eq!(answer.status, 409, "{name}: {answer:?}");
        assert!(
            error_of(&answer).contains(&format!("topic '{name}' cannot be")),
            "{name}: {answer:?}"
        );
    }
    let statuses: Vec<TopicStatus> = admin.topics().await.iter().map(|t| t.status).collect();
    assert!(
        statuses.contains(&TopicStatus::Pending) && statuses.contains(&TopicStatus::Inactive),
        "{statuses:?}"
    );
}

/// A request with whatever headers and body, answering its headers too.
async fn send_with_headers(
    admin: &TestAdmin,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (support::admin::Answer, awc::http::header::HeaderMap) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = awc::Client::default().request(method, admin.url(path));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request
        .send_body(actix_web::web::Bytes::copy_from_slice(body))
        .await
        .unwrap();
    let head = response.headers().clone();
    let bytes = response.body().limit(1 << 20).await.unwrap();
    let answer = support::admin::Answer {
        status: response.status().as_u16(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        content_type: head
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
    };
    (answer, head)
}

async fn topic_count(admin: &TestAdmin) -> usize {
    admin
        .get("/api/topics")
        .await
        .body
        .as_array()
        .unwrap()
        .len()
}

#[actix_rt::test]
async fn bodies_that_are_not_json_are_refused_with_415_and_change_nothing() {
    let admin = TestAdmin::spawn();
    let topic = br#"{"name": "via_other_site"}"#;
    for headers in [
        &[("content-type", "text/plain")][..],
        &[("content-type", "text/plain;charset=UTF-8")],
        &[("content-type", "application/x-www-form-urlencoded")],
        &[("content-type", "multipart/form-data; boundary=x")],
        // A Blob without a type: a browser sends no Content-Type at all.
        &[],
    ] {
        let (answer, _) = send_with_headers(&admin, "POST", "/api/topics", headers, topic).await;
        assert_eq!(answer.status, 415, "{headers:?}: {answer:?}");
        assert!(answer.content_type.starts_with("application/json"));
        let error = answer.body["error"].as_str().unwrap();
        assert!(error.contains("application/json"), "{error}");
    }
    let subscription = br#"{"user_id": "eve", "topic_name": "t"}"#;
    for method in ["POST", "DELETE"] {
        let (answer, _) = send_with_headers(
            &admin,
            method,
            "/api/subscriptions",
            &[("content-type", "text/plain")],
            subscription,
        )
        .await;
        assert_eq!(answer.status, 415, "{method}: {answer:?}");
    }
    assert_eq!(
        topic_count(&admin).await,
        0,
        "a refused body created a topic"
    );

    // JSON, with a charset or as a JSON-based type, is read as before.
    for (name, content_type) in [
        ("with_charset", "application/json; charset=utf-8"),
        ("json_based", "application/merge-patch+json"),
    ] {
        let body = format!(r#"{{"name": "{name}"}}"#);
        let (answer, _) = send_with_headers(
            &admin,
            "POST",
            "/api/topics",
            &[("content-type", content_type)],
            body.as_bytes(),
        )
        .await;
        assert_eq!(answer.status, 201, "{content_type}: {answer:?}");
    }
    // An admin action without a body needs no Content-Type.
    let id = admin.create_topic("no_body", 1, 1).await;
    let token = format!("Bearer {}", admin.admin_token);
    let (approved, _) = send_with_headers(
        &admin,
        "POST",
        &format!("/api/topics/{id}/approve"),
        &[("authorization", &token)],
        b"",
    )
    .await;
    assert_eq!(approved.status, 200, "{approved:?}");
}

#[actix_rt::test]
async fn unauthenticated_writes_are_rate_limited_per_address_with_retry_after() {
    let admin = TestAdmin::spawn_with(|settings| {
        settings.http.rate_limit_per_second = 1;
        settings.http.rate_limit_burst = 3;
    });
    let mut statuses = Vec::new();
    let mut limited = None;
    for n in 0..12 {
        let body = format!(r#"{{"name": "burst_{n}"}}"#);
        let (answer, headers) = send_with_headers(
            &admin,
            "POST",
            "/api/topics",
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
        .await;
        statuses.push(answer.status);
        if answer.status == 429 && limited.is_none() {
            limited = Some((answer, headers));
        }
    }
    assert_eq!(&statuses[..3], &[201, 201, 201], "{statuses:?}");
    let (answer, headers) = limited.unwrap_or_else(|| panic!("never limited: {statuses:?}"));
    let retry_after: u64 = headers
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "Retry-After: {retry_after}");
    assert!(answer.content_type.starts_with("application/json"));
    assert!(
        answer.body["error"]
            .as_str()
            .unwrap()
            .contains("too many requests")
    );
    let created = tally(&statuses, 201);
    assert_eq!(
        topic_count(&admin).await,
        created,
        "a limited request created a topic"
    );

    // Subscriptions share the address's quota.
    let subscribe = admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "alice", "topic_name": "burst_0"}),
            false,
        )
        .await;
    assert_eq!(subscribe.status, 429, "{subscribe:?}");

    // Reads and the admin's writes are never limited.
    for _ in 0..10 {
        assert_eq!(admin.get("/api/topics").await.status, 200);
        assert_eq!(admin.get("/api/stats").await.status, 200);
    }
    admin.approve(1).await;
    admin.reject(2).await;
    let as_admin = admin
        .post("/api/topics", &json!({"name": "by_the_admin"}), true)
        .await;
    assert_eq!(as_admin.status, 201, "{as_admin:?}");
}

#[actix_rt::test]
async fn pending_requests_per_requester_are_bounded() {
    let admin = TestAdmin::spawn_with(|settings| settings.http.max_pending_per_requester = 2);
    let request = |name: &str, by: &str| json!({"name": name, "created_by": by});
    for name in ["a1", "a2"] {
        let answer = admin
            .post("/api/topics", &request(name, "team-a"), false)
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let refused = admin
        .post("/api/topics", &request("a3", "team-a"), false)
        .await;
    assert_eq!(refused.status, 409, "{refused:?}");
    let error = refused.body["error"].as_str().unwrap();
    assert!(
        error.contains("team-a") && error.contains("2 pending"),
        "{error}"
    );
    assert_eq!(topic_count(&admin).await, 2);

    // Another requester is not affected; a decision frees a place.
    let other = admin
        .post("/api/topics", &request("b1", "team-b"), false)
        .await;
    assert_eq!(other.status, 201, "{other:?}");
    admin.approve(1).await;
    let again = admin
        .post("/api/topics", &request("a3", "team-a"), false)
        .await;
    assert_eq!(again.status, 201, "{again:?}");
}

#[actix_rt::test]
async fn a_body_that_arrives_too_slowly_is_cut_off_with_408() {
    let admin = TestAdmin::spawn_with(|settings| {
        settings.http.body_timeout = std::time::Duration::from_secs(1);
    });
    let port = admin.port();
    // Headers and part of the body, then nothing: a slow client.
    let partial = b"POST /api/topics HTTP/1.1\r\nHost: 127.0.0.1\r\n\
        Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\": \"slow";
    // The bound the brief sets: the configured second, with room for a
    // loaded machine.
    let bound = std::time::Duration::from_secs(5);
    let answer =
        actix_rt::task::spawn_blocking(move || support::raw_http::exchange(port, partial, bound))
            .await
            .unwrap();
    assert_eq!(answer.status(), Some(408), "{answer:?}");
    assert!(answer.closed, "the connection stayed open: {answer:?}");
    let body: Value = serde_json::from_str(answer.body()).expect("a JSON body");
    assert!(body["error"].as_str().unwrap().contains("did not arrive"));
    assert_eq!(topic_count(&admin).await, 0);

    // A body that arrives in time is read as before.
    let created = admin.create_topic("prompt", 1, 1).await;
    assert!(created > 0);
}

#[actix_rt::test]
async fn a_very_long_url_gets_a_json_414() {
    let admin = TestAdmin::spawn();
    let port = admin.port();
    let long = "a".repeat(60 * 1024);
    for path in [
        format!("/{long}"),
        format!("/api/{long}"),
        format!("/api/topics?status={long}"),
    ] {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        let answer = actix_rt::task::spawn_blocking(move || {
            support::raw_http::exchange(
                port,
                request.as_bytes(),
                std::time::Duration::from_secs(30),
            )
        })
        .await
        .unwrap();
        assert_eq!(
            answer.status(),
            Some(414),
            "{}",
            &answer.text[..answer.text.len().min(300)]
        );
        assert!(
            answer
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{answer:?}"
        );
        let body: Value = serde_json::from_str(answer.body()).expect("a JSON body");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.len() < 200,
            "the error echoes the URL: {} bytes",
            error.len()
        );
    }
}

#[actix_rt::test]
async fn head_on_health_answers_200_without_a_body() {
    let admin = TestAdmin::spawn();
    let (answer, _) = send_with_headers(&admin, "HEAD", "/api/health", &[], b"").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, Value::Null);
}

#[actix_rt::test]
async fn cross_origin_calls_are_allowed_only_for_configured_origins() {
    let preflight = |origin: &'static str| {
        [
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ]
    };
    let closed = TestAdmin::spawn();
    let (answer, headers) = send_with_headers(
        &closed,
        "OPTIONS",
        "/api/topics",
        &preflight("http://portal.example"),
        b"",
    )
    .await;
    assert!(answer.status >= 400, "{answer:?}");
    assert!(headers.get("access-control-allow-origin").is_none());

    let open = TestAdmin::spawn_with(|settings| {
        settings.http.cors_origins = vec!["http://portal.example".into()];
    });
    let (answer, headers) = send_with_headers(
        &open,
        "OPTIONS",
        "/api/topics",
        &preflight("http://portal.example"),
        b"",
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        headers.get("access-control-allow-origin").unwrap(),
        "http://portal.example"
    );
    let (_, headers) = send_with_headers(
        &open,
        "OPTIONS",
        "/api/topics",
        &preflight("http://elsewhere.example"),
        b"",
    )
    .await;
    assert!(headers.get("access-control-allow-origin").is_none());
    let (answer, headers) = send_with_headers(
        &open,
        "POST",
        "/api/topics",
        &[
            ("origin", "http://portal.example"),
            ("content-type", "application/json"),
        ],
        br#"{"name": "from_the_portal"}"#,
    )
    .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    assert_eq!(
        headers.get("access-control-allow-origin").unwrap(),
        "http://portal.example"
    );
}

#[actix_rt::test]
async fn a_malformed_user_id_filter_is_refused_with_a_reason() {
    let admin = TestAdmin::spawn();
    for (query, why) in [
        ("user_id=eve%E2%80%AEnimda", "user_id"),
        (&format!("user_id={}", "x".repeat(101)), "at most 100"),
    ] {
        let answer = admin.get(&format!("/api/subscriptions?{query}")).await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
        assert!(error_of(&answer).contains(why), "{query}: {answer:?}");
    }
    let none = admin.get("/api/subscriptions?user_id=").await;
    assert_eq!(none.status, 200, "{none:?}");
}

#[actix_rt::test]
async fn the_producer_cannot_activate_a_name_kafka_would_refuse() {
    use topicgate::domain::TopicStatus;
    let admin = TestAdmin::spawn();
    // As a registry from before the name checks may hold it.
    admin.forge_topic("__consumer_offsets", TopicStatus::Approved, 1);
    let key = admin.producer_key.clone();
    let answer = TestAdminExt::activate_raw(&admin, "__consumer_offsets", &key).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(error_of(&answer).contains("reserved"), "{answer:?}");
    let statuses: Vec<TopicStatus> = admin.topics().await.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [TopicStatus::Approved]);
}

/// The registry's version as the change feed reports it now.
async fn feed_version(admin: &TestAdmin) -> u64 {
    let answer = admin.get("/api/topics/changes").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["changed"], true, "{answer:?}");
    answer.body["version"].as_u64().expect("a version")
}

#[actix_rt::test]
async fn the_change_feed_answers_a_held_request_when_a_topic_changes() {
    let admin = TestAdmin::spawn();
    let before = feed_version(&admin).await;
    let held_path = format!("/api/topics/changes?since={before}&wait=25");
    let held = admin.get(&held_path);
    let change = async {
        actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
        admin
            .create_topic(&support::kafka::unique_name("feed"), 1, 1)
            .await
    };
    let (answer, id) = futures_util::future::join(held, change).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["changed"], true, "{answer:?}");
    let after = answer.body["version"].as_u64().expect("a version");
    assert!(after > before, "{before} -> {after}");

    // Nothing changes: the request is held for its wait, then answered
    // with the same version; an approval moves it again.
    let quiet = admin
        .get(&format!("/api/topics/changes?since={after}&wait=1"))
        .await;
    assert_eq!(quiet.status, 200, "{quiet:?}");
    assert_eq!(quiet.body, json!({"version": after, "changed": false}));
    admin.approve(id).await;
    let moved = admin
        .get(&format!("/api/topics/changes?since={after}&wait=25"))
        .await;
    assert_eq!(moved.body["changed"], true, "{moved:?}");
}

#[actix_rt::test]
async fn the_change_feed_refuses_bad_waits_with_json() {
    let admin = TestAdmin::spawn();
    for query in [
        "wait=56",
        "wait=-1",
        "since=x",
        "wait=99999999999999999999999",
    ] {
        let answer = admin.get(&format!("/api/topics/changes?{query}")).await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
        assert!(answer.body["error"].is_string(), "{query}: {answer:?}");
    }
}

#[actix_rt::test]
async fn a_graceful_stop_answers_held_change_requests_at_once() {
    let admin = TestAdmin::spawn();
    let version = feed_version(&admin).await;
    // Longer than the server's 30 s graceful-stop bound, so a request the
    // stop did not answer would be cut rather than answered.
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(70))
        .finish();
    let held = client
        .get(admin.url(&format!("/api/topics/changes?since={version}&wait=55")))
        .send();
    let stop = async {
        actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
        admin.stop(true).await;
    };
    let (answer, ()) = futures_util::future::join(held, stop).await;
    let mut answer = answer.expect("the held request is answered, not cut");
    assert_eq!(answer.status().as_u16(), 200);
    let body: Value = answer.json().await.expect("a JSON answer");
    assert_eq!(body, json!({"version": version, "changed": false}));
}

/// Every row of the registry's `topic_configs` table.
fn stored_configs(admin: &TestAdmin) -> Vec<(i32, String, String)> {
    use topicgate::db::schema::topic_configs::dsl::*;
    let pool = db::open(&admin.database, 1).expect("open registry");
    let mut conn = pool.get().expect("connection");
    topic_configs
        .select((topic_id, key, value))
        .order((topic_id.asc(), key.asc()))
        .load::<(topicgate::domain::TopicId, String, String)>(&mut conn)
        .expect("configs")
        .into_iter()
        .map(|(topic, k, v)| (topic.0, k, v))
        .collect()
}

#[actix_rt::test]
async fn topic_configs_outside_the_whitelist_are_refused_naming_key_and_range() {
    let admin = TestAdmin::spawn();
    let cases: Vec<(Value, &[&str])> = vec![
        (
            json!({"retention.ms": 59_999}),
            &["retention.ms", "60000", "31536000000"],
        ),
        (
            json!({"retention.ms": 31_536_000_001_i64}),
            &["retention.ms", "31536000000"],
        ),
        (json!({"retention.ms": "a week"}), &["retention.ms", "-1"]),
        (json!({"retention.ms": 1.5}), &["retention.ms"]),
        (json!({"retention.ms": true}), &["retention.ms"]),
        (
            json!({"cleanup.policy": "archive"}),
            &["cleanup.policy", "compact,delete"],
        ),
        (json!({"cleanup.policy": 1}), &["cleanup.policy"]),
        (
            json!({"max.message.bytes": 1023}),
            &["max.message.bytes", "1024", "8388608"],
        ),
        (
            json!({"max.message.bytes": "8388609"}),
            &["max.message.bytes", "8388608"],
        ),
        (
            json!({"segment.bytes": 1024}),
            &["segment.bytes", "retention.ms", "cleanup.policy"],
        ),
        (
            json!({"retention.ms": 60000, "cleanup.policy": "delete",
                   "max.message.bytes": 2048, "min.insync.replicas": 1}),
            &["at most 3"],
        ),
        (json!(["retention.ms", 60000]), &["configs"]),
        (json!("retention.ms=60000"), &["configs"]),
    ];
    for (configs, named) in cases {
        let body = json!({"name": "configured", "configs": configs});
        let answer = admin.post("/api/topics", &body, false).await;
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
        let error = answer.body["error"].as_str().expect("a JSON error");
        for word in named {
            assert!(
                error.contains(word),
                "{body}: {error:?} does not name {word}"
            );
        }
    }
    assert!(admin.topics().await.is_empty(), "a refused request wrote");
    assert!(stored_configs(&admin).is_empty());
}

#[actix_rt::test]
async fn requested_topic_configs_are_stored_and_shown() {
    let admin = TestAdmin::spawn();
    let answer = admin
        .post(
            "/api/topics",
            &json!({"name": "ledger", "configs": {
                "retention.ms": "-1", "cleanup.policy": "compact", "max.message.bytes": 1048576}}),
            false,
        )
        .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    let ledger = answer.body["topic_id"].as_i64().unwrap() as i32;
    let plain = admin.create_topic("plain", 1, 1).await;
    let expected = json!({
        "cleanup.policy": "compact", "max.message.bytes": "1048576", "retention.ms": "-1"
    });
    let one = admin.get(&format!("/api/topics/{ledger}")).await;
    assert_eq!(one.body["configs"], expected, "{one:?}");
    let all = admin.get("/api/topics").await.body;
    let shown = |id: i32| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|t| t["topic_id"] == id)
            .map(|t| t["configs"].clone())
            .unwrap()
    };
    assert_eq!(shown(ledger), expected);
    assert_eq!(shown(plain), json!({}));
    assert_eq!(
        stored_configs(&admin),
        vec![
            (ledger, "cleanup.policy".into(), "compact".into()),
            (ledger, "max.message.bytes".into(), "1048576".into()),
            (ledger, "retention.ms".into(), "-1".into()),
        ]
    );
    // The typed client reads them too, also in the producer's report answer.
    assert_eq!(admin.topic(ledger).await.configs.len(), 3);
    admin.approve(ledger).await;
    let reported = admin
        .report_kafka(ledger, &json!({"state": "creating"}))
        .await;
    assert_eq!(reported.configs.len(), 3, "{reported:?}");
}

#[actix_rt::test]
async fn the_listings_are_gzipped_for_a_client_that_accepts_it_and_plain_otherwise() {
    use std::io::Read;
    let admin = TestAdmin::spawn();
    one_topic_per_state(&admin).await;
    let client = awc::Client::default();
    for path in [
        "/api/topics",
        "/api/topics/active",
        "/api/topics?status=active,pending",
    ] {
        let fetch = |encoding: &'static str| {
            let request = client.get(admin.url(path)).no_decompress();
            async move {
                let mut response = request
                    .insert_header(("Accept-Encoding", encoding))
                    .send()
                    .await
                    .expect("an answer");
                assert_eq!(response.status(), 200, "{path}");
                let vary = response
                    .headers()
                    .get("vary")
                    .map(|v| v.to_str().unwrap().to_owned());
                assert!(
                    vary.as_deref()
                        .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
                    "{path}: Vary {vary:?}"
                );
                let coding = response
                    .headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap().to_owned());
                let body = response.body().limit(1 << 20).await.expect("a body");
                (coding, body)
            }
        };
        let (plain_coding, plain) = fetch("identity").await;
        assert_eq!(plain_coding, None, "{path}");
        let plain: Value = serde_json::from_slice(&plain).expect("plain JSON");
        assert!(
            plain.as_array().is_some_and(|t| !t.is_empty()),
            "{path}: {plain}"
        );

        let (coding, gzipped) = fetch("gzip, deflate").await;
        assert_eq!(coding.as_deref(), Some("gzip"), "{path}");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut unzipped)
            .expect("valid gzip");
        assert_eq!(
            serde_json::from_slice::<Value>(&unzipped).expect("JSON inside"),
            plain,
            "{path}"
        );
    }
}
