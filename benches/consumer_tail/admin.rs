//! The admin service the benchmark's `tail` asks for the topic's schema:
//! in this process, on a random port, with a fresh registry in which the
//! benchmark's topic is an active sensor topic.

use std::time::Duration;

use serde_json::json;
use topicgate::config::{AdminSettings, HttpEdgeSettings, Secret};
use topicgate::web::Application;

/// A running admin service; it stops with the process.
pub struct BenchAdmin {
    pub base_url: String,
    _dir: tempfile::TempDir,
}

impl BenchAdmin {
    /// Starts the service and registers `topic` as an active sensor topic
    /// (requested, approved, activated as the producer would).
    pub fn start(topic: &str) -> BenchAdmin {
        let dir = tempfile::tempdir().expect("a temp dir");
        let admin_token = Secret::generate();
        let producer_key = Secret::generate();
        let settings = AdminSettings {
            bind: "127.0.0.1:0".into(),
            database_url: dir.path().join("registry.db").into(),
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
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(settings).expect("the admin service");
                let _ = ready_tx.send(app.port());
                let _ = app.run_until_stopped().await;
            })
        });
        let port = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the admin service did not start");
        let base_url = format!("http://127.0.0.1:{port}");
        let (token, key) = (
            admin_token.expose().to_owned(),
            producer_key.expose().to_owned(),
        );
        let url = base_url.clone();
        let topic = topic.to_owned();
        actix_web::rt::System::new().block_on(async move {
            let client = awc::Client::default();
            let mut created = client
                .post(format!("{url}/api/topics"))
                .send_json(
                    &json!({"name": topic, "partitions": 3, "replication_factor": 1,
                                   "data_type": "sensor", "created_by": "bench"}),
                )
                .await
                .expect("requesting the topic");
            let body: serde_json::Value = created.json().await.expect("a JSON answer");
            let id = body["topic_id"].as_i64().expect("a topic id");
            let approved = client
                .post(format!("{url}/api/topics/{id}/approve"))
                .bearer_auth(&token)
                .send_json(&json!({}))
                .await
                .expect("approving the topic");
            assert!(
                approved.status().is_success(),
                "approve: {}",
                approved.status()
            );
            let activated = client
                .post(format!("{url}/api/topics/activate_by_name"))
                .insert_header(("X-Producer-Key", key.as_str()))
                .send_json(&json!({"topic_name": topic}))
                .await
                .expect("activating the topic");
            assert!(
                activated.status().is_success(),
                "activate: {}",
                activated.status()
            );
        });
        BenchAdmin {
            base_url,
            _dir: dir,
        }
    }
}
