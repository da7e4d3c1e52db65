//! Claim actions on the claim page: queue a validated claim for submission, build a
//! replacement (frequency 7) or a void (8), and retry a dead submission job. They run what
//! `POST /v1/claims/{id}/queue|replace|void` and `POST /v1/submission-jobs/{id}/retry` run
//! (`claims::service::{queue_in, supersede_in}`, `claims::job_retry`), in one write
//! transaction with the same audit rows and events.

use actix_web::{post, web, HttpResponse};

use super::page::{see_other, ConsoleError};
use super::queries::{with_conn, write, Fields};
use super::session::CsrfForm;
use crate::auth::roles::Permission;
use crate::claims::forms::SupersedeBody;
use crate::claims::frequency::Frequency;
use crate::claims::job_retry::retry_dead_job;
use crate::claims::model::{ClaimId, JobId};
use crate::claims::service;
use crate::error::DomainError;
use crate::state::AppState;

/// The optional `version` field (the page's version): a stale page gets 412, as with If-Match.
fn version_of(form: &Fields) -> Result<Option<i32>, ConsoleError> {
    match form.get("version").map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| DomainError::invalid_field("/version", "invalid", "not a version").into()),
    }
}

/// A trimmed, non-empty text field.
fn text_of(form: &Fields, name: &str) -> Option<String> {
    form.get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[post("/claims/{id}/queue")]
async fn queue_claim(
    state: web::Data<AppState>,
    id: web::Path<ClaimId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::ClaimWrite)?;
    let expected = version_of(&form)?;
    let id = id.into_inner();
    let ctx = session.ctx.clone();
    write(&state, move |c| {
        service::queue_row_in(c, &ctx, id, expected)
    })
    .await?;
    Ok(see_other(&format!("/app/claims/{id}?notice=Queued")))
}

/// Replace or void claim `id`; shows the new claim.
async fn supersede(
    state: web::Data<AppState>,
    id: ClaimId,
    posted: CsrfForm<Fields>,
    frequency: Frequency,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::ClaimWrite)?;
    let number = text_of(&form, "payer_claim_number");
    let reason = text_of(&form, "reason");
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(
            DomainError::invalid_field("/reason", "too_long", "at most 500 characters").into(),
        );
    }
    let codes = state.codes();
    let submitter = state.submitter.clone();
    let ctx = session.ctx.clone();
    let doc = write(&state, move |c| {
        let body = SupersedeBody {
            payer_claim_number: number,
            reason,
        };
        service::supersede_in(c, codes, &submitter, &ctx, id, frequency, body)
    })
    .await?;
    let notice = if frequency == Frequency::Replacement {
        "Replacement+built"
    } else {
        "Void+claim+built"
    };
    Ok(see_other(&format!(
        "/app/claims/{}?notice={notice}",
        doc.id
    )))
}

#[post("/claims/{id}/replace")]
async fn replace_claim(
    state: web::Data<AppState>,
    id: web::Path<ClaimId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    supersede(state, id.into_inner(), posted, Frequency::Replacement).await
}

#[post("/claims/{id}/void")]
async fn void_claim(
    state: web::Data<AppState>,
    id: web::Path<ClaimId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    supersede(state, id.into_inner(), posted, Frequency::Void).await
}

#[post("/claims/{id}/jobs/{job}/retry")]
async fn retry_job(
    state: web::Data<AppState>,
    path: web::Path<(ClaimId, JobId)>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, .. } = posted;
    session.require(Permission::ClaimWrite)?;
    let (claim, job) = path.into_inner();
    let ctx = session.ctx.clone();
    // The job must belong to the claim shown.
    with_conn(&state, move |c| {
        retry_dead_job(c, &ctx, job, Some(claim)).map(|_| ())
    })
    .await?;
    Ok(see_other(&format!(
        "/app/claims/{claim}?notice=Submission+retried"
    )))
}

/// Mounts the claim actions.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(queue_claim)
        .service(replace_claim)
        .service(void_claim)
        .service(retry_job);
}
