//! `POST /v1/claims/batch` and `POST /v1/claims/queue`: the batch work of `batch` over HTTP
//! (permission, size check, the blocking-pool hand-off).

use actix_web::{post, web, HttpResponse};

use super::batch::{self, check_size, BatchClaims, BatchQueue, BatchResult};
use crate::auth::roles::Permission;
use crate::error::ApiResult;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Build claims for many signed-off encounters (1 to 1,000), each item whole or not at all: 200
/// with each item's outcome (`created` with the claim, or `failed` with its problem).
#[utoipa::path(post, path = "/v1/claims/batch", tag = "claims", request_body = BatchClaims,
    responses((status = 200, body = BatchResult), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/batch")]
pub async fn build_claims(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<BatchClaims>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let items = body.value.items;
    check_size(items.len(), "/items")?;
    let result = web::block(move || -> ApiResult<BatchResult> {
        let mut conn = state.pool.get()?;
        Ok(batch::build_many(
            &mut conn,
            state.codes(),
            &state.submitter,
            &ctx,
            &items,
        ))
    })
    .await??;
    Ok(HttpResponse::Ok().json(result))
}

/// Queue many validated claims (1 to 1,000), each item whole or not at all: 200 with each item's
/// outcome (`queued` with the claim, or `failed` with its problem, e.g. a 409 naming its
/// `current_status`).
#[utoipa::path(post, path = "/v1/claims/queue", tag = "claims", request_body = BatchQueue,
    responses((status = 200, body = BatchResult), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/queue")]
pub async fn queue_claims(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<BatchQueue>,
) -> ApiResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let ids = body.value.claim_ids;
    check_size(ids.len(), "/claim_ids")?;
    let result = web::block(move || -> ApiResult<BatchResult> {
        let mut conn = state.pool.get()?;
        Ok(batch::queue_many(&mut conn, &ctx, &ids))
    })
    .await??;
    Ok(HttpResponse::Ok().json(result))
}
