//! `POST /v1/claims/batch` and `POST /v1/claims/queue`: the batch work of `batch` over HTTP
//! (permission, size check, the blocking-pool hand-off).

use actix_web::{post, web, HttpResponse};
use serde::Serialize;

use super::batch::{self, check_size, BatchClaims, BatchQueue};
use super::model::{ClaimRow, ClaimSummary};
use crate::auth::roles::Permission;
use crate::error::DomainResult;
use crate::http::problem::Problem;
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Build claims for many signed-off encounters (1 to 1,000), each item whole or not at all: 200
/// with each item's outcome (`created` with the claim, or `failed` with its problem).
#[utoipa::path(post, path = "/v1/claims/batch", tag = "claims", request_body = BatchClaims,
    responses((status = 200, body = BatchResult), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/batch")]
pub async fn build_claims(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<BatchClaims>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let items = body.value.items;
    check_size(items.len(), "/items")?;
    let result = web::block(move || -> DomainResult<BatchResult> {
        let mut conn = state.pool.get()?;
        let items = batch::build_many(&mut conn, state.codes(), &state.submitter, &ctx, &items);
        Ok(BatchResult::of_items("created", items))
    })
    .await??;
    Ok(HttpResponse::Ok().json(result))
}

/// Queue many validated claims (1 to 1,000), each item whole or not at all: 200 with each item's
/// outcome (`queued` with the claim, or `failed` with its problem, e.g. a 409 naming its
/// `current_status`).
#[utoipa::path(post, path = "/v1/claims/queue", tag = "claims", request_body = BatchQueue,
    responses((status = 200, body = BatchResult), (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/claims/queue")]
pub async fn queue_claims(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    body: JsonBody<BatchQueue>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::ClaimWrite)?;
    let ids = body.value.claim_ids;
    check_size(ids.len(), "/claim_ids")?;
    let result = web::block(move || -> DomainResult<BatchResult> {
        let mut conn = state.pool.get()?;
        Ok(BatchResult::of_items(
            "queued",
            batch::queue_many(&mut conn, &ctx, &ids),
        ))
    })
    .await??;
    Ok(HttpResponse::Ok().json(result))
}

/// What became of one item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchOutcome {
    /// The item's position in the request (from 0).
    pub index: usize,
    /// `created` or `queued`, or `failed`.
    pub outcome: &'static str,
    /// The claim built or queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimSummary>,
    /// Why the item failed (the problem document a single call would have answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// The answer of a batch call.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    /// Items that succeeded.
    pub succeeded: usize,
    /// Items that failed.
    pub failed: usize,
    /// One outcome per item, in request order.
    pub results: Vec<BatchOutcome>,
}

impl BatchResult {
    /// The answer document of per-item results (`done`: what a success is called).
    pub fn of_items(done: &'static str, items: Vec<DomainResult<ClaimRow>>) -> Self {
        let results: Vec<BatchOutcome> = items
            .into_iter()
            .enumerate()
            .map(|(index, r)| outcome(index, done, r))
            .collect();
        let failed = results.iter().filter(|r| r.problem.is_some()).count();
        BatchResult {
            succeeded: results.len() - failed,
            failed,
            results,
        }
    }
}

fn outcome(index: usize, done: &'static str, r: DomainResult<ClaimRow>) -> BatchOutcome {
    match r {
        Ok(row) => BatchOutcome {
            index,
            outcome: done,
            claim: Some(ClaimSummary::from(row)),
            problem: None,
        },
        Err(e) => BatchOutcome {
            index,
            outcome: "failed",
            claim: None,
            problem: Some(Problem::from(&e)),
        },
    }
}
