//! The posting service: stores what a payer decided about one claim as ledger entries, moves
//! the claim's status, records history and audit, all inside the caller's transaction (the 835
//! import posts many claims in one transaction per payment; it opens none of its own). The
//! checks and writes live in [`super::posting_batch`]; one claim is a batch of one.

use serde::Serialize;

use super::adjudication::ClaimAdjudication;
use super::post::PostError;
use super::posting_batch::PostingBatch;
use crate::auth::RequestCtx;
use crate::claims::model::{ClaimId, ClaimRow};
use crate::claims::settings::SubmitterSettings;
use crate::claims::status::{self, LedgerFacts};
use crate::claims::store as claim_store;
use crate::cob::auto::AutoBill;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::ledger::model::{EntryRow, Kind, PostingId, PostingRow};
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
    #[schema(value_type = String)]
    pub status: status::Status,
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

/// A refused plan as a 422 naming the field.
pub(crate) fn invalid(e: PostError) -> DomainError {
    DomainError::invalid_field(&e.pointer, "posting", e.message)
}

/// Posts `adj` to claim `claim_id` as `ctx`'s caller. Runs in the caller's transaction and
/// opens none (callers use `AnyConnection::write_transaction`). System callers (the 835 import)
/// build a `RequestCtx` with actor `system:remits`. Many claims at once: [`PostingBatch`].
pub fn post_adjudication(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    claim_id: ClaimId,
    adj: &ClaimAdjudication,
) -> DomainResult<PostingOutcome> {
    post_checked(conn, ctx, submitter, claim_id, None, adj)
}

/// [`post_adjudication`] with an optional expected claim version (manual posting's If-Match);
/// `None` skips the check. A batch of one, so one claim posts exactly as a payment's claims do.
pub fn post_checked(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    claim_id: ClaimId,
    expected: Option<i32>,
    adj: &ClaimAdjudication,
) -> DomainResult<PostingOutcome> {
    let mut batch = PostingBatch::load(conn, &[claim_id])?;
    let mut out = batch.post(ctx, claim_id, expected, adj)?;
    batch.flush(conn)?;
    if !out.duplicate {
        auto_bill(conn, ctx, submitter, adj, &mut out)?;
    }
    Ok(out)
}

/// The status the ledger gives a claim with these postings and entries (`None`: nothing
/// posted), as [`status::from_ledger`] decides it.
pub(crate) fn next_status(
    postings: &[PostingRow],
    entries: &[EntryRow],
) -> DomainResult<Option<status::Status>> {
    let reversed: Vec<PostingId> = postings
        .iter()
        .filter_map(|p| p.reverses_posting_id)
        .collect();
    // The latest posting still in force decides the code; a reversal is in force until a
    // later posting (the correction) follows it.
    let last = postings.iter().rev().find(|p| !reversed.contains(&p.id));
    let balances = store::fold(entries);
    let payer_open: i64 = balances.iter().map(|b| b.open.payer_cents).sum();
    let paid: i64 = entries
        .iter()
        .filter(|e| e.kind == Kind::Payment.as_str())
        .map(|e| e.amount_cents)
        .sum();
    Ok(status::from_ledger(LedgerFacts {
        last_code: last.map(|p| p.status_code.as_str()),
        payer_open_cents: payer_open,
        paid_cents: paid,
    }))
}

/// Recomputes the claim's status from the ledger and its postings, records the change (history
/// event, version bump) and returns the status. The version is bumped even when the status
/// stays, because money on the claim changed (If-Match on manual posting must see it).
pub fn refresh_status(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    claim: &ClaimRow,
    reason: String,
) -> DomainResult<status::Status> {
    let postings = store::postings(conn, claim.id)?;
    let entries = store::entries(conn, claim.id)?;
    let next = next_status(&postings, &entries)?;
    let from = claim.status;
    let to = next.unwrap_or(from);
    if to != from {
        status::check_transition(from, to)?;
    }
    crate::db::versioned::conditional(
        conn,
        claim.version,
        |c| Ok(claim_store::set_status(c, claim.id, from, to, None)?),
        |c| Ok(claim_store::find(c, claim.id)?.map(|r| r.version)),
    )?;
    if to != from {
        let e = claim_store::event(
            claim.id,
            Some(from),
            to,
            &ctx.caller.actor,
            Some(reason),
            &[],
        );
        claim_store::insert_events(conn, &[e])?;
    }
    Ok(to)
}

/// After a posting is written: the payer's `auto_bill_secondary` setting builds and queues the
/// next payer's claim in the same transaction (a failure is a warning; the posting stands).
pub(crate) fn auto_bill(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &SubmitterSettings,
    adj: &ClaimAdjudication,
    out: &mut PostingOutcome,
) -> DomainResult<()> {
    let Some(claim) = claim_store::find(conn, out.claim_id)? else {
        return Ok(());
    };
    match crate::cob::auto::after_posting(conn, ctx, submitter, &claim, adj)? {
        AutoBill::Queued(id) => {
            out.next_payer_claim_id = Some(id);
            // The balance moved to the next claim: this claim's status may have followed.
            if let Some(c) = claim_store::find(conn, out.claim_id)? {
                out.status = c.status;
            }
        }
        AutoBill::Failed(why) => out.warnings.push(why),
        AutoBill::Skipped | AutoBill::CrossedOver => {}
    }
    Ok(())
}
