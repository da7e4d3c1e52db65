//! Claims by status (`status=rejected` is the queue of claims to correct), one claim with its
//! history and the 837P it would produce. Reads are the API's (`claims::store`,
//! `claims::service::doc`, `claims::routes::preview_837`) and are audited the same way.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::page::{dollars, render, Chrome, ConsoleError};
use super::queries::{audit_phi_reads, with_conn};
use super::session::Session;
use crate::auth::roles::Permission;
use crate::claims::frequency::Frequency;
use crate::claims::model::{ClaimDoc, ClaimId, ClaimRow};
use crate::claims::status::Status;
use crate::claims::store::{self, ClaimFilter};
use crate::error::{DomainError, DomainResult};
use crate::state::AppState;

#[derive(Deserialize)]
struct ClaimsQuery {
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "claims.html")]
struct ClaimsPage {
    chrome: Chrome,
    status: String,
    statuses: &'static [&'static str],
    claims: Vec<ClaimRow>,
}

const STATUSES: &[&str] = &[
    "draft",
    "validated",
    "queued",
    "submitted",
    "accepted",
    "rejected",
    "paid",
    "partially_paid",
    "denied",
];

#[get("/claims")]
async fn claims(
    state: web::Data<AppState>,
    session: Session,
    q: web::Query<ClaimsQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::ClaimRead)?;
    let chosen = q.into_inner().status.as_deref().and_then(Status::parse);
    let filter = ClaimFilter {
        status: chosen,
        ..Default::default()
    };
    let rows = with_conn(&state, move |c| Ok(store::list(c, &filter, 50)?)).await?;
    let ids = rows.iter().map(|r| r.id.to_string());
    audit_phi_reads(&state, &session.ctx, "search", "claim", ids).await?;
    let title = if chosen == Some(Status::Rejected) {
        "Rejected claims".to_string()
    } else {
        "Claims".to_string()
    };
    render(&ClaimsPage {
        chrome: Chrome::new(&session, title),
        status: chosen.map(Status::as_str).unwrap_or_default().to_string(),
        statuses: STATUSES,
        claims: rows,
    })
}

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimPage {
    chrome: Chrome,
    doc: ClaimDoc,
    preview: String,
    /// Its submission jobs (a dead one can be retried).
    jobs: Vec<crate::claims::queue::Job>,
    /// The actions the role may take from the claim's state.
    may_queue: bool,
    may_replace: bool,
    may_void: bool,
    may_retry: bool,
}

type ClaimView = (ClaimDoc, String, Vec<crate::claims::queue::Job>);

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

#[get("/claims/{id}")]
async fn claim(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<ClaimId>,
    q: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::ClaimRead)?;
    let id = id.into_inner();
    let line_breaks = true;
    let submitter = state.submitter.clone();
    let (doc, preview, jobs) = with_conn(&state, move |c| -> DomainResult<ClaimView> {
        let row = store::find(c, id)?.ok_or_else(|| DomainError::not_found("claim"))?;
        // Line breaks after each segment so a person can read the preview.
        let text = crate::claims::routes::preview_837(&row, &submitter, line_breaks)?;
        let jobs = super::queries::jobs_of_claim(c, id)?;
        Ok((crate::claims::service::doc(c, row)?, text, jobs))
    })
    .await?;
    audit_phi_reads(&state, &session.ctx, "read", "claim", [id.to_string()]).await?;
    let write = session.may(Permission::ClaimWrite);
    let status = doc.status;
    let is_void = doc.frequency == Frequency::Void;
    render(&ClaimPage {
        chrome: Chrome::new(&session, format!("Claim {}", doc.patient_control_number))
            .notice(q.into_inner().notice),
        // The service decides; these only hide buttons that would surely be refused.
        may_queue: write && doc.allowed_next.contains(&"queued"),
        may_replace: write
            && !is_void
            && matches!(
                status,
                Status::Submitted | Status::Accepted | Status::Rejected
            ),
        may_void: write && !is_void && matches!(status, Status::Submitted | Status::Accepted),
        may_retry: write,
        doc,
        preview,
        jobs,
    })
}

/// Money for templates.
pub fn money(cents: &i64) -> String {
    dollars(*cents)
}

/// Mounts the claim screens.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(claims).service(claim);
}
