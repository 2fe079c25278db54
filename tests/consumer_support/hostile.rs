//! Records meant to take over a terminal, produced straight into Kafka, and
//! checks that what reached the screen only shows them.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::json;

/// Nesting of the deep record: far beyond serde_json's parser limit (128).
pub const DEEP: usize = 20_000;
/// Size of the large record's value.
pub const LARGE: usize = 900_000;

/// One record as produced: key and value bytes.
pub struct Record {
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
}

/// Terminal attacks in a string: window title (OSC 0), clipboard (OSC 52),
/// clear screen, alternate screen, a one-byte CSI (U+009B), DEL, BEL.
pub const ATTACK: &str =
    "\x1b]0;pwned-title\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b[?1049h\u{9b}31mred\u{7f}\u{85}";

/// An envelope whose every string field carries `ATTACK`.
pub fn envelope(topic: &str, mark: &str, payload: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "topic": topic,
        "data_type": format!("{mark}{ATTACK}"),
        "payload": payload,
        "timestamp": format!("2026-11-27T10:15:00.123Z{ATTACK}"),
    }))
    .expect("serialise")
}

/// The hostile records, each findable by its mark (`hostile-N`).
pub fn corpus(topic: &str) -> Vec<Record> {
    let record = |key: &[u8], value: Vec<u8>| Record {
        key: Some(key.to_vec()),
        value,
    };
    vec![
        // Controls in the key, the data type, the timestamp, keys and
        // values of the payload; serde_json writes DEL and U+009B raw.
        record(
            format!("key{ATTACK}").as_bytes(),
            envelope(
                topic,
                "hostile-1",
                json!({ ATTACK: ATTACK, "list": [ATTACK, 1, {"nested": ATTACK}] }),
            ),
        ),
        // A BEL flood.
        record(
            b"bell",
            envelope(topic, "hostile-2", json!({ "bells": "\x07".repeat(5_000) })),
        ),
        // Not UTF-8 and not JSON: shown lossy.
        record(
            b"bytes",
            b"hostile-3 \xff\xfe\x1b]0;bad-utf8\x07\xc2\x9b2J end".to_vec(),
        ),
        // UTF-8 text, not JSON, with raw controls.
        record(
            b"text",
            format!("hostile-4 {ATTACK} plain text\r\n").into_bytes(),
        ),
    ]
}

/// An envelope whose payload is `DEEP` nested arrays (about 40 KB).
pub fn deep(topic: &str, mark: &str) -> Record {
    let payload = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    let value = format!(
        r#"{{"topic":"{topic}","data_type":"{mark}","payload":{payload},"timestamp":"2026-11-27T10:15:00.123Z"}}"#
    );
    Record {
        key: None,
        value: value.into_bytes(),
    }
}

/// An envelope of about `LARGE` bytes, with a control in every item.
pub fn large(topic: &str, mark: &str) -> Record {
    let item = json!({"id": 0, "text": "\u{9b}2J lorem ipsum dolor sit amet", "ok": true});
    let items = LARGE / item.to_string().len();
    let payload: Vec<serde_json::Value> = (0..items)
        .map(|id| json!({"id": id, "text": "\u{9b}2J lorem ipsum dolor sit amet", "ok": true}))
        .collect();
    let value = serde_json::to_vec(&json!({
        "topic": topic,
        "data_type": mark,
        "payload": payload,
        "timestamp": "2026-11-27T10:15:00.123Z",
    }))
    .expect("serialise");
    Record { key: None, value }
}

/// `command` with validation off. These tests are about what reaches the
/// screen: validated, most hostile records would be dead letters instead.
pub fn unvalidated(mut command: std::process::Command) -> std::process::Command {
    command.arg("--no-validate");
    command
}

/// Produces `records` to partition 0 of `topic`, in order, and waits for
/// every delivery.
pub async fn produce(bootstrap: &str, topic: &str, records: &[Record]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.max.bytes", "2000000")
        .set("enable.idempotence", "true")
        .create()
        .expect("a Kafka producer");
    for record in records {
        let mut to = FutureRecord::to(topic).partition(0).payload(&record.value);
        if let Some(key) = &record.key {
            to = to.key(key);
        }
        if let Err((e, _)) = producer.send(to, Duration::from_secs(30)).await {
            panic!("producing to {topic} failed: {e}");
        }
    }
}

/// The line editor's own sequences, besides moving the cursor: it wraps
/// each redraw of the prompt in synchronized output (mode 2026) and reads
/// lines in bracketed paste mode (2004).
pub const EDITOR_CSI: &[&str] = &["?2026h", "?2026l", "?2004h", "?2004l"];

/// Panics unless `screen` is free of anything a terminal would obey, other
/// than newlines and the line editor's own drawing: `allowed` lists the
/// CSI sequences (without ESC `[`) it may send besides moving the cursor
/// and erasing the line (`ESC [ n A..D`, `ESC [ K`).
pub fn assert_only_shown(screen: &[u8], allowed: &[&str]) {
    let text = std::str::from_utf8(screen).expect("the screen got invalid UTF-8");
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| is_control(c) && c != '\n' && c != '\r') {
        let after = &rest[at..];
        let sequence = after
            .strip_prefix("\x1b[")
            .and_then(|csi| {
                let end = csi.find(|c: char| ('\x40'..='\x7e').contains(&c))?;
                Some(&csi[..=end])
            })
            .filter(|csi| allowed.contains(csi) || is_cursor_movement(csi));
        match sequence {
            Some(csi) => rest = &after[2 + csi.len()..],
            None => panic!(
                "a control reached the screen: {:?}",
                after.chars().take(40).collect::<String>()
            ),
        }
    }
}

/// `n A`..`n D` (cursor movement) and `K` (erase in line).
fn is_cursor_movement(csi: &str) -> bool {
    let (count, action) = csi.split_at(csi.len() - 1);
    count.bytes().all(|b| b.is_ascii_digit()) && matches!(action, "A" | "B" | "C" | "D" | "K")
}

fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}')
}

/// Peak resident memory of process `pid`, in bytes (VmHWM).
pub fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc status");
    kb * 1024
}

/// CPU time (user and system) process `pid` has used so far.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("a command name")
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // /proc counts in USER_HZ, which Linux fixes at 100 per second.
    Duration::from_millis(ticks * 10)
}
