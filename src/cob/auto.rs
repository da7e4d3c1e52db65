//! Automatic billing of the next payer, from the posting itself: when the payer that just
//! adjudicated has `auto_bill_secondary` on, the next payer's claim is built and queued in the
//! posting's transaction (inside a savepoint, so a claim that cannot be built leaves the
//! posting standing and says why in its warnings and the claim's history).

use diesel::Connection;

use super::decision::CROSSOVER_REMARKS;
use super::service;
use crate::auth::RequestCtx;
use crate::claims::model::ClaimRow;
use crate::claims::service::queue_row_in;
use crate::claims::status::Status;
use crate::claims::store as claim_store;
use crate::db::AnyConnection;
use crate::error::DomainResult;
use crate::payers::store as payer_store;
use crate::remits::adjudication::{ClaimAdjudication, FORWARDED, REVERSAL};

/// What automatic billing did after a posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoBill {
    /// Nothing to do (setting off, reversal, no next coverage, not adjudicated yet).
    Skipped,
    /// The payer crossed the claim over: the next payer's remittance is awaited.
    CrossedOver,
    /// The next payer's claim was built and queued.
    Queued(crate::claims::model::ClaimId),
    /// Building failed; the reason (also in the claim's history).
    Failed(String),
}

fn crossover(adj: &ClaimAdjudication) -> bool {
    FORWARDED.contains(&adj.status_code.as_str())
        || adj
            .lines
            .iter()
            .flat_map(|l| &l.remarks)
            .any(|r| CROSSOVER_REMARKS.contains(&r.as_str()))
}

/// Runs after `adj` was posted to `claim` (in the posting's transaction).
pub fn after_posting(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &crate::claims::settings::SubmitterSettings,
    claim: &ClaimRow,
    adj: &ClaimAdjudication,
) -> DomainResult<AutoBill> {
    if adj.status_code == REVERSAL {
        return Ok(AutoBill::Skipped);
    }
    let Some(payer) = payer_store::find(conn, claim.payer_id)? else {
        return Ok(AutoBill::Skipped);
    };
    if !payer.auto_bill_secondary {
        return Ok(AutoBill::Skipped);
    }
    if crossover(adj) {
        return crossed_over(conn, ctx, claim);
    }
    // Only when there is a next payer to bill: a claim without one is the patient's to pay.
    let snapshot: crate::claims::snapshot::Snapshot = match serde_json::from_str(&claim.snapshot) {
        Ok(s) => s,
        Err(_) => return Ok(AutoBill::Skipped),
    };
    let Some(next) = service::next_priority(&snapshot.subscriber.priority) else {
        return Ok(AutoBill::Skipped);
    };
    if service::coverage_on(conn, claim, next)?.is_none() {
        return Ok(AutoBill::Skipped);
    }
    let built = conn.transaction(|c| {
        let row = service::next_payer_in(c, ctx, submitter, claim.id, None)?;
        queue_row_in(c, ctx, row.id, None)
    });
    match built {
        Ok(row) => Ok(AutoBill::Queued(row.id)),
        // Crossed over by a claim-level remark (MOA/MIA MA18), which only the stored 835 says.
        Err(e) if e.extensions.contains_key("crossover") => crossed_over(conn, ctx, claim),
        Err(e) => {
            let why = format!("automatic billing of the next payer failed: {}", e.detail);
            let now = current_status(conn, claim)?;
            let ev = claim_store::event(
                claim.id,
                Some(now),
                now,
                &ctx.caller.actor,
                Some(why.clone()),
                &[],
            );
            claim_store::insert_events(conn, &[ev])?;
            Ok(AutoBill::Failed(why))
        }
    }
}

fn crossed_over(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    claim: &ClaimRow,
) -> DomainResult<AutoBill> {
    let now = current_status(conn, claim)?;
    let e = claim_store::event(
        claim.id,
        Some(now),
        now,
        &ctx.caller.actor,
        Some("crossed over by the payer: waiting for the next payer's remittance".into()),
        &[],
    );
    claim_store::insert_events(conn, &[e])?;
    Ok(AutoBill::CrossedOver)
}

fn current_status(conn: &mut AnyConnection, claim: &ClaimRow) -> DomainResult<Status> {
    Ok(claim_store::find(conn, claim.id)?.map_or(claim.status, |c| c.status))
}
