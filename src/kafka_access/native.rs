//! Every call into librdkafka's ACL and SCRAM admin API, and every
//! `unsafe` block of [`crate::kafka_access`].
//!
//! rust-rdkafka does not wrap these calls. Each request goes to a result
//! queue of its own; the queue is polled on a blocking thread, so the async
//! runtime never waits on librdkafka. Whatever is handed to librdkafka is
//! owned by a guard here and freed exactly once when the guard drops:
//! librdkafka copies the bindings, filters, alterations, user names and
//! options it is given, and everything read from a result is copied into
//! Rust values before the result event is destroyed.

use std::ffi::{CStr, CString, c_char};
use std::ptr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::admin::AdminClient;
use rdkafka::bindings as rd;
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use super::error::{AccessError, KafkaFailure};

/// The admin client whose connection the requests use.
pub(super) type Admin = AdminClient<DefaultClientContext>;

/// How long past the request timeout the result is waited for: librdkafka
/// itself reports a timed-out request, so this only guards against a
/// result that never comes.
const RESULT_GRACE: Duration = Duration::from_secs(10);

/// How long one poll of the result queue blocks before the deadline is
/// checked again.
const POLL_SLICE_MS: i32 = 500;

/// The size of the buffer librdkafka writes a refused argument's reason to.
const ERRSTR_SIZE: usize = 512;

// ---------------------------------------------------------------- guards

/// An ACL binding or binding filter that librdkafka allocated.
pub(super) struct NativeAcl(*mut rd::rd_kafka_AclBinding_t);

// SAFETY: a binding is a plain heap object with no tie to a thread or a
// handle; librdkafka only reads it (the shared access `Sync` allows).
unsafe impl Send for NativeAcl {}
// SAFETY: as above.
unsafe impl Sync for NativeAcl {}

impl Drop for NativeAcl {
    fn drop(&mut self) {
        // SAFETY: the pointer came from rd_kafka_AclBinding_new or
        // rd_kafka_AclBindingFilter_new, is non-null (checked there) and
        // is destroyed only here; librdkafka kept copies, not this object.
        unsafe { rd::rd_kafka_AclBinding_destroy(self.0) }
    }
}

/// A SCRAM credential upsertion or deletion that librdkafka allocated.
pub(super) struct NativeAlteration(*mut rd::rd_kafka_UserScramCredentialAlteration_t);

// SAFETY: a plain heap object, like a binding; librdkafka only reads it.
unsafe impl Send for NativeAlteration {}
// SAFETY: as above.
unsafe impl Sync for NativeAlteration {}

impl Drop for NativeAlteration {
    fn drop(&mut self) {
        // SAFETY: the pointer came from an rd_kafka_UserScramCredential*_new
        // call, is non-null (checked there) and is destroyed only here.
        unsafe { rd::rd_kafka_UserScramCredentialAlteration_destroy(self.0) }
    }
}

/// The options of one request (its operation and timeout).
struct Options(*mut rd::rd_kafka_AdminOptions_t);

// SAFETY: the options are a plain heap object, used by one thread at a time.
unsafe impl Send for Options {}

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_AdminOptions_new (non-null, checked);
        // librdkafka copied the options into its request.
        unsafe { rd::rd_kafka_AdminOptions_destroy(self.0) }
    }
}

/// The queue one request's result arrives on.
struct ResultQueue(*mut rd::rd_kafka_queue_t);

// SAFETY: librdkafka queues may be polled and destroyed from any thread;
// the queue is used by one thread at a time (it moves, it is not shared).
unsafe impl Send for ResultQueue {}

impl Drop for ResultQueue {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_queue_new (non-null, checked) and
        // destroyed only here. librdkafka counts references to the queue
        // itself, so a result still in flight is simply discarded.
        unsafe { rd::rd_kafka_queue_destroy(self.0) }
    }
}

/// A result event taken off a queue.
struct Event(*mut rd::rd_kafka_event_t);

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: returned non-null by rd_kafka_queue_poll and destroyed
        // only here; every string read from it was copied before.
        unsafe { rd::rd_kafka_event_destroy(self.0) }
    }
}

// ---------------------------------------------------------------- values

/// An ACL binding or filter as librdkafka's constants and C strings.
/// `None` strings (filters only) match anything.
pub(super) struct RawAclSpec {
    pub restype: rd::rd_kafka_ResourceType_t,
    pub name: Option<CString>,
    pub pattern: rd::rd_kafka_ResourcePatternType_t,
    pub principal: Option<CString>,
    pub host: Option<CString>,
    pub operation: rd::rd_kafka_AclOperation_t,
    pub permission: rd::rd_kafka_AclPermissionType_t,
}

/// An ACL binding read back from Kafka, before it is made a typed value.
#[derive(Debug)]
pub(super) struct RawAcl {
    pub restype: rd::rd_kafka_ResourceType_t,
    pub name: String,
    pub pattern: rd::rd_kafka_ResourcePatternType_t,
    pub principal: String,
    pub host: String,
    pub operation: rd::rd_kafka_AclOperation_t,
    pub permission: rd::rd_kafka_AclPermissionType_t,
}

/// One filter's outcome in a DeleteAcls result.
pub(super) type RawDeleted = Result<Vec<RawAcl>, KafkaFailure>;

/// One user's entry in a DescribeUserScramCredentials result.
pub(super) struct RawUserCredentials {
    pub user: String,
    pub outcome: Result<Vec<(rd::rd_kafka_ScramMechanism_t, i32)>, KafkaFailure>,
}

fn null_or(value: &Option<CString>) -> *const c_char {
    value.as_ref().map_or(ptr::null(), |v| v.as_ptr())
}

fn errstr_text(buffer: &[c_char; ERRSTR_SIZE]) -> String {
    // SAFETY: the buffer starts zeroed and librdkafka writes a
    // NUL-terminated string of at most ERRSTR_SIZE bytes into it, so a NUL
    // is always within the buffer.
    unsafe { CStr::from_ptr(buffer.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// A copy of a string owned by librdkafka; "" for null.
///
/// # Safety
/// `text` is null or a NUL-terminated string that lives for this call.
unsafe fn copy_string(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: non-null, NUL-terminated and alive, as the caller promises.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

/// The failure in an rd_kafka_error_t, `None` when it is null or says
/// "no error" (some results carry one for every item).
///
/// # Safety
/// `error` is null or points to an error owned by a live result.
unsafe fn copy_error(error: *const rd::rd_kafka_error_t) -> Option<KafkaFailure> {
    if error.is_null() {
        return None;
    }
    // SAFETY: non-null and alive, as the caller promises; the message is
    // a NUL-terminated string owned by the error.
    unsafe {
        let code = rd::rd_kafka_error_code(error);
        if code == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return None;
        }
        Some(KafkaFailure {
            code: RDKafkaErrorCode::from(code),
            message: copy_string(rd::rd_kafka_error_string(error)),
        })
    }
}

/// A slice over an array a result owns; empty for a null array.
///
/// # Safety
/// `items` is null or points to `count` elements that outlive `'a`.
unsafe fn result_slice<'a, T>(items: *mut *const T, count: usize) -> &'a [*const T] {
    if items.is_null() || count == 0 {
        return &[];
    }
    // SAFETY: as the caller promises.
    unsafe { std::slice::from_raw_parts(items, count) }
}

/// Copies one ACL binding of a result.
///
/// # Safety
/// `acl` points to a binding owned by a live result.
unsafe fn copy_acl(acl: *const rd::rd_kafka_AclBinding_t) -> RawAcl {
    // SAFETY: as the caller promises; the accessors only read its fields.
    unsafe {
        RawAcl {
            restype: rd::rd_kafka_AclBinding_restype(acl),
            name: copy_string(rd::rd_kafka_AclBinding_name(acl)),
            pattern: rd::rd_kafka_AclBinding_resource_pattern_type(acl),
            principal: copy_string(rd::rd_kafka_AclBinding_principal(acl)),
            host: copy_string(rd::rd_kafka_AclBinding_host(acl)),
            operation: rd::rd_kafka_AclBinding_operation(acl),
            permission: rd::rd_kafka_AclBinding_permission_type(acl),
        }
    }
}

// ---------------------------------------------------------------- building

impl NativeAcl {
    /// A binding to create: every string must be present.
    pub(super) fn binding(spec: &RawAclSpec) -> Result<Self, AccessError> {
        Self::build(spec, rd::rd_kafka_AclBinding_new)
    }

    /// A filter: absent strings match anything.
    pub(super) fn filter(spec: &RawAclSpec) -> Result<Self, AccessError> {
        Self::build(spec, rd::rd_kafka_AclBindingFilter_new)
    }

    fn build(
        spec: &RawAclSpec,
        new: unsafe extern "C" fn(
            rd::rd_kafka_ResourceType_t,
            *const c_char,
            rd::rd_kafka_ResourcePatternType_t,
            *const c_char,
            *const c_char,
            rd::rd_kafka_AclOperation_t,
            rd::rd_kafka_AclPermissionType_t,
            *mut c_char,
            usize,
        ) -> *mut rd::rd_kafka_AclBinding_t,
    ) -> Result<Self, AccessError> {
        let mut errstr = [0 as c_char; ERRSTR_SIZE];
        // SAFETY: the strings are null or NUL-terminated CStrings that
        // outlive the call (librdkafka copies them); errstr is a writable
        // buffer of the size given.
        let acl = unsafe {
            new(
                spec.restype,
                null_or(&spec.name),
                spec.pattern,
                null_or(&spec.principal),
                null_or(&spec.host),
                spec.operation,
                spec.permission,
                errstr.as_mut_ptr(),
                ERRSTR_SIZE,
            )
        };
        if acl.is_null() {
            return Err(AccessError::Invalid(errstr_text(&errstr)));
        }
        Ok(Self(acl))
    }
}

impl NativeAlteration {
    /// Sets `user`'s credential for `mechanism`.
    pub(super) fn upsertion(
        user: &CStr,
        mechanism: rd::rd_kafka_ScramMechanism_t,
        iterations: i32,
        password: &[u8],
        salt: &[u8],
    ) -> Result<Self, AccessError> {
        // SAFETY: user is NUL-terminated; password and salt are valid for
        // the lengths given. librdkafka copies all three.
        let alteration = unsafe {
            rd::rd_kafka_UserScramCredentialUpsertion_new(
                user.as_ptr(),
                mechanism,
                iterations,
                password.as_ptr(),
                password.len(),
                salt.as_ptr(),
                salt.len(),
            )
        };
        Self::checked(alteration)
    }

    /// Removes `user`'s credential for `mechanism`.
    pub(super) fn deletion(
        user: &CStr,
        mechanism: rd::rd_kafka_ScramMechanism_t,
    ) -> Result<Self, AccessError> {
        // SAFETY: user is NUL-terminated and copied by librdkafka.
        let alteration =
            unsafe { rd::rd_kafka_UserScramCredentialDeletion_new(user.as_ptr(), mechanism) };
        Self::checked(alteration)
    }

    fn checked(
        alteration: *mut rd::rd_kafka_UserScramCredentialAlteration_t,
    ) -> Result<Self, AccessError> {
        if alteration.is_null() {
            return Err(AccessError::Invalid(
                "librdkafka refused the SCRAM credential alteration".into(),
            ));
        }
        Ok(Self(alteration))
    }
}

/// Pointers to the objects in `items`, as the array librdkafka takes.
/// librdkafka reads the array during the call and keeps nothing of it.
fn pointer_array<T, P>(items: &[T], pointer: impl Fn(&T) -> *mut P) -> Vec<*mut P> {
    items.iter().map(pointer).collect()
}

// ---------------------------------------------------------------- requests

/// One request on its own result queue, ready to be sent.
struct Request {
    queue: ResultQueue,
    options: Options,
    /// Keeps the client alive until the result is in: the queue belongs
    /// to its handle. Declared last, so it drops after the queue.
    client: Arc<Admin>,
}

impl Request {
    fn new(
        client: &Arc<Admin>,
        operation: rd::rd_kafka_admin_op_t,
        timeout: Duration,
    ) -> Result<Self, AccessError> {
        let rk = client.inner().native_ptr();
        // SAFETY: rk is the live handle of `client`, which the request
        // keeps alive for as long as the queue exists.
        let queue = unsafe { rd::rd_kafka_queue_new(rk) };
        if queue.is_null() {
            return Err(AccessError::Invalid(
                "librdkafka made no result queue".into(),
            ));
        }
        let queue = ResultQueue(queue);
        // SAFETY: as above.
        let options = unsafe { rd::rd_kafka_AdminOptions_new(rk, operation) };
        if options.is_null() {
            return Err(AccessError::Invalid(
                "librdkafka made no admin options".into(),
            ));
        }
        let options = Options(options);
        let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let mut errstr = [0 as c_char; ERRSTR_SIZE];
        // SAFETY: options is live; errstr is writable for its size.
        let err = unsafe {
            rd::rd_kafka_AdminOptions_set_request_timeout(
                options.0,
                timeout_ms,
                errstr.as_mut_ptr(),
                ERRSTR_SIZE,
            )
        };
        if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Err(AccessError::Invalid(errstr_text(&errstr)));
        }
        Ok(Self {
            queue,
            options,
            client: Arc::clone(client),
        })
    }

    fn rk(&self) -> *mut rd::rd_kafka_t {
        self.client.inner().native_ptr()
    }

    /// Waits on a blocking thread for the result, checks that it is the
    /// one expected and whole, and reads it with `read` there.
    async fn result<T: Send + 'static>(
        self,
        expected: i32,
        timeout: Duration,
        read: impl FnOnce(&Event) -> T + Send + 'static,
    ) -> Result<T, AccessError> {
        let Request {
            queue,
            options,
            client,
        } = self;
        // librdkafka copied the options when the request was sent.
        drop(options);
        tokio::task::spawn_blocking(move || {
            let event = poll(&queue, timeout + RESULT_GRACE)?;
            let outcome = check_event(&event, expected).map(|()| read(&event));
            // The event and the queue go before the client that owns them.
            drop(event);
            drop(queue);
            drop(client);
            outcome
        })
        .await
        .map_err(|e| AccessError::Task(e.to_string()))?
    }
}

fn poll(queue: &ResultQueue, wait: Duration) -> Result<Event, AccessError> {
    let deadline = Instant::now() + wait;
    loop {
        // SAFETY: the queue is live (owned by the caller).
        let event = unsafe { rd::rd_kafka_queue_poll(queue.0, POLL_SLICE_MS) };
        if !event.is_null() {
            return Ok(Event(event));
        }
        if Instant::now() >= deadline {
            return Err(AccessError::NoResult(wait));
        }
    }
}

fn check_event(event: &Event, expected: i32) -> Result<(), AccessError> {
    // SAFETY: the event is live; its error string is copied at once.
    unsafe {
        let kind = rd::rd_kafka_event_type(event.0);
        if kind != expected {
            return Err(AccessError::Invalid(format!(
                "librdkafka answered with event {kind}, not {expected}"
            )));
        }
        let code = rd::rd_kafka_event_error(event.0);
        if code != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Err(AccessError::Request(KafkaFailure {
                code: RDKafkaErrorCode::from(code),
                message: copy_string(rd::rd_kafka_event_error_string(event.0)),
            }));
        }
    }
    Ok(())
}

/// Sends CreateAcls; one outcome per binding, in order.
pub(super) async fn create_acls(
    client: &Arc<Admin>,
    acls: &[NativeAcl],
    timeout: Duration,
) -> Result<Vec<Option<KafkaFailure>>, AccessError> {
    let request = Request::new(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEACLS,
        timeout,
    )?;
    {
        let mut pointers = pointer_array(acls, |acl| acl.0);
        // SAFETY: every pointer is a live binding kept by `acls` for the
        // call; librdkafka copies them, the options and nothing else.
        unsafe {
            rd::rd_kafka_CreateAcls(
                request.rk(),
                pointers.as_mut_ptr(),
                pointers.len(),
                request.options.0,
                request.queue.0,
            );
        }
    }
    request
        .result(rd::RD_KAFKA_EVENT_CREATEACLS_RESULT, timeout, |event| {
            // SAFETY: the event is a live CreateAcls result (checked); its
            // arrays and errors are read and copied while it lives.
            unsafe {
                let result = rd::rd_kafka_event_CreateAcls_result(event.0);
                let mut count = 0;
                let items = rd::rd_kafka_CreateAcls_result_acls(result, &mut count);
                result_slice(items, count)
                    .iter()
                    .map(|item| copy_error(rd::rd_kafka_acl_result_error(*item)))
                    .collect()
            }
        })
        .await
}

/// Sends DescribeAcls for one filter; the bindings that match it.
pub(super) async fn describe_acls(
    client: &Arc<Admin>,
    filter: &NativeAcl,
    timeout: Duration,
) -> Result<Vec<RawAcl>, AccessError> {
    let request = Request::new(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS,
        timeout,
    )?;
    // SAFETY: the filter is live for the call and copied by librdkafka.
    unsafe {
        rd::rd_kafka_DescribeAcls(request.rk(), filter.0, request.options.0, request.queue.0);
    }
    request
        .result(rd::RD_KAFKA_EVENT_DESCRIBEACLS_RESULT, timeout, |event| {
            // SAFETY: a live DescribeAcls result (checked); copied while it lives.
            unsafe {
                let result = rd::rd_kafka_event_DescribeAcls_result(event.0);
                let mut count = 0;
                let items = rd::rd_kafka_DescribeAcls_result_acls(result, &mut count);
                result_slice(items, count)
                    .iter()
                    .map(|acl| copy_acl(*acl))
                    .collect()
            }
        })
        .await
}

/// Sends DeleteAcls; per filter, the bindings it deleted or its failure.
pub(super) async fn delete_acls(
    client: &Arc<Admin>,
    filters: &[NativeAcl],
    timeout: Duration,
) -> Result<Vec<RawDeleted>, AccessError> {
    let request = Request::new(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETEACLS,
        timeout,
    )?;
    {
        let mut pointers = pointer_array(filters, |filter| filter.0);
        // SAFETY: every pointer is a live filter kept by `filters` for the
        // call; librdkafka copies them.
        unsafe {
            rd::rd_kafka_DeleteAcls(
                request.rk(),
                pointers.as_mut_ptr(),
                pointers.len(),
                request.options.0,
                request.queue.0,
            );
        }
    }
    request
        .result(rd::RD_KAFKA_EVENT_DELETEACLS_RESULT, timeout, |event| {
            // SAFETY: a live DeleteAcls result (checked); copied while it lives.
            unsafe {
                let result = rd::rd_kafka_event_DeleteAcls_result(event.0);
                let mut count = 0;
                let responses = rd::rd_kafka_DeleteAcls_result_responses(result, &mut count);
                result_slice(responses, count)
                    .iter()
                    .map(|response| {
                        if let Some(failure) =
                            copy_error(rd::rd_kafka_DeleteAcls_result_response_error(*response))
                        {
                            return Err(failure);
                        }
                        let mut matching = 0;
                        let acls = rd::rd_kafka_DeleteAcls_result_response_matching_acls(
                            *response,
                            &mut matching,
                        );
                        Ok(result_slice(acls, matching)
                            .iter()
                            .map(|acl| copy_acl(*acl))
                            .collect())
                    })
                    .collect()
            }
        })
        .await
}

/// Sends AlterUserScramCredentials; per user, its failure if any.
pub(super) async fn alter_scram_credentials(
    client: &Arc<Admin>,
    alterations: &[NativeAlteration],
    timeout: Duration,
) -> Result<Vec<(String, Option<KafkaFailure>)>, AccessError> {
    let request = Request::new(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERUSERSCRAMCREDENTIALS,
        timeout,
    )?;
    {
        let mut pointers = pointer_array(alterations, |alteration| alteration.0);
        // SAFETY: every pointer is a live alteration kept by `alterations`
        // for the call; librdkafka copies them.
        unsafe {
            rd::rd_kafka_AlterUserScramCredentials(
                request.rk(),
                pointers.as_mut_ptr(),
                pointers.len(),
                request.options.0,
                request.queue.0,
            );
        }
    }
    request
        .result(
            rd::RD_KAFKA_EVENT_ALTERUSERSCRAMCREDENTIALS_RESULT,
            timeout,
            |event| {
                // SAFETY: a live AlterUserScramCredentials result (checked);
                // copied while it lives.
                unsafe {
                    let result = rd::rd_kafka_event_AlterUserScramCredentials_result(event.0);
                    let mut count = 0;
                    let responses =
                        rd::rd_kafka_AlterUserScramCredentials_result_responses(result, &mut count);
                    result_slice(responses, count)
                        .iter()
                        .map(|response| {
                            (
                                copy_string(
                                    rd::rd_kafka_AlterUserScramCredentials_result_response_user(
                                        *response,
                                    ),
                                ),
                                copy_error(
                                    rd::rd_kafka_AlterUserScramCredentials_result_response_error(
                                        *response,
                                    ),
                                ),
                            )
                        })
                        .collect()
                }
            },
        )
        .await
}

/// Sends DescribeUserScramCredentials for `users` (all users when empty).
pub(super) async fn describe_scram_credentials(
    client: &Arc<Admin>,
    users: &[CString],
    timeout: Duration,
) -> Result<Vec<RawUserCredentials>, AccessError> {
    let request = Request::new(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEUSERSCRAMCREDENTIALS,
        timeout,
    )?;
    {
        let mut pointers: Vec<*const c_char> = users.iter().map(|user| user.as_ptr()).collect();
        // SAFETY: every pointer is a NUL-terminated name kept by `users`
        // for the call; librdkafka copies them.
        unsafe {
            rd::rd_kafka_DescribeUserScramCredentials(
                request.rk(),
                pointers.as_mut_ptr(),
                pointers.len(),
                request.options.0,
                request.queue.0,
            );
        }
    }
    request
        .result(
            rd::RD_KAFKA_EVENT_DESCRIBEUSERSCRAMCREDENTIALS_RESULT,
            timeout,
            |event| {
                // SAFETY: a live DescribeUserScramCredentials result
                // (checked); copied while it lives.
                unsafe {
                    let result = rd::rd_kafka_event_DescribeUserScramCredentials_result(event.0);
                    let mut count = 0;
                    let descriptions =
                        rd::rd_kafka_DescribeUserScramCredentials_result_descriptions(
                            result, &mut count,
                        );
                    result_slice(descriptions, count)
                        .iter()
                        .map(|description| copy_user_credentials(*description))
                        .collect()
                }
            },
        )
        .await
}

/// Copies one user's entry of a DescribeUserScramCredentials result.
///
/// # Safety
/// `description` points to an entry owned by a live result.
unsafe fn copy_user_credentials(
    description: *const rd::rd_kafka_UserScramCredentialsDescription_t,
) -> RawUserCredentials {
    // SAFETY: as the caller promises; indexes stay below the count.
    unsafe {
        let user = copy_string(rd::rd_kafka_UserScramCredentialsDescription_user(
            description,
        ));
        if let Some(failure) = copy_error(rd::rd_kafka_UserScramCredentialsDescription_error(
            description,
        )) {
            return RawUserCredentials {
                user,
                outcome: Err(failure),
            };
        }
        let count =
            rd::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo_count(description);
        let infos = (0..count)
            .map(|index| {
                let info = rd::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo(
                    description,
                    index,
                );
                (
                    rd::rd_kafka_ScramCredentialInfo_mechanism(info),
                    rd::rd_kafka_ScramCredentialInfo_iterations(info),
                )
            })
            .collect();
        RawUserCredentials {
            user,
            outcome: Ok(infos),
        }
    }
}
