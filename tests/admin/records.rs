//! The message browser (`GET /api/topics/{name}/messages`) and the live
//! tail (`GET /api/topics/{name}/stream`) against the real broker at
//! `KAFKA_BOOTSTRAP_SERVERS`, over real HTTP.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::{Value, json};
use topicgate::config::KafkaSettings;

use crate::support;
use support::admin::TestAdmin;
use support::browser::Browser;
use support::prometheus::{get_text, sample};
use support::raw_http::RawStream;
use support::visitor::Visitor;
use support::wait::eventually;

const WAIT: Duration = Duration::from_secs(30);

/// One record to produce: partition, key, value, timestamp (ms).
struct Produced<'a> {
    partition: i32,
    key: String,
    value: &'a [u8],
    timestamp: Option<i64>,
}

fn producer(bootstrap: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", "30000")
        .set("linger.ms", "5")
        .create()
        .expect("a Kafka producer")
}

/// Produces `records` in order and waits for every delivery.
async fn produce(bootstrap: &str, topic: &str, records: &[Produced<'_>]) {
    let producer = producer(bootstrap);
    let mut deliveries = Vec::new();
    for record in records {
        let headers = OwnedHeaders::new().insert(Header {
            key: "source",
            value: Some("records-test"),
        });
        let mut sent = FutureRecord::to(topic)
            .partition(record.partition)
            .key(&record.key)
            .payload(record.value)
            .headers(headers);
        if let Some(ms) = record.timestamp {
            sent = sent.timestamp(ms);
        }
        deliveries.push(producer.send_result(sent).expect("queue a record"));
    }
    for delivery in deliveries {
        delivery
            .await
            .expect("a delivery answer")
            .unwrap_or_else(|(e, _)| panic!("producing to {topic}: {e}"));
    }
}

/// An admin service reading the test broker, tuned by `tune`.
fn admin_with_kafka(tune: impl FnOnce(&mut topicgate::config::AdminSettings)) -> TestAdmin {
    let bootstrap = support::kafka::bootstrap_servers();
    TestAdmin::spawn_with(|settings| {
        settings.kafka = Some(KafkaSettings::new(&bootstrap));
        tune(settings);
    })
}

/// A topic in the registry and in Kafka, with `partitions` partitions.
async fn registered_topic(admin: &TestAdmin, prefix: &str, partitions: i32) -> String {
    let name = support::kafka::unique_name(prefix);
    let id = admin.create_topic(&name, partitions, 1).await;
    admin.approve(id).await;
    support::kafka::create_topic(
        &support::kafka::bootstrap_servers(),
        &name,
        partitions,
        1,
        &[],
    )
    .await;
    name
}

/// `(partition, offset, key)` of each record of a page.
fn places(page: &Value) -> Vec<(i64, i64, String)> {
    page["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                r["partition"].as_i64().expect("partition"),
                r["offset"].as_i64().expect("offset"),
                r["key"].as_str().expect("key").to_owned(),
            )
        })
        .collect()
}

fn cursor(page: &Value, partition: i64) -> &Value {
    page["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .find(|c| c["partition"] == partition)
        .expect("a cursor for the partition")
}

#[actix_rt::test]
async fn the_browser_returns_the_records_at_an_offset_and_at_a_timestamp() {
    let admin = admin_with_kafka(|_| {});
    let topic = registered_topic(&admin, "browse", 2).await;
    let bootstrap = support::kafka::bootstrap_servers();
    let base = 1_790_000_000_000_i64;
    let values: Vec<Vec<u8>> = (0..5)
        .map(|i| format!(r#"{{"n": {i},"s":"x\u0001"}}"#).into_bytes())
        .collect();
    let mut records: Vec<Produced> = (0..5)
        .map(|i| Produced {
            partition: 0,
            key: format!("k{i}"),
            value: &values[i],
            timestamp: Some(base + i as i64 * 1000),
        })
        .collect();
    let texts = [&b"plain <b>one</b>"[..], b"two \xff", b"three"];
    for (i, text) in texts.iter().enumerate() {
        records.push(Produced {
            partition: 1,
            key: format!("t{i}"),
            value: text,
            timestamp: Some(base + 10_000 + i as i64 * 1000),
        });
    }
    produce(&bootstrap, &topic, &records).await;
    let path = format!("/api/topics/{topic}/messages");

    let at_offset = admin
        .get(&format!("{path}?partition=0&offset=2&limit=2"))
        .await;
    assert_eq!(at_offset.status, 200, "{at_offset:?}");
    let page = &at_offset.body;
    assert_eq!(places(page), vec![(0, 2, "k2".into()), (0, 3, "k3".into())]);
    assert_eq!(page["records"][0]["value"], json!({"n": 2, "s": "x\u{1}"}));
    assert_eq!(page["records"][0]["timestamp"], base + 2000);
    assert_eq!(
        page["records"][0]["headers"],
        json!([{"name": "source", "value": "records-test"}])
    );
    assert_eq!(page["records"][0]["truncated"], false);
    assert_eq!(cursor(page, 0)["older"], 0);
    assert_eq!(cursor(page, 0)["newer"], 4);
    assert_eq!(
        (
            cursor(page, 0)["low"].clone(),
            cursor(page, 0)["high"].clone()
        ),
        (json!(0), json!(5))
    );

    let at_time = admin
        .get(&format!("{path}?partition=0&timestamp={}", base + 2500))
        .await;
    assert_eq!(at_time.status, 200, "{at_time:?}");
    assert_eq!(
        places(&at_time.body),
        vec![(0, 3, "k3".into()), (0, 4, "k4".into())]
    );

    let across = admin
        .get(&format!("{path}?timestamp={}&limit=4", base + 2500))
        .await;
    assert_eq!(across.status, 200, "{across:?}");
    assert_eq!(
        places(&across.body),
        vec![
            (0, 3, "k3".into()),
            (0, 4, "k4".into()),
            (1, 0, "t0".into()),
            (1, 1, "t1".into())
        ]
    );
    assert_eq!(across.body["records"][2]["value"], "plain <b>one</b>");
    assert_eq!(across.body["records"][3]["value"], "two \u{fffd}");

    let newest = admin.get(&format!("{path}?limit=3")).await;
    assert_eq!(newest.status, 200, "{newest:?}");
    assert_eq!(
        places(&newest.body),
        vec![
            (1, 0, "t0".into()),
            (1, 1, "t1".into()),
            (1, 2, "t2".into())
        ]
    );
    // Paging back from the newest page of partition 0 reaches its start.
    let newest_p0 = admin.get(&format!("{path}?partition=0&limit=3")).await;
    assert_eq!(
        places(&newest_p0.body),
        vec![
            (0, 2, "k2".into()),
            (0, 3, "k3".into()),
            (0, 4, "k4".into())
        ]
    );
    let older = cursor(&newest_p0.body, 0)["older"].as_i64().expect("older");
    let back = admin
        .get(&format!("{path}?partition=0&offset={older}&limit=3"))
        .await;
    assert_eq!(
        places(&back.body)[..2],
        [(0, 0, "k0".into()), (0, 1, "k1".into())]
    );
    assert_eq!(cursor(&back.body, 0)["older"], Value::Null);
}

#[actix_rt::test]
async fn long_values_are_cut_and_marked() {
    let admin = admin_with_kafka(|_| {});
    let topic = registered_topic(&admin, "browse-long", 1).await;
    let long = vec![b'a'; 200 * 1024];
    let record = Produced {
        partition: 0,
        key: "long".into(),
        value: &long,
        timestamp: None,
    };
    produce(&support::kafka::bootstrap_servers(), &topic, &[record]).await;
    let answer = admin.get(&format!("/api/topics/{topic}/messages")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let value = answer.body["records"][0]["value"].as_str().expect("text");
    assert_eq!(value.len(), 64 * 1024);
    assert_eq!(answer.body["records"][0]["truncated"], true);
}

#[actix_rt::test]
async fn bad_parameters_unknown_topics_and_missing_kafka_are_refused() {
    let admin = admin_with_kafka(|_| {});
    let topic = registered_topic(&admin, "browse-bad", 2).await;
    let path = format!("/api/topics/{topic}/messages");
    for query in [
        "limit=0",
        "limit=201",
        "limit=lots",
        "partition=-1",
        "partition=one",
        "partition=0&offset=-1",
        "offset=3",
        "partition=0&offset=1&timestamp=5",
        "timestamp=-5",
        "partiton=0",
        "partition=2",
    ] {
        let answer = admin.get(&format!("{path}?{query}")).await;
        assert_eq!(answer.status, 400, "{query}: {answer:?}");
        assert!(answer.body["error"].is_string(), "{query}: {answer:?}");
    }

    for missing in ["no-such-topic-anywhere", "bad%20name"] {
        for what in ["messages", "stream"] {
            let answer = admin.get(&format!("/api/topics/{missing}/{what}")).await;
            assert_eq!(answer.status, 404, "{missing} {what}: {answer:?}");
            assert!(answer.body["error"].is_string(), "{answer:?}");
        }
    }
    // In the registry, not in Kafka.
    let unmade = support::kafka::unique_name("browse-unmade");
    admin.create_topic(&unmade, 1, 1).await;
    for what in ["messages", "stream"] {
        let answer = admin.get(&format!("/api/topics/{unmade}/{what}")).await;
        assert_eq!(answer.status, 409, "{what}: {answer:?}");
        let error = answer.body["error"].as_str().expect("an error");
        assert!(error.contains("does not exist in Kafka"), "{error}");
    }

    let without_kafka = TestAdmin::spawn();
    without_kafka.create_topic(&topic, 2, 1).await;
    for what in ["messages", "stream"] {
        let answer = without_kafka
            .get(&format!("/api/topics/{topic}/{what}"))
            .await;
        assert_eq!(answer.status, 503, "{what}: {answer:?}");
        let error = answer.body["error"].as_str().expect("an error");
        assert!(error.starts_with("Kafka is not configured"), "{error}");
    }
}

/// Opens a live tail of `topic` and waits until it is assigned.
fn open_tail(admin: &TestAdmin, topic: &str) -> RawStream {
    let mut tail = RawStream::get(admin.port(), &format!("/api/topics/{topic}/stream"));
    let connected = tail.read_until(WAIT, |text| text.contains(": connected"));
    assert!(connected, "no stream: {}", tail.text());
    assert_eq!(tail.status(), Some(200), "{}", tail.text());
    assert!(
        tail.text()
            .to_ascii_lowercase()
            .contains("content-type: text/event-stream"),
        "{}",
        tail.text()
    );
    tail
}

/// The status and body of a tail request that is refused (or `200`).
fn try_tail(admin: &TestAdmin, topic: &str) -> (u16, RawStream) {
    let mut tail = RawStream::get(admin.port(), &format!("/api/topics/{topic}/stream"));
    let answered = tail.read_until(WAIT, |text| {
        text.contains(": connected") || (text.contains("\r\n\r\n") && text.contains("\"error\""))
    });
    assert!(answered, "no answer: {}", tail.text());
    (tail.status().expect("a status"), tail)
}

#[actix_rt::test]
async fn the_stream_delivers_records_produced_after_connecting_in_order() {
    let admin = admin_with_kafka(|_| {});
    let topic = registered_topic(&admin, "tail", 2).await;
    let bootstrap = support::kafka::bootstrap_servers();
    let before: Vec<Produced> = (0..4)
        .map(|i| Produced {
            partition: i % 2,
            key: format!("before-{i}"),
            value: b"old",
            timestamp: None,
        })
        .collect();
    produce(&bootstrap, &topic, &before).await;

    let mut tail = open_tail(&admin, &topic);
    // More records at once than a stream buffers (256): a client that
    // keeps reading gets them all, a burst is no reason to drop it.
    let count = 600;
    let values: Vec<Vec<u8>> = (0..count)
        .map(|i| format!(r#"{{"n":{i}}}"#).into_bytes())
        .collect();
    let after: Vec<Produced> = (0..count)
        .map(|i| Produced {
            partition: (i % 2) as i32,
            key: format!("after-{i}"),
            value: &values[i],
            timestamp: None,
        })
        .collect();
    produce(&bootstrap, &topic, &after).await;
    let all_came = tail.read_until(WAIT, |text| text.matches("data: ").count() >= count);
    assert!(all_came, "{}", tail.text());

    let events = tail.events();
    assert_eq!(events.len(), count);
    for partition in 0..2 {
        let seen: Vec<(i64, String, Value)> = events
            .iter()
            .filter(|e| e["partition"] == partition)
            .map(|e| {
                (
                    e["offset"].as_i64().expect("offset"),
                    e["key"].as_str().expect("key").to_owned(),
                    e["value"].clone(),
                )
            })
            .collect();
        let expected: Vec<(i64, String, Value)> = (0..count / 2)
            .map(|j| {
                let i = j * 2 + partition;
                (2 + j as i64, format!("after-{i}"), json!({"n": i}))
            })
            .collect();
        assert_eq!(seen, expected, "partition {partition}");
    }
    assert!(!tail.text().contains("before-"), "{}", tail.text());
}

#[actix_rt::test]
async fn a_client_that_stops_reading_is_dropped_and_its_slot_freed() {
    let admin = admin_with_kafka(|settings| settings.http.max_streams = 1);
    let topic = registered_topic(&admin, "tail-slow", 1).await;
    let bootstrap = support::kafka::bootstrap_servers();

    // Reads the head of its answer, then nothing.
    let mut stalled = open_tail(&admin, &topic);
    let (refused, _) = try_tail(&admin, &topic);
    assert_eq!(refused, 503);

    // Records (32 KiB each) until the stalled client's socket buffers and
    // its stream's buffer are full and the server gives up on it. With an
    // unbounded buffer the server would keep every record for it, keep
    // its slot taken, and the second client would never get in.
    let value = vec![b'v'; 32 * 1024];
    let mut produced = 0;
    let mut second = None;
    for batch in 0..200 {
        let records: Vec<Produced> = (0..32)
            .map(|i| Produced {
                partition: 0,
                key: format!("slow-{batch}-{i}"),
                value: &value,
                timestamp: None,
            })
            .collect();
        produce(&bootstrap, &topic, &records).await;
        produced += records.len();
        let (status, tail) = try_tail(&admin, &topic);
        if status == 200 {
            second = Some(tail);
            break;
        }
    }
    let second = second.expect("the stalled client was never dropped");

    // The stalled client, reading at last, gets what its buffers held and
    // then the reason it was dropped, and the answer ends.
    assert!(stalled.read_to_close(Duration::from_secs(60)), "not closed");
    let text = stalled.text();
    let (_, last) = text
        .rsplit_once("event: dropped\n")
        .expect("a final dropped event");
    assert!(last.contains("read too slowly"), "{last}");
    assert!(!last.contains("data: {\"partition\""), "{last}");
    let delivered = stalled.events().len() - 1;
    assert!(delivered < produced, "{delivered} of {produced}");
    drop(second);
}

#[actix_rt::test]
async fn streams_beyond_the_bound_are_refused_until_one_closes() {
    let admin = admin_with_kafka(|settings| settings.http.max_streams = 2);
    let topic = registered_topic(&admin, "tail-bound", 1).await;
    let first = open_tail(&admin, &topic);
    let _second = open_tail(&admin, &topic);
    let (status, refused) = try_tail(&admin, &topic);
    assert_eq!(status, 503, "{}", refused.text());
    let body = refused.text();
    assert!(body.contains("\"error\""), "{body}");
    assert!(body.contains("--max-streams"), "{body}");
    let metrics = get_text(&admin.url("/metrics")).await;
    assert_eq!(
        sample(&metrics, "topicgate_sse_clients", &[]),
        Some(2.0),
        "the open streams in /metrics: {metrics}"
    );

    // A client that leaves frees its slot (at the latest when the next
    // keep-alive finds it gone).
    drop(first);
    let mut reopened = false;
    for _ in 0..60 {
        let (status, _) = try_tail(&admin, &topic);
        if status == 200 {
            reopened = true;
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(reopened, "the slot of the closed stream was never freed");
}

#[actix_rt::test]
async fn a_graceful_stop_ends_open_streams_with_a_reason() {
    let admin = admin_with_kafka(|_| {});
    let topic = registered_topic(&admin, "tail-stop", 1).await;
    let mut tail = open_tail(&admin, &topic);
    let reader = std::thread::spawn(move || {
        let closed = tail.read_to_close(Duration::from_secs(60));
        (closed, tail.text())
    });
    admin.stop(true).await;
    let (closed, text) = reader.join().expect("the reader thread");
    assert!(closed, "{text}");
    let (_, last) = text
        .rsplit_once("event: dropped\n")
        .expect("a final dropped event");
    assert!(last.contains("the admin service is stopping"), "{last}");
}

#[test]
fn the_records_script_is_served_from_the_binary_and_never_writes_html() {
    let admin = TestAdmin::spawn();
    let answer = support::raw_http::exchange(
        admin.port(),
        b"GET /static/records.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        WAIT,
    );
    assert_eq!(answer.status(), Some(200), "{}", answer.text);
    assert_eq!(
        answer.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let script = answer.body();
    assert!(script.contains("getElementById(\"records\")"), "{script}");
    // Records reach the page as text only.
    for unsafe_sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
    ] {
        assert!(!script.contains(unsafe_sink), "{unsafe_sink}");
    }
}

/// The topic page in a real headless Chromium: once its live tail is on,
/// records produced afterwards appear in its table, newest first, while
/// the page stays the same document (no reload).
#[actix_rt::test]
async fn the_topic_page_shows_live_records_arriving_without_reload() {
    let admin = admin_with_kafka(|_| {});
    let topic = registered_topic(&admin, "page-live", 1).await;
    let mut browser = Browser::start("topic-live").await;
    browser.goto(&admin.url(&format!("/topics/{topic}"))).await;
    browser.expect("#records .records-tail button", WAIT).await;
    // A mark that a reload would wipe.
    browser
        .execute("window.sameDocument = true; return null;")
        .await;

    browser.click("#records .records-tail button").await;
    let connected = eventually(WAIT, || async {
        browser
            .text("#records .records-tail-status")
            .await
            .starts_with("Live")
    })
    .await;
    assert!(connected, "the live tail did not connect");
    browser.screenshot("tail-connected").await;

    let keys: Vec<String> = (0..5).map(|i| format!("live-{i}")).collect();
    let records: Vec<Produced<'_>> = keys
        .iter()
        .map(|key| Produced {
            partition: 0,
            key: key.clone(),
            value: br#"{"sensor_id": "s-1", "temperature": 21.5}"#,
            timestamp: None,
        })
        .collect();
    produce(&support::kafka::bootstrap_servers(), &topic, &records).await;

    let shown_keys = "return Array.from(document.querySelectorAll(\
        '#records tbody tr td:nth-child(4)')).map(function (td) { return td.textContent; });";
    let mut newest_first = keys.clone();
    newest_first.reverse();
    let arrived = eventually(WAIT, || async {
        browser.execute(shown_keys).await == json!(newest_first)
    })
    .await;
    browser.screenshot("tail-records").await;
    assert!(
        arrived,
        "the page shows keys {} instead of {newest_first:?}",
        browser.execute(shown_keys).await
    );
    assert_eq!(
        browser
            .execute("return window.sameDocument === true;")
            .await,
        json!(true),
        "the page was reloaded"
    );
    let value = browser.text("#records tbody tr td.records-value").await;
    assert!(value.contains("temperature"), "{value}");
    browser.close().await;
}

#[actix_rt::test]
async fn in_secure_mode_an_approvers_dashboard_session_reads_records_by_cookie() {
    let admin = admin_with_kafka(|settings| settings.access.secure = true);
    let topic = support::kafka::unique_name("browse-session");
    let created = admin
        .post(
            "/api/topics",
            &json!({"name": topic, "partitions": 1, "replication_factor": 1}),
            true,
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let bootstrap = support::kafka::bootstrap_servers();
    support::kafka::create_topic(&bootstrap, &topic, 1, 1, &[]).await;
    let value = b"{\"n\": 1}";
    produce(
        &bootstrap,
        &topic,
        &[Produced {
            partition: 0,
            key: "k0".into(),
            value,
            timestamp: None,
        }],
    )
    .await;
    let path = format!("/api/topics/{topic}/messages");

    let mut visitor = Visitor::new(&admin);
    let anonymous = visitor.get(&path).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let consumer = admin.create_user("bob", &["consumer"]).await;
    let mut bob = Visitor::new(&admin);
    bob.log_in_with(&consumer).await;
    let unsubscribed = bob.get(&path).await;
    assert_eq!(unsubscribed.status, 403, "{}", unsubscribed.body);

    let approver = admin.create_user("alice", &["approver"]).await;
    visitor.log_in_with(&approver).await;
    let page = visitor.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page: Value = serde_json::from_str(&page.body).expect("a JSON page");
    assert_eq!(places(&page), vec![(0, 0, "k0".into())]);

    // The live tail too: refused without a caller, open with the cookie.
    let (status, _) = try_tail(&admin, &topic);
    assert_eq!(status, 401);
    let stream = format!("/api/topics/{topic}/stream");
    let mut tail = RawStream::get_with_cookie(admin.port(), &stream, visitor.cookie.as_deref());
    let connected = tail.read_until(WAIT, |text| text.contains(": connected"));
    assert!(connected, "no stream: {}", tail.text());
    assert_eq!(tail.status(), Some(200), "{}", tail.text());
}
