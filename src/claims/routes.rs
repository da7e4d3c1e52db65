//! Claim routes: build from an encounter, read (audited), list, and the 837P a claim would
//! produce.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::forms::{ClaimQuery, NewClaim};
use super::model::{ClaimDoc, ClaimId, ClaimSummary};
use super::service::{self, RESOURCE};
use super::snapshot::{self, Snapshot};
use super::status::Status;
use super::store::{self, ClaimFilter};
use super::{settings, to_x12};
use crate::auth::roles::Permission;
use crate::db::types::Timestamp;
use crate::encounters::model::EncounterId;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::pagination::{self, Page};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::versioning::etag;
use crate::http::{JsonBody, RequestCtx};
use crate::payers::model::PayerId;
use crate::state::AppState;

/// 200 with the claim and its ETag.
pub fn claim_response(doc: &ClaimDoc) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(doc.version)))
        .json(doc)
}

/// Build a claim from a coded (signed-off) encounter: the scrubber runs again (errors: 422,
/// nothing stored), the snapshot is taken, and the encounter becomes billed.
#[utoipa::path(post, path = "/v1/encounters/{id}/claims", tag = "claims", request_body = NewClaim,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ClaimDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/claims")]
pub async fn create_claim(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<EncounterId>,
    body: JsonBody<NewClaim>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let coverage = body.value.coverage_id;
    let id = id.into_inner();
    let codes = state.codes();
    let submitter = state.submitter.clone();
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let doc = service::create_in(conn, codes, &submitter, &audit_ctx, id, coverage)?;
        StoredResponse::created(format!("/v1/claims/{}", doc.id), doc.version, &doc)
    })
    .await
}

/// Read a claim with its snapshot and history (a PHI read, audited).
#[utoipa::path(get, path = "/v1/claims/{id}", tag = "claims",
    params(("id" = uuid::Uuid, Path, description = "Claim id")),
    responses((status = 200, body = ClaimDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/claims/{id}")]
pub async fn get_claim(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<ClaimId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let id = id.into_inner();
    let doc = with_conn(&state, move |c| -> DomainResult<ClaimDoc> {
        let row = store::find(c, id)?.ok_or_else(|| DomainError::not_found(RESOURCE))?;
        service::doc(c, row)
    })
    .await?;
    audit_phi_reads(&state, &ctx, "read", RESOURCE, [id.to_string()]).await?;
    Ok(claim_response(&doc))
}

/// List claims by status, payer, date of service and age since submission
/// (`status=rejected` is the work queue of claims to correct).
#[utoipa::path(get, path = "/v1/claims", tag = "claims", params(ClaimQuery),
    responses((status = 200, body = inline(Page<ClaimSummary>)), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/claims")]
pub async fn list_claims(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    q: crate::http::query::Query<ClaimQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let q = q.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?.map(ClaimId);
    let status = q
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                DomainError::invalid_field(
                    "?status",
                    "invalid_value",
                    "status must be draft, validated, queued, submitted, accepted, rejected, superseded, paid, partially_paid, denied, forwarded or reversed",
                )
            })
        })
        .transpose()?;
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if t < f {
            return Err(DomainError::invalid_field(
                "?to",
                "before_from",
                "to cannot be before from",
            ));
        }
    }
    let filter = ClaimFilter {
        status,
        payer_id: q.payer_id.map(PayerId),
        from: q.from,
        to: q.to,
        submitted_before: q.submitted_before,
        after,
    };
    let rows = with_conn(&state, move |c| Ok(store::list(c, &filter, limit + 1)?)).await?;
    let rows: Vec<ClaimSummary> = rows.into_iter().map(ClaimSummary::from).collect();
    let page = pagination::page(rows, limit, |r| r.id.0);
    let ids: Vec<String> = page.items.iter().map(|r| r.id.to_string()).collect();
    audit_phi_reads(&state, &ctx, "search", RESOURCE, ids).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The 837P (005010X222A1) this claim would produce, alone in an interchange (control
/// number 1; the worker assigns real ones when it batches).
#[utoipa::path(get, path = "/v1/claims/{id}/837", tag = "claims",
    params(("id" = uuid::Uuid, Path, description = "Claim id")),
    responses((status = 200, body = String, content_type = "text/plain"),
        (status = 403, body = crate::http::problem::Problem), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/claims/{id}/837")]
pub async fn get_claim_837(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<ClaimId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimRead)?;
    let id = id.into_inner();
    let row = with_conn(&state, move |c| {
        store::find(c, id)?.ok_or_else(|| DomainError::not_found(RESOURCE))
    })
    .await?;
    let text = preview_837(&row, &state.submitter, state.x12_line_breaks)?;
    audit_phi_reads(&state, &ctx, "read", RESOURCE, [id.to_string()]).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(text))
}

/// The 837P text of stored claim `row` alone in an interchange from `submitter` (the API's
/// and the console's preview).
pub fn preview_837(
    row: &super::model::ClaimRow,
    submitter: &settings::SubmitterSettings,
    line_breaks: bool,
) -> DomainResult<String> {
    let snap: Snapshot =
        serde_json::from_str(&row.snapshot).map_err(|_| DomainError::internal())?;
    let freq = snapshot::frequency(row.frequency, row.payer_claim_number.as_deref());
    let x = to_x12::claim(&snap, &row.patient_control_number, freq);
    to_x12::preview(submitter, x, Timestamp::now().0.naive_utc(), line_breaks).map_err(|e| {
        tracing::error!(claim = %row.id, field = e.field, "stored claim cannot be written as 837P");
        DomainError::internal()
    })
}
