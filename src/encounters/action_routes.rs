//! Encounter actions: hold, release, void, validate (scrub without changing anything),
//! sign-off (refused while unoverridden errors remain) and admin overrides of findings.

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::forms::{OverrideBody, ReasonBody};
use super::model::{EncounterDoc, EncounterId};
use super::routes::doc_response;
use super::scrubbing::ValidationReport;
use super::service::{self, SignOff, RESOURCE};
use super::status::Status;
use super::{check, overrides};
use crate::audit::AuditEntry;
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult};
use crate::http::versioning::{if_match, required_if_match};
use crate::http::{JsonBody, RequestCtx};
use crate::state::AppState;

async fn move_to(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: &HttpRequest,
    id: EncounterId,
    to: Status,
    reason: Option<String>,
    action: &'static str,
) -> DomainResult<HttpResponse> {
    let expected = required_if_match(req)?;
    let doc = super::routes::mutate(state, ctx, id, expected, action, move |_, cur| {
        service::transition(cur, to, reason)
    })
    .await?;
    Ok(doc_response(&doc))
}

fn reason_of(body: &ReasonBody) -> DomainResult<String> {
    check::reason(&body.reason, 1).map_err(|e| DomainError::validation(vec![e]))
}

/// Put an encounter on hold with a reason (If-Match).
#[utoipa::path(post, path = "/v1/encounters/{id}/hold", tag = "encounters", request_body = ReasonBody,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/hold")]
pub async fn hold_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
    body: JsonBody<ReasonBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterCode)?;
    let reason = reason_of(&body.value)?;
    move_to(
        state,
        ctx,
        &req,
        id.into_inner(),
        Status::OnHold,
        Some(reason),
        "hold",
    )
    .await
}

/// Release an encounter from hold back to open (If-Match).
#[utoipa::path(post, path = "/v1/encounters/{id}/release", tag = "encounters",
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/release")]
pub async fn release_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterCode)?;
    move_to(
        state,
        ctx,
        &req,
        id.into_inner(),
        Status::Open,
        None,
        "release",
    )
    .await
}

/// Void an encounter with a reason (If-Match); it is kept for history.
#[utoipa::path(post, path = "/v1/encounters/{id}/void", tag = "encounters", request_body = ReasonBody,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/void")]
pub async fn void_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
    body: JsonBody<ReasonBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterSignOff)?;
    let reason = reason_of(&body.value)?;
    move_to(
        state,
        ctx,
        &req,
        id.into_inner(),
        Status::Void,
        Some(reason),
        "void",
    )
    .await
}

/// Run the scrubber and return its findings; nothing changes (the version stays).
#[utoipa::path(post, path = "/v1/encounters/{id}/validate", tag = "encounters",
    params(("id" = uuid::Uuid, Path, description = "Encounter id")),
    responses((status = 200, body = ValidationReport), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/validate")]
pub async fn validate_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    id: web::Path<EncounterId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterCode)?;
    let id = id.into_inner();
    let st = state.clone();
    let (_, report) = web::block(move || {
        let mut c = st.pool.get()?;
        service::validate(&mut c, st.codes(), id)
    })
    .await??;
    state
        .audit
        .record(vec![AuditEntry::success(
            &ctx,
            "validate",
            RESOURCE,
            Some(id.to_string()),
        )])
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

fn refused(report: &ValidationReport) -> DomainError {
    report.refusal("must be fixed or overridden by an admin before sign-off")
}

/// Sign the encounter off as coded (If-Match). Refused with 422 `blocking-findings` (listing
/// them) while scrubber errors remain that no admin has overridden.
#[utoipa::path(post, path = "/v1/encounters/{id}/sign-off", tag = "encounters",
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 409, body = crate::http::problem::Problem),
        (status = 412, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/sign-off")]
pub async fn sign_off_encounter(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EncounterSignOff)?;
    let expected = required_if_match(&req)?;
    let id = id.into_inner();
    let outcome = web::block(move || -> DomainResult<SignOff> {
        let mut conn = state.pool.get()?;
        let codes = state.codes();
        conn.write_transaction(|c| service::sign_off_in(c, codes, &ctx, id, expected))
    })
    .await??;
    match outcome {
        SignOff::Done(doc) => Ok(doc_response(&doc)),
        SignOff::Refused(report) => Err(refused(&report)),
    }
}

/// Override one error finding with a written reason (admin only; If-Match optional).
#[utoipa::path(post, path = "/v1/encounters/{id}/overrides", tag = "encounters", request_body = OverrideBody,
    params(("id" = uuid::Uuid, Path, description = "Encounter id"), ("If-Match" = Option<String>, Header, description = "The ETag you read")),
    responses((status = 200, body = EncounterDoc), (status = 403, body = crate::http::problem::Problem),
        (status = 409, body = crate::http::problem::Problem), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/encounters/{id}/overrides")]
pub async fn override_finding(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<EncounterId>,
    body: JsonBody<OverrideBody>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::FindingOverride)?;
    let expected = if_match(&req)?;
    let body = body.value;
    let codes = state.codes();
    let actor_ctx = ctx.clone();
    let doc = super::routes::mutate(
        state,
        ctx,
        id.into_inner(),
        expected,
        "override",
        move |c, cur| overrides::add(c, codes, &actor_ctx, cur, body),
    )
    .await?;
    Ok(doc_response(&doc))
}
