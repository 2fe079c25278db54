//! A real admin service for tests: its own thread and actix `System`, a
//! random port on 127.0.0.1 and a fresh registry (a SQLite file, or with
//! `TOPICGATE_TEST_REGISTRY=postgres` an empty PostgreSQL database), so any
//! test runtime can use it. Requests go over real HTTP with awc, so tests that call the
//! helpers run under `#[actix_rt::test]`.

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};
use topicgate::api::TopicView;
use topicgate::config::{AdminSettings, HttpEdgeSettings, Secret};
use topicgate::db::DatabaseUrl;
use topicgate::domain::{DataType, TopicStatus};
use topicgate::web::AdminHandle;
use topicgate::web::Application;

pub struct TestAdmin {
    pub base_url: String,
    pub admin_token: String,
    pub producer_key: String,
    /// The registry the service runs on.
    pub database: DatabaseUrl,
    handle: AdminHandle,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

/// Whether `TOPICGATE_TEST_REGISTRY` asks for PostgreSQL registries.
pub fn on_postgres() -> bool {
    std::env::var("TOPICGATE_TEST_REGISTRY").is_ok_and(|registry| registry == "postgres")
}

/// An HTTP answer: status and JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
}

impl TestAdmin {
    /// Starts a fresh admin service and waits until it listens.
    pub fn spawn() -> TestAdmin {
        Self::spawn_with(|_| {})
    }

    /// Like [`TestAdmin::spawn`], with a chance to change the settings.
    pub fn spawn_with(tune: impl FnOnce(&mut AdminSettings)) -> TestAdmin {
        let registry = match on_postgres() {
            true => Some(DatabaseUrl::parse(&super::postgres::fresh_database())),
            false => None,
        };
        Self::spawn_on(registry, tune)
    }

    /// Like [`TestAdmin::spawn_with`], always on a fresh SQLite file: for
    /// tests of the file itself.
    pub fn spawn_on_sqlite_with(tune: impl FnOnce(&mut AdminSettings)) -> TestAdmin {
        Self::spawn_on(None, tune)
    }

    /// Starts a service on `registry`, or on a new SQLite file for `None`.
    pub fn spawn_on(
        registry: Option<DatabaseUrl>,
        tune: impl FnOnce(&mut AdminSettings),
    ) -> TestAdmin {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = registry.unwrap_or_else(|| dir.path().join("registry.db").into());
        let admin_token = Secret::generate();
        let producer_key = Secret::generate();
        let mut settings = AdminSettings {
            bind: "127.0.0.1:0".into(),
            database_url: database.clone(),
            producer_key: producer_key.clone(),
            admin_token: admin_token.clone(),
            admin_token_hint: Default::default(),
            max_replication_factor: 3,
            workers: Some(1),
            topic_names: Default::default(),
            http: HttpEdgeSettings::default(),
            kafka: None,
            access: Default::default(),
        };
        tune(&mut settings);
        let database = settings.database_url.clone();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build(settings) {
                    Ok(app) => {
                        let _ = ready_tx.send(Ok((app.port(), app.handle())));
                        let _ = app.run_until_stopped().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("{e:#}")));
                    }
                }
            })
        });
        let (port, handle) = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("admin service did not start in time")
            .expect("admin service failed to start");
        TestAdmin {
            base_url: format!("http://127.0.0.1:{port}"),
            admin_token: admin_token.expose().to_owned(),
            producer_key: producer_key.expose().to_owned(),
            database,
            handle,
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// The registry's SQLite file; panics for a PostgreSQL registry.
    pub fn registry_file(&self) -> &Path {
        self.database
            .sqlite_path()
            .expect("a SQLite registry (start it with spawn_on_sqlite_with)")
    }

    /// Everything the registry stores, as text: the SQLite file's bytes,
    /// or every row of every PostgreSQL table.
    pub fn registry_text(&self) -> String {
        match &self.database {
            DatabaseUrl::Sqlite(path) => {
                String::from_utf8_lossy(&std::fs::read(path).expect("read the registry"))
                    .into_owned()
            }
            DatabaseUrl::Postgres(url) => {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct Dump {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    text: String,
                }
                let mut conn = diesel::PgConnection::establish(url).expect("reach the registry");
                diesel::sql_query(
                    "SELECT coalesce(string_agg(query_to_xml(\
                         format('SELECT * FROM %I', tablename), true, false, '')::text, ' '), '') \
                     AS text FROM pg_tables WHERE schemaname = 'public'",
                )
                .get_result::<Dump>(&mut conn)
                .expect("dump the registry")
                .text
            }
        }
    }

    /// The port the service listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.base_url
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .expect("a port in the base URL")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn client() -> awc::Client {
        awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish()
    }

    async fn answer<S>(
        response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
    ) -> Answer
    where
        S: futures_util::Stream<
                Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
            > + Unpin,
    {
        let mut response = response.expect("request reached the admin service");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.body().limit(16 << 20).await.expect("read body");
        Answer {
            status: response.status().as_u16(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            content_type,
        }
    }

    /// Stops the service now; `graceful` lets requests in flight finish.
    pub async fn stop(&self, graceful: bool) {
        self.handle.stop(graceful).await;
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::answer(Self::client().get(self.url(path)).send().await).await
    }

    /// POSTs JSON, with the admin token when `as_admin`.
    pub async fn post(&self, path: &str, body: &Value, as_admin: bool) -> Answer {
        let mut request = Self::client().post(self.url(path));
        if as_admin {
            request = request.bearer_auth(&self.admin_token);
        }
        Self::answer(request.send_json(body).await).await
    }

    /// Sends `method` to `path` with `token` as the bearer (none when
    /// `None`) and `body` as JSON (no body when `None`).
    pub async fn send_as(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> Answer {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = Self::client().request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let sent = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        };
        Self::answer(sent).await
    }

    /// `(to_status, actor)` of topic `wanted`'s audit trail, oldest first,
    /// as the registry recorded it.
    pub fn topic_actors(&self, wanted: i32) -> Vec<(String, String)> {
        use diesel::prelude::*;
        use topicgate::db::schema::topic_events::dsl::*;
        let pool = topicgate::db::open(&self.database, 1).expect("open registry");
        let mut conn = pool.get().expect("connection");
        topic_events
            .filter(topic_id.eq(wanted))
            .order(id.asc())
            .select((to_status, actor))
            .load(&mut conn)
            .expect("events")
    }

    /// `(user_id, actor)` of every subscription event, oldest first.
    pub fn subscription_actors(&self) -> Vec<(String, String)> {
        use diesel::prelude::*;
        use topicgate::db::schema::subscription_events::dsl::*;
        let pool = topicgate::db::open(&self.database, 1).expect("open registry");
        let mut conn = pool.get().expect("connection");
        subscription_events
            .order(id.asc())
            .select((user_id, actor))
            .load(&mut conn)
            .expect("subscription events")
    }

    /// Requests topic `name` (one partition, one replica) with `token` as
    /// the bearer; its id.
    pub async fn request_topic_as(&self, name: &str, token: &str) -> i32 {
        let body = json!({"name": name, "partitions": 1, "replication_factor": 1});
        let answer = self
            .send_as("POST", "/api/topics", Some(&body), Some(token))
            .await;
        assert_eq!(answer.status, 201, "requesting {name}: {answer:?}");
        answer.body["topic_id"].as_i64().expect("a topic id") as i32
    }

    /// Creates a user with `roles` as the admin; returns its token.
    pub async fn create_user(&self, user_id: &str, roles: &[&str]) -> String {
        let answer = self
            .post(
                "/api/users",
                &json!({"user_id": user_id, "roles": roles}),
                true,
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        answer.body["token"].as_str().expect("a token").to_owned()
    }

    /// PUTs JSON, with the admin token when `as_admin`.
    pub async fn put(&self, path: &str, body: &Value, as_admin: bool) -> Answer {
        let mut request = Self::client().put(self.url(path));
        if as_admin {
            request = request.bearer_auth(&self.admin_token);
        }
        Self::answer(request.send_json(body).await).await
    }

    /// POSTs JSON with `key` in the producer key header (none when `None`).
    pub async fn post_as_producer(&self, path: &str, body: &Value, key: Option<&str>) -> Answer {
        let mut request = Self::client().post(self.url(path));
        if let Some(key) = key {
            request = request.insert_header(("X-Producer-Key", key));
        }
        Self::answer(request.send_json(body).await).await
    }

    /// Reports a topic's Kafka state with the right producer key; asserts
    /// it was taken and returns the topic as the registry answered it.
    pub async fn report_kafka(&self, id: i32, report: &Value) -> TopicView {
        let answer = self
            .post_as_producer(
                &format!("/api/topics/{id}/kafka"),
                report,
                Some(&self.producer_key),
            )
            .await;
        assert_eq!(answer.status, 200, "report {report} for {id}: {answer:?}");
        serde_json::from_value(answer.body).expect("a topic")
    }

    /// Requests a topic and returns its id.
    pub async fn create_topic(&self, name: &str, partitions: i32, replication_factor: i32) -> i32 {
        let answer = self
            .post(
                "/api/topics",
                &json!({"name": name, "partitions": partitions,
                        "replication_factor": replication_factor, "created_by": "tests"}),
                false,
            )
            .await;
        assert_eq!(answer.status, 201, "create {name}: {answer:?}");
        answer.body["topic_id"].as_i64().expect("topic_id") as i32
    }

    async fn admin_action(&self, id: i32, action: &str) {
        let answer = self
            .post(&format!("/api/topics/{id}/{action}"), &json!({}), true)
            .await;
        assert_eq!(answer.status, 200, "{action} topic {id}: {answer:?}");
    }

    pub async fn approve(&self, id: i32) {
        self.admin_action(id, "approve").await
    }

    pub async fn reject(&self, id: i32) {
        self.admin_action(id, "reject").await
    }

    pub async fn deactivate(&self, id: i32) {
        self.admin_action(id, "deactivate").await
    }

    pub async fn reactivate(&self, id: i32) {
        self.admin_action(id, "reactivate").await
    }

    /// Marks a topic active the way the producer does.
    pub async fn activate(&self, name: &str) {
        let answer = Self::answer(
            Self::client()
                .post(self.url("/api/topics/activate_by_name"))
                .insert_header(("X-Producer-Key", self.producer_key.as_str()))
                .send_json(&json!({"topic_name": name}))
                .await,
        )
        .await;
        assert_eq!(answer.status, 200, "activate {name}: {answer:?}");
    }

    /// Writes a topic row straight into the registry file, past every check
    /// of the API, as a hand-edited or older registry may hold it.
    pub fn forge_topic(&self, name: &str, status: TopicStatus, partitions: i32) {
        use diesel::prelude::*;
        let pool = topicgate::db::open(&self.database, 1).expect("open the registry");
        let mut conn = pool.get().expect("a registry connection");
        let now = chrono::Utc::now().naive_utc();
        use topicgate::db::schema::topics;
        diesel::insert_into(topics::table)
            // Columns one by one: `NewTopic` holds only names that pass the checks.
            .values((
                topics::name.eq(name),
                topics::status.eq(status),
                topics::partitions.eq(partitions),
                topics::replication_factor.eq(1),
                topics::data_type.eq(DataType::Logs),
                topics::created_by.eq("forged"),
                topics::description.eq(""),
                topics::created_at.eq(now),
                topics::updated_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("forging topic {name}: {e}"));
    }

    /// Every topic the API lists, in any state.
    pub async fn topics(&self) -> Vec<TopicView> {
        let answer = self.get("/api/topics").await;
        assert_eq!(answer.status, 200, "topics: {answer:?}");
        serde_json::from_value(answer.body).expect("a list of topics")
    }

    pub async fn topic(&self, id: i32) -> TopicView {
        let answer = self.get(&format!("/api/topics/{id}")).await;
        assert_eq!(answer.status, 200, "topic {id}: {answer:?}");
        serde_json::from_value(answer.body).expect("a topic")
    }
}

impl Drop for TestAdmin {
    fn drop(&mut self) {
        // Sending the stop command does not need the returned future.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
