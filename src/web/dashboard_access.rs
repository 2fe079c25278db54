//! What the dashboard offers whom: the header's "who is logged in", the
//! actions a page shows, and the refusal of a form post the caller's roles
//! do not allow. The pages hide what a caller may not do; the handlers
//! refuse it anyway, since a form can be posted without its page.

use actix_session::Session;
use actix_web::HttpResponse;
use serde::Serialize;

use super::dashboard::redirect;
use super::identity::Caller;
use super::session::{flash, has_flash};
use super::state::AppState;
use crate::domain::Role;

/// Who is looking at a page, and what the page offers them.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Viewer {
    /// "alice · approver, consumer", or "admin" for the bootstrap admin;
    /// `None` for a visitor who has not logged in.
    pub name: Option<String>,
    /// Topic actions and change-request decisions.
    pub may_approve: bool,
    /// Edit & retry of a topic Kafka refused.
    pub may_edit: bool,
    /// The Create Topic form.
    pub may_request: bool,
}

impl Viewer {
    pub fn of(caller: &Caller, state: &AppState) -> Self {
        Self {
            name: display_name(caller),
            may_approve: caller.may(Role::Approver),
            may_edit: caller.may(Role::Admin),
            may_request: may_request(caller, state),
        }
    }
}

/// How the header names a caller.
fn display_name(caller: &Caller) -> Option<String> {
    match caller {
        Caller::BootstrapAdmin => Some("admin".to_owned()),
        Caller::Person(person) => {
            let roles: Vec<String> = person.roles.iter().map(|r| r.to_string()).collect();
            Some(format!("{} · {}", person.user_id, roles.join(", ")))
        }
        Caller::Anonymous => None,
    }
}

/// Whether the caller may request topics: requesters, and anybody in
/// open mode who has not logged in (their request names its requester).
pub fn may_request(caller: &Caller, state: &AppState) -> bool {
    match caller {
        Caller::Anonymous => !state.access.secure,
        _ => caller.may(Role::Requester),
    }
}

/// `None` when the caller holds `role`; otherwise the response that
/// refuses the form: the login page for a visitor, the dashboard with
/// the reason for a user without the role. `what` completes "to ...".
pub fn refuse_without(
    session: &Session,
    caller: &Caller,
    role: Role,
    what: &str,
) -> Option<HttpResponse> {
    if caller.may(role) {
        return None;
    }
    Some(refusal(
        session,
        caller,
        &format!("{what} (needs the {role} role)"),
    ))
}

/// Refuses a form post `caller` may not make: a visitor is sent to log
/// in, a user back to the dashboard, each with a message naming `what`.
pub fn refusal(session: &Session, caller: &Caller, what: &str) -> HttpResponse {
    match caller.person() {
        None => {
            // A session logged out by this very request (its token was
            // revoked) keeps the message that says so.
            if !has_flash(session) {
                flash(session, "error", format!("Log in to {what}."));
            }
            redirect("/login")
        }
        Some(person) => {
            flash(
                session,
                "error",
                format!(
                    "You are logged in as '{}' ({}), who may not {what}.",
                    person.user_id, person.roles
                ),
            );
            redirect("/")
        }
    }
}
