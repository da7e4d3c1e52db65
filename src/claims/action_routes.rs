//! Claim actions: queue (the outbox job in the same transaction), replace (frequency 7) and
//! void (frequency 8).

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::forms::SupersedeBody;
use super::frequency::Frequency;
use super::model::{ClaimDoc, ClaimId};
use super::routes::claim_response;
use super::service;
use crate::auth::roles::Permission;
use crate::error::DomainResult;
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::versioning::if_match;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Queue a validated claim for submission (If-Match optional). 409 with `allowed_next` from
/// any other state.
#[utoipa::path(post, path = "/v1/claims/{id}/queue", tag = "claims",
    params(("id" = uuid::Uuid, Path, description = "Claim id"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read")),
    responses((status = 200, body = ClaimDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/{id}/queue")]
pub async fn queue_claim(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<ClaimId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let expected = if_match(&req)?;
    let id = id.into_inner();
    let doc = web::block(move || -> DomainResult<ClaimDoc> {
        let mut conn = state.pool.get()?;
        conn.write_transaction(|c| service::queue_in(c, &ctx, id, expected))
    })
    .await??;
    Ok(claim_response(&doc))
}

async fn supersede(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: ClaimId,
    body: JsonBody<SupersedeBody>,
    frequency: Frequency,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let fp = RequestFingerprint::of(&req, body.fingerprint);
    let body = body.value;
    let codes = state.codes();
    let submitter = state.submitter.clone();
    let audit_ctx = ctx.clone();
    run_idempotent(state, &ctx, key, fp, move |conn| {
        let doc = service::supersede_in(conn, codes, &submitter, &audit_ctx, id, frequency, body)?;
        StoredResponse::created(format!("/v1/claims/{}", doc.id), doc.version, &doc)
    })
    .await
}

/// Build a replacement claim (frequency 7) of a submitted, accepted or rejected claim, rebuilt
/// from the encounter and the current registry records; it carries the payer's claim number.
#[utoipa::path(post, path = "/v1/claims/{id}/replace", tag = "claims", request_body = SupersedeBody,
    params(("id" = uuid::Uuid, Path, description = "Claim id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ClaimDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/{id}/replace")]
pub async fn replace_claim(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<ClaimId>,
    body: JsonBody<SupersedeBody>,
) -> DomainResult<HttpResponse> {
    supersede(
        state,
        ctx,
        req,
        key,
        id.into_inner(),
        body,
        Frequency::Replacement,
    )
    .await
}

/// Build a void claim (frequency 8) of a submitted or accepted claim: the original snapshot
/// with the payer's claim number.
#[utoipa::path(post, path = "/v1/claims/{id}/void", tag = "claims", request_body = SupersedeBody,
    params(("id" = uuid::Uuid, Path, description = "Claim id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ClaimDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 404, body = crate::http::problem::Problem), (status = 409, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/{id}/void")]
pub async fn void_claim(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<ClaimId>,
    body: JsonBody<SupersedeBody>,
) -> DomainResult<HttpResponse> {
    supersede(state, ctx, req, key, id.into_inner(), body, Frequency::Void).await
}
