//! Payer routes: create, read, update (If-Match), deactivate and list. Payers are not PHI, so
//! reads are not audited; writes are, in the same transaction.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use validator::Validate;

use super::model::{NewPayer, Payer, PayerId, PayerPatch, CLAIM_FILING_INDICATORS};
use super::store::{self, PayerFilter};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::mutation::{change, deactivate, ResourceOps};
use crate::http::pagination::{self, Page};
use crate::http::registry;
use crate::http::versioning::required_if_match;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;
use crate::validation::to_api_error;

const RESOURCE: &str = "payer";

/// Register a payer.
#[utoipa::path(post, path = "/v1/payers", tag = "payers", request_body = NewPayer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Payer), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/payers")]
pub async fn create_payer(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    body: JsonBody<NewPayer>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerWrite)?;
    let input = body.value.trimmed();
    input.validate().map_err(to_api_error)?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let now = Timestamp::now();
        let py = Payer {
            id: PayerId::new(),
            name: input.name,
            edi_payer_id: input.edi_payer_id,
            claim_filing_indicator: input.claim_filing_indicator,
            timely_filing_days: input.timely_filing_days,
            address_line1: input.address_line1,
            city: input.city,
            state: input.state,
            postal_code: input.postal_code,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
            auto_bill_secondary: input.auto_bill_secondary,
        };
        store::insert(conn, &py)?;
        let entry = AuditEntry::success(&audit_ctx, "create", RESOURCE, Some(py.id.to_string()));
        audit_store::insert(conn, &[entry])?;
        StoredResponse::created(format!("/v1/payers/{}", py.id), py.version, &py)
    })
    .await
}

/// Read a payer.
#[utoipa::path(get, path = "/v1/payers/{id}", tag = "payers",
    params(("id" = uuid::Uuid, Path, description = "Payer id")),
    responses((status = 200, body = Payer), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/payers/{id}")]
pub async fn get_payer(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<PayerId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerRead)?;
    let id = id.into_inner();
    registry::get(&state, ops(), id).await
}

/// Change a payer (send If-Match with the version you read).
#[utoipa::path(patch, path = "/v1/payers/{id}", tag = "payers", request_body = PayerPatch,
    params(("id" = uuid::Uuid, Path, description = "Payer id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = Payer), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[patch("/v1/payers/{id}")]
pub async fn update_payer(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<PayerId>,
    body: JsonBody<PayerPatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerWrite)?;
    let expected = required_if_match(&req)?;
    let patch = body.value;
    patch.validate().map_err(to_api_error)?;
    change(
        state,
        ctx,
        ops(),
        id.into_inner(),
        expected,
        "update",
        move |_, py| patch.apply(py).map_err(to_api_error),
    )
    .await
}

/// Deactivate a payer (kept for history; new coverages cannot name it).
#[utoipa::path(delete, path = "/v1/payers/{id}", tag = "payers",
    params(("id" = uuid::Uuid, Path, description = "Payer id")),
    responses((status = 200, body = Payer), (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[delete("/v1/payers/{id}")]
pub async fn deactivate_payer(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<PayerId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerWrite)?;
    deactivate(state, ctx, &req, ops(), id.into_inner()).await
}

fn ops() -> ResourceOps<Payer, PayerId> {
    ResourceOps {
        name: RESOURCE,
        find: store::find,
        save: store::save,
        save_error: From::from,
    }
}

/// Query parameters of `GET /v1/payers`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PayerQuery {
    /// Name starts with, case-insensitive.
    pub name: Option<String>,
    /// Exact clearinghouse payer id.
    pub edi_payer_id: Option<String>,
    /// Exact claim filing indicator, e.g. `MB`.
    #[param(pattern = r"^(1[1-7]|AM|BL|CH|CI|DS|FI|HM|LM|MA|MB|MC|OF|TV|VA|WC|ZZ)$")]
    pub claim_filing_indicator: Option<String>,
    /// true: active only; false: deactivated only.
    pub active: Option<bool>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List payers.
#[utoipa::path(get, path = "/v1/payers", tag = "payers", params(PayerQuery),
    responses((status = 200, body = inline(Page<Payer>)), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/payers")]
pub async fn list_payers(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<PayerQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PayerRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(PayerId);
    if q.claim_filing_indicator
        .as_deref()
        .is_some_and(|c| !CLAIM_FILING_INDICATORS.contains(&c))
    {
        return Err(DomainError::invalid_field(
            "?claim_filing_indicator",
            "invalid_value",
            "unknown claim filing indicator; use an X12 SBR09 code such as CI or MB",
        ));
    }
    let filter = PayerFilter {
        name_prefix: q
            .name
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty()),
        edi_payer_id: q.edi_payer_id.map(|v| v.trim().to_string()),
        claim_filing_indicator: q.claim_filing_indicator,
        active: q.active,
    };
    let page = registry::page(
        &state,
        limit,
        |p: &Payer| p.id.0,
        move |c, n| store::list(c, &filter, after, n),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Mounts the payer routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_payer)
        .service(list_payers)
        .service(get_payer)
        .service(update_payer)
        .service(deactivate_payer);
}
