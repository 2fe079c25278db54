//! Topics' value schemas: requested with the topic, approved with it, and
//! served read-only by the Schema Registry API under `/schema-registry`.

use crate::support;

use diesel::prelude::*;
use serde_json::{Value, json};
use support::admin::{Answer, TestAdmin};
use topicgate::client::AdminClient;
use topicgate::db;
use topicgate::domain::{DataType, canonical_json};
use topicgate::schema::builtin_schema;

const SR_CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// A small schema of a whole record, as a team might write it.
fn orders_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["payload"],
        "properties": {
            "payload": {
                "type": "object",
                "properties": {"amount": {"type": "number"}},
                "required": ["amount"]
            }
        }
    })
}

async fn request_with(admin: &TestAdmin, body: Value) -> Answer {
    admin.post("/api/topics", &body, false).await
}

/// The rows of the `schemas` table: (id, subject, version, status).
fn stored_schemas(admin: &TestAdmin) -> Vec<(i32, String, Option<i32>, String)> {
    stored_schemas_in(&admin.database)
}

fn stored_schemas_in(registry: &std::path::Path) -> Vec<(i32, String, Option<i32>, String)> {
    use db::schema::schemas::dsl::*;
    let pool = db::open(registry, 1).expect("open the registry");
    let mut conn = pool.get().expect("a connection");
    schemas
        .select((id, subject, version, status))
        .order(id.asc())
        .load(&mut conn)
        .expect("read schemas")
}

fn assert_confluent_error(answer: &Answer, status: u16, error_code: i64) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.body["error_code"], error_code, "{answer:?}");
    assert!(answer.body["message"].is_string(), "{answer:?}");
    assert_eq!(answer.content_type, SR_CONTENT_TYPE, "{answer:?}");
}

#[actix_rt::test]
async fn a_requested_schema_is_served_once_its_topic_is_approved() {
    let admin = TestAdmin::spawn();
    let created = request_with(
        &admin,
        json!({"name": "orders", "created_by": "shop", "schema": orders_schema(),
               "value_format": "confluent_json"}),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    // The old answer, unchanged.
    let keys: Vec<&String> = created.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["message", "topic_id", "status"]);
    let id = created.body["topic_id"].as_i64().unwrap() as i32;

    // Pending: nothing is served yet.
    let subjects = admin.get("/schema-registry/subjects").await;
    assert_eq!(subjects.status, 200, "{subjects:?}");
    assert_eq!(subjects.content_type, SR_CONTENT_TYPE);
    assert_eq!(subjects.body, json!([]));
    assert_confluent_error(
        &admin
            .get("/schema-registry/subjects/orders-value/versions")
            .await,
        404,
        40401,
    );
    let pending = stored_schemas(&admin);
    assert_eq!(pending.len(), 1, "{pending:?}");
    let schema_id = pending[0].0;
    assert_confluent_error(
        &admin
            .get(&format!("/schema-registry/schemas/ids/{schema_id}"))
            .await,
        404,
        40403,
    );

    admin.approve(id).await;
    let expected_text = canonical_json(&orders_schema());

    let subjects = admin.get("/schema-registry/subjects").await;
    assert_eq!(subjects.body, json!(["orders-value"]));
    let versions = admin
        .get("/schema-registry/subjects/orders-value/versions")
        .await;
    assert_eq!(versions.status, 200, "{versions:?}");
    assert_eq!(versions.content_type, SR_CONTENT_TYPE);
    assert_eq!(versions.body, json!([1]));
    for version in ["1", "latest", "-1"] {
        let one = admin
            .get(&format!(
                "/schema-registry/subjects/orders-value/versions/{version}"
            ))
            .await;
        assert_eq!(one.status, 200, "{version}: {one:?}");
        assert_eq!(one.content_type, SR_CONTENT_TYPE);
        assert_eq!(
            one.body,
            json!({"subject": "orders-value", "version": 1, "id": schema_id,
                   "schema": expected_text, "schemaType": "JSON"}),
            "{version}"
        );
    }
    let by_id = admin
        .get(&format!("/schema-registry/schemas/ids/{schema_id}"))
        .await;
    assert_eq!(by_id.status, 200, "{by_id:?}");
    assert_eq!(by_id.content_type, SR_CONTENT_TYPE);
    assert_eq!(
        by_id.body,
        json!({"schema": expected_text, "schemaType": "JSON"})
    );
    let served: Value = serde_json::from_str(by_id.body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(served, orders_schema());
    let scoped = admin
        .get(&format!(
            "/schema-registry/schemas/ids/{schema_id}?subject=orders-value"
        ))
        .await;
    assert_eq!(scoped.status, 200, "{scoped:?}");
    assert_confluent_error(
        &admin
            .get(&format!(
                "/schema-registry/schemas/ids/{schema_id}?subject=other-value"
            ))
            .await,
        404,
        40403,
    );
    let where_registered = admin
        .get(&format!(
            "/schema-registry/schemas/ids/{schema_id}/versions"
        ))
        .await;
    assert_eq!(where_registered.status, 200, "{where_registered:?}");
    assert_eq!(
        where_registered.body,
        json!([{"subject": "orders-value", "version": 1}])
    );

    // The producer's view: the current schema and the framing.
    admin.activate("orders").await;
    let active = admin.get("/api/topics/active").await;
    assert_eq!(active.body[0]["topic_name"], "orders");
    assert_eq!(active.body[0]["schema_id"], schema_id);
    assert_eq!(active.body[0]["value_format"], "confluent_json");

    // The same reads through the client the producer and consumer use.
    let client = AdminClient::new(&admin.base_url);
    let latest = client.latest_schema("orders-value").await.unwrap();
    assert_eq!(
        (latest.id, latest.version, latest.schema.as_str()),
        (i64::from(schema_id), 1, expected_text.as_str())
    );
    assert_eq!(latest.schema_type, "JSON");
    let text = client.schema_by_id(i64::from(schema_id)).await.unwrap();
    assert_eq!(text.schema, expected_text);
    let subjects = client
        .subjects_of_schema(i64::from(schema_id))
        .await
        .unwrap();
    assert_eq!(subjects.len(), 1);
    assert_eq!(
        (subjects[0].subject.as_str(), subjects[0].version),
        ("orders-value", 1)
    );
    let missing = client.schema_by_id(999_999).await.unwrap_err();
    assert_eq!(missing.status(), Some(404), "{missing}");
    assert!(missing.to_string().contains("999999"), "{missing}");
}

#[actix_rt::test]
async fn a_topic_requested_without_a_schema_gets_its_data_types_builtin() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("sensor_data", 1, 1).await;
    admin.approve(id).await;
    admin.activate("sensor_data").await;
    let latest = admin
        .get("/schema-registry/subjects/sensor_data-value/versions/latest")
        .await;
    assert_eq!(latest.status, 200, "{latest:?}");
    assert_eq!(latest.body["version"], 1);
    let served: Value = serde_json::from_str(latest.body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(served, builtin_schema(DataType::Sensor));
    let active = admin.get("/api/topics/active").await;
    assert_eq!(active.body[0]["schema_id"], latest.body["id"]);
    // Plain JSON unless asked otherwise.
    assert_eq!(active.body[0]["value_format"], "json");
}

#[actix_rt::test]
async fn an_invalid_schema_or_value_format_is_refused_and_nothing_is_stored() {
    let admin = TestAdmin::spawn();
    let mut deep = json!({"type": "object"});
    for _ in 0..40 {
        deep = json!({"type": "object", "properties": {"inner": deep}});
    }
    let cases = [
        (json!("an object, please"), "must be a JSON object"),
        (json!([{"type": "object"}]), "must be a JSON object"),
        (json!({"type": "no-such-type"}), "not a valid JSON Schema"),
        (
            json!({"$schema": "http://json-schema.org/draft-07/schema#"}),
            "2020-12",
        ),
        (deep, "nests deeper"),
    ];
    for (schema, why) in cases {
        let answer = request_with(
            &admin,
            json!({"name": "bad_schema", "created_by": "tests", "schema": schema}),
        )
        .await;
        assert_eq!(answer.status, 400, "{schema}: {answer:?}");
        let error = answer.body["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("invalid schema: "), "{error}");
        assert!(error.contains(why), "{error}");
    }
    // Past the body limit the request is refused before it is read.
    let huge = json!({"name": "huge_schema", "created_by": "tests",
                      "schema": {"type": "object", "description": "x".repeat(70 * 1024)}});
    let too_large = request_with(&admin, huge).await;
    assert_eq!(too_large.status, 413, "{too_large:?}");
    assert!(too_large.body["error"].is_string(), "{too_large:?}");
    let format = request_with(
        &admin,
        json!({"name": "bad_format", "created_by": "tests", "value_format": "avro"}),
    )
    .await;
    assert_eq!(format.status, 400, "{format:?}");
    assert!(
        format.body["error"]
            .as_str()
            .unwrap()
            .contains("invalid value_format"),
        "{format:?}"
    );
    assert_eq!(admin.topics().await.len(), 0);
    assert_eq!(stored_schemas(&admin), []);
}

#[actix_rt::test]
async fn dead_letter_topic_names_are_refused_at_request_time() {
    let admin = TestAdmin::spawn();
    for name in ["orders.dlq", "orders_dlq", "Orders.DLQ"] {
        let answer = request_with(&admin, json!({"name": name, "created_by": "tests"})).await;
        assert_eq!(answer.status, 400, "{name}: {answer:?}");
        let error = answer.body["error"].as_str().unwrap_or_default();
        assert!(error.contains("dead-letter"), "{name}: {error}");
    }
    assert_eq!(admin.topics().await.len(), 0);
    assert_eq!(stored_schemas(&admin), []);
    // The suffix only: a name that merely holds "dlq" is fine.
    admin.create_topic("dlq_audit", 1, 1).await;
}

#[actix_rt::test]
async fn rejected_and_withdrawn_requests_never_serve_their_schema() {
    let admin = TestAdmin::spawn();
    let rejected = admin.create_topic("turned_down", 1, 1).await;
    admin.reject(rejected).await;
    let withdrawn = admin.create_topic("taken_back", 1, 1).await;
    let answer = admin
        .post(
            &format!("/api/topics/{withdrawn}/withdraw"),
            &json!({"created_by": "tests"}),
            false,
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let rows = stored_schemas(&admin);
    assert_eq!(rows.len(), 2, "{rows:?}");
    for (schema_id, _, version, status) in rows {
        assert_eq!((version, status.as_str()), (None, "rejected"));
        assert_confluent_error(
            &admin
                .get(&format!("/schema-registry/schemas/ids/{schema_id}"))
                .await,
            404,
            40403,
        );
    }
    assert_eq!(admin.get("/schema-registry/subjects").await.body, json!([]));
}

#[actix_rt::test]
async fn a_name_taken_again_numbers_on_and_old_ids_still_resolve() {
    let admin = TestAdmin::spawn();
    let first = admin.create_topic("reborn", 1, 1).await;
    admin.approve(first).await;
    admin.activate("reborn").await;
    admin.deactivate(first).await;
    let deleted = admin
        .post(&format!("/api/topics/{first}/delete"), &json!({}), true)
        .await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let old_id = stored_schemas(&admin)[0].0;
    // A deleted topic's subject is gone from the listing...
    assert_eq!(admin.get("/schema-registry/subjects").await.body, json!([]));
    let again = request_with(
        &admin,
        json!({"name": "reborn", "created_by": "tests", "schema": orders_schema()}),
    )
    .await;
    assert_eq!(again.status, 201, "{again:?}");
    admin
        .approve(again.body["topic_id"].as_i64().unwrap() as i32)
        .await;
    let versions = admin
        .get("/schema-registry/subjects/reborn-value/versions")
        .await;
    // ...and the new topic's first version does not reuse its number.
    assert_eq!(versions.body, json!([2]));
    assert_confluent_error(
        &admin
            .get("/schema-registry/subjects/reborn-value/versions/1")
            .await,
        404,
        40402,
    );
    // Records written with the old id stay readable.
    let old = admin
        .get(&format!("/schema-registry/schemas/ids/{old_id}"))
        .await;
    assert_eq!(old.status, 200, "{old:?}");
    let old_where = admin
        .get(&format!("/schema-registry/schemas/ids/{old_id}/versions"))
        .await;
    assert_eq!(old_where.body, json!([]));
}

#[actix_rt::test]
async fn reads_answer_with_confluent_error_codes() {
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("errors_topic", 1, 1).await;
    admin.approve(id).await;
    let cases = [
        (
            "/schema-registry/subjects/nobody-value/versions",
            404,
            40401,
        ),
        (
            "/schema-registry/subjects/nobody-value/versions/1",
            404,
            40401,
        ),
        (
            "/schema-registry/subjects/nobody-value/versions/latest",
            404,
            40401,
        ),
        (
            "/schema-registry/subjects/errors_topic-value/versions/9",
            404,
            40402,
        ),
        (
            "/schema-registry/subjects/errors_topic-value/versions/0",
            422,
            42202,
        ),
        (
            "/schema-registry/subjects/errors_topic-value/versions/two",
            422,
            42202,
        ),
        ("/schema-registry/schemas/ids/424242", 404, 40403),
        ("/schema-registry/schemas/ids/not-a-number", 404, 40403),
        ("/schema-registry/schemas/ids/424242/versions", 404, 40403),
        ("/schema-registry/no/such/path", 404, 404),
    ];
    for (path, status, code) in cases {
        let answer = admin.get(path).await;
        assert_eq!(answer.status, status, "{path}: {answer:?}");
        assert_eq!(answer.body["error_code"], code, "{path}: {answer:?}");
        assert_eq!(answer.content_type, SR_CONTENT_TYPE, "{path}");
    }
    // A method the read API does not take is Confluent-shaped too.
    let wrong_method = admin
        .post("/schema-registry/schemas/ids/1", &json!({}), true)
        .await;
    assert_confluent_error(&wrong_method, 405, 405);
}

#[actix_rt::test]
async fn topics_registered_before_schemas_get_their_builtin_schema() {
    use diesel_migrations::MigrationHarness;
    use topicgate::domain::TopicStatus;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("before-schemas.db");
    {
        // The registry as it stood before migration 000009.
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        for _ in 0..8 {
            conn.run_next_migration(db::MIGRATIONS).unwrap();
        }
        let now = chrono::Utc::now().naive_utc();
        use db::schema::topics;
        for (name, status, data_type) in [
            ("old_active", TopicStatus::Active, DataType::Weather),
            ("old_inactive", TopicStatus::Inactive, DataType::Logs),
            ("old_pending", TopicStatus::Pending, DataType::Payments),
            ("old_rejected", TopicStatus::Rejected, DataType::Stock),
        ] {
            diesel::insert_into(topics::table)
                .values((
                    topics::name.eq(name),
                    topics::status.eq(status),
                    topics::partitions.eq(1),
                    topics::replication_factor.eq(1),
                    topics::data_type.eq(data_type),
                    topics::created_by.eq("tests"),
                    topics::description.eq(""),
                    topics::created_at.eq(now),
                    topics::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
    }
    let admin = TestAdmin::spawn_with(|settings| settings.database_url = path.clone());
    assert_eq!(
        admin.get("/schema-registry/subjects").await.body,
        json!(["old_active-value", "old_inactive-value"])
    );
    let weather = admin
        .get("/schema-registry/subjects/old_active-value/versions/latest")
        .await;
    assert_eq!(weather.body["version"], 1, "{weather:?}");
    let served: Value = serde_json::from_str(weather.body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(served, builtin_schema(DataType::Weather));
    let active = admin.get("/api/topics/active").await;
    assert_eq!(active.body[0]["schema_id"], weather.body["id"]);
    assert_eq!(active.body[0]["value_format"], "json");

    // The pending one got a pending schema, approved with the topic.
    let pending = admin
        .topics()
        .await
        .into_iter()
        .find(|t| t.topic_name == "old_pending")
        .unwrap();
    admin.approve(pending.topic_id.0).await;
    let payments = admin
        .get("/schema-registry/subjects/old_pending-value/versions/1")
        .await;
    assert_eq!(payments.status, 200, "{payments:?}");
    let served: Value = serde_json::from_str(payments.body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(served, builtin_schema(DataType::Payments));

    // Opening the registry again adopts nothing twice.
    let rows = stored_schemas_in(&path);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(stored_schemas_in(&path), rows);
}
