//! The dashboard's log in and log out. One form takes a user's own token
//! or the shared admin token; the session then keeps the admin login or
//! the user token's hash (see `session.rs`), never a token.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::dashboard::{Dashboard, redirect};
use super::dashboard_access::Viewer;
use super::error::ApiError;
use super::session::{Flash, Login, csrf_ok, csrf_token, flash, log_in, log_out, take_flash};
use super::session_caller::SessionCaller;
use super::state::AppState;
use crate::actors::registry::Authenticate;
use crate::config::AdminTokenHint;
use crate::identity::{TOKEN_PREFIX, TokenHash};

/// Routes inside the dashboard's session scope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout));
}

#[derive(Serialize)]
struct LoginView {
    csrf: String,
    flash: Option<Flash>,
    viewer: Viewer,
    /// The file holding the admin token, when it is kept in one.
    token_file: Option<String>,
}

async fn login_page(
    state: web::Data<AppState>,
    dashboard: web::Data<Dashboard>,
    session: Session,
    SessionCaller(caller): SessionCaller,
) -> Result<HttpResponse, ApiError> {
    let token_file = match &state.admin_token_hint {
        AdminTokenHint::File(path) => Some(path.display().to_string()),
        AdminTokenHint::Given => None,
    };
    dashboard.render(
        "login",
        &LoginView {
            csrf: csrf_token(&session),
            flash: take_flash(&session),
            viewer: Viewer::of(&caller, &state),
            token_file,
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    csrf_token: String,
    token: String,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    if !csrf_ok(&session, &form.csrf_token) {
        flash(&session, "error", "The form expired; please try again.");
        return redirect("/login");
    }
    let presented = form.token.trim();
    let who = match who_presented(&state, presented).await {
        Ok(Some(who)) => who,
        Ok(None) => {
            super::auth::log_refused("dashboard login token", &req);
            flash(&session, "error", "That token is not valid.");
            return redirect("/login");
        }
        Err(e) => {
            flash(&session, "error", format!("Could not log in: {e}"));
            return redirect("/login");
        }
    };
    let (login, greeting) = who;
    log_in(&session, &login);
    flash(&session, "success", greeting);
    redirect("/")
}

/// The login a token proves, and the greeting for it; `None` for a token
/// that proves nobody. The admin token compares in constant time, a user
/// token is looked up by its hash.
async fn who_presented(
    state: &AppState,
    presented: &str,
) -> Result<Option<(Login, String)>, ApiError> {
    if state.admin_token.matches(presented) {
        return Ok(Some((
            Login::BootstrapAdmin,
            "Logged in as admin.".to_owned(),
        )));
    }
    if !presented.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let hash = TokenHash::of(presented);
    let person = state.ask(Authenticate(hash.clone())).await?;
    Ok(person.map(|person| {
        (
            Login::user(&hash),
            format!("Logged in as {} ({}).", person.user_id, person.roles),
        )
    }))
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf_token: String,
}

async fn logout(session: Session, form: web::Form<LogoutForm>) -> HttpResponse {
    if csrf_ok(&session, &form.csrf_token) {
        log_out(&session);
    }
    redirect("/")
}
