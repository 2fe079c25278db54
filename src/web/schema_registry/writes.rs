//! The write side: register a version and set compatibility modes (admin
//! token); looking a schema up, testing compatibility and reading modes,
//! which change nothing, are open like the reads.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::answer;
use super::error::RegistryApiError;
use super::reads::{parse_version, registered};
use crate::actors::registry::{
    GetCompatibility, LookupSchema, RegisterSchema, SetCompatibility, TestCompatibility,
};
use crate::db::schema_registrations::Registration;
use crate::db::schemas::{SubjectLookup, VersionRef};
use crate::domain::{Actor, SchemaDocument};
use crate::schema::CompatibilityMode;
use crate::web::auth::RegistryAdmin;
use crate::web::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/subjects/{subject}").route(web::post().to(lookup)))
        .service(
            web::resource("/compatibility/subjects/{subject}/versions/{version}")
                .route(web::post().to(test_compatibility)),
        )
        .service(
            web::resource("/config")
                .route(web::get().to(global_config))
                .route(web::put().to(set_global_config)),
        )
        .service(
            web::resource("/config/{subject}")
                .route(web::get().to(subject_config))
                .route(web::put().to(set_subject_config)),
        );
}

/// The body Confluent's clients send with a schema.
#[derive(Deserialize)]
struct SchemaBody {
    /// The schema as JSON text.
    schema: String,
    /// Confluent's clients always name it for JSON; absent is taken as JSON.
    #[serde(rename = "schemaType", default)]
    schema_type: Option<String>,
    #[serde(default)]
    references: Vec<Value>,
}

/// A request's schema, checked: JSON, without references, a valid
/// JSON Schema within the limits (42201 otherwise).
fn checked_schema(body: &[u8]) -> Result<SchemaDocument, RegistryApiError> {
    let body: SchemaBody = serde_json::from_slice(body)
        .map_err(|e| RegistryApiError::bad_request(format!("malformed request body: {e}")))?;
    match body.schema_type.as_deref() {
        None | Some("JSON") => {}
        Some(other) => {
            return Err(RegistryApiError::invalid_schema(format!(
                "schemaType {other} is not supported: topicgate keeps JSON schemas only"
            )));
        }
    }
    if !body.references.is_empty() {
        return Err(RegistryApiError::invalid_schema(
            "schema references are not supported".into(),
        ));
    }
    let value: Value = serde_json::from_str(&body.schema)
        .map_err(|e| RegistryApiError::invalid_schema(format!("the schema is not JSON: {e}")))?;
    SchemaDocument::parse("schema", &value)
        .map_err(|e| RegistryApiError::invalid_schema(e.to_string()))
}

#[derive(Serialize)]
struct RegisteredId {
    id: i64,
}

/// `POST /subjects/{subject}/versions`: the admin's word is the approval.
pub async fn register(
    _: RegistryAdmin,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, RegistryApiError> {
    let subject = subject.into_inner();
    let schema = checked_schema(&body)?;
    let done = state
        .ask(RegisterSchema {
            subject: subject.clone(),
            schema,
            actor: Actor::Admin.to_string(),
        })
        .await?;
    match done {
        Registration::Registered { id, version } => {
            log::info!("schema id {id} registered as version {version} of {subject}");
            Ok(answer(&RegisteredId { id }))
        }
        Registration::Existing { id, .. } => Ok(answer(&RegisteredId { id })),
        Registration::Incompatible(problems) => Err(RegistryApiError::incompatible(&problems)),
        Registration::NotATopicSubject(why) => Err(RegistryApiError::subject_refused(why)),
    }
}

/// `POST /subjects/{subject}`: is this schema registered under the subject?
/// A read, open like the others: Confluent's serializers ask it without
/// credentials when they do not register.
async fn lookup(
    state: web::Data<AppState>,
    subject: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, RegistryApiError> {
    let subject = subject.into_inner();
    let schema = checked_schema(&body)?;
    match state
        .ask(LookupSchema {
            subject: subject.clone(),
            schema,
        })
        .await?
    {
        SubjectLookup::Found(row) => Ok(answer(&registered(row))),
        SubjectLookup::NoSubject => Err(RegistryApiError::subject_not_found(&subject)),
        SubjectLookup::NoVersion => Err(RegistryApiError::schema_not_found("")),
    }
}

#[derive(Serialize)]
struct CompatibilityAnswer {
    is_compatible: bool,
    messages: Vec<String>,
}

/// Changes nothing, so it is open like the reads.
async fn test_compatibility(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, RegistryApiError> {
    let (subject, raw_version) = path.into_inner();
    let version = parse_version(&raw_version)?;
    let schema = checked_schema(&body)?;
    let tested = state
        .ask(TestCompatibility {
            subject: subject.clone(),
            version,
            schema,
        })
        .await?;
    match tested {
        Ok(messages) => Ok(answer(&CompatibilityAnswer {
            is_compatible: messages.is_empty(),
            messages,
        })),
        Err(SubjectLookup::NoVersion) => Err(match version {
            VersionRef::Number(n) => RegistryApiError::version_not_found(n),
            VersionRef::Latest => RegistryApiError::subject_not_found(&subject),
        }),
        Err(_) => Err(RegistryApiError::subject_not_found(&subject)),
    }
}

#[derive(Serialize)]
struct ConfigAnswer {
    #[serde(rename = "compatibilityLevel")]
    compatibility_level: CompatibilityMode,
}

#[derive(Serialize, Deserialize)]
struct ConfigBody {
    compatibility: String,
}

async fn global_config(state: web::Data<AppState>) -> Result<HttpResponse, RegistryApiError> {
    let mode = state.ask(GetCompatibility(None)).await?;
    Ok(answer(&ConfigAnswer {
        compatibility_level: mode,
    }))
}

/// A subject without a mode of its own answers the global default, as
/// Confluent's `defaultToGlobal` does.
async fn subject_config(
    state: web::Data<AppState>,
    subject: web::Path<String>,
) -> Result<HttpResponse, RegistryApiError> {
    let mode = state
        .ask(GetCompatibility(Some(subject.into_inner())))
        .await?;
    Ok(answer(&ConfigAnswer {
        compatibility_level: mode,
    }))
}

fn parse_mode(body: &[u8]) -> Result<CompatibilityMode, RegistryApiError> {
    let body: ConfigBody = serde_json::from_slice(body)
        .map_err(|e| RegistryApiError::bad_request(format!("malformed request body: {e}")))?;
    body.compatibility
        .trim()
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| RegistryApiError::invalid_compatibility(&body.compatibility))
}

async fn set_global_config(
    _: RegistryAdmin,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, RegistryApiError> {
    set_config(&state, None, &body).await
}

async fn set_subject_config(
    _: RegistryAdmin,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, RegistryApiError> {
    set_config(&state, Some(subject.into_inner()), &body).await
}

async fn set_config(
    state: &AppState,
    subject: Option<String>,
    body: &[u8],
) -> Result<HttpResponse, RegistryApiError> {
    let mode = parse_mode(body)?;
    let which = subject
        .clone()
        .unwrap_or_else(|| "the global default".into());
    state
        .ask(SetCompatibility {
            subject,
            mode,
            actor: Actor::Admin.to_string(),
        })
        .await?
        .map_err(RegistryApiError::subject_refused)?;
    log::info!("compatibility of {which} set to {mode} by admin");
    Ok(answer(&ConfigBody {
        compatibility: mode.to_string(),
    }))
}
