//! While the admin API is away the daemon keeps its generators running,
//! retries quietly, and says so once when the API goes and once when it
//! comes back.

use crate::producer_util;
use crate::support;

use std::time::Duration;

use producer_util::logs::{install as capture_logs, lines_containing};
use producer_util::{POLL, eventually, start_producer};
use support::admin::TestAdmin;
use support::kafka::{bootstrap_servers, record_count, unique_name};
use topicgate::config::{Pace, Secret};

#[actix_rt::test]
async fn generators_keep_running_while_the_admin_api_is_away() {
    capture_logs();
    let bootstrap = bootstrap_servers();
    // Both admin processes share the address, the registry file and the key,
    // as one admin service restarted would.
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("registry.db");
    let address = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let key = Secret::generate();
    let spawn_admin = || {
        TestAdmin::spawn_with(|s| {
            s.bind = address.clone();
            s.database_url = database.clone().into();
            s.producer_key = key.clone();
        })
    };

    let admin = spawn_admin();
    let producer = start_producer(&admin.base_url, &bootstrap, key.expose(), Pace::Rate(20.0));
    let name = unique_name("logs");
    let id = admin.create_topic(&name, 1, 1).await;
    admin.approve(id).await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            record_count(&bootstrap, &name).await >= 5
        })
        .await
    );

    drop(admin);
    let at_outage = record_count(&bootstrap, &name).await;
    // Several watcher intervals without the API: records keep coming.
    actix_rt::time::sleep(5 * POLL).await;
    let during = record_count(&bootstrap, &name).await;
    assert!(
        during >= at_outage + 40,
        "records stopped: {at_outage} then {during}"
    );

    let admin = spawn_admin();
    // The watcher backs off to at most 15 s between tries.
    assert!(
        eventually(Duration::from_secs(30), || async {
            lines_containing(&[&address, "is reachable again"]) == 1
        })
        .await,
        "the watcher did not notice the API coming back"
    );
    assert_eq!(lines_containing(&[&address, "admin API unavailable"]), 1);

    // And it acts on the registry again: a deactivation stops the topic.
    admin.deactivate(id).await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            lines_containing(&[&format!("{name} is no longer active")]) == 1
        })
        .await
    );
    let report = producer.stop().expect("the producer stops");
    assert_eq!(report.undelivered, 0);
    assert_eq!(lines_containing(&[&address, "is reachable again"]), 1);
    assert_eq!(lines_containing(&[&address, "admin API unavailable"]), 1);
}
