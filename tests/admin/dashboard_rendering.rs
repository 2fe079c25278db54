//! The dashboard's live part is rendered once for every session that would
//! see the same page, until the registry or the clock moves: no session
//! gets another's CSRF token, and no change waits for the next second.

use std::time::Duration;

use crate::support;

use serde_json::json;
use support::admin::TestAdmin;
use support::prometheus::{get_text, sample};
use support::visitor::{Page, Visitor};

/// Live parts served from another request's rendering, so far.
async fn shared_renderings(admin: &TestAdmin) -> f64 {
    let metrics = get_text(&admin.url("/metrics")).await;
    sample(
        &metrics,
        "topicgate_dashboard_live_parts_total",
        &[("outcome", "shared")],
    )
    .expect("the count of shared renderings")
}

/// The second a page says it was made at (`#live-updated`).
fn updated(page: &Page) -> String {
    let marker = "<span hidden id=\"live-updated\">";
    let start = page.body.find(marker).expect("the live part's time") + marker.len();
    page.body[start..].split('<').next().unwrap().to_owned()
}

/// The CSRF token of every form on a page.
fn csrf_tokens(page: &Page) -> Vec<String> {
    let marker = "name=\"csrf_token\" value=\"";
    page.body
        .split(marker)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// Waits for the start of a second on this machine's clock (the service's
/// too), so that what follows most likely lands in one second of the page.
async fn early_in_a_second() {
    let into = chrono::Utc::now().timestamp_subsec_millis();
    if into > 100 {
        actix_rt::time::sleep(Duration::from_millis(u64::from(1_000 - into))).await;
    }
}

#[actix_rt::test]
async fn sessions_shown_one_rendering_each_get_their_own_csrf_token_and_their_forms_work() {
    let admin = TestAdmin::spawn();
    let first = admin.create_topic("first", 1, 1).await;
    let second = admin.create_topic("second", 1, 1).await;
    let mut alice = Visitor::new(&admin);
    alice.log_in().await;
    let mut bob = Visitor::new(&admin);
    bob.log_in().await;

    for path in ["/", "/dashboard/live"] {
        // Both sessions are the same kind of viewer on the same page: in
        // one second, the second request is served the first's rendering.
        let (of_alice, of_bob) = loop {
            early_in_a_second().await;
            let shared_before = shared_renderings(&admin).await;
            let of_alice = alice.get(path).await;
            let of_bob = bob.get(path).await;
            if updated(&of_alice) == updated(&of_bob) {
                assert!(shared_renderings(&admin).await > shared_before);
                break (of_alice, of_bob);
            }
        };
        let (tokens_a, tokens_b) = (csrf_tokens(&of_alice), csrf_tokens(&of_bob));
        // Approve and Reject on each of the two pending topics, at least.
        assert!(tokens_a.len() >= 4, "{}", of_alice.body);
        assert_eq!(tokens_a.len(), tokens_b.len());
        assert!(tokens_a.iter().all(|t| *t == tokens_a[0]), "{tokens_a:?}");
        assert!(tokens_b.iter().all(|t| *t == tokens_b[0]), "{tokens_b:?}");
        assert_ne!(
            tokens_a[0], tokens_b[0],
            "one session's token on another's page"
        );
        for page in [&of_alice, &of_bob] {
            assert!(!page.body.contains("csrf-token>"), "{}", page.body);
        }
        // The same rendering otherwise, token for token.
        assert_eq!(
            of_alice.body.replace(&tokens_a[0], "TOKEN"),
            of_bob.body.replace(&tokens_b[0], "TOKEN")
        );
    }

    let live_a = alice.get("/dashboard/live").await;
    let live_b = bob.get("/dashboard/live").await;
    for (visitor, page, id) in [(&mut alice, &live_a, first), (&mut bob, &live_b, second)] {
        let token = csrf_tokens(page).remove(0);
        let approved = visitor
            .post(
                &format!("/dashboard/topics/{id}/approve"),
                &[("csrf_token", &token)],
            )
            .await;
        assert_eq!(approved.status, 303);
        assert_eq!(admin.topic(id).await.status.as_str(), "approved");
    }
}

#[actix_rt::test]
async fn a_subjects_compatibility_set_through_the_schema_registry_is_in_the_activity_at_once() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("ledger", 1, 1).await;
    admin.approve(id).await;
    let mut visitor = Visitor::new(&admin);
    for mode in [
        "NONE",
        "FULL",
        "FORWARD",
        "BACKWARD_TRANSITIVE",
        "FULL_TRANSITIVE",
    ] {
        early_in_a_second().await;
        let before = visitor.get("/").await;
        let set = admin
            .put(
                "/schema-registry/config/ledger-value",
                &json!({ "compatibility": mode }),
                true,
            )
            .await;
        assert_eq!(set.status, 200, "{set:?}");
        let after = visitor.get("/").await;
        let entry = format!("compatibility of ledger-value set to {mode}");
        assert!(!before.body.contains(&entry), "{}", before.body);
        assert!(after.body.contains(&entry), "{}", after.body);
        if updated(&before) == updated(&after) {
            // Checked within one second: a kept rendering would have shown.
            return;
        }
    }
    panic!("no change and the page after it landed in one second, five times over");
}
