//! The 835 import: read the file ([`crate::x12::era`]), then one transaction per payment
//! (BPR/TRN): store it raw and parsed, and unless it is out of balance, match each CLP to a
//! claim and post it with a [`PostingBatch`]; what cannot be matched goes to the unmatched
//! queue. A payment already stored (same sender, interchange, transaction set and trace number)
//! is not stored or posted again. Remittances are PHI: every import is audited, nothing of the
//! file is logged.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::adjudication::{Adjustment, ClaimAdjudication, LineAdjudication};
use super::matching::{self, LineMatching, OurLine};
use super::posting_batch::PostingBatch;
use super::posting_service::PostingOutcome;
use super::status::{RemittanceStatus, UnmatchedStatus};
use super::store::{self, RemittanceId, RemittanceRow, UnmatchedId, UnmatchedRow};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::model::{ClaimId, ClaimRow};
use crate::claims::settings::SubmitterSettings;
use crate::claims::snapshot::Snapshot;
use crate::claims::status::Status as ClaimStatus;
use crate::db::schema_claims::claims as cl;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::payers::model::PayerId;
use crate::x12::era::{self, ClaimPayment, Payment, Remittance};

/// The audit resource type of remittances.
pub const RESOURCE: &str = "remittance";

/// What importing one payment did.
// Named apart from the patient payment's `PaymentOutcome` (utoipa keys schemas by name).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RemittancePaymentOutcome)]
pub struct PaymentOutcome {
    /// The stored remittance.
    pub remittance_id: RemittanceId,
    /// TRN02.
    pub trace_number: String,
    /// BPR02 in cents.
    pub payment_cents: i64,
    /// posted, out_of_balance, partially_unmatched or unmatched.
    #[schema(value_type = String)]
    pub status: RemittanceStatus,
    /// The balance check held.
    pub balanced: bool,
    /// True when this payment had been imported before: nothing was stored or posted now.
    pub duplicate: bool,
    /// CLPs in the payment.
    pub claims_total: i32,
    /// CLPs posted.
    pub claims_posted: i32,
    /// CLPs sent to the unmatched queue.
    pub claims_unmatched: i32,
    /// PLB reason/amount pairs posted to the ledger now (0 for a duplicate, an out-of-balance
    /// payment, or a payment whose PLB an earlier file posted).
    pub provider_adjustments_posted: i32,
}

/// What importing one 835 file did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// ISA13.
    pub interchange_control_number: String,
    /// Warnings of the reader (non-conformant but readable parts).
    pub warnings: usize,
    /// One per transaction set, in file order.
    pub payments: Vec<PaymentOutcome>,
}

/// How one CLP of a payment was handled, kept on the remittance.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ClaimPosting {
    /// 0-based CLP position in the payment.
    pub claim_index: usize,
    /// CLP01.
    pub patient_control_number: String,
    /// CLP02.
    pub status_code: String,
    /// The claim posted to, when matched.
    pub claim_id: Option<ClaimId>,
    /// posted, duplicate (posted before), or queued (unmatched).
    pub outcome: String,
    /// The claim's status after posting.
    #[schema(value_type = Option<String>)]
    pub claim_status: Option<ClaimStatus>,
    /// How each remitted line was matched: `control_number`, `fallback` or `manual`.
    pub lines_matched_by: Vec<String>,
    /// Notes of the matcher (ties, payer mismatch) or why it was queued.
    pub notes: Vec<String>,
}

/// Reads an 835 and imports each payment in its own transaction; a next payer's claim billed
/// automatically must fit an 837P as `submitter` writes it.
pub fn import_835(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    file_name: &str,
    text: &str,
) -> DomainResult<ImportOutcome> {
    let remittance = era::read_835(text).map_err(|e| {
        DomainError::invalid_field("", "x12_835", format!("the 835 cannot be read: {e}"))
    })?;
    let mut payments = Vec::with_capacity(remittance.payments.len());
    for p in &remittance.payments {
        let outcome = conn.write_transaction(|c| {
            import_payment(c, ctx, submitter, file_name, text, &remittance, p)
        })?;
        payments.push(outcome);
    }
    Ok(ImportOutcome {
        interchange_control_number: remittance.interchange_control_number.clone(),
        warnings: remittance.warnings.len(),
        payments,
    })
}

fn json<T: Serialize>(v: &T) -> DomainResult<String> {
    serde_json::to_string(v).map_err(|_| DomainError::internal())
}

fn payer_identifier(p: &Payment) -> Option<String> {
    p.payer.id.clone().or_else(|| {
        p.payer
            .references
            .iter()
            .find(|r| r.qualifier == "2U")
            .map(|r| r.value.clone())
    })
}

fn outcome_of(row: &RemittanceRow, duplicate: bool) -> PaymentOutcome {
    PaymentOutcome {
        remittance_id: row.id,
        trace_number: row.trace_number.clone(),
        payment_cents: row.payment_cents,
        status: row.status,
        balanced: row.balanced,
        duplicate,
        claims_total: row.claims_total,
        claims_posted: row.claims_posted,
        claims_unmatched: row.claims_unmatched,
        provider_adjustments_posted: 0,
    }
}

fn import_payment(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    file_name: &str,
    text: &str,
    r: &Remittance,
    p: &Payment,
) -> DomainResult<PaymentOutcome> {
    if let Some(row) = store::find_payment(
        conn,
        &r.sender_id,
        &r.interchange_control_number,
        &p.transaction_control_number,
        &p.trace_number,
    )? {
        return Ok(outcome_of(&row, true));
    }
    let mut warnings: Vec<String> = r
        .warnings
        .iter()
        .map(|w| {
            format!(
                "segment {} ({}): {}",
                w.segment_position, w.segment_id, w.message
            )
        })
        .collect();
    let mut row = RemittanceRow {
        id: RemittanceId::new(),
        file_name: file_name.to_string(),
        sender_id: r.sender_id.clone(),
        interchange_control_number: r.interchange_control_number.clone(),
        transaction_control_number: p.transaction_control_number.clone(),
        trace_number: p.trace_number.clone(),
        payer_name: p.payer.name.clone(),
        payer_identifier: payer_identifier(p),
        payment_cents: p.amount_cents,
        credit_debit: p.credit_debit.clone(),
        payment_method: p.method.clone(),
        payment_date: p.payment_date,
        status: RemittanceStatus::OutOfBalance,
        balanced: p.balance.balanced,
        claims_total: i32::try_from(p.claims.len()).unwrap_or(i32::MAX),
        claims_posted: 0,
        claims_unmatched: 0,
        parsed: json(p)?,
        balance: json(&p.balance)?,
        warnings: "[]".into(),
        postings: "[]".into(),
        raw: text.to_string(),
        received_by: ctx.caller.actor.clone(),
        received_at: Timestamp::now(),
        version: 1,
    };
    store::insert(conn, &row)?;
    audit_store::insert(
        conn,
        &[AuditEntry::success(
            ctx,
            "import",
            RESOURCE,
            Some(row.id.to_string()),
        )],
    )?;
    if !p.balance.balanced {
        // Stored and flagged for a person; nothing is posted from an unbalanced payment.
        warnings.push("out of balance: not posted".into());
        row.warnings = json(&warnings)?;
        store::finish(conn, &row)?;
        return Ok(outcome_of(&row, false));
    }
    let mut claims = load_claims(conn, p)?;
    // Crossover: the next payer's remittance names the claim the first payer forwarded.
    crate::cob::crossover::redirect(conn, ctx, &p.payer, &mut claims)?;
    let ids: Vec<ClaimId> = claims.values().map(|c| c.id).collect();
    // The payment's claims are read once and its postings written together at the end.
    let mut batch = PostingBatch::load(conn, &ids)?;
    let mut postings = Vec::with_capacity(p.claims.len());
    let mut queue = Vec::new();
    let mut posted = Vec::new();
    for (i, cp) in p.claims.iter().enumerate() {
        let found = claims.get(cp.patient_control_number.as_str());
        let posting = post_one(
            &mut batch,
            ctx,
            &row,
            p,
            i,
            cp,
            found,
            &mut queue,
            &mut posted,
        )?;
        postings.push(posting);
    }
    batch.flush(conn)?;
    auto_bill_posted(conn, ctx, submitter, &mut postings, posted)?;
    let plb_posted = post_provider_adjustments(conn, ctx, &row, p, &claims, &mut warnings)?;
    row.claims_unmatched = i32::try_from(queue.len()).unwrap_or(i32::MAX);
    row.claims_posted = row.claims_total - row.claims_unmatched;
    row.status = match (row.claims_unmatched, row.claims_posted) {
        (0, _) => RemittanceStatus::Posted,
        (_, 0) => RemittanceStatus::Unmatched,
        _ => RemittanceStatus::PartiallyUnmatched,
    };
    warnings.extend(postings.iter().flat_map(|p| {
        p.notes
            .iter()
            .map(move |n| format!("{}: {n}", p.patient_control_number))
    }));
    row.warnings = json(&warnings)?;
    row.postings = json(&postings)?;
    store::insert_unmatched(conn, &queue)?;
    store::finish(conn, &row)?;
    record_events(conn, &row, p, plb_posted)?;
    let mut out = outcome_of(&row, false);
    out.provider_adjustments_posted = i32::try_from(plb_posted).unwrap_or(i32::MAX);
    Ok(out)
}

/// Posts the payment's PLB pairs to the ledger (provider level, tied to the remittance and the
/// payer, not to a claim), unless the same payment (payer, trace number) posted them from an
/// earlier file. Answers how many were posted now.
fn post_provider_adjustments(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    row: &RemittanceRow,
    p: &Payment,
    claims: &HashMap<String, Candidate>,
    warnings: &mut Vec<String>,
) -> DomainResult<usize> {
    use crate::ledger::model::RemittanceRef;
    use crate::ledger::provider::{self, PaymentKey};
    if p.provider_adjustments.is_empty() {
        return Ok(0);
    }
    let payer_key = row.payer_identifier.as_deref().unwrap_or(&row.sender_id);
    let key = PaymentKey {
        remittance_id: RemittanceRef(row.id.0),
        payer_id: payment_payer(conn, claims, row.payer_identifier.as_deref())?,
        payer_key,
        trace_number: &row.trace_number,
        paid_on: row.payment_date,
    };
    let rows = provider::rows_of(
        &key,
        &p.provider_adjustments,
        row.received_at,
        &ctx.caller.actor,
    );
    let (rows, now) = provider::post(conn, rows)?;
    if !now {
        let first = rows.first().map(|r| r.remittance_id.to_string());
        warnings.push(format!(
            "provider-level adjustments (PLB) of this payment were posted with remittance {}: not posted again",
            first.unwrap_or_default()
        ));
        return Ok(0);
    }
    audit_store::insert(
        conn,
        &[AuditEntry::success(
            ctx,
            "post",
            "provider_adjustment",
            Some(row.id.to_string()),
        )],
    )?;
    Ok(rows.len())
}

/// The payer a payment's provider-level money is owed by or to: the one payer of its matched
/// claims, else the one payer whose EDI id the 835 names; none when that cannot be told.
fn payment_payer(
    conn: &mut AnyConnection,
    claims: &HashMap<String, Candidate>,
    edi_id: Option<&str>,
) -> DomainResult<Option<PayerId>> {
    let mut ids: Vec<PayerId> = claims.values().map(|c| c.payer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() == 1 {
        return Ok(ids.first().copied());
    }
    if !ids.is_empty() {
        return Ok(None);
    }
    let Some(edi_id) = edi_id else {
        return Ok(None);
    };
    use crate::db::schema::payers as py;
    let found: Vec<PayerId> = py::table
        .filter(py::edi_payer_id.eq(edi_id))
        .select(py::id)
        .limit(2)
        .load(conn)?;
    Ok(if found.len() == 1 {
        found.first().copied()
    } else {
        None
    })
}

/// `remittance.posted` when claims or PLB were posted, `remittance.unmatched` when some went to the
/// unmatched queue (both for a partly matched payment).
fn record_events(
    conn: &mut AnyConnection,
    row: &RemittanceRow,
    p: &Payment,
    plb_posted: usize,
) -> DomainResult<()> {
    use crate::events::{self, types};
    let plb_cents: i64 = p.provider_adjustments.iter().map(|a| a.amount_cents).sum();
    let data = serde_json::json!({
        "remittance_id": row.id, "status": row.status, "claims_total": row.claims_total,
        "claims_posted": row.claims_posted, "claims_unmatched": row.claims_unmatched,
        "provider_adjustments_posted": plb_posted, "provider_adjustments_cents": plb_cents,
    });
    if row.claims_posted > 0 || plb_posted > 0 {
        events::record(
            conn,
            types::REMITTANCE_POSTED,
            row.id.0,
            row.version,
            data.clone(),
        )?;
    }
    if row.claims_unmatched > 0 {
        events::record(
            conn,
            types::REMITTANCE_UNMATCHED,
            row.id.0,
            row.version,
            data,
        )?;
    }
    Ok(())
}

/// A claim as the matcher needs it.
pub struct Candidate {
    /// The claim.
    pub id: ClaimId,
    /// Its payer.
    pub payer_id: PayerId,
    /// The payer's EDI id from the snapshot.
    pub edi_payer_id: String,
    /// The snapshot's lines.
    pub lines: Vec<OurLine>,
}

/// The candidate of a claim row (its snapshot's lines and payer).
pub fn candidate(row: &ClaimRow) -> DomainResult<Candidate> {
    let snap: Snapshot =
        serde_json::from_str(&row.snapshot).map_err(|_| DomainError::internal())?;
    Ok(Candidate {
        id: row.id,
        payer_id: row.payer_id,
        edi_payer_id: snap.payer.edi_payer_id.clone(),
        lines: our_lines(&snap),
    })
}

/// A snapshot's lines as the matcher sees them.
pub fn our_lines(snap: &Snapshot) -> Vec<OurLine> {
    snap.lines
        .iter()
        .enumerate()
        .map(|(i, l)| OurLine {
            line_number: i32::try_from(i + 1).unwrap_or(i32::MAX),
            code: l.code.clone(),
            modifiers: l.modifiers.clone(),
            date: l.date_of_service,
            charge_cents: l.charge_cents,
        })
        .collect()
}

/// The claims named by the payment's CLP01s, by patient control number.
fn load_claims(conn: &mut AnyConnection, p: &Payment) -> DomainResult<HashMap<String, Candidate>> {
    let mut pcns: Vec<&str> = p
        .claims
        .iter()
        .map(|c| c.patient_control_number.as_str())
        .collect();
    pcns.sort_unstable();
    pcns.dedup();
    let mut out = HashMap::with_capacity(pcns.len());
    for chunk in pcns.chunks(500) {
        let rows: Vec<ClaimRow> = cl::table
            .filter(cl::patient_control_number.eq_any(chunk))
            .select(ClaimRow::as_select())
            .load(conn)?;
        for row in rows {
            out.insert(row.patient_control_number.clone(), candidate(&row)?);
        }
    }
    Ok(out)
}

/// The adjudication of one claim payment, with its lines paired to ours.
pub fn adjudication(
    cp: &ClaimPayment,
    lines: &LineMatching,
    payer_id: PayerId,
    remittance_id: RemittanceId,
    p: &Payment,
) -> ClaimAdjudication {
    let adjustments = |a: &[era::Adjustment]| -> Vec<Adjustment> {
        a.iter()
            .map(|a| Adjustment {
                group: a.group.clone(),
                reason: a.reason.clone(),
                amount_cents: a.amount_cents,
                quantity: a.quantity.as_deref().and_then(|q| q.parse().ok()),
            })
            .collect()
    };
    let pr: i64 = cp
        .all_adjustments()
        .filter(|a| a.group == "PR")
        .map(|a| a.amount_cents)
        .sum();
    ClaimAdjudication {
        payer_id,
        status_code: cp.status_code.clone(),
        payer_claim_number: cp.payer_claim_number.clone(),
        charge_cents: cp.charge_cents,
        paid_cents: cp.paid_cents,
        patient_responsibility_cents: cp.patient_responsibility_cents.unwrap_or(pr),
        claim_adjustments: adjustments(&cp.adjustments),
        lines: lines
            .paired
            .iter()
            .filter_map(|m| {
                let l = cp.lines.get(m.remit_line)?;
                Some(LineAdjudication {
                    line_number: m.line_number,
                    charge_cents: l.charge_cents,
                    paid_cents: l.paid_cents,
                    adjustments: adjustments(&l.adjustments),
                    remarks: l
                        .remarks
                        .iter()
                        .filter(|r| r.qualifier == "HE")
                        .map(|r| r.code.clone())
                        .collect(),
                    matched_by: m.matched_by,
                })
            })
            .collect(),
        remittance_id: Some(remittance_id.0),
        payment_ref: Some(p.trace_number.clone()),
        paid_on: p.payment_date,
    }
}

fn queued(
    row: &RemittanceRow,
    i: usize,
    cp: &ClaimPayment,
    reason: &str,
    candidate: Option<ClaimId>,
) -> DomainResult<UnmatchedRow> {
    Ok(UnmatchedRow {
        id: UnmatchedId::new(),
        remittance_id: row.id,
        claim_index: i32::try_from(i).unwrap_or(i32::MAX),
        patient_control_number: cp.patient_control_number.clone(),
        reason: reason.into(),
        candidate_claim_id: candidate,
        claim_payment: json(cp)?,
        status: UnmatchedStatus::Open,
        matched_claim_id: None,
        matched_by: None,
        matched_at: None,
        created_at: row.received_at,
        version: 1,
    })
}

#[allow(clippy::too_many_arguments)]
fn post_one(
    batch: &mut PostingBatch,
    ctx: &RequestCtx,
    row: &RemittanceRow,
    p: &Payment,
    i: usize,
    cp: &ClaimPayment,
    found: Option<&Candidate>,
    queue: &mut Vec<UnmatchedRow>,
    posted: &mut Vec<(usize, PostingOutcome, ClaimAdjudication)>,
) -> DomainResult<ClaimPosting> {
    let mut posting = ClaimPosting {
        claim_index: i,
        patient_control_number: cp.patient_control_number.clone(),
        status_code: cp.status_code.clone(),
        claim_id: found.map(|c| c.id),
        outcome: "queued".into(),
        claim_status: None,
        lines_matched_by: Vec::new(),
        notes: Vec::new(),
    };
    let Some(claim) = found else {
        posting
            .notes
            .push("no claim has this patient control number".into());
        queue.push(queued(row, i, cp, "unknown_claim", None)?);
        return Ok(posting);
    };
    let lines = matching::match_lines(cp, &claim.lines);
    if !lines.complete() {
        posting.notes.push(format!(
            "{} remitted line(s) fit none of the claim's lines",
            lines.unmatched.len()
        ));
        queue.push(queued(row, i, cp, "unmatched_lines", Some(claim.id))?);
        return Ok(posting);
    }
    if !matching::payer_agrees(&p.payer, &claim.edi_payer_id) {
        posting
            .notes
            .push("the 835's payer is not the claim's payer (posted; check it)".into());
    }
    posting
        .notes
        .extend(lines.paired.iter().filter_map(|m| m.note.clone()));
    posting.lines_matched_by = lines
        .paired
        .iter()
        .map(|m| m.matched_by.as_str().to_string())
        .collect();
    let adj = adjudication(cp, &lines, claim.payer_id, row.id, p);
    // A claim the posting refuses stages nothing and goes to the queue; the others still post.
    match batch.post(ctx, claim.id, None, &adj) {
        Ok(out) => {
            posting.outcome = if out.duplicate { "duplicate" } else { "posted" }.into();
            posting.claim_status = Some(out.status);
            if !out.duplicate {
                posted.push((i, out, adj));
            }
        }
        Err(e) => {
            posting.notes.push(format!("posting refused: {}", e.detail));
            queue.push(queued(row, i, cp, "posting_refused", Some(claim.id))?);
        }
    }
    Ok(posting)
}

/// The payer's `auto_bill_secondary` setting, after the payment's postings are written: builds
/// and queues each posted claim's next payer claim (one payer lookup per payment).
fn auto_bill_posted(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    postings: &mut [ClaimPosting],
    posted: Vec<(usize, PostingOutcome, ClaimAdjudication)>,
) -> DomainResult<()> {
    let Some(payer) = posted.first().map(|p| p.2.payer_id) else {
        return Ok(());
    };
    if !crate::payers::store::find(conn, payer)?.is_some_and(|p| p.auto_bill_secondary) {
        return Ok(());
    }
    for (i, mut out, adj) in posted {
        let before = out.warnings.len();
        super::posting_service::auto_bill(conn, ctx, submitter, &adj, &mut out)?;
        if let Some(p) = postings.get_mut(i) {
            p.claim_status = Some(out.status);
            p.notes.extend(out.warnings.into_iter().skip(before));
        }
    }
    Ok(())
}
