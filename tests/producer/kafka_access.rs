//! Kafka's own access control through `topicgate::kafka_access`, against
//! the real secured broker of `scripts/kafka.sh start --secure`: SCRAM
//! credentials let a user log in until they are deleted; ACLs let that
//! user read a topic until they are deleted; hostile input never reaches
//! Kafka. The producer's reconciler is the caller of these calls.

use crate::support;

use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use support::kafka::unique_name;
use support::secure_kafka::{
    SUPER_USER, SecureKafka, error_code, list_acls_via_controllers, log_in, plain_login,
    read_first, secure_kafka,
};
use topicgate::config::{KafkaSettings, Secret};
use topicgate::kafka_access::{
    AccessError, AclBinding, AclFilter, KafkaAccess, Operation, ResourceType, ScramCredentialInfo,
    ScramMechanism,
};
use topicgate::kafka_config::{KafkaRole, client_config};

/// How long a login or a read may take on a busy two-core machine.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// How long one login or read is given before it is tried again.
const TRY: Duration = Duration::from_secs(5);

/// Iterations for the test users' credentials (Kafka's minimum is 4096).
const ITERATIONS: u32 = 8192;

pub(crate) fn super_access(kafka: &SecureKafka) -> KafkaAccess {
    KafkaAccess::from_settings(&kafka.super_settings()).expect("an admin client")
}

/// A fresh user with a SCRAM-SHA-512 credential and its settings.
async fn new_user(kafka: &SecureKafka, access: &KafkaAccess) -> (String, KafkaSettings) {
    let user = unique_name("user");
    let password = Secret::generate();
    access
        .upsert_scram_credential(&user, ScramMechanism::Sha512, &password, ITERATIONS)
        .await
        .expect("upserting a credential");
    let settings = kafka.settings(&user, &password);
    (user, settings)
}

/// A topic holding one record, both made by the super user.
pub(crate) async fn topic_with_record(kafka: &SecureKafka, payload: &str) -> String {
    let topic = unique_name("secured");
    let settings = kafka.super_settings();
    let admin: AdminClient<DefaultClientContext> =
        client_config(&settings, KafkaRole::ProducerAdmin)
            .create()
            .expect("an admin client");
    let created = admin
        .create_topics(
            &[NewTopic::new(&topic, 1, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(WAIT)),
        )
        .await
        .expect("creating a topic");
    assert!(created.iter().all(Result::is_ok), "{created:?}");
    let producer: FutureProducer = client_config(&settings, KafkaRole::DeadLetterProducer)
        .create()
        .expect("a producer");
    producer
        .send(FutureRecord::<(), _>::to(&topic).payload(payload), WAIT)
        .await
        .expect("producing as the super user");
    topic
}

/// Whether `outcome` is Kafka refusing a read for want of an ACL.
pub(crate) fn is_unauthorized(outcome: &Result<String, KafkaError>) -> bool {
    outcome.as_ref().is_err_and(|error| {
        matches!(
            error_code(error),
            Some(
                RDKafkaErrorCode::TopicAuthorizationFailed
                    | RDKafkaErrorCode::GroupAuthorizationFailed
            )
        )
    })
}

/// Reads `topic` in `group` as `settings` until `wanted` accepts the
/// outcome (ACLs reach the broker's authorizer just after the call
/// returns), at most [`WAIT`]; the last outcome.
pub(crate) async fn read_until(
    settings: &KafkaSettings,
    topic: &str,
    group: &str,
    wanted: fn(&Result<String, KafkaError>) -> bool,
) -> Result<String, KafkaError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let outcome = blocking({
            let (settings, topic, group) = (settings.clone(), topic.to_owned(), group.to_owned());
            move || read_first(&settings, &topic, &group, TRY)
        })
        .await;
        if wanted(&outcome) || Instant::now() >= deadline {
            return outcome;
        }
    }
}

/// Logs in as `settings` until `wanted` accepts the outcome (credentials
/// reach the broker just after the call returns), at most [`WAIT`].
pub(crate) async fn log_in_until(
    settings: &KafkaSettings,
    wanted: fn(&Result<(), KafkaError>) -> bool,
) -> Result<(), KafkaError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let settings = settings.clone();
        let outcome = blocking(move || log_in(&settings, TRY)).await;
        if wanted(&outcome) || Instant::now() >= deadline {
            return outcome;
        }
    }
}

/// A blocking librdkafka wait, off the test's runtime thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("a blocking task")
}

#[actix_rt::test]
async fn a_scram_credential_lets_its_user_log_in_until_it_is_deleted() {
    let Some(kafka) = secure_kafka() else { return };
    let access = super_access(&kafka);
    let user = unique_name("user");
    let password = Secret::generate();
    let settings = kafka.settings(&user, &password);

    let before = log_in_until(&settings, Result::is_err).await;
    assert!(before.is_err(), "a user without a credential logged in");

    access
        .upsert_scram_credential(&user, ScramMechanism::Sha512, &password, ITERATIONS)
        .await
        .expect("upserting a credential");
    let described = access
        .describe_scram_credentials(&[&user])
        .await
        .expect("describing credentials");
    assert_eq!(described.len(), 1, "{described:?}");
    assert_eq!(described[0].user, user);
    assert_eq!(
        described[0].credentials,
        vec![ScramCredentialInfo {
            mechanism: ScramMechanism::Sha512,
            iterations: ITERATIONS as i32
        }]
    );
    log_in_until(&settings, Result::is_ok)
        .await
        .expect("the user logs in with the right password");

    let wrong = kafka.settings(&user, &Secret::generate());
    let refused = log_in_until(&wrong, Result::is_err).await;
    assert!(refused.is_err(), "a wrong password logged in");

    access
        .delete_scram_credential(&user, ScramMechanism::Sha512)
        .await
        .expect("deleting the credential");
    let after = log_in_until(&settings, Result::is_err).await;
    assert!(
        after.is_err(),
        "the user logged in after the credential was deleted"
    );
    let described = access
        .describe_scram_credentials(&[&user])
        .await
        .expect("describing credentials");
    assert!(
        described.iter().all(|u| u.credentials.is_empty()),
        "{described:?}"
    );
}

#[actix_rt::test]
async fn acls_let_a_user_read_a_topic_until_they_are_deleted() {
    let Some(kafka) = secure_kafka() else { return };
    let access = super_access(&kafka);
    let (user, settings) = new_user(&kafka, &access).await;
    let principal = format!("User:{user}");
    let topic = topic_with_record(&kafka, "for the reader").await;
    let group = unique_name("readers");

    let refused = read_until(&settings, &topic, &group, is_unauthorized).await;
    assert!(is_unauthorized(&refused), "read without ACLs: {refused:?}");

    let mut granted = vec![
        AclBinding::allow(&principal, Operation::Read, ResourceType::Topic, &topic),
        AclBinding::allow(&principal, Operation::Describe, ResourceType::Topic, &topic),
        AclBinding::allow(&principal, Operation::Read, ResourceType::Group, &group),
    ];
    // Sent from a spawned task: the calls' futures may move between threads.
    let create = tokio::spawn({
        let access = super_access(&kafka);
        let granted = granted.clone();
        async move { access.create_acls(&granted).await }
    });
    create.await.expect("the task").expect("creating ACLs");

    let mut described = access
        .describe_acls(&AclFilter::principal(&principal))
        .await
        .expect("describing ACLs");
    granted.sort();
    described.sort();
    assert_eq!(described, granted);

    let read = read_until(&settings, &topic, &group, Result::is_ok)
        .await
        .expect("the user reads once allowed");
    assert_eq!(read, "for the reader");

    let mut deleted = access
        .delete_acls(&[AclFilter::principal(&principal)])
        .await
        .expect("deleting ACLs");
    deleted.sort();
    assert_eq!(deleted, granted);
    assert!(
        access
            .describe_acls(&AclFilter::principal(&principal))
            .await
            .expect("describing ACLs")
            .is_empty()
    );
    let refused = read_until(&settings, &topic, &unique_name("readers"), is_unauthorized).await;
    assert!(
        is_unauthorized(&refused),
        "read after the ACLs were deleted: {refused:?}"
    );

    access
        .delete_scram_credential(&user, ScramMechanism::Sha512)
        .await
        .expect("deleting the credential");
}

#[actix_rt::test]
async fn a_user_cannot_change_acls_and_kafka_says_why() {
    let Some(kafka) = secure_kafka() else { return };
    let access = super_access(&kafka);
    let (user, settings) = new_user(&kafka, &access).await;
    let principal = format!("User:{user}");
    let as_user = KafkaAccess::from_settings(&settings).expect("an admin client");

    let error = as_user
        .create_acls(&[AclBinding::allow(
            &principal,
            Operation::All,
            ResourceType::Topic,
            "*",
        )])
        .await
        .expect_err("a user granted itself everything");
    let AccessError::Items(failures) = &error else {
        panic!("not a per-binding refusal: {error}");
    };
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].failure.code,
        RDKafkaErrorCode::ClusterAuthorizationFailed,
        "{error}"
    );
    assert!(
        access
            .describe_acls(&AclFilter::principal(&principal))
            .await
            .expect("describing ACLs")
            .is_empty()
    );
    access
        .delete_scram_credential(&user, ScramMechanism::Sha512)
        .await
        .expect("deleting the credential");
}

#[actix_rt::test]
async fn only_the_super_user_gets_in_through_the_controller_listener() {
    let Some(kafka) = secure_kafka() else { return };
    let access = super_access(&kafka);
    let user = unique_name("user");
    let password = Secret::generate();
    access
        .upsert_scram_credential(&user, ScramMechanism::Sha512, &password, ITERATIONS)
        .await
        .expect("upserting a credential");
    let controllers = kafka.controllers.clone();
    let super_login = plain_login(SUPER_USER, &kafka.super_password);
    let user_login = plain_login(&user, &password);
    let (anonymous, as_user, as_super) = blocking(move || {
        (
            list_acls_via_controllers(&controllers, ""),
            list_acls_via_controllers(&controllers, &user_login),
            list_acls_via_controllers(&controllers, &super_login),
        )
    })
    .await;
    // The same command reaches the controllers and lists ACLs for the
    // super user, so the others are refused for who they are.
    as_super.expect("the super user lists ACLs through the controllers");
    anonymous.expect_err("an unauthenticated client listed ACLs through the controllers");
    as_user.expect_err("a SCRAM user listed ACLs through the controllers");

    // Nor does anyone get metadata from the client listener without logging in.
    let anonymous = KafkaSettings::new(&kafka.bootstrap);
    let outcome = blocking(move || log_in(&anonymous, TRY)).await;
    assert!(outcome.is_err(), "an unauthenticated client got metadata");
    access
        .delete_scram_credential(&user, ScramMechanism::Sha512)
        .await
        .expect("deleting the credential");
}

/// A client whose requests could only fail: nothing listens on its port,
/// so any answer other than a refusal of the input means it was not sent.
fn unreachable_access() -> KafkaAccess {
    KafkaAccess::from_settings(&KafkaSettings::new("127.0.0.1:1"))
        .expect("an admin client")
        .with_request_timeout(Duration::from_secs(2))
}

#[actix_rt::test]
async fn names_with_nul_bytes_are_refused_before_kafka_is_asked() {
    let access = unreachable_access();
    let bad = AclBinding::allow(
        "User:al\0ice",
        Operation::Read,
        ResourceType::Topic,
        "orders",
    );
    let error = access.create_acls(&[bad]).await.expect_err("refused");
    assert!(matches!(error, AccessError::Invalid(_)), "{error}");
    assert!(error.to_string().contains("NUL byte"), "{error}");

    let filter = AclFilter {
        name: Some("ord\0ers".into()),
        ..AclFilter::default()
    };
    for error in [
        access.describe_acls(&filter).await.expect_err("refused"),
        access
            .delete_acls(std::slice::from_ref(&filter))
            .await
            .expect_err("refused"),
        access
            .upsert_scram_credential(
                "al\0ice",
                ScramMechanism::Sha512,
                &Secret::generate(),
                ITERATIONS,
            )
            .await
            .expect_err("refused"),
        access
            .delete_scram_credential("al\0ice", ScramMechanism::Sha256)
            .await
            .expect_err("refused"),
        access
            .describe_scram_credentials(&["bob", "al\0ice"])
            .await
            .expect_err("refused"),
    ] {
        assert!(matches!(error, AccessError::Invalid(_)), "{error}");
        assert!(error.to_string().contains("NUL byte"), "{error}");
    }
    let error = access
        .upsert_scram_credential("alice", ScramMechanism::Sha512, &Secret::generate(), 10)
        .await
        .expect_err("too few iterations");
    assert!(matches!(error, AccessError::Invalid(_)), "{error}");

    // The same client does ask Kafka for valid input, and fails to reach it.
    let error = access
        .describe_acls(&AclFilter::default())
        .await
        .expect_err("nothing listens there");
    assert!(!matches!(error, AccessError::Invalid(_)), "{error}");
}

#[actix_rt::test]
async fn empty_lists_change_nothing_and_ask_nothing() {
    let access = unreachable_access();
    assert_eq!(access.delete_acls(&[]).await.expect("a no-op"), Vec::new());
    access.create_acls(&[]).await.expect("a no-op");
}
