//! Secure mode end to end against the real secured broker: the registry
//! decides, and Kafka itself enforces it. The admin service (in process,
//! real HTTP) logs in to Kafka as the super user and its access reconciler
//! turns users into SCRAM credentials and subscriptions into ACLs; the
//! reads are plain rdkafka clients logged in with what
//! `GET /api/me/kafka-credentials` hands out.

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::admin::TestAdmin;
use support::kafka::unique_name;
use support::prometheus::{check_metrics, get_text};
use support::secure_kafka::{SecureKafka, read_first, secure_kafka, settings_for};
use support::wait::eventually;
use topicgate::api::KafkaCredentials;
use topicgate::config::{AccessSettings, KafkaSettings, KafkaUserSettings, Secret};
use topicgate::kafka_access::{AclBinding, AclFilter, Operation, ResourceType};

use super::kafka_access::{
    WAIT, is_unauthorized, log_in_until, read_until, super_access, topic_with_record,
};

/// The reconciler's periodic pass here: short, so a test sees drift repaired.
const INTERVAL: Duration = Duration::from_secs(2);

fn secure_admin(kafka: &SecureKafka, producer: &str) -> TestAdmin {
    let super_settings = kafka.super_settings();
    let producer = producer.to_owned();
    TestAdmin::spawn_with(move |settings| {
        settings.kafka = Some(super_settings);
        settings.access = AccessSettings {
            secure: true,
            four_eyes: true,
            kafka_users: Some(KafkaUserSettings {
                credential_secret: Secret::generate(),
                producer_principal: Some(format!("User:{producer}")),
                reconcile_interval: INTERVAL,
            }),
        };
    })
}

async fn kafka_login(admin: &TestAdmin, token: &str) -> KafkaSettings {
    let answer = admin
        .send_as("GET", "/api/me/kafka-credentials", None, Some(token))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let credentials: KafkaCredentials = serde_json::from_value(answer.body).unwrap();
    assert_eq!(credentials.mechanism, "SCRAM-SHA-512");
    settings_for(
        &credentials.bootstrap_servers,
        &credentials.username,
        &Secret::external(credentials.password).unwrap(),
    )
}

async fn api(
    admin: &TestAdmin,
    method: &str,
    path: &str,
    body: serde_json::Value,
    token: &str,
) -> u16 {
    admin
        .send_as(method, path, Some(&body), Some(token))
        .await
        .status
}

#[actix_rt::test]
async fn kafka_refuses_a_consumer_until_it_subscribes_and_again_once_it_unsubscribes() {
    let Some(kafka) = secure_kafka() else { return };
    let producer = unique_name("producer");
    let admin = secure_admin(&kafka, &producer);
    let (requester, approver, alice, eve) = (
        unique_name("req"),
        unique_name("appr"),
        unique_name("alice"),
        unique_name("eve"),
    );
    let requester_token = admin.create_user(&requester, &["requester"]).await;
    let approver_token = admin.create_user(&approver, &["approver"]).await;
    let alice_token = admin.create_user(&alice, &["consumer"]).await;
    let eve_token = admin.create_user(&eve, &["consumer"]).await;

    // The topic goes through the gate: requested, approved by someone else,
    // made in Kafka (here by the super user, as the producer would) and
    // activated.
    let topic = topic_with_record(&kafka, "for subscribers only").await;
    let id = admin.request_topic_as(&topic, &requester_token).await;
    let approve = format!("/api/topics/{id}/approve");
    let own = admin
        .send_as("POST", &approve, None, Some(&requester_token))
        .await;
    assert_eq!(
        own.status, 403,
        "a requester approved their own request: {own:?}"
    );
    let approved = admin
        .send_as("POST", &approve, None, Some(&approver_token))
        .await;
    assert_eq!(approved.status, 200, "{approved:?}");
    admin.activate(&topic).await;

    // A consumer cannot create users or subscribe in someone else's name.
    let users = api(
        &admin,
        "POST",
        "/api/users",
        json!({"user_id": "mallory", "roles": ["admin"]}),
        &eve_token,
    )
    .await;
    assert_eq!(users, 403);
    let for_alice = json!({"user_id": alice, "topic_name": topic});
    assert_eq!(
        api(
            &admin,
            "POST",
            "/api/subscriptions",
            for_alice.clone(),
            &eve_token
        )
        .await,
        403
    );

    // Alice has a Kafka login but no subscription: Kafka itself refuses.
    let settings = kafka_login(&admin, &alice_token).await;
    log_in_until(&settings, Result::is_ok)
        .await
        .expect("the reconciler gave alice a SCRAM credential");
    let group = format!("consumer-group-{alice}");
    let refused = read_until(&settings, &topic, &group, is_unauthorized).await;
    assert!(
        is_unauthorized(&refused),
        "read without a subscription: {refused:?}"
    );

    // Subscribed: she reads within one reconcile.
    assert_eq!(
        api(
            &admin,
            "POST",
            "/api/subscriptions",
            for_alice.clone(),
            &alice_token
        )
        .await,
        201
    );
    let read = read_until(&settings, &topic, &group, Result::is_ok).await;
    assert_eq!(
        read.expect("a read after subscribing"),
        "for subscribers only"
    );

    // Her ACLs only let her into her own group.
    let other_group = unique_name("someone-elses-group");
    let elsewhere = read_until(&settings, &topic, &other_group, is_unauthorized).await;
    assert!(
        is_unauthorized(&elsewhere),
        "read in a foreign group: {elsewhere:?}"
    );

    // A client without credentials reads nothing.
    let mut anonymous = KafkaSettings::new(kafka.bootstrap.clone());
    anonymous.security.protocol = Some("PLAINTEXT".into());
    let nothing = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || read_first(&anonymous, &topic, "anonymous", Duration::from_secs(5))
    })
    .await
    .unwrap();
    assert!(
        nothing.is_err(),
        "a client without credentials read {nothing:?}"
    );

    // Unsubscribed: refused again.
    assert_eq!(
        api(
            &admin,
            "DELETE",
            "/api/subscriptions",
            for_alice,
            &alice_token
        )
        .await,
        200
    );
    let again = read_until(&settings, &topic, &group, is_unauthorized).await;
    assert!(
        is_unauthorized(&again),
        "read after unsubscribing: {again:?}"
    );
}

#[actix_rt::test]
async fn managed_acls_are_reconciled_both_ways_and_foreign_ones_are_left_alone() {
    let Some(kafka) = secure_kafka() else { return };
    let producer = unique_name("producer");
    let admin = secure_admin(&kafka, &producer);
    let access = super_access(&kafka);
    let bob = unique_name("bob");
    let bob_token = admin.create_user(&bob, &["consumer"]).await;
    let principal = format!("User:{bob}");

    let topic = topic_with_record(&kafka, "watched").await;
    let id = admin.request_topic_as(&topic, &admin.admin_token).await;
    admin.approve(id).await;
    admin.activate(&topic).await;
    let for_bob = json!({"user_id": bob, "topic_name": topic});
    assert_eq!(
        api(&admin, "POST", "/api/subscriptions", for_bob, &bob_token).await,
        201
    );

    let read_acl = AclBinding::allow(&principal, Operation::Read, ResourceType::Topic, &topic);
    let bobs_acls = || async {
        access
            .describe_acls(&AclFilter::principal(&principal))
            .await
            .expect("describing ACLs")
    };
    assert!(
        eventually(WAIT, || async { bobs_acls().await.contains(&read_acl) }).await,
        "no READ ACL for bob: {:?}",
        bobs_acls().await
    );

    // The passes show in the admin's metrics: good ones, and the ACLs kept.
    let metrics = get_text(&admin.url("/metrics")).await;
    check_metrics(&metrics);
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{metrics}"))
    };
    assert!(value("topicgate_access_reconciles_total{outcome=\"ok\"}") >= 1.0);
    assert!(
        value("topicgate_access_acls_managed") >= 5.0,
        "bob's five and the producer's"
    );
    assert!(value("topicgate_access_reconciled_timestamp_seconds") > 0.0);

    // An ACL someone made by hand for bob is not topicgate's to remove.
    let foreign_topic = unique_name("hand-made");
    let foreign = AclBinding::allow(
        &principal,
        Operation::Read,
        ResourceType::Topic,
        &foreign_topic,
    );
    access
        .create_acls(std::slice::from_ref(&foreign))
        .await
        .expect("creating by hand");
    // A managed ACL removed by hand comes back at the next pass.
    access
        .delete_acls(&[AclFilter::from(&read_acl)])
        .await
        .expect("deleting by hand");
    assert!(
        eventually(WAIT, || async { bobs_acls().await.contains(&read_acl) }).await,
        "the removed READ ACL did not come back"
    );

    // The producer's principal writes active topics only.
    let write = AclBinding::allow(
        format!("User:{producer}"),
        Operation::Write,
        ResourceType::Topic,
        &topic,
    );
    let producers_acls = || async {
        access
            .describe_acls(&AclFilter::principal(format!("User:{producer}")))
            .await
            .expect("describing ACLs")
    };
    assert!(eventually(WAIT, || async { producers_acls().await.contains(&write) }).await);
    admin.deactivate(id).await;
    assert!(
        eventually(WAIT, || async { !producers_acls().await.contains(&write) }).await,
        "the producer may still write a deactivated topic"
    );
    // Deactivation also ended bob's reading; deleting bob ends his login.
    assert!(
        eventually(WAIT, || async { !bobs_acls().await.contains(&read_acl) }).await,
        "bob may still read a deactivated topic"
    );
    let settings = kafka_login(&admin, &bob_token).await;
    log_in_until(&settings, Result::is_ok)
        .await
        .expect("bob logs in");
    let deleted = admin
        .send_as(
            "DELETE",
            &format!("/api/users/{bob}"),
            None,
            Some(&admin.admin_token),
        )
        .await;
    assert_eq!(deleted.status, 200);
    let after = log_in_until(&settings, Result::is_err).await;
    assert!(after.is_err(), "a deleted user still logs in to Kafka");

    // Through it all, the hand-made ACL stayed.
    assert!(
        bobs_acls().await.contains(&foreign),
        "a foreign ACL was removed"
    );
    access
        .delete_acls(&[AclFilter::from(&foreign)])
        .await
        .expect("cleaning up");
}
