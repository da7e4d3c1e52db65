//! Fee schedule routes: create, read, update (If-Match) and list. Prices are not PHI: writes
//! are audited, reads are not.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{self, FeeSchedule, FeeScheduleId, FeeSchedulePatch, NewFeeSchedule};
use super::store::{self, FeeFilter};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::db::{versioned, AnyConnection};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::pagination::{self, Page};
use crate::http::versioning::{etag, expect_version, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::payers;
use crate::payers::model::PayerId;
use crate::state::AppState;

const RESOURCE: &str = "fee_schedule";

/// Field rules plus the no-overlap rule (409) for an entry about to be stored.
fn check_stored(conn: &mut AnyConnection, fs: &FeeSchedule) -> DomainResult<()> {
    let errors = model::check(fs);
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    if let Some(other) = store::overlapping(conn, fs)? {
        return Err(DomainError::conflict(
            "another entry for this payer, code and modifier covers some of these dates",
        )
        .with_extension("conflicting_id", serde_json::json!(other.id)));
    }
    Ok(())
}

/// Add a fee schedule entry.
#[utoipa::path(post, path = "/v1/fee-schedules", tag = "fee schedules", request_body = NewFeeSchedule,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = FeeSchedule), (status = 409, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/fee-schedules")]
pub async fn create_fee_schedule(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewFeeSchedule>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::FeeScheduleWrite)?;
    let input = body.value;
    let code = model::procedure_code(&input.code, input.code_system.as_deref())
        .map_err(|e| DomainError::validation(vec![e]))?;
    let now = Timestamp::now();
    let fs = FeeSchedule {
        id: FeeScheduleId::new(),
        payer_id: input.payer_id,
        code,
        modifier: input.modifier.map(|m| m.trim().to_ascii_uppercase()),
        charge_cents: input.charge_cents,
        effective_from: input.effective_from,
        effective_to: input.effective_to,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let errors = model::check(&fs);
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        if let Some(p) = fs.payer_id {
            if !payers::store::find(conn, p)?.is_some_and(|p| p.active) {
                return Err(DomainError::validation(vec![FieldError::new(
                    "/payer_id",
                    "unknown_payer",
                    "no active payer has this id",
                )]));
            }
        }
        check_stored(conn, &fs)?;
        store::insert(conn, &fs)?;
        let entry = AuditEntry::success(&audit_ctx, "create", RESOURCE, Some(fs.id.to_string()));
        audit_store::insert(conn, &[entry])?;
        StoredResponse::created(format!("/v1/fee-schedules/{}", fs.id), fs.version, &fs)
    })
    .await
}

/// Read a fee schedule entry.
#[utoipa::path(get, path = "/v1/fee-schedules/{id}", tag = "fee schedules",
    params(("id" = uuid::Uuid, Path, description = "Entry id")),
    responses((status = 200, body = FeeSchedule), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/fee-schedules/{id}")]
pub async fn get_fee_schedule(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<FeeScheduleId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::FeeScheduleRead)?;
    let id = id.into_inner();
    let found = web::block(move || -> DomainResult<Option<FeeSchedule>> {
        let mut c = state.pool.get()?;
        Ok(store::find(&mut c, id)?)
    })
    .await??;
    let fs = found.ok_or_else(|| DomainError::not_found("fee schedule entry"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(fs.version)))
        .json(fs))
}

/// Change a fee schedule entry's charge or dates (send If-Match).
#[utoipa::path(patch, path = "/v1/fee-schedules/{id}", tag = "fee schedules", request_body = FeeSchedulePatch,
    params(("id" = uuid::Uuid, Path, description = "Entry id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = FeeSchedule), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/fee-schedules/{id}")]
pub async fn update_fee_schedule(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<FeeScheduleId>,
    body: JsonBody<FeeSchedulePatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::FeeScheduleWrite)?;
    let expected = required_if_match(&req)?;
    let id = id.into_inner();
    let patch = body.value;
    let saved = web::block(move || -> DomainResult<FeeSchedule> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| {
            let current =
                store::find(c, id)?.ok_or_else(|| DomainError::not_found("fee schedule entry"))?;
            expect_version(current.version, expected)?;
            let loaded = current.version;
            let mut next = patch.apply(current);
            versioned::save_next(
                c,
                loaded,
                &mut next,
                |c, next| {
                    check_stored(c, next)?;
                    Ok(store::save(c, next)?)
                },
                |c| Ok(store::find(c, id)?.map(|f| f.version)),
            )?;
            let entry = AuditEntry::success(&ctx, "update", RESOURCE, Some(id.to_string()));
            audit_store::insert(c, &[entry])?;
            Ok(next)
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(saved.version)))
        .json(saved))
}

/// Query parameters of `GET /v1/fee-schedules`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeeQuery {
    /// Only this payer's entries.
    pub payer_id: Option<uuid::Uuid>,
    /// true: only the office default entries; false: only payer entries.
    pub default: Option<bool>,
    /// Only entries for this code.
    #[param(
        pattern = r"^([0-9]{5}|[0-9]{4}[FTUftu]|[A-Va-v][0-9]{4})$",
        example = "99213"
    )]
    pub code: Option<String>,
    /// Only entries effective on this date.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub active_on: Option<NaiveDate>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List fee schedule entries.
#[utoipa::path(get, path = "/v1/fee-schedules", tag = "fee schedules", params(FeeQuery),
    responses((status = 200, body = inline(Page<FeeSchedule>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/fee-schedules")]
pub async fn list_fee_schedules(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<FeeQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::FeeScheduleRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(FeeScheduleId);
    let code = match q.code.as_deref() {
        None => None,
        Some(c) => Some(model::procedure_code(c, None).map_err(|mut e| {
            e.pointer = "?code".into();
            DomainError::validation(vec![e])
        })?),
    };
    let filter = FeeFilter {
        payer_id: q.payer_id.map(PayerId),
        default_only: q.default,
        code,
        active_on: q.active_on,
    };
    let rows = web::block(move || -> DomainResult<Vec<FeeSchedule>> {
        let mut c = state.pool.get()?;
        Ok(store::list(&mut c, &filter, after, limit + 1)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(pagination::page(rows, limit, |f| f.id.0)))
}

/// Mounts the fee schedule routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_fee_schedule)
        .service(list_fee_schedules)
        .service(get_fee_schedule)
        .service(update_fee_schedule);
}
