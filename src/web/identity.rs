//! Who sent a request: the bootstrap admin (the shared admin token), a
//! registered user (a user token), or nobody in particular.
//!
//! Only the token decides. A user token is looked up by its SHA-256, so
//! what the database compares is a hash, and the admin token is compared
//! in constant time (`config::Secret`).

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::auth::log_refused;
use super::error::ApiError;
use super::state::AppState;
use crate::actors::registry::Authenticate;
use crate::domain::{ANONYMOUS, Actor, MAX_CREATED_BY_LEN, Role, TextKind, UserId, checked_text};
use crate::identity::{Person, TOKEN_PREFIX, TokenHash};

/// The proven sender of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Presented the shared admin token: every role. It bootstraps the
    /// first users and stays the operator's way in.
    BootstrapAdmin,
    /// Presented a user token.
    Person(Person),
    /// Presented nothing.
    Anonymous,
}

impl Caller {
    /// Whether the caller holds `role`.
    pub fn may(&self, role: Role) -> bool {
        match self {
            Caller::BootstrapAdmin => true,
            Caller::Person(person) => person.may(role),
            Caller::Anonymous => false,
        }
    }

    /// `Ok` when the caller holds `role`; 401 for nobody, 403 for a user
    /// without it. `what` completes "may not ...".
    pub fn require(&self, role: Role, what: &str) -> Result<(), ApiError> {
        match self {
            _ if self.may(role) => Ok(()),
            Caller::Anonymous => Err(ApiError::Unauthorized(format!(
                "authentication required to {what}: send 'Authorization: Bearer <token>'"
            ))),
            Caller::Person(person) => Err(ApiError::Forbidden(format!(
                "user '{}' may not {what}: that needs the {role} role (it has {})",
                person.user_id, person.roles
            ))),
            Caller::BootstrapAdmin => Ok(()),
        }
    }

    /// The registered user, if the caller is one.
    pub fn person(&self) -> Option<&Person> {
        match self {
            Caller::Person(person) => Some(person),
            _ => None,
        }
    }

    /// The user id the caller acts as, if it is a registered user.
    pub fn user_id(&self) -> Option<&UserId> {
        self.person().map(|p| &p.user_id)
    }

    /// How the audit trail names a caller with a credential; `None` for
    /// an anonymous one, whose claim the handler records instead.
    pub fn actor(&self) -> Option<Actor> {
        match self {
            Caller::BootstrapAdmin => Some(Actor::Admin),
            Caller::Person(person) => Some(Actor::User(person.user_id.clone())),
            Caller::Anonymous => None,
        }
    }

    /// In secure mode nobody writes without a token: 401 for `what`.
    pub fn refuse_anonymous_in_secure_mode(
        &self,
        state: &AppState,
        what: &str,
    ) -> Result<(), ApiError> {
        if state.access.secure && *self == Caller::Anonymous {
            return Err(ApiError::Unauthorized(format!(
                "authentication required to {what}: this service runs in secure mode; \
                 send 'Authorization: Bearer <token>'"
            )));
        }
        Ok(())
    }

    /// The user a request may act for: the caller itself when it is a
    /// user (naming anyone else is 403), anyone when it is an admin, and
    /// the claim as it stands for an anonymous caller in open mode.
    pub fn acting_for(&self, claimed: &UserId, what: &str) -> Result<(), ApiError> {
        match self {
            Caller::Person(person) if person.user_id != *claimed && !person.may(Role::Admin) => {
                Err(ApiError::Forbidden(format!(
                    "user '{}' may not {what} in the name of '{claimed}'",
                    person.user_id
                )))
            }
            _ => Ok(()),
        }
    }
}

impl Caller {
    /// The audit actor of a change request (more partitions, a new
    /// schema): a requester acts in their own name, so `requested_by`
    /// naming anyone else is 403; an admin's is the admin; an anonymous
    /// caller (open mode only) is recorded with what it claimed.
    pub fn change_requester(
        &self,
        state: &AppState,
        requested_by: Option<&str>,
        what: &str,
    ) -> Result<Actor, ApiError> {
        self.refuse_anonymous_in_secure_mode(state, what)?;
        let named = requested_by.map(str::trim).filter(|who| !who.is_empty());
        match self {
            Caller::BootstrapAdmin => Ok(Actor::Admin),
            Caller::Person(person) => {
                self.require(Role::Requester, what)?;
                match named {
                    Some(who) if who != person.user_id.as_str() => {
                        Err(ApiError::Forbidden(format!(
                            "user '{}' may not {what} in the name of '{}'",
                            person.user_id,
                            who.escape_debug()
                        )))
                    }
                    _ => Ok(Actor::User(person.user_id.clone())),
                }
            }
            Caller::Anonymous => {
                let claimed = match named {
                    Some(who) => checked_text(
                        "requested_by",
                        who,
                        MAX_CREATED_BY_LEN,
                        TextKind::Identifier,
                    )?,
                    None => ANONYMOUS.to_owned(),
                };
                Ok(Actor::Anonymous {
                    field: "requested_by",
                    claimed,
                })
            }
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { identify(&req).await })
    }
}

async fn identify(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("application state missing")))?;
    let Some(header) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    // Other schemes (the Schema Registry's basic auth) are not a caller's
    // identity here.
    let Some(presented) = header
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return Ok(Caller::Anonymous);
    };
    if state.admin_token.matches(presented) {
        return Ok(Caller::BootstrapAdmin);
    }
    if presented.starts_with(TOKEN_PREFIX)
        && let Some(person) = state.ask(Authenticate(TokenHash::of(presented))).await?
    {
        return Ok(Caller::Person(person));
    }
    if presented.starts_with(TOKEN_PREFIX) {
        log_refused("user token", req);
        Err(ApiError::Unauthorized(
            "invalid or revoked user token".into(),
        ))
    } else {
        log_refused("admin token", req);
        Err(ApiError::Unauthorized("invalid admin token".into()))
    }
}
