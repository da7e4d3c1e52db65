//! Remittances: the posted 835 payments (payer, check/EFT number, date, amount) and one in
//! detail (its claims: paid, adjusted by CARC group and reason, patient responsibility; the
//! PLB adjustments; the balance check and warnings). The reads are those of
//! `GET /v1/remittances` (`remits::store::list`) and `GET /v1/remittances/{id}`
//! (`remits::view::load`), with the same permission (ClaimRead) and audit rows.

use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::page::{dollars, render, Chrome, ConsoleError};
use super::queries::{audit_phi_reads, with_conn};
use super::session::Session;
use crate::auth::roles::Permission;
use crate::claims::model::ClaimId;
use crate::remits::import::RESOURCE;
use crate::remits::status::{RemittanceStatus, UnmatchedStatus};
use crate::remits::store::{self, RemittanceId, RemittanceRow, UnmatchedRow};
use crate::remits::view::{self, RemittanceDoc};
use crate::state::AppState;
use crate::x12::era::Payment;

/// Remittances listed (newest first).
const LISTED: i64 = 50;
/// The statuses a remittance may have (the list's filter).
const STATUSES: [&str; 4] = [
    "posted",
    "out_of_balance",
    "partially_unmatched",
    "unmatched",
];

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "remittances.html")]
struct ListPage {
    chrome: Chrome,
    status: String,
    statuses: &'static [&'static str],
    remittances: Vec<RemittanceRow>,
}

impl ListPage {
    fn money(&self, cents: &i64) -> String {
        dollars(*cents)
    }
}

#[get("/remittances")]
async fn list(
    state: web::Data<AppState>,
    session: Session,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::ClaimRead)?;
    let status = q
        .into_inner()
        .status
        .filter(|s| STATUSES.contains(&s.as_str()));
    let filter = status.as_deref().and_then(RemittanceStatus::parse);
    let rows = with_conn(&state, move |c| Ok(store::list(c, filter, None, LISTED)?)).await?;
    // One search row per remittance shown, as GET /v1/remittances.
    let ids = rows.iter().map(|r| r.id.to_string());
    audit_phi_reads(&state, &session.ctx, "search", RESOURCE, ids).await?;
    render(&ListPage {
        chrome: Chrome::new(&session, "Remittances"),
        status: status.unwrap_or_default(),
        statuses: &STATUSES,
        remittances: rows,
    })
}

/// One CAS adjustment as shown.
struct AdjustmentView {
    group: String,
    reason: String,
    meaning: String,
    amount: String,
}

/// One claim payment (CLP) of the remittance with what posting did.
struct ClaimView {
    patient_control_number: String,
    status_code: String,
    claim_id: Option<ClaimId>,
    outcome: String,
    claim_status: String,
    charge: String,
    paid: String,
    patient_responsibility: String,
    adjusted: String,
    adjustments: Vec<AdjustmentView>,
    notes: Vec<String>,
}

#[derive(Template)]
#[template(path = "remittance.html")]
struct DetailPage {
    chrome: Chrome,
    r: RemittanceDoc,
    claims: Vec<ClaimView>,
    may_match: bool,
}

impl DetailPage {
    fn money(&self, cents: &i64) -> String {
        dollars(*cents)
    }
}

/// The claims of `payment` beside their postings (by CLP position); a queued claim payment
/// matched by hand since shows the claim it went to.
fn claim_views(doc: &RemittanceDoc, payment: &Payment, queue: &[UnmatchedRow]) -> Vec<ClaimView> {
    payment
        .claims
        .iter()
        .enumerate()
        .map(|(i, cp)| {
            let posting = doc.postings.iter().find(|p| p.claim_index == i);
            let adjustments: Vec<AdjustmentView> = cp
                .all_adjustments()
                .map(|a| AdjustmentView {
                    group: a.group.clone(),
                    reason: a.reason.clone(),
                    meaning: crate::codesets::adjustment_codes::carc_or_unknown(&a.reason)
                        .to_string(),
                    amount: dollars(a.amount_cents),
                })
                .collect();
            let adjusted: i64 = cp.all_adjustments().map(|a| a.amount_cents).sum();
            let by_hand = queue.iter().find(|u| {
                usize::try_from(u.claim_index).is_ok_and(|k| k == i)
                    && u.status == UnmatchedStatus::Matched
            });
            ClaimView {
                patient_control_number: cp.patient_control_number.clone(),
                status_code: cp.status_code.clone(),
                claim_id: by_hand
                    .and_then(|u| u.matched_claim_id)
                    .or_else(|| posting.and_then(|p| p.claim_id)),
                outcome: match (by_hand, posting) {
                    (Some(_), _) => "matched by hand".to_string(),
                    (None, Some(p)) => p.outcome.clone(),
                    (None, None) => String::new(),
                },
                claim_status: posting
                    .and_then(|p| p.claim_status)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                charge: dollars(cp.charge_cents),
                paid: dollars(cp.paid_cents),
                patient_responsibility: cp
                    .patient_responsibility_cents
                    .map_or_else(String::new, dollars),
                adjusted: dollars(adjusted),
                adjustments,
                notes: posting.map_or_else(Vec::new, |p| p.notes.clone()),
            }
        })
        .collect()
}

#[get("/remittances/{id}")]
async fn detail(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<RemittanceId>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::ClaimRead)?;
    let id = id.into_inner();
    let (doc, payment, queue) = with_conn(&state, move |c| {
        let (doc, payment) = view::load(c, id)?;
        Ok((doc, payment, store::unmatched_of(c, id)?))
    })
    .await?;
    audit_phi_reads(&state, &session.ctx, "read", RESOURCE, [id.to_string()]).await?;
    let claims = claim_views(&doc, &payment, &queue);
    render(&DetailPage {
        chrome: Chrome::new(
            &session,
            format!("Remittance {} from {}", doc.trace_number, doc.payer_name),
        ),
        claims,
        may_match: session.may(Permission::ClaimWrite),
        r: doc,
    })
}

/// Mounts the remittance screens (the unmatched queue, `super::unmatched`, before `{id}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(detail);
}
