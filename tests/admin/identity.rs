//! Users, roles and tokens: who a request comes from decides what it may
//! do, in open mode (tokens optional) and in secure mode (tokens required
//! for every write), with four eyes on approvals.

use serde_json::json;

use crate::support::admin::TestAdmin;
use crate::support::visitor::Visitor;

fn secure_admin() -> TestAdmin {
    TestAdmin::spawn_with(|settings| {
        settings.access.secure = true;
        settings.access.four_eyes = true;
    })
}

fn topic_body(name: &str) -> serde_json::Value {
    json!({"name": name, "partitions": 1, "replication_factor": 1})
}

/// The status of `token`'s approval of topic `id`.
async fn approve_as(admin: &TestAdmin, id: i32, token: &str) -> u16 {
    admin
        .send_as(
            "POST",
            &format!("/api/topics/{id}/approve"),
            None,
            Some(token),
        )
        .await
        .status
}

#[actix_rt::test]
async fn an_admin_creates_users_whose_token_is_shown_once_and_names_them() {
    let admin = TestAdmin::spawn();
    let created = admin
        .post(
            "/api/users",
            &json!({"user_id": "alice", "roles": ["consumer", "requester"]}),
            true,
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let token = created.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("tgu_"), "{token}");
    assert_eq!(created.body["roles"], json!(["requester", "consumer"]));

    let me = admin.send_as("GET", "/api/me", None, Some(&token)).await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.body["user_id"], "alice");
    assert_eq!(me.body["roles"], json!(["requester", "consumer"]));
    assert_eq!(me.body["bootstrap_admin"], false);
    let bootstrap = admin
        .send_as("GET", "/api/me", None, Some(&admin.admin_token))
        .await;
    assert_eq!(bootstrap.body["bootstrap_admin"], true);

    // The list never shows a token again, and the registry holds none.
    let list = admin
        .send_as("GET", "/api/users", None, Some(&admin.admin_token))
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body[0]["user_id"], "alice");
    assert!(!list.body.to_string().contains(&token));
    assert!(
        !admin.registry_text().contains(&token),
        "the token itself was stored"
    );

    // Nobody else manages users; bad input changes nothing.
    let anonymous = admin
        .post(
            "/api/users",
            &json!({"user_id": "eve", "roles": ["admin"]}),
            false,
        )
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    let by_user = admin
        .send_as(
            "POST",
            "/api/users",
            Some(&json!({"user_id": "eve", "roles": ["admin"]})),
            Some(&token),
        )
        .await;
    assert_eq!(by_user.status, 403, "{by_user:?}");
    assert!(by_user.body["error"].as_str().unwrap().contains("admin"));
    for (body, status) in [
        (json!({"user_id": "alice", "roles": ["consumer"]}), 409),
        (json!({"user_id": "bob", "roles": ["root"]}), 400),
        (json!({"user_id": "bob", "roles": []}), 400),
        (json!({"user_id": "bob smith", "roles": ["consumer"]}), 400),
        (json!({"user_id": "bob,User:x", "roles": ["consumer"]}), 400),
        (
            json!({"user_id": "b".repeat(65), "roles": ["consumer"]}),
            400,
        ),
    ] {
        let answer = admin.post("/api/users", &body, true).await;
        assert_eq!(answer.status, status, "{body}: {answer:?}");
        assert!(answer.body["error"].is_string(), "{answer:?}");
    }
    let list = admin
        .send_as("GET", "/api/users", None, Some(&admin.admin_token))
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);

    let forged = admin
        .send_as("GET", "/api/me", None, Some("tgu_not-a-real-token"))
        .await;
    assert_eq!(forged.status, 401);
    assert_eq!(admin.get("/api/me").await.status, 401);
}

#[actix_rt::test]
async fn a_rotated_token_replaces_the_old_one_and_a_deleted_user_is_locked_out() {
    let admin = TestAdmin::spawn();
    let first = admin.create_user("alice", &["consumer"]).await;
    let bob = admin.create_user("bob", &["consumer"]).await;
    let topic = admin.create_topic("watched", 1, 1).await;
    admin.approve(topic).await;
    admin.activate("watched").await;

    // A user may rotate their own token, not someone else's.
    let others = admin
        .send_as("POST", "/api/users/alice/tokens", None, Some(&bob))
        .await;
    assert_eq!(others.status, 403, "{others:?}");
    let rotated = admin
        .send_as("POST", "/api/users/alice/tokens", None, Some(&first))
        .await;
    assert_eq!(rotated.status, 201, "{rotated:?}");
    let second = rotated.body["token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let old = admin.send_as("GET", "/api/me", None, Some(&first)).await;
    assert_eq!(old.status, 401, "the old token still works: {old:?}");
    let new = admin.send_as("GET", "/api/me", None, Some(&second)).await;
    assert_eq!(new.status, 200);

    let subscribed = admin
        .send_as(
            "POST",
            "/api/subscriptions",
            Some(&json!({"user_id": "alice", "topic_name": "watched"})),
            Some(&second),
        )
        .await;
    assert_eq!(subscribed.status, 201, "{subscribed:?}");

    let by_bob = admin
        .send_as("DELETE", "/api/users/alice", None, Some(&bob))
        .await;
    assert_eq!(by_bob.status, 403);
    let deleted = admin
        .send_as("DELETE", "/api/users/alice", None, Some(&admin.admin_token))
        .await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let after = admin.send_as("GET", "/api/me", None, Some(&second)).await;
    assert_eq!(after.status, 401);
    let subscriptions = admin.get("/api/subscriptions?user_id=alice").await;
    assert_eq!(
        subscriptions.body,
        json!([]),
        "a deleted user keeps no subscription"
    );
    let again = admin
        .send_as("DELETE", "/api/users/alice", None, Some(&admin.admin_token))
        .await;
    assert_eq!(again.status, 404);
}

#[actix_rt::test]
async fn a_user_token_acts_in_its_own_name_only() {
    let admin = TestAdmin::spawn();
    let alice = admin.create_user("alice", &["requester", "consumer"]).await;
    let carol = admin.create_user("carol", &["consumer"]).await;

    let for_bob = admin
        .send_as(
            "POST",
            "/api/topics",
            Some(&json!({"name": "orders", "partitions": 1, "replication_factor": 1, "created_by": "bob"})),
            Some(&alice),
        )
        .await;
    assert_eq!(for_bob.status, 403, "{for_bob:?}");
    let id = admin.request_topic_as("orders", &alice).await;
    let topic = admin.get(&format!("/api/topics/{id}")).await;
    assert_eq!(topic.body["created_by"], "alice");
    assert_eq!(
        admin.topic_actors(id),
        [("pending".into(), "user:alice".into())]
    );

    // A consumer requests nothing, and subscribes nobody but itself.
    let by_consumer = admin
        .send_as(
            "POST",
            "/api/topics",
            Some(&topic_body("mine")),
            Some(&carol),
        )
        .await;
    assert_eq!(by_consumer.status, 403, "{by_consumer:?}");
    admin.approve(id).await;
    admin.activate("orders").await;
    let for_alice = admin
        .send_as(
            "POST",
            "/api/subscriptions",
            Some(&json!({"user_id": "alice", "topic_name": "orders"})),
            Some(&carol),
        )
        .await;
    assert_eq!(for_alice.status, 403, "{for_alice:?}");
    let unsubscribe_alice = admin
        .send_as(
            "DELETE",
            "/api/subscriptions?user_id=alice&topic_name=orders",
            None,
            Some(&carol),
        )
        .await;
    assert_eq!(unsubscribe_alice.status, 403);
    let for_self = admin
        .send_as(
            "POST",
            "/api/subscriptions",
            Some(&json!({"user_id": "carol", "topic_name": "orders"})),
            Some(&carol),
        )
        .await;
    assert_eq!(for_self.status, 201, "{for_self:?}");
    // The original clients, without tokens, still work in open mode.
    let anonymous = admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "alice", "topic_name": "orders"}),
            false,
        )
        .await;
    assert_eq!(anonymous.status, 201, "{anonymous:?}");
}

#[actix_rt::test]
async fn secure_mode_refuses_anonymous_writes_but_serves_reads() {
    let admin = secure_admin();
    let anonymous = admin
        .post("/api/topics", &topic_body("orders"), false)
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    assert!(
        anonymous.body["error"]
            .as_str()
            .unwrap()
            .contains("secure mode")
    );
    let subscribe = admin
        .post(
            "/api/subscriptions",
            &json!({"user_id": "alice", "topic_name": "orders"}),
            false,
        )
        .await;
    assert_eq!(subscribe.status, 401);
    assert_eq!(admin.get("/api/topics").await.status, 200);

    let alice = admin.create_user("alice", &["requester"]).await;
    let id = admin.request_topic_as("orders", &alice).await;
    for (path, body) in [
        (
            format!("/api/topics/{id}/withdraw"),
            json!({"created_by": "alice"}),
        ),
        (
            format!("/api/topics/{id}/partitions"),
            json!({"partitions": 2}),
        ),
    ] {
        let answer = admin.post(&path, &body, false).await;
        assert_eq!(answer.status, 401, "{path}: {answer:?}");
    }
    let withdrawn = admin
        .send_as(
            "POST",
            &format!("/api/topics/{id}/withdraw"),
            None,
            Some(&alice),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{withdrawn:?}");
}

#[actix_rt::test]
async fn four_eyes_keeps_requesters_from_approving_or_deleting_their_own_topics() {
    let admin = secure_admin();
    let bob = admin.create_user("bob", &["requester", "approver"]).await;
    let carol = admin.create_user("carol", &["approver"]).await;
    let dave = admin.create_user("dave", &["consumer"]).await;
    let id = admin.request_topic_as("ledger", &bob).await;
    let approve = format!("/api/topics/{id}/approve");

    let own = admin.send_as("POST", &approve, None, Some(&bob)).await;
    assert_eq!(own.status, 403, "{own:?}");
    assert!(
        own.body["error"].as_str().unwrap().contains("four eyes"),
        "{own:?}"
    );
    let consumer = admin.send_as("POST", &approve, None, Some(&dave)).await;
    assert_eq!(consumer.status, 403, "{consumer:?}");
    let anonymous = admin.send_as("POST", &approve, None, None).await;
    assert_eq!(anonymous.status, 401);
    let by_carol = admin.send_as("POST", &approve, None, Some(&carol)).await;
    assert_eq!(by_carol.status, 200, "{by_carol:?}");
    admin.activate("ledger").await;

    let delete = format!("/api/topics/{id}/delete");
    let own_delete = admin.send_as("POST", &delete, None, Some(&bob)).await;
    assert_eq!(own_delete.status, 403, "{own_delete:?}");
    let deactivated = admin
        .send_as(
            "POST",
            &format!("/api/topics/{id}/deactivate"),
            None,
            Some(&bob),
        )
        .await;
    assert_eq!(
        deactivated.status, 200,
        "four eyes guards approval and deletion only"
    );
    let deleted = admin.send_as("POST", &delete, None, Some(&carol)).await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let actors: Vec<String> = admin.topic_actors(id).into_iter().map(|(_, a)| a).collect();
    assert_eq!(
        actors,
        [
            "user:bob",
            "user:carol",
            "producer",
            "user:bob",
            "user:carol"
        ],
        "the audit trail names each person"
    );
}

#[actix_rt::test]
async fn under_four_eyes_the_dashboard_offers_no_approval_or_deletion_of_ones_own_request() {
    let admin = secure_admin();
    let bob = admin.create_user("bob", &["requester", "approver"]).await;
    let carol = admin.create_user("carol", &["requester"]).await;
    let own = admin.request_topic_as("bobs_ledger", &bob).await;
    let others = admin.request_topic_as("carols_ledger", &carol).await;
    let mut visitor = Visitor::new(&admin);
    visitor.log_in_with(&bob).await;
    for path in ["/", "/dashboard/live"] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let offers = |id: i32, action: &str| {
            page.body
                .contains(&format!("action=\"/dashboard/topics/{id}/{action}\""))
        };
        assert!(
            offers(others, "approve") && offers(others, "reject"),
            "{path}"
        );
        assert!(!offers(own, "approve") && !offers(own, "delete"), "{path}");
        assert!(
            offers(own, "reject"),
            "{path}: four eyes guards approval and deletion only"
        );
    }
}

#[actix_rt::test]
async fn four_eyes_is_off_in_open_mode_unless_asked_for() {
    let open = TestAdmin::spawn();
    let bob = open.create_user("bob", &["requester", "approver"]).await;
    let id = open.request_topic_as("t1", &bob).await;
    assert_eq!(approve_as(&open, id, &bob).await, 200);

    let strict = TestAdmin::spawn_with(|s| s.access.four_eyes = true);
    let bob = strict.create_user("bob", &["requester", "approver"]).await;
    let id = strict.request_topic_as("t1", &bob).await;
    assert_eq!(approve_as(&strict, id, &bob).await, 403);
}

#[actix_rt::test]
async fn secure_mode_shows_records_only_to_approvers_and_subscribers() {
    let admin = secure_admin();
    let id = admin.request_topic_as("readings", &admin.admin_token).await;
    admin.approve(id).await;
    admin.activate("readings").await;
    let reader = admin.create_user("reader", &["consumer"]).await;
    let stranger = admin.create_user("stranger", &["consumer"]).await;
    let approver = admin.create_user("approver", &["approver"]).await;
    admin
        .send_as(
            "POST",
            "/api/subscriptions",
            Some(&json!({"user_id": "reader", "topic_name": "readings"})),
            Some(&reader),
        )
        .await;
    let path = "/api/topics/readings/messages";
    assert_eq!(admin.send_as("GET", path, None, None).await.status, 401);
    let refused = admin.send_as("GET", path, None, Some(&stranger)).await;
    assert_eq!(refused.status, 403, "{refused:?}");
    // Past the check, this admin service has no Kafka to read: 503.
    assert_eq!(
        admin.send_as("GET", path, None, Some(&reader)).await.status,
        503
    );
    assert_eq!(
        admin
            .send_as("GET", path, None, Some(&approver))
            .await
            .status,
        503
    );
    let stream = admin
        .send_as("GET", "/api/topics/readings/stream", None, Some(&stranger))
        .await;
    assert_eq!(stream.status, 403);
}

#[actix_rt::test]
async fn kafka_credentials_need_a_consumer_token_and_a_provisioning_service() {
    let admin = TestAdmin::spawn();
    let alice = admin.create_user("alice", &["consumer"]).await;
    let none = admin
        .send_as("GET", "/api/me/kafka-credentials", None, Some(&alice))
        .await;
    assert_eq!(none.status, 404, "{none:?}");
    assert!(
        none.body["error"]
            .as_str()
            .unwrap()
            .contains("--kafka-credential-secret-file")
    );
    assert_eq!(admin.get("/api/me/kafka-credentials").await.status, 401);
    let requester = admin.create_user("rita", &["requester"]).await;
    let refused = admin
        .send_as("GET", "/api/me/kafka-credentials", None, Some(&requester))
        .await;
    assert_eq!(refused.status, 403);
}
