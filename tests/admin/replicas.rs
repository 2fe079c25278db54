//! Several admin replicas on one PostgreSQL registry: what one changes,
//! every other one serves, and a dashboard session works on any of them.

use std::time::{Duration, Instant};

use topicgate::config::Secret;
use topicgate::db::DatabaseUrl;

use crate::support::admin::{Answer, TestAdmin};
use crate::support::postgres::fresh_database;
use crate::support::visitor::Visitor;

/// The names in an answer of `GET /api/topics/active`.
fn active_names(answer: &Answer) -> Vec<String> {
    answer
        .body
        .as_array()
        .unwrap_or_else(|| panic!("a list of active topics: {answer:?}"))
        .iter()
        .map(|topic| {
            topic["topic_name"]
                .as_str()
                .expect("a topic name")
                .to_owned()
        })
        .collect()
}

/// Asks `replica` for `path` until `wanted` holds of the answer; fails
/// when it still does not a second after `since`.
async fn within_a_second_of(
    since: Instant,
    replica: &TestAdmin,
    path: &str,
    wanted: impl Fn(&Answer) -> bool,
) {
    loop {
        let answer = replica.get(path).await;
        if wanted(&answer) {
            return;
        }
        assert!(
            since.elapsed() < Duration::from_secs(1),
            "{}{path} still answers {answer:?} a second later",
            replica.base_url
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_rt::test]
async fn a_topic_approved_on_another_replica_is_active_on_both_within_a_second() {
    let registry = DatabaseUrl::parse(&fresh_database());
    let asked = TestAdmin::spawn_on(Some(registry.clone()), |_| {});
    let approver = TestAdmin::spawn_on(Some(registry), |_| {});
    let id = asked.create_topic("replicated", 1, 1).await;
    approver.approve(id).await;
    // Both have answered (and cached) the list since their last own change.
    for replica in [&asked, &approver] {
        assert!(active_names(&replica.get("/api/topics/active").await).is_empty());
    }
    approver.activate("replicated").await;

    // Every replica follows a change within a second.
    let activated = Instant::now();
    for replica in [&approver, &asked] {
        within_a_second_of(activated, replica, "/api/topics/active", |answer| {
            active_names(answer) == ["replicated"]
        })
        .await;
    }
}

#[actix_rt::test]
async fn a_dashboard_session_survives_a_switch_to_another_replica() {
    let registry = DatabaseUrl::parse(&fresh_database());
    let first = TestAdmin::spawn_on(Some(registry.clone()), |_| {});
    // Replicas of one deployment share their secrets.
    let admin_token = Secret::new(first.admin_token.clone()).expect("a valid token");
    let second = TestAdmin::spawn_on(Some(registry), |s| s.admin_token = admin_token);
    let id = first.create_topic("awaiting", 1, 1).await;
    let approve_form = format!("action=\"/dashboard/topics/{id}/approve\"");

    let mut on_first = Visitor::new(&first);
    on_first.log_in().await;
    assert!(on_first.get("/").await.body.contains(&approve_form));

    // The same browser, sent to the other replica.
    let mut on_second = Visitor::new(&second);
    on_second.cookie = on_first.cookie.clone();
    let home = on_second.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains(&approve_form),
        "the other replica does not know the session"
    );
    // Its form token works there too: the session's state moved with it.
    let approved = on_second
        .post(
            &format!("/dashboard/topics/{id}/approve"),
            &[("csrf_token", &Visitor::csrf(&home))],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(first.topic(id).await.status.as_str(), "approved");
}

#[actix_rt::test]
async fn a_subscription_made_on_one_replica_is_counted_on_the_other_within_a_second() {
    let registry = DatabaseUrl::parse(&fresh_database());
    let subscribed_on = TestAdmin::spawn_on(Some(registry.clone()), |_| {});
    let counted_on = TestAdmin::spawn_on(Some(registry), |_| {});
    let id = subscribed_on.create_topic("counted_twice", 1, 1).await;
    subscribed_on.approve(id).await;
    subscribed_on.activate("counted_twice").await;
    let count = |answer: &Answer, key: &str| answer.body[key].as_i64().expect("a count");
    // The other replica has heard of the activation, and counted (and
    // kept) the registry since: only the subscription can move it now.
    within_a_second_of(Instant::now(), &counted_on, "/api/stats", |stats| {
        count(stats, "active_topics") == 1
    })
    .await;
    let before = counted_on.get("/api/stats").await;
    assert_eq!(count(&before, "total_subscriptions"), 0, "{before:?}");

    let body = serde_json::json!({"user_id": "u1", "topic_name": "counted_twice"});
    let made = subscribed_on.post("/api/subscriptions", &body, false).await;
    assert_eq!(made.status, 201, "{made:?}");
    within_a_second_of(Instant::now(), &counted_on, "/api/stats", |stats| {
        count(stats, "total_subscriptions") == 1
    })
    .await;
}

#[test]
fn replicas_starting_at_once_on_a_new_registry_migrate_it_once() {
    let registry = DatabaseUrl::parse(&fresh_database());
    let start = std::sync::Arc::new(std::sync::Barrier::new(4));
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let (registry, start) = (registry.clone(), std::sync::Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                topicgate::db::open(&registry, 2).map(|_| ())
            })
        })
        .collect();
    for opener in openers {
        let opened = opener.join().expect("an opener");
        assert!(opened.is_ok(), "{opened:?}");
    }
    // Every migration once, and the registry usable.
    use diesel::prelude::*;
    let pool = topicgate::db::open(&registry, 1).expect("the registry");
    let mut conn = pool.get().expect("a connection");
    let applied: Vec<String> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
            .load::<Version>(&mut conn)
            .expect("the applied migrations")
            .into_iter()
            .map(|row| row.version)
            .collect();
    let mut distinct = applied.clone();
    distinct.dedup();
    assert_eq!(applied, distinct);
    assert_eq!(
        applied.len(),
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations_postgres"))
            .expect("the migrations")
            .count()
    );
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

#[test]
fn a_trimmed_session_table_keeps_the_logged_in_sessions_and_the_latest_anonymous_ones() {
    use topicgate::db::sessions::{self, Lifetime};
    let pool = topicgate::db::open(DatabaseUrl::parse(&fresh_database()), 1).expect("a registry");
    let conn = &mut *pool.get().expect("a connection");
    let now = chrono::Utc::now().naive_utc();
    let ending_in = |minutes: i64| Lifetime {
        now,
        idle_until: now + chrono::Duration::minutes(minutes),
        started_after: now - chrono::Duration::hours(1),
    };
    // The admin's session ends soonest of all, and still stays.
    sessions::insert(conn, "admin", r#"{"login":"digest"}"#, ending_in(1)).unwrap();
    for i in 0..10 {
        let key = format!("visitor-{i}");
        sessions::insert(conn, &key, r#"{"csrf":"token"}"#, ending_in(10 + i)).unwrap();
    }

    assert_eq!(sessions::trim(conn, 4, "login").unwrap(), 7);
    let kept: Vec<&str> = [
        "admin",
        "visitor-0",
        "visitor-6",
        "visitor-7",
        "visitor-8",
        "visitor-9",
    ]
    .into_iter()
    .filter(|key| sessions::load(conn, key, ending_in(0)).unwrap().is_some())
    .collect();
    assert_eq!(kept, ["admin", "visitor-7", "visitor-8", "visitor-9"]);
    assert_eq!(sessions::trim(conn, 4, "login").unwrap(), 0);
}
