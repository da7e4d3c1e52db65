//! Eligibility routes: run a check for a coverage, list a coverage's checks, read one check,
//! and the latest check of an encounter's coverage and date. Checks hold PHI (the payer's
//! view of the member): writes are audited in their transaction, reads before answering.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde_json::json;

use super::model::{CheckId, CheckRequest, CheckRow, CheckView};
use super::service;
use super::single;
use super::store;
use super::transport::{Channel, SendError};
use crate::auth::roles::Permission;
use crate::coverages::model::CoverageId;
use crate::encounters::model::EncounterId;
use crate::error::{Category, DomainError, DomainResult};
use crate::http::reads::{audit_phi_reads, with_conn};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

/// Resource name in the audit log.
pub const RESOURCE: &str = "eligibility_check";

/// Most checks `GET /v1/coverages/{id}/eligibility` lists (newest first).
const LIST_LIMIT: i64 = 100;

/// Check a coverage with the payer (270/271). With a real-time (http) clearinghouse the answer
/// is the completed check (200); with a file-based one the 270 is queued and the answer is 202
/// with the check to poll (`Location`). A timeout or an HTTP error of the clearinghouse is
/// stored as a failed check and answered 504 or 502 with its `check_id`.
#[utoipa::path(post, path = "/v1/coverages/{id}/eligibility", tag = "eligibility",
    request_body = CheckRequest,
    params(("id" = uuid::Uuid, Path, description = "Coverage id")),
    responses((status = 200, body = CheckView, description = "The 271, read"),
        (status = 202, body = CheckView, description = "Queued: poll the Location"),
        (status = 409, body = crate::http::problem::Problem, description = "The coverage is deactivated"),
        (status = 502, body = crate::http::problem::Problem, description = "The clearinghouse failed"),
        (status = 504, body = crate::http::problem::Problem, description = "The clearinghouse did not answer in time")),
    security(("bearer" = [])))]
#[post("/v1/coverages/{id}/eligibility")]
pub async fn check_eligibility(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<CoverageId>,
    body: JsonBody<CheckRequest>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    let request = body.value;
    let types = service::validate(&request)?;
    let channel = state
        .eligibility
        .clone()
        .ok_or_else(|| DomainError::unavailable("eligibility checks are not configured"))?;
    let coverage = id.into_inner();
    let audit_ctx = ctx.clone();
    let ch = channel.clone();
    let submitter = state.submitter.clone();
    let row = with_conn(&state, move |c| {
        single::start(c, &audit_ctx, &submitter, &ch, coverage, &request, &types)
    })
    .await?;
    let Channel::Http(transport) = channel else {
        return Ok(HttpResponse::Accepted()
            .insert_header((header::LOCATION, format!("/v1/eligibility/{}", row.id)))
            .json(row.view(false)));
    };
    let (key, x12) = (row.id.to_string(), row.request_x12.clone());
    let outcome = web::block(move || transport.exchange(&key, &x12)).await?;
    let failure = outcome.as_ref().err().cloned();
    let audit_ctx = ctx.clone();
    let row = with_conn(&state, move |c| {
        single::complete(c, &audit_ctx, row, outcome.map_err(|e| e.to_string()))
    })
    .await?;
    if let Some(e) = failure {
        let (category, kind) = match e {
            SendError::Timeout => (Category::UpstreamTimeout, "clearinghouse-timeout"),
            _ => (Category::UpstreamFailed, "clearinghouse-error"),
        };
        return Err(DomainError::new(
            category,
            kind,
            format!("{e}; the attempt is stored as a failed check"),
        )
        .with_extension("check_id", json!(row.id)));
    }
    audit_phi_reads(&state, &ctx, "read", RESOURCE, [row.id.to_string()]).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::LOCATION, format!("/v1/eligibility/{}", row.id)))
        .json(row.view(true)))
}

/// The checks of a coverage, newest first (at most 100; summaries without the full 271).
#[utoipa::path(get, path = "/v1/coverages/{id}/eligibility", tag = "eligibility",
    params(("id" = uuid::Uuid, Path, description = "Coverage id")),
    responses((status = 200, body = Vec<CheckView>)),
    security(("bearer" = [])))]
#[get("/v1/coverages/{id}/eligibility")]
pub async fn list_checks(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<CoverageId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    let coverage = id.into_inner();
    let rows = with_conn(&state, move |c| -> DomainResult<Vec<CheckRow>> {
        crate::coverages::store::find(c, coverage)?
            .ok_or_else(|| DomainError::not_found("coverage"))?;
        Ok(store::list(c, coverage, LIST_LIMIT)?)
    })
    .await?;
    audit_phi_reads(
        &state,
        &ctx,
        "search",
        RESOURCE,
        rows.iter().map(|r| r.id.to_string()),
    )
    .await?;
    let views: Vec<CheckView> = rows.iter().map(|r| r.view(false)).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// One check with the full parsed 271 (poll this for a queued check).
#[utoipa::path(get, path = "/v1/eligibility/{id}", tag = "eligibility",
    params(("id" = uuid::Uuid, Path, description = "Check id")),
    responses((status = 200, body = CheckView)),
    security(("bearer" = [])))]
#[get("/v1/eligibility/{id}")]
pub async fn get_check(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<CheckId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    let id = id.into_inner();
    let row = with_conn(&state, move |c| -> DomainResult<Option<CheckRow>> {
        Ok(store::find(c, id)?)
    })
    .await?
    .ok_or_else(|| DomainError::not_found("eligibility check"))?;
    audit_phi_reads(&state, &ctx, "read", RESOURCE, [row.id.to_string()]).await?;
    Ok(HttpResponse::Ok().json(row.view(true)))
}

/// The latest completed check of an encounter's coverage for its date of service (404 when
/// none: the front desk should check).
#[utoipa::path(get, path = "/v1/encounters/{id}/eligibility", tag = "eligibility",
    params(("id" = uuid::Uuid, Path, description = "Encounter id")),
    responses((status = 200, body = CheckView)),
    security(("bearer" = [])))]
#[get("/v1/encounters/{id}/eligibility")]
pub async fn encounter_check(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EncounterId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    ctx.require(Permission::EncounterRead)?;
    let id = id.into_inner();
    let row = with_conn(&state, move |c| -> DomainResult<Option<CheckRow>> {
        let (coverage, date) = super::latest::encounter_coverage(c, id)?
            .ok_or_else(|| DomainError::not_found("encounter"))?;
        match coverage {
            Some(cv) => Ok(store::latest(c, cv, date)?),
            None => Ok(None),
        }
    })
    .await?
    .ok_or_else(|| DomainError::not_found("eligibility check for this encounter"))?;
    audit_phi_reads(&state, &ctx, "read", RESOURCE, [row.id.to_string()]).await?;
    Ok(HttpResponse::Ok().json(row.view(true)))
}
