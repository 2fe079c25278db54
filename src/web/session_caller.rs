//! Who a dashboard session acts as: the bootstrap admin, a user whose
//! token the registry still knows, or nobody. Every dashboard handler
//! asks here, so a revoked or rotated token, or a deleted user, ends the
//! session's login on its next request.

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::error::ApiError;
use super::identity::Caller;
use super::session::{Login, drop_login, flash, login};
use super::state::AppState;
use crate::actors::registry::Authenticate;
use crate::identity::TokenHash;

/// The caller `session` logged in as. A user's stored token hash is
/// authenticated again; when it no longer names anyone the login is
/// dropped and the next page says why. A registry failure is an error,
/// not a log out.
pub async fn session_caller(session: &Session, state: &AppState) -> Result<Caller, ApiError> {
    let token_hash = match login(session) {
        None => return Ok(Caller::Anonymous),
        Some(Login::BootstrapAdmin) => return Ok(Caller::BootstrapAdmin),
        Some(Login::User { token_hash }) => token_hash,
    };
    let person = match TokenHash::from_stored(&token_hash) {
        Some(hash) => state.ask(Authenticate(hash)).await?,
        None => None,
    };
    match person {
        Some(person) => Ok(Caller::Person(person)),
        None => {
            log::info!("a dashboard session's token no longer names a user: logged out");
            drop_login(session);
            flash(
                session,
                "error",
                "You were logged out: your token was revoked or replaced. Log in again.",
            );
            Ok(Caller::Anonymous)
        }
    }
}

/// A dashboard handler's caller, from its session (see [`session_caller`]).
pub struct SessionCaller(pub Caller);

impl FromRequest for SessionCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                ApiError::Unexpected(anyhow::anyhow!("application state missing"))
            })?;
            session_caller(&session, &state).await.map(SessionCaller)
        })
    }
}
