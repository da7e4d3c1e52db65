//! Coverage routes: create, read, update (If-Match), deactivate and list. Coverage is PHI
//! (member ids, subscribers): every read is audited, and every write in its transaction.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use validator::{Validate, ValidationErrors};

use super::model::{Coverage, CoverageId, CoveragePatch, NewCoverage, PRIORITIES, SELF};
use super::service::{
    active_references, check_self_subscriber, without_self_subscriber, Subscriber,
};
use super::store::{self, CoverageFilter};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::mutation::{change_in, deactivate, ResourceOps};
use crate::http::pagination::{self, Page};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::versioning::{etag, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::patients;
use crate::patients::model::{Patient, PatientId};
use crate::payers::model::PayerId;
use crate::state::AppState;
use crate::validation::to_api_error;

const RESOURCE: &str = "coverage";

/// Register a coverage for a patient.
#[utoipa::path(post, path = "/v1/coverages", tag = "coverages", request_body = NewCoverage,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Coverage), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/coverages")]
pub async fn create_coverage(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewCoverage>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CoverageWrite)?;
    let input = body.value.trimmed();
    let errors = input.check();
    if !errors.is_empty() {
        return Err(to_api_error(errors));
    }
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let cv = create_in(conn, &audit_ctx, input)?;
        StoredResponse::created(format!("/v1/coverages/{}", cv.id), cv.version, &cv)
    })
    .await
}

/// Stores a new coverage from a trimmed, checked body (references and self-subscriber rules
/// checked here) and audits it, inside the caller's transaction; API and console share it.
pub fn create_in(
    conn: &mut crate::db::AnyConnection,
    ctx: &RequestCtx,
    input: NewCoverage,
) -> DomainResult<Coverage> {
    let patient = active_references(conn, input.patient_id, input.payer_id)?;
    if input.relationship_code == SELF {
        let mut errors = ValidationErrors::new();
        check_self_subscriber(&Subscriber::from(&input), &patient, &mut errors);
        if !errors.is_empty() {
            return Err(to_api_error(errors));
        }
    }
    let now = Timestamp::now();
    let cv = without_self_subscriber(Coverage {
        id: CoverageId::new(),
        patient_id: input.patient_id,
        payer_id: input.payer_id,
        member_id: input.member_id,
        group_number: input.group_number,
        relationship_code: input.relationship_code,
        subscriber_first_name: input.subscriber_first_name,
        subscriber_last_name: input.subscriber_last_name,
        subscriber_birth_date: input.subscriber_birth_date,
        subscriber_sex: input.subscriber_sex,
        priority: input.priority,
        effective_from: input.effective_from,
        effective_to: input.effective_to,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    });
    store::insert(conn, &cv)?;
    let entry = AuditEntry::success(ctx, "create", RESOURCE, Some(cv.id.to_string()));
    audit_store::insert(conn, &[entry])?;
    let data = serde_json::json!({ "coverage_id": cv.id, "patient_id": cv.patient_id, "payer_id": cv.payer_id });
    crate::events::record(
        conn,
        crate::events::types::COVERAGE_CREATED,
        cv.id.0,
        cv.version,
        data,
    )?;
    Ok(cv)
}

/// Read a coverage.
#[utoipa::path(get, path = "/v1/coverages/{id}", tag = "coverages",
    params(("id" = uuid::Uuid, Path, description = "Coverage id")),
    responses((status = 200, body = Coverage), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/coverages/{id}")]
pub async fn get_coverage(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<CoverageId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CoverageRead)?;
    let id = id.into_inner();
    let found = with_conn(&state, move |c| -> DomainResult<Option<Coverage>> {
        Ok(store::find(c, id)?)
    })
    .await?;
    let cv = found.ok_or_else(|| DomainError::not_found("coverage"))?;
    audit_phi_reads(&state, &ctx, "read", RESOURCE, [cv.id.to_string()]).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(cv.version)))
        .json(cv))
}

/// Change a coverage (send If-Match with the version you read).
#[utoipa::path(patch, path = "/v1/coverages/{id}", tag = "coverages", request_body = CoveragePatch,
    params(("id" = uuid::Uuid, Path, description = "Coverage id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Coverage), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/coverages/{id}")]
pub async fn update_coverage(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<CoverageId>,
    body: JsonBody<CoveragePatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CoverageWrite)?;
    let expected = required_if_match(&req)?;
    let patch = body.value;
    patch.validate().map_err(to_api_error)?;
    let id = id.into_inner();
    let saved = web::block(move || -> DomainResult<Coverage> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| update_in(c, &ctx, id, expected, patch))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(saved.version)))
        .json(saved))
}

/// Applies a validated patch to coverage `id` under version `expected` (412 when stale; the
/// self-subscriber rule compares with the patient), audited and with its event, inside the
/// caller's write transaction; the API and the console's edit form both change coverage here.
pub fn update_in(
    conn: &mut crate::db::AnyConnection,
    ctx: &RequestCtx,
    id: CoverageId,
    expected: Option<i32>,
    patch: CoveragePatch,
) -> DomainResult<Coverage> {
    change_in(conn, ctx, &ops(), id, expected, "update", move |c, cv| {
        let patient: Patient =
            patients::store::find(c, cv.patient_id)?.ok_or_else(DomainError::internal)?;
        patch.apply(cv, &patient).map_err(to_api_error)
    })
}

/// Deactivate a coverage (kept for the claims that used it; hidden from `active=true` lists).
#[utoipa::path(delete, path = "/v1/coverages/{id}", tag = "coverages",
    params(("id" = uuid::Uuid, Path, description = "Coverage id")),
    responses((status = 200, body = Coverage), (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/coverages/{id}")]
pub async fn deactivate_coverage(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<CoverageId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CoverageWrite)?;
    deactivate(state, ctx, &req, ops(), id.into_inner()).await
}

fn ops() -> ResourceOps<Coverage, CoverageId> {
    ResourceOps {
        name: RESOURCE,
        find: store::find,
        save: store::save,
        save_error: From::from,
    }
}

/// Query parameters of `GET /v1/coverages`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// Only this patient's coverages.
    pub patient_id: Option<uuid::Uuid>,
    /// Only coverages with this payer.
    pub payer_id: Option<uuid::Uuid>,
    /// `primary`, `secondary` or `tertiary`.
    #[param(pattern = r"^(primary|secondary|tertiary)$")]
    pub priority: Option<String>,
    /// true: active only; false: deactivated only.
    pub active: Option<bool>,
    /// Only coverages effective on this date (YYYY-MM-DD).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub active_on: Option<NaiveDate>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List coverages.
#[utoipa::path(get, path = "/v1/coverages", tag = "coverages", params(CoverageQuery),
    responses((status = 200, body = inline(Page<Coverage>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/coverages")]
pub async fn list_coverages(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<CoverageQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::CoverageRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(CoverageId);
    if q.priority
        .as_deref()
        .is_some_and(|p| !PRIORITIES.contains(&p))
    {
        return Err(DomainError::invalid_field(
            "?priority",
            "invalid_value",
            "priority must be primary, secondary or tertiary",
        ));
    }
    let filter = CoverageFilter {
        patient_id: q.patient_id.map(PatientId),
        payer_id: q.payer_id.map(PayerId),
        priority: q.priority,
        active: q.active,
        active_on: q.active_on,
    };
    let rows = with_conn(&state, move |c| -> DomainResult<Vec<Coverage>> {
        Ok(store::list(c, &filter, after, limit + 1)?)
    })
    .await?;
    let page = pagination::page(rows, limit, |c| c.id.0);
    let ids = page.items.iter().map(|r| r.id.to_string());
    audit_phi_reads(&state, &ctx, "search", RESOURCE, ids).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Mounts the coverage routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_coverage)
        .service(list_coverages)
        .service(get_coverage)
        .service(update_coverage)
        .service(deactivate_coverage);
}
