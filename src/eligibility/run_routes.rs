//! Batch eligibility runs over HTTP: `POST /v1/eligibility/run?date=` queues a check per
//! scheduled coverage (202 with the run), `GET /v1/eligibility/runs/{id}` shows progress and
//! each check's outcome (a PHI read, audited before answering).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::batch::{load_run, queue_run, RUN_RESOURCE};
use super::routes::RESOURCE;
use super::run_model::{RunId, RunQuery, RunView};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::idempotency::{
    run_idempotent, IdempotencyKey, RequestFingerprint, StoredResponse,
};
use crate::http::query::Query;
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::RequestCtx;
use crate::state::AppState;

/// Check every active coverage with an encounter on `date` (tomorrow's schedule): one check
/// per coverage, skipping coverages already checked for that date unless `force=true`, all
/// queued in one transaction for the worker to send. Answers 202 with the run and its counts
/// (`Location`: the run to poll). Idempotency-Key makes a retry answer the same run.
#[utoipa::path(post, path = "/v1/eligibility/run", tag = "eligibility",
    params(RunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 202, body = RunView, description = "Queued: poll the Location"),
        (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem),
        (status = 503, body = crate::http::problem::Problem, description = "Eligibility checks are not configured")),
    security(("bearer" = [])))]
#[post("/v1/eligibility/run")]
pub async fn start_run(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    key: IdempotencyKey,
    query: Query<RunQuery>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    let RunQuery { date, force } = query.into_inner();
    let channel = state
        .eligibility
        .clone()
        .ok_or_else(|| DomainError::unavailable("eligibility checks are not configured"))?;
    // The request has no body: its query is what tells a retry from a reuse of the key.
    let hash = format!("{:x}", Sha256::digest(req.query_string().as_bytes()));
    let fp = RequestFingerprint::of(&req, hash);
    let audit_ctx = ctx.clone();
    let submitter = state.submitter.clone();
    run_idempotent(state, &ctx, key, fp, move |c| {
        let (run, checks) = queue_run(c, &audit_ctx, &submitter, &channel, date, force)?;
        let view = run.view(&checks, false);
        Ok(StoredResponse {
            status: 202,
            body: serde_json::to_string(&view).map_err(|_| DomainError::internal())?,
            location: Some(format!("/v1/eligibility/runs/{}", run.id)),
            etag: None,
        })
    })
    .await
}

/// A batch run: its counts, progress and each check's outcome (status, verdict, summary,
/// error; the full 271 is at `GET /v1/eligibility/{id}`).
#[utoipa::path(get, path = "/v1/eligibility/runs/{id}", tag = "eligibility",
    params(("id" = uuid::Uuid, Path, description = "Run id")),
    responses((status = 200, body = RunView), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/v1/eligibility/runs/{id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<RunId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    let id = id.into_inner();
    let (run, checks) = with_conn(&state, move |c| Ok(load_run(c, id)?))
        .await?
        .ok_or_else(|| DomainError::not_found("eligibility run"))?;
    audit_phi_reads(&state, &ctx, "read", RUN_RESOURCE, [run.id.to_string()]).await?;
    audit_phi_reads(
        &state,
        &ctx,
        "search",
        RESOURCE,
        checks.iter().map(|c| c.id.to_string()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(run.view(&checks, true)))
}
