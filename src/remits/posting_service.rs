//! The posting service: stores what a payer decided about one claim as ledger entries, moves
//! the claim's status, records history and audit, all inside the caller's transaction (the 835
//! import posts many claims in one transaction per payment; it opens none of its own).

use serde::Serialize;

use super::adjudication::{ClaimAdjudication, REVERSAL};
use super::post::{self, PostError};
use crate::audit::{store as audit_store, AuditEntry};
use crate::claims::model::{ClaimId, ClaimRow};
use crate::claims::status::{self, LedgerFacts};
use crate::claims::store as claim_store;
use crate::cob::auto::AutoBill;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::RequestCtx;
use crate::ledger::model::{
    DenialRow, EntryId, Kind, PlannedEntry, PostingId, PostingRow, RemittanceRef,
};
use crate::ledger::store;

/// The audit resource type of postings.
pub const RESOURCE: &str = "claim_posting";

/// What posting one adjudication did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PostingOutcome {
    /// The claim posted to.
    pub claim_id: ClaimId,
    /// The posting (the earlier one when `duplicate`).
    #[schema(value_type = uuid::Uuid)]
    pub posting_id: PostingId,
    /// The claim's status after posting.
    pub status: String,
    /// Ledger entries written (0 when `duplicate`).
    pub entries_written: usize,
    /// True when this payment had been posted before (same payer, payment_ref, claim and
    /// status code): nothing was written.
    pub duplicate: bool,
    /// Things a person should check (remitted charge differs, a line out of balance, the
    /// next payer's claim could not be built automatically).
    pub warnings: Vec<String>,
    /// The next payer's claim built and queued by this posting (the payer's
    /// `auto_bill_secondary` setting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_payer_claim_id: Option<ClaimId>,
}

fn invalid(e: PostError) -> ApiError {
    ApiError::invalid_field(&e.pointer, "posting", e.message)
}

/// Posts `adj` to claim `claim_id` as `ctx`'s caller. Runs in the caller's transaction and
/// opens none (callers use `AnyConnection::write_transaction`). System callers (the 835 import)
/// build a `RequestCtx` with actor `system:remits`. `expected` is the claim version the caller
/// saw (If-Match of manual posting); `None` skips the check.
pub fn post_adjudication(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    claim_id: ClaimId,
    adj: &ClaimAdjudication,
) -> ApiResult<PostingOutcome> {
    post_checked(conn, ctx, claim_id, None, adj)
}

/// [`post_adjudication`] with an optional expected claim version (manual posting's If-Match).
pub fn post_checked(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    claim_id: ClaimId,
    expected: Option<i32>,
    adj: &ClaimAdjudication,
) -> ApiResult<PostingOutcome> {
    // Postings to one claim run one at a time, so each sees the balances the last one left.
    store::lock_claim(conn, claim_id)?;
    let claim = claim_store::find(conn, claim_id)?
        .ok_or_else(|| ApiError::not_found(crate::claims::service::RESOURCE))?;
    let payment_ref = adj.payment_ref.clone().unwrap_or_default();
    let earlier = store::postings(conn, claim_id)?;
    if let Some(p) = earlier.iter().find(|p| {
        p.payer_id == adj.payer_id
            && p.payment_ref == payment_ref
            && p.status_code == adj.status_code
    }) {
        return Ok(PostingOutcome {
            claim_id,
            posting_id: p.id,
            status: claim.status,
            entries_written: 0,
            duplicate: true,
            warnings: Vec::new(),
            next_payer_claim_id: None,
        });
    }
    crate::http::versioning::expect_version(claim.version, expected)?;
    let from = status::stored(&claim.status)?;
    if !from.accepts_remittance() {
        return Err(status::conflict(
            from,
            "take a payment before it is submitted",
        ));
    }
    if adj.payer_id != claim.payer_id {
        return Err(ApiError::invalid_field(
            "/payer_id",
            "not_claim_payer",
            "the claim was billed to another payer",
        ));
    }
    let posting = PostingRow {
        id: PostingId::new(),
        claim_id,
        payer_id: adj.payer_id,
        status_code: adj.status_code.clone(),
        payment_ref,
        remittance_id: adj.remittance_id.map(RemittanceRef),
        payer_claim_number: adj.payer_claim_number.clone(),
        paid_cents: adj.paid_cents,
        patient_responsibility_cents: adj.patient_responsibility_cents,
        paid_on: adj.paid_on,
        reverses_posting_id: None,
        created_at: Timestamp::now(),
        created_by: ctx.caller.actor.clone(),
    };
    let (posting, planned, denials, warnings) = if adj.status_code == REVERSAL {
        let (reversed, planned) = plan_reversal(conn, &claim, &earlier, adj)?;
        let posting = PostingRow {
            reverses_posting_id: Some(reversed),
            ..posting
        };
        (posting, planned, Vec::new(), Vec::new())
    } else {
        let balances = store::line_balances(conn, claim_id)?;
        let plan = if crate::cob::store::of_claim(conn, claim_id)?.is_some() {
            // A next payer's claim: the earlier payers' share is on the earlier claim.
            let entries = store::entries(conn, claim_id)?;
            let (adj, balances) = crate::cob::posting::prepare(adj, &balances, &entries);
            post::post(&adj, &balances)
        } else {
            post::post(adj, &balances)
        }
        .map_err(invalid)?;
        (posting, plan.entries, plan.denials, plan.warnings)
    };
    store::insert_posting(conn, &posting)?;
    let rows: Vec<_> = planned
        .iter()
        .map(|e| {
            store::row_of(
                claim_id,
                Some(posting.id),
                Some(adj.payer_id),
                e,
                None,
                posting.created_at,
                &ctx.caller.actor,
            )
        })
        .collect();
    store::insert_entries(conn, &rows)?;
    let denial_rows: Vec<DenialRow> = denials
        .into_iter()
        .map(|d| DenialRow {
            id: EntryId::new(),
            posting_id: posting.id,
            claim_id,
            line_number: d.line_number,
            group_code: d.group_code,
            reason_code: d.reason_code,
            amount_cents: d.amount_cents,
            remark_codes: Some(d.remarks.join(",")).filter(|r| !r.is_empty()),
        })
        .collect();
    store::insert_denials(conn, &denial_rows)?;
    let action = if adj.status_code == REVERSAL {
        "reverse"
    } else {
        "post"
    };
    let reason = format!(
        "{action}: payer status {} ({}), paid {} cents",
        adj.status_code,
        if posting.payment_ref.is_empty() {
            "no reference"
        } else {
            posting.payment_ref.as_str()
        },
        adj.paid_cents
    );
    let mut status = refresh_status(conn, ctx, &claim, reason)?;
    let entry = AuditEntry::success(ctx, action, RESOURCE, Some(claim_id.to_string()));
    audit_store::insert(conn, &[entry])?;
    let mut warnings = warnings;
    let mut next_payer_claim_id = None;
    match crate::cob::auto::after_posting(conn, ctx, &claim, adj)? {
        AutoBill::Queued(id) => {
            next_payer_claim_id = Some(id);
            // The balance moved to the next claim: this claim's status may have followed.
            if let Some(c) = claim_store::find(conn, claim_id)? {
                status = c.status;
            }
        }
        AutoBill::Failed(why) => warnings.push(why),
        AutoBill::Skipped | AutoBill::CrossedOver => {}
    }
    Ok(PostingOutcome {
        claim_id,
        posting_id: posting.id,
        status,
        entries_written: rows.len(),
        duplicate: false,
        warnings,
        next_payer_claim_id,
    })
}

/// The entries that undo the latest posting of `adj`'s payer still in force on the claim.
fn plan_reversal(
    conn: &mut AnyConnection,
    claim: &ClaimRow,
    earlier: &[PostingRow],
    adj: &ClaimAdjudication,
) -> ApiResult<(PostingId, Vec<PlannedEntry>)> {
    let reversed: Vec<PostingId> = earlier
        .iter()
        .filter_map(|p| p.reverses_posting_id)
        .collect();
    let target = earlier
        .iter()
        .rev()
        .find(|p| {
            p.payer_id == adj.payer_id && p.status_code != REVERSAL && !reversed.contains(&p.id)
        })
        .ok_or_else(|| {
            ApiError::conflict(format!(
                "claim {} has no payment from this payer to reverse",
                claim.id
            ))
        })?;
    let prior: Vec<(EntryId, PlannedEntry)> = store::posting_entries(conn, target.id)?
        .iter()
        .map(|r| (r.id, store::planned_of(r)))
        .collect();
    Ok((target.id, post::reverse(&prior)))
}

/// Recomputes the claim's status from the ledger and its postings, records the change (history
/// event, version bump) and returns the status. The version is bumped even when the status
/// stays, because money on the claim changed (If-Match on manual posting must see it).
pub fn refresh_status(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    claim: &ClaimRow,
    reason: String,
) -> ApiResult<String> {
    let postings = store::postings(conn, claim.id)?;
    let reversed: Vec<PostingId> = postings
        .iter()
        .filter_map(|p| p.reverses_posting_id)
        .collect();
    // The latest posting still in force decides the code; a reversal is in force until a
    // later posting (the correction) follows it.
    let last = postings.iter().rev().find(|p| !reversed.contains(&p.id));
    let entries = store::entries(conn, claim.id)?;
    let balances = store::fold(&entries);
    let payer_open: i64 = balances.iter().map(|b| b.open.payer_cents).sum();
    let paid: i64 = entries
        .iter()
        .filter(|e| e.kind == Kind::Payment.as_str())
        .map(|e| e.amount_cents)
        .sum();
    let next = status::from_ledger(LedgerFacts {
        last_code: last.map(|p| p.status_code.as_str()),
        payer_open_cents: payer_open,
        paid_cents: paid,
    });
    let from = status::stored(&claim.status)?;
    let to = next.unwrap_or(from);
    if to != from {
        status::check_transition(from, to)?;
    }
    if !claim_store::set_status(conn, claim.id, from.as_str(), to.as_str(), None)? {
        return Err(ApiError::stale(claim.version + 1));
    }
    if to != from {
        let e = claim_store::event(
            claim.id,
            Some(from.as_str()),
            to.as_str(),
            &ctx.caller.actor,
            Some(reason),
            &[],
        );
        claim_store::insert_events(conn, &[e])?;
    }
    Ok(to.as_str().to_string())
}
