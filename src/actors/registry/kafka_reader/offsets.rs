//! The committed offsets of many consumer groups at once, with librdkafka's
//! ListConsumerGroupOffsets admin call.
//!
//! rust-rdkafka only reads offsets in the name of a consumer's own
//! `group.id`, which would take a client (threads, connections) per group:
//! seconds for a cluster with hundreds of groups. The admin call asks each
//! group's coordinator on the clients' existing connections, all groups in
//! flight together. rust-rdkafka does not wrap it yet, so it is called
//! through the bindings it re-exports; every pointer made here is freed
//! here (see [`Owned`]).

use std::collections::BTreeMap;
use std::ffi::{CStr, CString, c_char};
use std::time::{Duration, Instant};

use rdkafka::TopicPartitionList;
use rdkafka::bindings as rd;

/// Committed offsets by topic and partition; a partition without a commit
/// is absent.
pub(super) type Commits = BTreeMap<(String, i32), i64>;

/// Frees a librdkafka object when dropped.
struct Owned<T>(*mut T, unsafe extern "C" fn(*mut T));

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: made by librdkafka's matching constructor, freed once.
            unsafe { (self.1)(self.0) }
        }
    }
}

/// Each of `groups`' commits on the partitions of `wanted`, asked on the
/// client `rk`. A group whose answer did not come within `timeout`, or
/// came with an error, is left out (and logged): its commits are unknown.
pub(super) fn committed(
    rk: *mut rd::rd_kafka_t,
    groups: &[String],
    wanted: &TopicPartitionList,
    timeout: Duration,
) -> BTreeMap<String, Commits> {
    let mut found = BTreeMap::new();
    if groups.is_empty() {
        return found;
    }
    // SAFETY: `rk` is a live client for the whole call; each object below
    // is owned by an `Owned` guard or destroyed right after librdkafka
    // copied it, and results are copied out before their event is freed.
    unsafe {
        let queue = Owned(rd::rd_kafka_queue_new(rk), rd::rd_kafka_queue_destroy);
        let options = Owned(
            rd::rd_kafka_AdminOptions_new(
                rk,
                rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
            ),
            rd::rd_kafka_AdminOptions_destroy,
        );
        let mut errstr = [0 as c_char; 256];
        let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        rd::rd_kafka_AdminOptions_set_request_timeout(
            options.0,
            millis,
            errstr.as_mut_ptr(),
            errstr.len(),
        );
        let mut sent = 0;
        for group in groups {
            let Ok(id) = CString::new(group.as_str()) else {
                continue;
            };
            let mut request = rd::rd_kafka_ListConsumerGroupOffsets_new(id.as_ptr(), wanted.ptr());
            // librdkafka copies the request; one group per call is all it takes.
            rd::rd_kafka_ListConsumerGroupOffsets(rk, &mut request, 1, options.0, queue.0);
            rd::rd_kafka_ListConsumerGroupOffsets_destroy(request);
            sent += 1;
        }
        let deadline = Instant::now() + timeout + Duration::from_secs(1);
        for _ in 0..sent {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = Owned(
                rd::rd_kafka_queue_poll(
                    queue.0,
                    i32::try_from(left.as_millis()).unwrap_or(i32::MAX),
                ),
                rd::rd_kafka_event_destroy,
            );
            if event.0.is_null() {
                log::warn!("Kafka did not give every group's offsets in time");
                break;
            }
            if rd::rd_kafka_event_error(event.0)
                != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
            {
                log::warn!(
                    "reading a group's offsets: {}",
                    text(rd::rd_kafka_event_error_string(event.0))
                );
                continue;
            }
            let result = rd::rd_kafka_event_ListConsumerGroupOffsets_result(event.0);
            if result.is_null() {
                continue;
            }
            let mut count = 0;
            let results = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(result, &mut count);
            for i in 0..count {
                let group = *results.add(i);
                let name = text(rd::rd_kafka_group_result_name(group));
                let error = rd::rd_kafka_group_result_error(group);
                if !error.is_null() {
                    log::warn!(
                        "reading group {name}'s offsets: {}",
                        text(rd::rd_kafka_error_string(error))
                    );
                    continue;
                }
                found.insert(name, commits(rd::rd_kafka_group_result_partitions(group)));
            }
        }
    }
    found
}

/// The valid offsets of a partition list librdkafka answered.
///
/// # Safety
/// `list` is null or a list librdkafka keeps alive for the call.
unsafe fn commits(list: *const rd::rd_kafka_topic_partition_list_t) -> Commits {
    let mut commits = Commits::new();
    if list.is_null() {
        return commits;
    }
    // SAFETY: `elems` holds `cnt` partitions, per librdkafka's contract.
    let partitions = unsafe {
        std::slice::from_raw_parts((*list).elems, usize::try_from((*list).cnt).unwrap_or(0))
    };
    for p in partitions {
        if p.offset >= 0 && p.err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            // SAFETY: a partition's topic is a NUL-terminated string.
            let topic = unsafe { text(p.topic) };
            commits.insert((topic, p.partition), p.offset);
        }
    }
    commits
}

/// A C string librdkafka returned, copied; empty when null.
///
/// # Safety
/// `raw` is null or a NUL-terminated string alive for the call.
unsafe fn text(raw: *const c_char) -> String {
    if raw.is_null() {
        return String::new();
    }
    // SAFETY: per this function's contract.
    unsafe { CStr::from_ptr(raw) }
        .to_string_lossy()
        .into_owned()
}
