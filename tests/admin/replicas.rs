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
        loop {
            let names = active_names(&replica.get("/api/topics/active").await);
            if names == ["replicated"] {
                break;
            }
            assert!(
                activated.elapsed() < Duration::from_secs(1),
                "{} still serves {names:?} a second after the activation",
                replica.base_url
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
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
