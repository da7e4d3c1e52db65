//! Front desk: check a coverage's eligibility with the payer (270/271) and show the summary
//! (active, plan, copay, deductible left, coinsurance, referral, the payer's messages and
//! corrections). The steps are those of `POST /v1/coverages/{id}/eligibility`
//! (`eligibility::service::validate` and `eligibility::single`, the same audit rows, the event
//! in `finish`); the check page is `GET /v1/eligibility/{id}`, audited the same way.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::page::{dollars, render, see_other, Chrome, ConsoleError};
use super::queries::{audit_phi_reads, body_of, with_conn, Fields};
use super::session::{CsrfForm, Session};
use crate::auth::roles::Permission;
use crate::coverages::model::CoverageId;
use crate::eligibility::model::{CheckId, CheckRequest, CheckRow};
use crate::eligibility::routes::RESOURCE;
use crate::eligibility::service;
use crate::eligibility::single;
use crate::eligibility::store;
use crate::eligibility::summary::{Correction, Summary};
use crate::eligibility::transport::Channel;
use crate::error::DomainError;
use crate::state::AppState;

#[post("/coverages/{id}/eligibility")]
async fn run_check(
    state: web::Data<AppState>,
    id: web::Path<CoverageId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EligibilityCheck)?;
    // Service type codes stay text ("30" is a code, not a number), so the list is built here.
    let mut form = form;
    let mut extra = serde_json::Map::new();
    if let Some(types) = form.remove("service_types") {
        let list: Vec<serde_json::Value> = types
            .split([',', ' '])
            .filter(|t| !t.is_empty())
            .map(serde_json::Value::from)
            .collect();
        if !list.is_empty() {
            extra.insert("service_types".into(), serde_json::Value::Array(list));
        }
    }
    let request: CheckRequest = body_of(&form, extra, &[], &[])?;
    let types = service::validate(&request)?;
    let channel = state
        .eligibility
        .clone()
        .ok_or_else(|| DomainError::unavailable("eligibility checks are not configured"))?;
    let coverage = id.into_inner();
    let ctx = session.ctx.clone();
    let ch = channel.clone();
    let submitter = state.submitter.clone();
    let row = with_conn(&state, move |c| {
        single::start(c, &ctx, &submitter, &ch, coverage, &request, &types)
    })
    .await?;
    let id = row.id;
    if let Channel::Http(transport) = channel {
        // A timeout or an error of the clearinghouse is stored as a failed check, which the
        // page then shows (the API answers 502/504 with its id).
        let (key, x12) = (row.id.to_string(), row.request_x12.clone());
        let outcome = web::block(move || transport.exchange(&key, &x12))
            .await
            .map_err(DomainError::from)?;
        let ctx = session.ctx.clone();
        with_conn(&state, move |c| {
            single::complete(c, &ctx, row, outcome.map_err(|e| e.to_string())).map(|_| ())
        })
        .await?;
    }
    Ok(see_other(&format!("/app/eligibility/{id}")))
}

#[derive(Template)]
#[template(path = "eligibility.html")]
struct CheckPage {
    chrome: Chrome,
    check: CheckRow,
    summary: Option<Summary>,
    correction: Option<Correction>,
    types: String,
}

impl CheckPage {
    fn money(&self, cents: &Option<i64>) -> String {
        cents.map_or_else(|| "not stated".into(), dollars)
    }

    fn percent(&self, bp: &Option<i64>) -> String {
        bp.map_or_else(
            || "not stated".into(),
            |b| format!("{}.{:02}%", b / 100, b % 100),
        )
    }
}

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

#[get("/eligibility/{id}")]
async fn show(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<CheckId>,
    q: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::EligibilityCheck)?;
    let id = id.into_inner();
    let check = with_conn(&state, move |c| Ok(store::find(c, id)?))
        .await?
        .ok_or_else(|| DomainError::not_found("eligibility check"))?;
    audit_phi_reads(&state, &session.ctx, "read", RESOURCE, [id.to_string()]).await?;
    let view = check.view(false);
    render(&CheckPage {
        chrome: Chrome::new(&session, format!("Eligibility on {}", check.service_date))
            .notice(q.into_inner().notice),
        summary: view.summary,
        correction: view.correction.filter(|c| !c.is_empty()),
        types: view.service_types.join(", "),
        check,
    })
}

/// Mounts the eligibility screens.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(run_check).service(show);
}
