//! Applying the payer's corrections to a coverage, and 271s coming back through the file
//! queue.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};

use super::model::{CheckId, CheckRow, CheckStatus};
use super::routes::RESOURCE;
use super::service::finish;
use super::store;
use super::summary::Correction;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::roles::Permission;
use crate::coverages::model::{Coverage, CoveragePatch, SELF};
use crate::db::types::Timestamp;
use crate::error::{Category, DomainError, DomainResult};
use crate::http::reads::with_conn;
use crate::http::versioning::{etag, expect_version, required_if_match};
use crate::http::RequestCtx;
use crate::state::AppState;
use crate::validation::to_api_error;
use crate::{coverages, patients};

/// Apply the payer's corrections of a check (member id; for a subscriber who is not the
/// patient also name and birth date) to its coverage. Send the coverage's ETag in If-Match;
/// the answer is the updated coverage.
#[utoipa::path(post, path = "/v1/eligibility/{id}/apply-correction", tag = "eligibility",
    params(("id" = uuid::Uuid, Path, description = "Check id"),
        ("If-Match" = String, Header, description = "The coverage's ETag")),
    responses((status = 200, body = Coverage),
        (status = 409, body = crate::http::problem::Problem, description = "No correction to apply, or already applied"),
        (status = 412, body = crate::http::problem::Problem), (status = 428, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/v1/eligibility/{id}/apply-correction")]
pub async fn apply_correction(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    id: web::Path<CheckId>,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    ctx.require(Permission::CoverageWrite)?;
    let expected = required_if_match(&req)?;
    let id = id.into_inner();
    let cv = with_conn(&state, move |c| {
        c.write_transaction(|c| -> DomainResult<Coverage> {
            let row =
                store::find(c, id)?.ok_or_else(|| DomainError::not_found("eligibility check"))?;
            if row.correction_applied_at.is_some() {
                return Err(DomainError::conflict("this correction is already applied"));
            }
            let fix: Correction = row
                .correction
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .ok_or_else(|| {
                    DomainError::conflict("the payer made no correction in this check")
                })?;
            let cv = coverages::store::find(c, row.coverage_id)?
                .ok_or_else(|| DomainError::not_found("coverage"))?;
            expect_version(cv.version, expected)?;
            let patient =
                patients::store::find(c, cv.patient_id)?.ok_or_else(DomainError::internal)?;
            let mut patch = CoveragePatch {
                member_id: fix.member_id.clone(),
                ..Default::default()
            };
            // With relationship 18 the name and birth date are the patient's record, not the
            // coverage's: those corrections are shown, not applied here.
            if cv.relationship_code != SELF {
                patch.subscriber_first_name = fix.first_name.clone().map(Some);
                patch.subscriber_last_name = fix.last_name.clone().map(Some);
                patch.subscriber_birth_date = fix.birth_date.map(Some);
            }
            let (loaded, id) = (cv.version, cv.id);
            let mut next = patch.apply(cv, &patient).map_err(to_api_error)?;
            crate::db::versioned::save_next(
                c,
                loaded,
                &mut next,
                |c, n| Ok(coverages::store::save(c, n)?),
                |c| Ok(coverages::store::find(c, id)?.map(|r| r.version)),
            )?;
            store::mark_applied(c, row.id, Timestamp::now())?;
            let entries = [
                AuditEntry::success(&ctx, "update", "coverage", Some(next.id.to_string())),
                AuditEntry::success(&ctx, "apply_correction", RESOURCE, Some(row.id.to_string())),
            ];
            audit_store::insert(c, &entries)?;
            Ok(next)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(cv.version)))
        .json(cv))
}

/// Hand in a 271 that came back through the file queue (body `application/edi-x12`): it is
/// matched to its queued check by the trace number (TRN02) and read; the answer is the check.
#[utoipa::path(post, path = "/v1/eligibility/responses", tag = "eligibility",
    request_body(content = String, content_type = "application/edi-x12",
        description = "An X12 271 (005010X279A1) interchange"),
    responses((status = 200, body = super::model::CheckView),
        (status = 404, body = crate::http::problem::Problem, description = "No check has this trace number"),
        (status = 409, body = crate::http::problem::Problem, description = "The check is not waiting for a 271")),
    security(("bearer" = [])))]
#[post("/v1/eligibility/responses")]
pub async fn import_271(
    state: web::Data<AppState>,
    ctx: RequestCtx,
    req: HttpRequest,
    body: web::Bytes,
) -> DomainResult<HttpResponse> {
    ctx.require(Permission::EligibilityCheck)?;
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/edi-x12" && mime != "text/plain" {
        return Err(DomainError::new(
            Category::UnsupportedMediaType,
            "unsupported-media-type",
            "send the 271 as application/edi-x12",
        ));
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| DomainError::invalid_field("", "encoding", "a 271 must be ASCII text"))?;
    let parsed = crate::x12::elig::read_271(&text)
        .map_err(|e| DomainError::invalid_field("", "unreadable_271", e.to_string()))?;
    let trace = parsed.trace_number.ok_or_else(|| {
        DomainError::invalid_field("", "no_trace", "the 271 has no TRN*2 naming the inquiry")
    })?;
    let audit_ctx = ctx.clone();
    let row = with_conn(&state, move |c| {
        c.write_transaction(|c| -> DomainResult<CheckRow> {
            let row = store::find_by_trace(c, &trace)?.ok_or_else(|| {
                DomainError::not_found("eligibility check with this trace number")
            })?;
            if row.status != CheckStatus::Queued {
                return Err(DomainError::conflict(format!(
                    "this check is {}, not waiting for a 271",
                    row.status
                )));
            }
            let id = row.id;
            let row = finish(c, row, Ok(text))?;
            let entry = AuditEntry::success(&audit_ctx, "update", RESOURCE, Some(id.to_string()));
            audit_store::insert(c, &[entry])?;
            Ok(row)
        })
    })
    .await?;
    crate::http::reads::audit_phi_reads(&state, &ctx, "read", RESOURCE, [row.id.to_string()])
        .await?;
    Ok(HttpResponse::Ok().json(row.view(true)))
}
