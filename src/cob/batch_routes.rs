//! `POST /v1/claims/next-payer/batch`: bill the next payer of many adjudicated claims in one
//! request, each item whole or not at all, answered per item.

use actix_web::{post, web, HttpResponse};
use serde::Deserialize;

use super::batch;
use crate::auth::roles::Permission;
use crate::claims::batch::check_size;
use crate::claims::batch_routes::BatchResult;
use crate::claims::model::ClaimId;
use crate::error::DomainResult;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Claims loaded, planned and written together per write transaction. A group's few
/// statements (about seven reads and eight multi-row writes) are shared by its claims; a
/// group keeps SQLite's single write lock for well under a second.
pub const GROUP: usize = 250;

/// Body of `POST /v1/claims/next-payer/batch`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NextPayerBatch {
    /// The adjudicated claims whose next payer to bill (1 to 1,000).
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<uuid::Uuid>)]
    pub claim_ids: Vec<ClaimId>,
}

/// Bills the next payer of each of `ids` on one pooled connection (see [`batch::bill_many`]).
pub fn bill_many(state: &AppState, ctx: &RequestCtx, ids: &[ClaimId]) -> DomainResult<BatchResult> {
    let mut conn = state.pool.get()?;
    let items: Vec<(ClaimId, Option<i32>)> = ids.iter().map(|id| (*id, None)).collect();
    let results = batch::bill_many(&mut conn, ctx, &state.submitter, &items, GROUP);
    Ok(BatchResult::of_items("created", results))
}

/// Bill the next payer of many adjudicated claims (1 to 1,000), as
/// `POST /v1/claims/{id}/next-payer` does for one: each item builds a `validated` claim for
/// the patient's next coverage and moves the open balance to it, whole or not at all. 200 with
/// each item's outcome (`created` with the new claim, or `failed` with the problem a single
/// call would have answered, e.g. a 409 for a crossed-over claim).
#[utoipa::path(post, path = "/v1/claims/next-payer/batch", tag = "claims",
    request_body = NextPayerBatch,
    responses((status = 200, body = BatchResult), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/next-payer/batch")]
pub async fn next_payer_batch(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<NextPayerBatch>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let ids = body.value.claim_ids;
    check_size(ids.len(), "/claim_ids")?;
    let result = web::block(move || bill_many(&state, &ctx, &ids)).await??;
    Ok(HttpResponse::Ok().json(result))
}
