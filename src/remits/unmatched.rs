//! The unmatched remittance queue: claim payments of an 835 that could not be tied to a claim
//! (unknown CLP01), whose lines fit none of the claim's, or that posting refused. A person
//! attaches one to a claim by hand; it then posts exactly as an automatic match would.

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::adjudication::LineMatch;
use super::import::{adjudication, candidate, RESOURCE};
use super::matching::{self, LineMatching, LinePairing};
use super::posting_service::{post_adjudication, PostingOutcome};
use super::status::UnmatchedStatus;
use super::store::{self, UnmatchedId, UnmatchedRow};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::model::ClaimId;
use crate::claims::settings::SubmitterSettings;
use crate::claims::store as claim_store;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::x12::era::{ClaimPayment, Payment};

/// An item of the unmatched queue.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnmatchedItem {
    /// Id.
    pub id: UnmatchedId,
    /// The remittance it came in.
    pub remittance_id: super::store::RemittanceId,
    /// CLP01 as received.
    pub patient_control_number: String,
    /// `unknown_claim`, `unmatched_lines` or `posting_refused`.
    pub reason: String,
    /// The claim CLP01 named, when it exists.
    pub candidate_claim_id: Option<ClaimId>,
    /// CLP02.
    pub status_code: String,
    /// CLP03 in cents.
    pub charge_cents: i64,
    /// CLP04 in cents.
    pub paid_cents: i64,
    /// Remitted lines: procedure code, charge and paid in cents, REF*6R.
    pub lines: Vec<UnmatchedLine>,
    /// `open` or `matched`.
    #[schema(value_type = String)]
    pub status: UnmatchedStatus,
    /// The claim attached by hand.
    pub matched_claim_id: Option<ClaimId>,
    /// When queued.
    pub created_at: Timestamp,
    /// Version (ETag).
    pub version: i32,
}

/// One remitted line of an unmatched claim payment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnmatchedLine {
    /// 0-based position among the remitted lines (what `lines[].remit_line` names).
    pub remit_line: usize,
    /// Procedure code as adjudicated.
    pub procedure_code: String,
    /// Line charge in cents.
    pub charge_cents: i64,
    /// Line paid in cents.
    pub paid_cents: i64,
    /// REF*6R, when sent.
    pub line_item_control_number: Option<String>,
}

/// A by-hand pairing of one remitted line with one of the claim's lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualLine {
    /// 0-based position among the remitted lines.
    #[validate(range(min = 0, max = 999))]
    #[schema(minimum = 0, maximum = 999)]
    pub remit_line: usize,
    /// 1-based line number in the claim.
    #[validate(range(min = 1, max = 50))]
    #[schema(minimum = 1, maximum = 50)]
    pub line_number: i32,
}

/// The body of `POST /v1/remittances/unmatched/{id}/match`.
#[derive(Debug, Clone, PartialEq, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// The claim to attach the payment to.
    pub claim_id: ClaimId,
    /// Pairings of remitted lines with the claim's; omitted, the lines are matched as the
    /// import does (REF*6R, then code, modifiers, date and charge).
    #[validate(nested, length(max = 999))]
    #[schema(max_items = 999)]
    pub lines: Option<Vec<ManualLine>>,
}

/// The result of a hand match.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MatchOutcome {
    /// The queue item, now matched.
    pub item: UnmatchedItem,
    /// What posting did.
    pub posting: PostingOutcome,
    /// Notes (payer mismatch, ties).
    pub notes: Vec<String>,
}

fn parse_payment(row: &UnmatchedRow) -> DomainResult<ClaimPayment> {
    serde_json::from_str(&row.claim_payment).map_err(|_| DomainError::internal())
}

/// The item as shown.
pub fn item(row: &UnmatchedRow) -> DomainResult<UnmatchedItem> {
    let cp = parse_payment(row)?;
    Ok(UnmatchedItem {
        id: row.id,
        remittance_id: row.remittance_id,
        patient_control_number: row.patient_control_number.clone(),
        reason: row.reason.clone(),
        candidate_claim_id: row.candidate_claim_id,
        status_code: cp.status_code.clone(),
        charge_cents: cp.charge_cents,
        paid_cents: cp.paid_cents,
        lines: cp
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| UnmatchedLine {
                remit_line: i,
                procedure_code: l.procedure.code.clone(),
                charge_cents: l.charge_cents,
                paid_cents: l.paid_cents,
                line_item_control_number: l.line_item_control_number.clone(),
            })
            .collect(),
        status: row.status,
        matched_claim_id: row.matched_claim_id,
        created_at: row.created_at,
        version: row.version,
    })
}

/// The open items, oldest first. Audited as a read of remittance data.
pub fn list_open(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    limit: i64,
) -> DomainResult<Vec<UnmatchedItem>> {
    let rows = store::list_open_unmatched(conn, limit)?;
    audit_store::insert(
        conn,
        &[AuditEntry::success(ctx, "list_unmatched", RESOURCE, None)],
    )?;
    rows.iter().map(item).collect()
}

fn manual_pairing(
    cp: &ClaimPayment,
    lines: &[ManualLine],
    claim_lines: usize,
) -> DomainResult<LineMatching> {
    let mut errors = Vec::new();
    let mut seen_remit = vec![false; cp.lines.len()];
    let mut seen_ours = vec![false; claim_lines];
    for (k, m) in lines.iter().enumerate() {
        let ours = usize::try_from(m.line_number - 1)
            .ok()
            .filter(|&n| n < claim_lines);
        match (seen_remit.get_mut(m.remit_line), ours) {
            (Some(r), Some(o)) if !*r && !seen_ours[o] => {
                *r = true;
                seen_ours[o] = true;
            }
            _ => errors.push(FieldError::new(
                format!("/lines/{k}"),
                "pairing",
                "names a remitted line or claim line that does not exist or is paired twice",
            )),
        }
    }
    if errors.is_empty() && seen_remit.iter().any(|s| !s) {
        errors.push(FieldError::new(
            "/lines",
            "incomplete",
            "every remitted line must be paired with one of the claim's lines",
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    Ok(LineMatching {
        paired: lines
            .iter()
            .map(|m| LinePairing {
                remit_line: m.remit_line,
                line_number: m.line_number,
                matched_by: LineMatch::Manual,
                note: None,
            })
            .collect(),
        unmatched: Vec::new(),
    })
}

/// Attaches an open item to a claim and posts it, in one transaction. `version` is the item's
/// version the caller saw (If-Match); a stale or already matched item is refused. A next
/// payer's claim billed automatically must fit an 837P as `submitter` writes it.
pub fn match_by_hand(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    id: UnmatchedId,
    version: Option<i32>,
    req: &MatchRequest,
) -> DomainResult<MatchOutcome> {
    conn.write_transaction(|c| {
        let row = store::find_unmatched(c, id)?.ok_or_else(|| DomainError::not_found("unmatched remittance"))?;
        if row.status != UnmatchedStatus::Open {
            return Err(DomainError::conflict("this item is already matched"));
        }
        if let Some(v) = version.filter(|&v| v != row.version) {
            let _ = v;
            return Err(DomainError::stale(row.version));
        }
        let claim = claim_store::find(c, req.claim_id)?.ok_or_else(|| {
            DomainError::invalid_field("/claim_id", "not_found", "no such claim")
        })?;
        let remit = store::find(c, row.remittance_id)?.ok_or_else(DomainError::internal)?;
        let payment: Payment = serde_json::from_str(&remit.parsed).map_err(|_| DomainError::internal())?;
        let cp = parse_payment(&row)?;
        let cand = candidate(&claim)?;
        let lines = match &req.lines {
            Some(lines) => manual_pairing(&cp, lines, cand.lines.len())?,
            None => {
                let m = matching::match_lines(&cp, &cand.lines);
                if !m.complete() {
                    return Err(DomainError::invalid_field(
                        "/lines",
                        "unmatched_lines",
                        format!(
                            "remitted lines {:?} fit none of the claim's lines; pair them in `lines`",
                            m.unmatched
                        ),
                    ));
                }
                m
            }
        };
        let mut notes: Vec<String> = lines.paired.iter().filter_map(|m| m.note.clone()).collect();
        if !matching::payer_agrees(&payment.payer, &cand.edi_payer_id) {
            notes.push("the 835's payer is not the claim's payer (posted; check it)".into());
        }
        let adj = adjudication(&cp, &lines, cand.payer_id, row.remittance_id, &payment);
        let posting = post_adjudication(c, ctx, submitter, claim.id, &adj)?;
        if !store::mark_matched(c, id, row.version, claim.id, &ctx.caller.actor)? {
            return Err(DomainError::conflict("this item changed meanwhile"));
        }
        store::count_hand_match(c, row.remittance_id)?;
        audit_store::insert(
            c,
            &[AuditEntry::success(ctx, "match", RESOURCE, Some(id.to_string()))],
        )?;
        let after = store::find_unmatched(c, id)?.ok_or_else(DomainError::internal)?;
        Ok(MatchOutcome {
            item: item(&after)?,
            posting,
            notes,
        })
    })
}
