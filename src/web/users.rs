//! `/api/users` (admins manage people and their tokens) and `/api/me`
//! (who am I, and my Kafka login).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::auth::Admin;
use super::error::ApiError;
use super::identity::Caller;
use super::json;
use super::state::AppState;
use crate::actors::registry::{CreateUser, DeleteUser, GetUser, ListUsers, RotateToken};
use crate::api::{CreateUserRequest, KafkaCredentials, Me, Message, UserToken, UserView};
use crate::config::Secret;
use crate::db::users::UserRecord;
use crate::domain::{Actor, Role, Roles, UserId, parse_account_id};
use crate::identity::{KAFKA_SCRAM_MECHANISM, KafkaPasswords, new_token};

/// Routes under `/api/users`.
pub fn user_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/{id}").route(web::delete().to(delete)))
    .service(web::resource("/{id}/tokens").route(web::post().to(rotate)));
}

/// Routes under `/api/me`.
pub fn me_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(me)))
        .service(web::resource("/kafka-credentials").route(web::get().to(kafka_credentials)));
}

fn role_names(roles: &Roles) -> Vec<String> {
    roles.iter().map(|r| r.to_string()).collect()
}

fn view(user: &UserRecord) -> UserView {
    UserView {
        user_id: user.user_id.to_string(),
        roles: role_names(&user.roles),
        created_at: user.created_at.and_utc(),
        created_by: user.created_by.clone(),
    }
}

/// An answer holding a secret: no cache may keep it.
fn secret_answer(
    mut answer: actix_web::HttpResponseBuilder,
    body: impl serde::Serialize,
) -> HttpResponse {
    answer
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// 201 with a user's new token, shown this once.
fn token_answer(user: &UserRecord, token: &Secret) -> HttpResponse {
    secret_answer(
        HttpResponse::Created(),
        UserToken {
            user_id: user.user_id.to_string(),
            roles: role_names(&user.roles),
            token: token.expose().to_owned(),
        },
    )
}

/// Kafka names topicgate's own principals use; a user of that name would
/// take over their SCRAM credential.
fn refuse_reserved(state: &AppState, user: &UserId) -> Result<(), ApiError> {
    let kafka_login = state
        .kafka
        .as_ref()
        .and_then(|k| k.security.sasl_username.as_deref());
    let producer = state
        .access
        .kafka_users
        .as_ref()
        .and_then(|k| k.producer_principal.as_deref())
        .and_then(|p| p.strip_prefix("User:"));
    if [kafka_login, producer].contains(&Some(user.as_str())) {
        return Err(ApiError::Conflict(format!(
            "user id '{user}' is reserved: topicgate itself logs in to Kafka under that name"
        )));
    }
    Ok(())
}

async fn create(
    Admin(by): Admin,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: CreateUserRequest = json::parse(&body)?;
    let user_id = parse_account_id(&body.user_id)?;
    let roles = Roles::parse(&body.roles)?;
    refuse_reserved(&state, &user_id)?;
    let (token, hash) = new_token();
    let user = state
        .ask(CreateUser {
            user_id,
            roles,
            token: hash,
            actor: by.actor().unwrap_or(Actor::Admin).to_string(),
        })
        .await?;
    log::info!("user '{}' created with roles {}", user.user_id, user.roles);
    Ok(token_answer(&user, &token))
}

async fn list(_: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let users = state.ask(ListUsers).await?;
    Ok(HttpResponse::Ok().json(users.iter().map(view).collect::<Vec<_>>()))
}

async fn delete(
    Admin(by): Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = parse_account_id(&id)?;
    state
        .ask(DeleteUser {
            user_id: user_id.clone(),
            actor: by.actor().unwrap_or(Actor::Admin).to_string(),
        })
        .await?;
    log::info!("user '{user_id}' deleted");
    Ok(HttpResponse::Ok().json(Message {
        message: format!(
            "User '{user_id}' deleted: its tokens, subscriptions and Kafka access are revoked"
        ),
    }))
}

/// A new token for a user, revoking the old ones: an admin's for anyone,
/// a user's for themself.
async fn rotate(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = parse_account_id(&id)?;
    if caller.user_id() != Some(&user_id) {
        caller.require(Role::Admin, "issue tokens for other users")?;
    }
    let (token, hash) = new_token();
    let user = state
        .ask(RotateToken {
            user_id,
            token: hash,
            actor: caller.actor().unwrap_or(Actor::Admin).to_string(),
        })
        .await?;
    log::info!("user '{}' has a new token", user.user_id);
    Ok(token_answer(&user, &token))
}

async fn me(caller: Caller) -> Result<HttpResponse, ApiError> {
    let me = match &caller {
        Caller::BootstrapAdmin => Me {
            user_id: Actor::Admin.to_string(),
            roles: role_names(&Roles::all()),
            bootstrap_admin: true,
        },
        Caller::Person(person) => Me {
            user_id: person.user_id.to_string(),
            roles: role_names(&person.roles),
            bootstrap_admin: false,
        },
        Caller::Anonymous => {
            return Err(ApiError::Unauthorized(
                "no token: send 'Authorization: Bearer <token>'".into(),
            ));
        }
    };
    Ok(HttpResponse::Ok().json(me))
}

/// The caller's Kafka login, derived afresh (never stored): a consumer
/// with a token never handles a Kafka password itself.
async fn kafka_credentials(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(person) = caller.person() else {
        return Err(match caller {
            Caller::BootstrapAdmin => ApiError::BadRequest(
                "the admin token is no Kafka user; create a user (POST /api/users) and use its token"
                    .into(),
            ),
            _ => ApiError::Unauthorized("no token: send 'Authorization: Bearer <token>'".into()),
        });
    };
    caller.require(Role::Consumer, "read from Kafka")?;
    let (Some(users), Some(kafka)) = (&state.access.kafka_users, &state.kafka) else {
        return Err(ApiError::NotFound(
            "this admin service does not provision Kafka credentials \
             (start it with --kafka-credential-secret-file)"
                .into(),
        ));
    };
    let user = state.ask(GetUser(person.user_id.clone())).await?;
    let password = KafkaPasswords::new(users.credential_secret.clone())
        .password(&user.user_id, user.kafka_generation);
    Ok(secret_answer(
        HttpResponse::Ok(),
        KafkaCredentials {
            mechanism: KAFKA_SCRAM_MECHANISM.to_owned(),
            username: user.user_id.to_string(),
            password: password.expose().to_owned(),
            bootstrap_servers: kafka.bootstrap_servers.clone(),
            security_protocol: kafka.security.protocol.clone(),
        },
    ))
}
