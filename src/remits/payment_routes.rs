//! Routes of manual posting and write-offs on a claim: `POST /v1/claims/{id}/payments` (a
//! paper EOB, through the same posting code as the 835 import) and
//! `POST /v1/claims/{id}/write-offs`.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};

use super::manual::{self, PaymentBody};
use super::posting_service::{self, PostingOutcome};
use crate::auth::roles::Permission;
use crate::claims::model::ClaimId;
use crate::claims::store as claim_store;
use crate::error::{DomainError, DomainResult};
use crate::http::versioning::{etag, if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::ledger::store as ledger_store;
use crate::ledger::write_off::{self, WriteOffBody, WriteOffOutcome};
use crate::state::AppState;

fn claim_version(conn: &mut crate::db::AnyConnection, id: ClaimId) -> DomainResult<i32> {
    claim_store::find(conn, id)?
        .map(|c| c.version)
        .ok_or_else(DomainError::internal)
}

/// Post a paper EOB to a claim (billing, admin). The same payment (payer, `payment_ref`,
/// claim, status code) posts once: a repeat answers `duplicate: true` and writes nothing.
/// If-Match (optional) is the claim version you read.
#[utoipa::path(post, path = "/v1/claims/{id}/payments", tag = "receivables", request_body = PaymentBody,
    params(("id" = uuid::Uuid, Path, description = "Claim id"),
        ("If-Match" = Option<String>, Header, description = "The claim ETag you read")),
    responses((status = 200, body = PostingOutcome), (status = 400, body = crate::http::problem::Problem),
        (status = 403, body = crate::http::problem::Problem), (status = 404, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/{id}/payments")]
pub async fn post_payment(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<ClaimId>,
    body: JsonBody<PaymentBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PaymentPost)?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let body = body.value;
    let (outcome, version) = web::block(move || -> DomainResult<(PostingOutcome, i32)> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| {
            ledger_store::lock_claim(c, id)?;
            let claim = claim_store::find(c, id)?
                .ok_or_else(|| DomainError::not_found(crate::claims::service::RESOURCE))?;
            let mut balances = ledger_store::line_balances(c, id)?;
            crate::cob::posting::billed_charges(&claim, &mut balances);
            let adj = manual::to_adjudication(&body, claim.payer_id, &balances)?;
            let out = posting_service::post_checked(c, &ctx, &state.submitter, id, expected, &adj)?;
            Ok((out, claim_version(c, id)?))
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(outcome))
}

/// Write off the open payer (default) or patient balance of a claim, or of one line (billing,
/// admin; a reason is required; audited). If-Match (optional) is the claim version you read.
#[utoipa::path(post, path = "/v1/claims/{id}/write-offs", tag = "receivables", request_body = WriteOffBody,
    params(("id" = uuid::Uuid, Path, description = "Claim id"),
        ("If-Match" = Option<String>, Header, description = "The claim ETag you read")),
    responses((status = 200, body = WriteOffOutcome), (status = 400, body = crate::http::problem::Problem),
        (status = 403, body = crate::http::problem::Problem), (status = 404, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 412, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/{id}/write-offs")]
pub async fn post_write_off(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<ClaimId>,
    body: JsonBody<WriteOffBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::PaymentPost)?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let body = body.value;
    let out = web::block(move || -> DomainResult<WriteOffOutcome> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| write_off::write_off(c, &ctx, id, expected, &body))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(out.version)))
        .json(out))
}
