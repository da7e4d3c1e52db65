//! Billing the next payer: `next_payer_in` builds the claim for the patient's next coverage
//! from an adjudicated claim, in the caller's transaction (a batch of one, see
//! [`super::batch`]), and the rules the batch shares.
//!
//! The new claim keeps the earlier claim's clinical content (providers, diagnoses, the same
//! lines in the same order, so line numbers match in the ledger), names the next coverage and
//! payer, and carries every earlier payer's decision (2320/2430). It is not charged: the open
//! balance of the earlier claim moves to it by ledger transfers.

use super::batch::CobBatch;
use crate::auth::RequestCtx;
use crate::claims::model::{ClaimId, ClaimRow};
use crate::claims::snapshot::{SnapPerson, SnapSubscriber};
use crate::claims::status::Status;
use crate::coverages::model::{Coverage, PRIORITIES, SELF};
use crate::coverages::store::{self as coverage_store, CoverageFilter};
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};

/// The statuses after which a claim may go to the next payer: the payer adjudicated it.
pub(super) const ADJUDICATED: [Status; 3] = [Status::Paid, Status::PartiallyPaid, Status::Denied];

/// The priority after `p` (`primary` -> `secondary` -> `tertiary`), if any.
pub fn next_priority(p: &str) -> Option<&'static str> {
    let i = PRIORITIES.iter().position(|q| *q == p)?;
    PRIORITIES.get(i + 1).copied()
}

/// The patient's active coverage of priority `priority` on `on`, if any (the first made).
pub fn coverage_on(
    conn: &mut AnyConnection,
    claim: &ClaimRow,
    priority: &str,
) -> DomainResult<Option<Coverage>> {
    let filter = CoverageFilter {
        patient_id: Some(claim.patient_id),
        priority: Some(priority.to_string()),
        active: Some(true),
        active_on: Some(claim.date_of_service),
        ..CoverageFilter::default()
    };
    Ok(coverage_store::list(conn, &filter, None, 1)?
        .into_iter()
        .next())
}

/// The next payer's subscriber from its coverage (the patient when the coverage is theirs).
pub(super) fn subscriber(c: &Coverage, patient: &SnapPerson) -> SnapSubscriber {
    let person = if c.relationship_code == SELF {
        patient.clone()
    } else {
        SnapPerson {
            first_name: c.subscriber_first_name.clone().unwrap_or_default(),
            middle_name: None,
            last_name: c.subscriber_last_name.clone().unwrap_or_default(),
            birth_date: c.subscriber_birth_date,
            sex: c.subscriber_sex.clone(),
            address: None,
        }
    };
    SnapSubscriber {
        person,
        member_id: c.member_id.clone(),
        group_number: c.group_number.clone(),
        relationship_code: c.relationship_code.clone(),
        priority: c.priority.clone(),
    }
}

/// The 409 of a claim the payer crossed over itself.
pub(super) fn crossover() -> DomainError {
    DomainError::conflict(
        "the payer crossed this claim over to the next payer itself (CLP02 19/20 or remark \
         MA18/N89): no claim is sent; the next payer's remittance is awaited",
    )
    .with_extension("crossover", serde_json::json!(true))
}

/// Builds the claim for the next payer of claim `id` (after its payer adjudicated it), moves
/// the open balance to it and links the two, in the caller's transaction; answers the new
/// claim (`validated`). A batch of one: see [`super::batch`].
pub fn next_payer_in(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    submitter: &crate::claims::settings::SubmitterSettings,
    id: ClaimId,
    expected: Option<i32>,
) -> DomainResult<ClaimRow> {
    let mut batch = CobBatch::load(conn, &[id])?;
    let row = batch.bill(ctx, submitter, id, expected)?;
    batch.flush(conn)?;
    Ok(row)
}
