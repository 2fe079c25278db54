//! The admin API client that the producer daemon and the consumer share.
//!
//! Built on awc, so it lives on an actix arbiter (`awc::Client` is not
//! `Send`): create one per actor that needs it.

use std::time::Duration;

use awc::http::StatusCode;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{
    ActivateByName, ActiveTopic, ClusterReport, ClusterView, ErrorBody, ErrorCode, Health,
    KafkaCredentials, KafkaReport, Me, Message, PRODUCER_KEY_HEADER, RegisteredSchema, SchemaText,
    Stats, SubjectVersion, SubscriptionRequest, SubscriptionView, TopicChanges, TopicView,
};
use crate::config::Secret;
use crate::domain::{TopicId, TopicStatus};

/// Largest answer the client reads; the registry's full topic list fits
/// many times over.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// How long past its wait a change-feed request may take to be answered.
const CHANGES_GRACE: Duration = Duration::from_secs(5);

/// What can go wrong talking to the admin API.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer at all: the service is down, unreachable or too slow.
    #[error("admin API at {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    /// The service answered with an error status and message.
    #[error("admin API refused ({status}): {message}")]
    Api {
        status: u16,
        message: String,
        /// The machine-readable reason; `None` from servers older than it.
        code: Option<ErrorCode>,
        /// The topic's status, with [`ErrorCode::TopicNotActive`].
        topic_status: Option<TopicStatus>,
    },
    /// The service answered something that is not the expected JSON.
    #[error("admin API answered with an unexpected body: {0}")]
    Decode(String),
}

impl ClientError {
    /// True when the service could not be reached, as opposed to refusing.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ClientError::Unreachable { .. })
    }

    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A handle on one admin service.
#[derive(Clone)]
pub struct AdminClient {
    base_url: String,
    http: awc::Client,
    /// How long an answer's body may take once its head arrived. awc's
    /// request timeout ends with the head: without this, a service that
    /// stalls mid-answer would hold the caller for ever.
    body_timeout: Duration,
}

impl AdminClient {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::with_timeout(base_url, Duration::from_secs(5))
    }

    pub fn with_timeout(base_url: impl Into<String>, timeout: Duration) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let http = awc::Client::builder().timeout(timeout).finish();
        Self {
            base_url,
            http,
            body_timeout: timeout,
        }
    }

    /// Sends `token` as the bearer of every request: the admin service
    /// then takes the user from it.
    pub fn with_token(mut self, token: &Secret) -> Self {
        let bearer = format!("Bearer {}", token.expose());
        self.http = awc::Client::builder()
            .timeout(self.body_timeout)
            .add_default_header((awc::http::header::AUTHORIZATION, bearer))
            .finish();
        self
    }

    /// Who the token belongs to (`GET /api/me`).
    pub async fn me(&self) -> Result<Me, ClientError> {
        self.get("/api/me").await
    }

    /// The token's Kafka login (`GET /api/me/kafka-credentials`).
    pub async fn kafka_credentials(&self) -> Result<KafkaCredentials, ClientError> {
        self.get("/api/me/kafka-credentials").await
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get("/api/health").await
    }

    /// Topics, newest first; all of them when `statuses` is empty.
    pub async fn topics(&self, statuses: &[TopicStatus]) -> Result<Vec<TopicView>, ClientError> {
        if statuses.is_empty() {
            return self.get("/api/topics").await;
        }
        let filter: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        self.get(&format!("/api/topics?status={}", filter.join(",")))
            .await
    }

    pub async fn active_topics(&self) -> Result<Vec<ActiveTopic>, ClientError> {
        self.get("/api/topics/active").await
    }

    /// A schema by its registry id (`GET /schema-registry/schemas/ids/{id}`).
    pub async fn schema_by_id(&self, id: i64) -> Result<SchemaText, ClientError> {
        self.get(&format!("/schema-registry/schemas/ids/{id}"))
            .await
    }

    /// The latest approved version of `subject`.
    pub async fn latest_schema(&self, subject: &str) -> Result<RegisteredSchema, ClientError> {
        self.get(&format!(
            "/schema-registry/subjects/{}/versions/latest",
            path_segment(subject)
        ))
        .await
    }

    /// The subjects and versions that use schema `id`; a consumer checks
    /// with it that the id a record names belongs to the record's topic.
    pub async fn subjects_of_schema(&self, id: i64) -> Result<Vec<SubjectVersion>, ClientError> {
        self.get(&format!("/schema-registry/schemas/ids/{id}/versions"))
            .await
    }

    /// Waits up to `wait` for the registry's topics to change from version
    /// `since` (see `GET /api/topics/changes`) and answers the version
    /// then; without `since`, the current version at once.
    pub async fn topic_changes(
        &self,
        since: Option<u64>,
        wait: Duration,
    ) -> Result<TopicChanges, ClientError> {
        let mut path = format!("/api/topics/changes?wait={}", wait.as_secs());
        if let Some(since) = since {
            path.push_str(&format!("&since={since}"));
        }
        let url = self.url(&path);
        // The request is meant to be held: allow the wait plus the usual
        // time for an answer.
        let request = self.http.get(&url).timeout(wait + CHANGES_GRACE);
        self.read(&url, request.send().await).await
    }

    pub async fn stats(&self) -> Result<Stats, ClientError> {
        self.get("/api/stats").await
    }

    /// Tells the registry that `topic_name` now exists in Kafka.
    pub async fn activate_by_name(
        &self,
        topic_name: &str,
        producer_key: &str,
    ) -> Result<Message, ClientError> {
        let url = self.url("/api/topics/activate_by_name");
        let request = self
            .http
            .post(&url)
            .insert_header((PRODUCER_KEY_HEADER, producer_key));
        let body = ActivateByName {
            topic_name: topic_name.to_owned(),
        };
        self.read(&url, request.send_json(&body).await).await
    }

    /// Tells the registry where `topic` stands in Kafka. Answers the topic
    /// as the registry now has it.
    pub async fn report_kafka_state(
        &self,
        topic: TopicId,
        report: &KafkaReport,
        producer_key: &str,
    ) -> Result<TopicView, ClientError> {
        let url = self.url(&format!("/api/topics/{topic}/kafka"));
        let request = self
            .http
            .post(&url)
            .insert_header((PRODUCER_KEY_HEADER, producer_key));
        self.read(&url, request.send_json(report).await).await
    }

    /// Tells the registry what the producer sees of the Kafka cluster (and
    /// that the producer is alive).
    pub async fn report_cluster(
        &self,
        report: &ClusterReport,
        producer_key: &str,
    ) -> Result<ClusterView, ClientError> {
        let url = self.url("/api/cluster");
        let request = self
            .http
            .post(&url)
            .insert_header((PRODUCER_KEY_HEADER, producer_key));
        self.read(&url, request.send_json(report).await).await
    }

    pub async fn cluster(&self) -> Result<ClusterView, ClientError> {
        self.get("/api/cluster").await
    }

    pub async fn subscriptions(&self, user_id: &str) -> Result<Vec<SubscriptionView>, ClientError> {
        let query = serde_urlencoded_pair("user_id", user_id);
        self.get(&format!("/api/subscriptions?{query}")).await
    }

    pub async fn subscribe(&self, user_id: &str, topic_name: &str) -> Result<Message, ClientError> {
        let url = self.url("/api/subscriptions");
        let body = subscription(user_id, topic_name);
        self.read(&url, self.http.post(&url).send_json(&body).await)
            .await
    }

    pub async fn unsubscribe(
        &self,
        user_id: &str,
        topic_name: &str,
    ) -> Result<Message, ClientError> {
        let url = self.url("/api/subscriptions");
        let body = subscription(user_id, topic_name);
        self.read(&url, self.http.delete(&url).send_json(&body).await)
            .await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let url = self.url(path);
        self.read(&url, self.http.get(&url).send().await).await
    }

    async fn read<T, S>(
        &self,
        url: &str,
        sent: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
    ) -> Result<T, ClientError>
    where
        T: DeserializeOwned,
        S: futures_util::Stream<
                Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
            > + Unpin,
    {
        let mut response = sent
            .map_err(|e| ClientError::Unreachable {
                url: url.to_owned(),
                reason: e.to_string(),
            })?
            .timeout(self.body_timeout);
        let status = response.status();
        let body = response
            .body()
            .limit(MAX_BODY)
            .await
            .map_err(|e| ClientError::Unreachable {
                url: url.to_owned(),
                reason: format!("reading the answer failed: {e}"),
            })?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()));
        }
        let refusal = refusal(status, &body);
        Err(ClientError::Api {
            status: status.as_u16(),
            message: refusal.error,
            code: refusal.code,
            topic_status: refusal.topic_status,
        })
    }
}

fn subscription(user_id: &str, topic_name: &str) -> SubscriptionRequest {
    SubscriptionRequest {
        user_id: user_id.to_owned(),
        topic_name: topic_name.to_owned(),
    }
}

/// The error body of a refusal: the API's own, or the Schema Registry
/// API's (`{"error_code": .., "message": ..}`), or one made from the
/// status when the body is neither (a proxy's page, say).
fn refusal(status: StatusCode, body: &[u8]) -> ErrorBody {
    #[derive(serde::Deserialize)]
    struct ConfluentError {
        message: String,
    }
    if let Ok(ours) = serde_json::from_slice::<ErrorBody>(body) {
        return ours;
    }
    if let Ok(confluent) = serde_json::from_slice::<ConfluentError>(body) {
        return ErrorBody::new(confluent.message, ErrorCode::for_status(status.as_u16()));
    }
    ErrorBody {
        error: status
            .canonical_reason()
            .unwrap_or("unexpected status")
            .to_owned(),
        code: None,
        topic_status: None,
    }
}

/// Characters a path segment may carry as they are (RFC 3986's unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `raw` as one URL path segment, escaped so it cannot change the path.
fn path_segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

fn serde_urlencoded_pair<T: Serialize + ?Sized>(key: &str, value: &T) -> String {
    // Encoding through serde keeps user ids with '&' or spaces intact.
    serde_urlencoded::to_string([(key, value)]).unwrap_or_default()
}
