//! Patient routes: create, read, update (If-Match), deactivate, list and search.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use validator::Validate;

use super::model::{NewPatient, Patient, PatientId, PatientPatch};
use super::store::{self, PatientFilter};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::db::chained;
use crate::db::types::Timestamp;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::events;
use crate::http::idempotency::{
    run_idempotent_one_statement, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::mutation::{change_in, deactivate, ResourceOps};
use crate::http::pagination::{self, Page};
use crate::http::reads::{audit_phi_reads, read_audited};
use crate::http::registry;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;
use crate::validation::to_api_error;

const RESOURCE: &str = "patient";

fn duplicate_mrn(e: diesel::result::Error) -> DomainError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => DomainError::conflict("a patient with this MRN already exists").with_errors(vec![
            FieldError::new("/mrn", "duplicate", "this MRN is already in use"),
        ]),
        other => other.into(),
    }
}

/// The body with its names and MRN trimmed.
pub fn trimmed(mut n: NewPatient) -> NewPatient {
    n.mrn = n.mrn.trim().to_string();
    n.first_name = n.first_name.trim().to_string();
    n.last_name = n.last_name.trim().to_string();
    n
}

/// Register a patient.
#[utoipa::path(post, path = "/v1/patients", tag = "patients", request_body = NewPatient,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Patient), (status = 409, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/patients")]
pub async fn create_patient(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewPatient>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PatientWrite)?;
    let input = trimmed(body.value);
    input.validate().map_err(to_api_error)?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let audit_ctx = ctx.clone();
    // `create_in` writes with one statement.
    run_idempotent_one_statement(state, &ctx, key, fp, move |conn| {
        let pt = create_in(conn, &audit_ctx, input)?;
        StoredResponse::created(format!("/v1/patients/{}", pt.id), pt.version, &pt)
    })
    .await
}

/// Stores a new patient from a validated, trimmed body and audits it, with one statement
/// (inside the caller's transaction, if any); the API and the console both register patients
/// here.
pub fn create_in(
    conn: &mut crate::db::AnyConnection,
    ctx: &RequestCtx,
    input: NewPatient,
) -> DomainResult<Patient> {
    let now = Timestamp::now();
    let pt = Patient {
        id: PatientId::new(),
        mrn: input.mrn,
        first_name: input.first_name,
        middle_name: input.middle_name,
        last_name: input.last_name,
        birth_date: input.birth_date,
        sex: input.sex,
        address_line1: input.address_line1,
        address_line2: input.address_line2,
        city: input.city,
        state: input.state,
        postal_code: input.postal_code,
        phone: input.phone,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let entry = AuditEntry::success(ctx, "create", RESOURCE, Some(pt.id.to_string()));
    let data = serde_json::json!({ "patient_id": pt.id });
    let (_, event) =
        events::insert_statement(events::types::PATIENT_CREATED, pt.id.0, pt.version, &data);
    // The row, its audit row and its event: one statement on PostgreSQL. Only the patient's
    // MRN is unique among them (the other two rows get fresh ids).
    let parts = (
        store::insert_statement(&pt),
        audit_store::insert_statement(&entry),
        event,
    );
    chained::execute(conn, parts).map_err(duplicate_mrn)?;
    Ok(pt)
}

/// Read a patient.
#[utoipa::path(get, path = "/v1/patients/{id}", tag = "patients",
    params(("id" = uuid::Uuid, Path, description = "Patient id")),
    responses((status = 200, body = Patient), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/patients/{id}")]
pub async fn get_patient(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<PatientId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PatientRead)?;
    let id = id.into_inner();
    // Read and audit in one hand-off to the audit writer (issue 17).
    let found = read_audited(
        &state,
        &ctx,
        "read",
        RESOURCE,
        move |c| -> DomainResult<Option<Patient>> { Ok(store::find(c, id)?) },
        |p| p.iter().map(|p| p.id.to_string()).collect(),
    )
    .await?;
    let pt = found.ok_or_else(|| DomainError::not_found("patient"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(pt.version)))
        .json(pt))
}

/// Change a patient (send If-Match with the version you read).
#[utoipa::path(patch, path = "/v1/patients/{id}", tag = "patients", request_body = PatientPatch,
    params(("id" = uuid::Uuid, Path, description = "Patient id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Patient), (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/patients/{id}")]
pub async fn update_patient(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<PatientId>,
    body: JsonBody<PatientPatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PatientWrite)?;
    let expected = required_if_match(&req)?;
    let patch = body.value;
    patch.validate().map_err(to_api_error)?;
    let id = id.into_inner();
    let saved = web::block(move || -> DomainResult<Patient> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| update_in(c, &ctx, id, expected, patch))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(saved.version)))
        .json(saved))
}

/// Applies a validated patch to patient `id` under version `expected` (412 when stale),
/// audited and with its event, inside the caller's write transaction; the API and the
/// console's edit form both change patients here.
pub fn update_in(
    conn: &mut crate::db::AnyConnection,
    ctx: &RequestCtx,
    id: PatientId,
    expected: Option<i32>,
    patch: PatientPatch,
) -> DomainResult<Patient> {
    change_in(conn, ctx, &ops(), id, expected, "update", move |_, pt| {
        patch.apply(pt).map_err(to_api_error)
    })
}

/// Deactivate a patient (kept for history; hidden from `active=true` lists).
#[utoipa::path(delete, path = "/v1/patients/{id}", tag = "patients",
    params(("id" = uuid::Uuid, Path, description = "Patient id")),
    responses((status = 200, body = Patient), (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/patients/{id}")]
pub async fn deactivate_patient(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<PatientId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PatientWrite)?;
    deactivate(state, ctx, &req, ops(), id.into_inner()).await
}

fn ops() -> ResourceOps<Patient, PatientId> {
    ResourceOps {
        name: RESOURCE,
        find: store::find,
        save: store::save,
        save_error: duplicate_mrn,
    }
}

/// Query parameters of `GET /v1/patients`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PatientQuery {
    /// Exact MRN (a scan or a typed number).
    pub mrn: Option<String>,
    /// Words that must each start the first or last name, e.g. `smi jo`.
    pub name: Option<String>,
    /// Last name starts with.
    pub last_name: Option<String>,
    /// First name starts with.
    pub first_name: Option<String>,
    /// Exact birth date (YYYY-MM-DD).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub birth_date: Option<NaiveDate>,
    /// true: active only; false: deactivated only.
    pub active: Option<bool>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List and search patients.
#[utoipa::path(get, path = "/v1/patients", tag = "patients", params(PatientQuery),
    responses((status = 200, body = inline(Page<Patient>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/patients")]
pub async fn list_patients(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<PatientQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PatientRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(PatientId);
    let lower = |s: Option<String>| s.map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty());
    let filter = PatientFilter {
        mrn: q.mrn.map(|m| m.trim().to_string()),
        name_words: q
            .name
            .unwrap_or_default()
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .take(4)
            .map(str::to_lowercase)
            .collect(),
        last_name_prefix: lower(q.last_name),
        first_name_prefix: lower(q.first_name),
        birth_date: q.birth_date,
        active: q.active,
    };
    let page = registry::page(
        &state,
        limit,
        |p: &Patient| p.id.0,
        move |c, n| store::list(c, &filter, after, n),
    )
    .await?;
    let ids = page.items.iter().map(|r| r.id.to_string());
    audit_phi_reads(&state, &ctx, "search", RESOURCE, ids).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Mounts the patient routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_patient)
        .service(list_patients)
        .service(get_patient)
        .service(update_patient)
        .service(deactivate_patient);
}
