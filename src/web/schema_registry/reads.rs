//! The read side: subjects, their versions, and schemas by id.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::answer;
use super::error::RegistryApiError;
use crate::actors::registry::{
    GetSchemaById, GetSubjectVersion, ListSubjects, SchemaIdVersions, SubjectVersions,
};
use crate::api::{RegisteredSchema, SCHEMA_TYPE_JSON, SchemaText, SubjectVersion};
use crate::db::models::SchemaVersion;
use crate::db::schemas::{SubjectLookup, VersionRef};
use crate::web::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/subjects").route(web::get().to(subjects)))
        .service(web::resource("/subjects/{subject}/versions").route(web::get().to(versions)))
        .service(
            web::resource("/subjects/{subject}/versions/{version}")
                .route(web::get().to(subject_version)),
        )
        .service(web::resource("/schemas/ids/{id}").route(web::get().to(schema_by_id)))
        .service(
            web::resource("/schemas/ids/{id}/versions").route(web::get().to(schema_id_versions)),
        );
}

async fn subjects(state: web::Data<AppState>) -> Result<HttpResponse, RegistryApiError> {
    let subjects = state.ask(ListSubjects).await?;
    Ok(answer(&subjects))
}

async fn versions(
    state: web::Data<AppState>,
    subject: web::Path<String>,
) -> Result<HttpResponse, RegistryApiError> {
    let subject = subject.into_inner();
    let versions = state.ask(SubjectVersions(subject.clone())).await?;
    if versions.is_empty() {
        return Err(RegistryApiError::subject_not_found(&subject));
    }
    Ok(answer(&versions))
}

/// `latest`, `-1` (Confluent's other spelling of it) or a version from 1.
pub(super) fn parse_version(raw: &str) -> Result<VersionRef, RegistryApiError> {
    if raw == "latest" || raw == "-1" {
        return Ok(VersionRef::Latest);
    }
    match raw.parse::<i32>() {
        Ok(n) if n >= 1 => Ok(VersionRef::Number(n)),
        _ => Err(RegistryApiError::invalid_version(raw)),
    }
}

async fn subject_version(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, RegistryApiError> {
    let (subject, raw_version) = path.into_inner();
    let version = parse_version(&raw_version)?;
    let found = state
        .ask(GetSubjectVersion {
            subject: subject.clone(),
            version,
        })
        .await?;
    match found {
        SubjectLookup::Found(row) => Ok(answer(&registered(row))),
        SubjectLookup::NoSubject => Err(RegistryApiError::subject_not_found(&subject)),
        SubjectLookup::NoVersion => Err(match version {
            VersionRef::Number(n) => RegistryApiError::version_not_found(n),
            VersionRef::Latest => RegistryApiError::subject_not_found(&subject),
        }),
    }
}

/// A stored version in the API's shape.
pub(super) fn registered(row: SchemaVersion) -> RegisteredSchema {
    RegisteredSchema {
        subject: row.subject,
        version: row.version.unwrap_or_default(),
        id: i64::from(row.id),
        schema: row.schema,
        schema_type: SCHEMA_TYPE_JSON.to_owned(),
    }
}

/// A schema id as it appears in a path: a number, or a schema not found.
fn parse_id(raw: &str) -> Result<i64, RegistryApiError> {
    raw.parse::<i64>()
        .map_err(|_| RegistryApiError::schema_not_found(raw))
}

#[derive(Deserialize)]
struct ByIdQuery {
    /// Confluent's clients may name the subject they expect the id under.
    subject: Option<String>,
}

async fn schema_by_id(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ByIdQuery>,
) -> Result<HttpResponse, RegistryApiError> {
    let id_text = id.into_inner();
    let id = parse_id(&id_text)?;
    let row = state
        .ask(GetSchemaById(id))
        .await?
        .filter(|row| query.subject.as_ref().is_none_or(|s| *s == row.subject))
        .ok_or_else(|| RegistryApiError::schema_not_found(&id_text))?;
    Ok(answer(&SchemaText {
        schema: row.schema,
        schema_type: SCHEMA_TYPE_JSON.to_owned(),
    }))
}

async fn schema_id_versions(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, RegistryApiError> {
    let id_text = id.into_inner();
    let id = parse_id(&id_text)?;
    let versions = state
        .ask(SchemaIdVersions(id))
        .await?
        .ok_or_else(|| RegistryApiError::schema_not_found(&id_text))?;
    let versions: Vec<SubjectVersion> = versions
        .into_iter()
        .map(|(subject, version)| SubjectVersion { subject, version })
        .collect();
    Ok(answer(&versions))
}
