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

fn stored_schemas_in(
    registry: impl Into<db::DatabaseUrl>,
) -> Vec<(i32, String, Option<i32>, String)> {
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
    let admin = TestAdmin::spawn_with(|settings| settings.database_url = path.clone().into());
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

/// Where `scripts/install-python-client.sh` puts Confluent's Python client.
fn confluent_python() -> std::path::PathBuf {
    let python =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/python-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-python-client.sh",
        python.display()
    );
    python
}

#[actix_rt::test]
async fn confluents_python_client_reads_registers_and_serializes() {
    let admin = TestAdmin::spawn();
    let topic = format!("py_orders_{}", std::process::id());
    let created = request_with(
        &admin,
        json!({"name": topic, "created_by": "tests", "schema": orders_schema()}),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    admin
        .approve(created.body["topic_id"].as_i64().unwrap() as i32)
        .await;
    let first_id = stored_schemas(&admin)[0].0;

    let url = admin.url("/schema-registry");
    let token = admin.admin_token.clone();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/admin/python/confluent_client.py");
    let python = confluent_python();
    let run_topic = topic.clone();
    // The client blocks; the admin service answers on its own thread.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args([url.as_str(), token.as_str(), run_topic.as_str()])
            .output()
            .expect("run the Python client")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the Python client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    let subject = format!("{topic}-value");
    assert_eq!(seen["subjects"], json!([subject]));
    assert_eq!(
        seen["latest"],
        json!({"id": first_id, "version": 1, "type": "JSON"})
    );
    assert_eq!(seen["by_id_equals_latest"], true);
    assert_eq!(seen["anonymous_register"], 401);
    let rows = stored_schemas(&admin);
    // The compatible version is registered and approved at once; the
    // incompatible one is refused with 409 and stored nowhere.
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(seen["compatible_id"], rows[1].0);
    assert_eq!((rows[1].2, rows[1].3.as_str()), (Some(2), "approved"));
    assert_eq!(seen["incompatible"]["status"], 409, "{seen}");
    assert_eq!(seen["incompatible"]["code"], 409, "{seen}");
    assert!(
        seen["incompatible"]["message"]
            .as_str()
            .unwrap()
            .contains("amount"),
        "{seen}"
    );
    // The serializer framed the record with the latest version's id.
    assert_eq!(seen["frame"], json!({"magic": 0, "id": rows[1].0}));
    assert_eq!(seen["round_trip"], true);
    assert_eq!(seen["invalid_record"], "SerializationError");
}

#[actix_rt::test]
async fn admins_register_versions_under_the_subjects_compatibility_mode() {
    let admin = TestAdmin::spawn();
    let created = request_with(
        &admin,
        json!({"name": "ledger", "created_by": "tests", "schema": orders_schema()}),
    )
    .await;
    let id = created.body["topic_id"].as_i64().unwrap() as i32;
    let first_id = stored_schemas(&admin)[0].0;
    let body = |schema: &Value| json!({"schema": schema.to_string(), "schemaType": "JSON"});
    let mut relaxed = orders_schema();
    relaxed["properties"]["payload"]["required"] = json!([]);
    let mut breaking = orders_schema();
    breaking["properties"]["payload"]["properties"]["amount"] = json!({"type": "string"});
    let register = "/schema-registry/subjects/ledger-value/versions";

    // Only a topic approved or later has a subject to register under.
    let pending = admin.post(register, &body(&relaxed), true).await;
    assert_confluent_error(&pending, 404, 40401);
    assert!(
        pending.body["message"]
            .as_str()
            .unwrap()
            .contains("pending"),
        "{pending:?}"
    );
    for subject in ["nobody-value", "ledger-key", "ledger"] {
        let answer = admin
            .post(
                &format!("/schema-registry/subjects/{subject}/versions"),
                &body(&relaxed),
                true,
            )
            .await;
        assert_confluent_error(&answer, 404, 40401);
    }
    admin.approve(id).await;
    admin.activate("ledger").await;

    // Writes need the admin token.
    let anonymous = admin.post(register, &body(&relaxed), false).await;
    assert_confluent_error(&anonymous, 401, 401);
    // Not a schema topicgate keeps: 42201, nothing stored.
    for bad in [
        json!({"schema": "{not json", "schemaType": "JSON"}),
        json!({"schema": "{\"type\": \"nonsense\"}", "schemaType": "JSON"}),
        json!({"schema": "{\"type\": \"record\", \"name\": \"x\", \"fields\": []}", "schemaType": "AVRO"}),
    ] {
        assert_confluent_error(&admin.post(register, &bad, true).await, 422, 42201);
    }
    // The same schema again answers its id.
    let same = admin.post(register, &body(&orders_schema()), true).await;
    assert_eq!(same.status, 200, "{same:?}");
    assert_eq!(same.body, json!({"id": first_id}));
    assert_eq!(stored_schemas(&admin).len(), 1);

    // Compatibility is tested without storing anything...
    let test = "/schema-registry/compatibility/subjects/ledger-value/versions/latest";
    let fine = admin.post(test, &body(&relaxed), true).await;
    assert_eq!(
        fine.body,
        json!({"is_compatible": true, "messages": []}),
        "{fine:?}"
    );
    let broken = admin.post(test, &body(&breaking), true).await;
    assert_eq!(broken.body["is_compatible"], false, "{broken:?}");
    assert!(!broken.body["messages"].as_array().unwrap().is_empty());
    assert_eq!(stored_schemas(&admin).len(), 1);

    // ...and enforced by registration.
    let refused = admin.post(register, &body(&breaking), true).await;
    assert_confluent_error(&refused, 409, 409);
    assert!(refused.body["message"].as_str().unwrap().contains("amount"));
    let version_cache = admin.get("/api/topics/active").await.body;
    let registered = admin.post(register, &body(&relaxed), true).await;
    assert_eq!(registered.status, 200, "{registered:?}");
    let new_id = registered.body["id"].as_i64().unwrap();
    assert_ne!(new_id, i64::from(first_id));
    assert_eq!(
        admin
            .get("/schema-registry/subjects/ledger-value/versions")
            .await
            .body,
        json!([1, 2])
    );
    // The active topics answer follows the new version at once.
    assert_eq!(version_cache[0]["schema_id"], first_id);
    assert_eq!(
        admin.get("/api/topics/active").await.body[0]["schema_id"],
        new_id
    );
    // Audited as an admin action on the topic.
    let events = admin.get("/api/topics").await;
    assert_eq!(events.status, 200);
    let audited = {
        use db::schema::topic_events::dsl::*;
        let pool = db::open(&admin.database, 1).unwrap();
        let mut conn = pool.get().unwrap();
        topic_events
            .filter(reason.like("%schema version 2%"))
            .select(actor)
            .load::<String>(&mut conn)
            .unwrap()
    };
    assert_eq!(audited, ["admin"]);

    // Lookup: registered → its version; not → 40403.
    // A read, open without credentials as Confluent's serializers ask it.
    let found = admin
        .post(
            "/schema-registry/subjects/ledger-value",
            &body(&relaxed),
            false,
        )
        .await;
    assert_eq!(found.body["version"], 2, "{found:?}");
    assert_eq!(found.body["id"], new_id);
    let missing = admin
        .post(
            "/schema-registry/subjects/ledger-value",
            &body(&breaking),
            true,
        )
        .await;
    assert_confluent_error(&missing, 404, 40403);

    // Modes: BACKWARD by default; NONE lets the breaking change through.
    let global = admin.get("/schema-registry/config").await;
    assert_eq!(global.body, json!({"compatibilityLevel": "BACKWARD"}));
    let bad_level = admin
        .put(
            "/schema-registry/config/ledger-value",
            &json!({"compatibility": "SOMETIMES"}),
            true,
        )
        .await;
    assert_confluent_error(&bad_level, 422, 42203);
    let anonymous_put = admin
        .put(
            "/schema-registry/config",
            &json!({"compatibility": "NONE"}),
            false,
        )
        .await;
    assert_confluent_error(&anonymous_put, 401, 401);
    let set = admin
        .put(
            "/schema-registry/config/ledger-value",
            &json!({"compatibility": "NONE"}),
            true,
        )
        .await;
    assert_eq!(set.body, json!({"compatibility": "NONE"}), "{set:?}");
    assert_eq!(
        admin.get("/schema-registry/config/ledger-value").await.body,
        json!({"compatibilityLevel": "NONE"})
    );
    assert_eq!(
        admin.get("/schema-registry/config").await.body,
        json!({"compatibilityLevel": "BACKWARD"})
    );
    let now_fine = admin.post(register, &body(&breaking), true).await;
    assert_eq!(now_fine.status, 200, "{now_fine:?}");
    let global_set = admin
        .put(
            "/schema-registry/config",
            &json!({"compatibility": "full"}),
            true,
        )
        .await;
    assert_eq!(
        global_set.body,
        json!({"compatibility": "FULL"}),
        "{global_set:?}"
    );
}

#[actix_rt::test]
async fn users_ask_for_schema_changes_that_the_admin_decides() {
    let admin = TestAdmin::spawn();
    let created = request_with(
        &admin,
        json!({"name": "invoices", "created_by": "billing", "schema": orders_schema()}),
    )
    .await;
    let id = created.body["topic_id"].as_i64().unwrap() as i32;
    let ask = |schema: Value| json!({"schema": schema, "requested_by": "billing"});
    let mut relaxed = orders_schema();
    relaxed["properties"]["payload"]["required"] = json!([]);
    let mut breaking = orders_schema();
    breaking["properties"]["payload"]["properties"]["amount"] = json!({"type": "string"});
    let path = format!("/api/topics/{id}/schema");

    // Not before the topic is approved.
    let early = admin.post(&path, &ask(relaxed.clone()), false).await;
    assert_eq!(early.status, 409, "{early:?}");
    admin.approve(id).await;

    // Incompatible: refused at once with the reasons, nothing stored.
    let refused = admin.post(&path, &ask(breaking.clone()), false).await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert!(
        refused.body["error"].as_str().unwrap().contains("amount"),
        "{refused:?}"
    );
    let invalid = admin.post(&path, &ask(json!({"type": 7})), false).await;
    assert_eq!(invalid.status, 400, "{invalid:?}");
    assert_eq!(stored_schemas(&admin).len(), 1);

    // Compatible: pending, listed, not served until approved.
    let asked = admin.post(&path, &ask(relaxed.clone()), false).await;
    assert_eq!(asked.status, 201, "{asked:?}");
    assert_eq!(asked.body["status"], "pending");
    assert_eq!(
        asked.body["requested_by"],
        "anonymous (requested_by: billing)"
    );
    assert_eq!(asked.body["schema"], relaxed);
    let change = asked.body["change_id"].as_i64().unwrap();
    let second = admin.post(&path, &ask(relaxed.clone()), false).await;
    assert_eq!(
        second.status, 409,
        "one pending change at a time: {second:?}"
    );
    let pending = admin.get("/api/schema-changes?status=pending").await;
    assert_eq!(pending.body.as_array().unwrap().len(), 1, "{pending:?}");
    assert_eq!(pending.body[0]["change_id"], change);
    assert_eq!(
        admin
            .get("/schema-registry/subjects/invoices-value/versions")
            .await
            .body,
        json!([1])
    );
    let anonymous = admin
        .post(
            &format!("/api/schema-changes/{change}/approve"),
            &json!({}),
            false,
        )
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");

    // Approval re-checks against what was approved meanwhile.
    let mut stricter = orders_schema();
    stricter["properties"]["payload"]["properties"]["amount"] = json!({"type": "integer"});
    let meanwhile = admin
        .post(
            "/schema-registry/subjects/invoices-value/versions",
            &json!({"schema": stricter.to_string(), "schemaType": "JSON"}),
            true,
        )
        .await;
    // Narrowing number to integer is itself refused under BACKWARD...
    assert_eq!(meanwhile.status, 409, "{meanwhile:?}");
    let set = admin
        .put(
            "/schema-registry/config/invoices-value",
            &json!({"compatibility": "FORWARD"}),
            true,
        )
        .await;
    assert_eq!(set.status, 200, "{set:?}");
    // ...but FORWARD takes it, and then the pending relaxation no longer fits.
    let meanwhile = admin
        .post(
            "/schema-registry/subjects/invoices-value/versions",
            &json!({"schema": stricter.to_string(), "schemaType": "JSON"}),
            true,
        )
        .await;
    assert_eq!(meanwhile.status, 200, "{meanwhile:?}");
    let stale = admin
        .post(
            &format!("/api/schema-changes/{change}/approve"),
            &json!({}),
            true,
        )
        .await;
    assert_eq!(stale.status, 409, "{stale:?}");
    assert!(
        stale.body["error"].as_str().unwrap().contains("meanwhile"),
        "{stale:?}"
    );
    let rejected = admin
        .post(
            &format!("/api/schema-changes/{change}/reject"),
            &json!({"reason": "superseded"}),
            true,
        )
        .await;
    assert_eq!(rejected.status, 200, "{rejected:?}");
    assert_eq!(rejected.body["status"], "rejected");

    // A fresh compatible request is approved as the next version.
    admin.activate("invoices").await;
    let mut described = stricter.clone();
    described["description"] = json!("an invoice");
    let asked = admin.post(&path, &ask(described), false).await;
    assert_eq!(asked.status, 201, "{asked:?}");
    let change = asked.body["change_id"].as_i64().unwrap();
    let before = admin.get("/api/topics/active").await.body;
    let approved = admin
        .post(
            &format!("/api/schema-changes/{change}/approve"),
            &json!({}),
            true,
        )
        .await;
    assert_eq!(approved.status, 200, "{approved:?}");
    assert_eq!(approved.body["version"], 3);
    assert_eq!(
        admin
            .get("/schema-registry/subjects/invoices-value/versions")
            .await
            .body,
        json!([1, 2, 3])
    );
    assert_ne!(before[0]["schema_id"], change);
    assert_eq!(
        admin.get("/api/topics/active").await.body[0]["schema_id"],
        change
    );
    let again = admin
        .post(
            &format!("/api/schema-changes/{change}/approve"),
            &json!({}),
            true,
        )
        .await;
    assert_eq!(again.status, 409, "{again:?}");
    // Every change after the topic's own first schema is listed, the
    // admin's registration through the registry API too (approved at once).
    let all = admin.get("/api/schema-changes").await;
    let statuses: Vec<&str> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["approved", "approved", "rejected"], "{all:?}");
}

/// The text inside the textarea `id` on `page`, as written in the HTML.
fn textarea_text(page: &support::visitor::Page, id: &str) -> String {
    let start = page
        .body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let inner = &page.body[start..];
    let inner = &inner[inner.find('>').expect("the tag ends") + 1..];
    inner[..inner.find("</textarea>").expect("the textarea ends")].to_owned()
}

#[actix_rt::test]
async fn the_dashboard_takes_a_schema_and_the_topic_page_shows_it() {
    use support::visitor::Visitor;
    let admin = TestAdmin::spawn();
    let mut visitor = Visitor::new(&admin);
    let csrf = Visitor::csrf(&visitor.get("/").await);

    // Not JSON: refused, and the form comes back with the text, escaped.
    let typed = r#"{"type": "object", "description": "<b>bold</b>""#;
    let refused = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "form_orders"),
                ("schema", typed),
            ],
        )
        .await;
    assert_eq!(refused.status, 303);
    let page = visitor.get("/").await;
    assert!(page.body.contains("invalid schema"), "no error shown");
    let shown = textarea_text(&page, "schema");
    assert!(shown.contains("&lt;b&gt;bold&lt;/b&gt;"), "{shown}");
    assert!(!shown.contains('<'), "{shown}");
    assert_eq!(admin.topics().await.len(), 0);

    // A schema with markup in it, accepted, approved and shown escaped.
    let schema = json!({"type": "object", "description": "<script>alert(1)</script>",
                        "properties": {"payload": {"type": "object"}}});
    let created = visitor
        .post(
            "/dashboard/topics",
            &[
                ("csrf_token", &csrf),
                ("name", "form_orders"),
                ("schema", &schema.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let topics = admin.topics().await;
    assert_eq!(topics.len(), 1, "the form's request was not stored");
    let before = visitor.get("/topics/form_orders").await;
    assert!(
        before.body.contains("id=\"schema-none\""),
        "{}",
        before.body
    );
    admin.approve(topics[0].topic_id.0).await;
    let page = visitor.get("/topics/form_orders").await;
    assert_eq!(page.status, 200);
    let schema_id = stored_schemas(&admin)[0].0;
    assert!(
        page.body
            .contains(&format!("id=\"schema-id\">{schema_id}<")),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"schema-version\">1<"));
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains("<script>alert(1)"));
    let served = admin
        .get("/schema-registry/subjects/form_orders-value/versions/1")
        .await;
    let served: Value = serde_json::from_str(served.body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(served, schema);
}

#[actix_rt::test]
async fn the_dashboard_lists_pending_schema_changes_for_the_admin_to_decide() {
    use support::visitor::Visitor;
    let admin = TestAdmin::spawn();
    let id = admin.create_topic("dash_changes", 1, 1).await;
    admin.approve(id).await;
    let mut described = builtin_schema(DataType::Generic);
    described["description"] = json!("<i>now described</i>");
    let asked = admin
        .post(
            &format!("/api/topics/{id}/schema"),
            &json!({"schema": described, "requested_by": "team"}),
            false,
        )
        .await;
    assert_eq!(asked.status, 201, "{asked:?}");
    let change = asked.body["change_id"].as_i64().unwrap();

    let mut visitor = Visitor::new(&admin);
    let page = visitor.get("/").await;
    let row = format!("data-schema-change=\"{change}\"");
    assert!(page.body.contains(&row), "{}", page.body);
    assert!(page.body.contains("&lt;i&gt;now described&lt;/i&gt;"));
    assert!(!page.body.contains("<i>now described"));
    assert!(
        !page
            .body
            .contains(&format!("/dashboard/schema-changes/{change}/approve"))
    );

    // Without the admin's session the form changes nothing.
    let csrf = Visitor::csrf(&page);
    visitor
        .post(
            &format!("/dashboard/schema-changes/{change}/approve"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(
        admin
            .get("/schema-registry/subjects/dash_changes-value/versions")
            .await
            .body,
        json!([1])
    );

    visitor.log_in().await;
    let page = visitor.get("/").await;
    let csrf = Visitor::csrf(&page);
    let approved = visitor
        .post(
            &format!("/dashboard/schema-changes/{change}/approve"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(approved.status, 303);
    assert_eq!(
        admin
            .get("/schema-registry/subjects/dash_changes-value/versions")
            .await
            .body,
        json!([1, 2])
    );
    let page = visitor.get("/").await;
    assert!(!page.body.contains(&row), "still listed as pending");
}
