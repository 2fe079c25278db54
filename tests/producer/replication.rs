//! The producer creates each approved topic with the replication factor it
//! asked for, on a three-node cluster of its own.

use crate::producer_util;
use crate::support;

use std::time::Duration;

use producer_util::{POLL, eventually, start_producer};
use support::admin::TestAdmin;
use support::kafka::{KafkaInstance, record_count, unique_name, wait_for_replicated_topic};
use topicgate::config::Pace;
use topicgate::domain::TopicStatus;

/// Away from the ports of the other tests' own clusters.
const BASE_PORT: u16 = 19492;

/// Slack on top of watcher intervals for a busy two-core machine.
const SLACK: Duration = Duration::from_secs(5);

#[actix_rt::test]
async fn topics_get_the_partitions_and_replication_they_asked_for() {
    let cluster = KafkaInstance::start("producer-replication", 3, BASE_PORT);
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let admin = TestAdmin::spawn();
    let producer = start_producer(
        &admin.base_url,
        &bootstrap,
        &admin.producer_key,
        Pace::Rate(20.0),
    );

    let wide = unique_name("payments");
    let narrow = unique_name("logs");
    let wide_id = admin.create_topic(&wide, 4, 3).await;
    let narrow_id = admin.create_topic(&narrow, 2, 2).await;
    admin.approve(wide_id).await;
    admin.approve(narrow_id).await;

    for (id, name) in [(wide_id, &wide), (narrow_id, &narrow)] {
        assert!(
            eventually(2 * POLL + SLACK, || async {
                admin.topic(id).await.status == TopicStatus::Active
            })
            .await,
            "{name} did not become active"
        );
    }
    // Every node learns of a new topic a moment after the controller
    // does; the wait fails with what it last saw if the layout never comes.
    wait_for_replicated_topic(&bootstrap, &wide, 4, 3).await;
    wait_for_replicated_topic(&bootstrap, &narrow, 2, 2).await;
    assert!(
        eventually(Duration::from_secs(30), || async {
            record_count(&bootstrap, &wide).await > 0
        })
        .await,
        "no records reached {wide}"
    );
    drop(producer);
}
