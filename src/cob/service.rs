//! Billing the next payer: `next_payer_in` builds the claim for the patient's next coverage
//! from an adjudicated claim, in the caller's transaction.
//!
//! The new claim keeps the earlier claim's clinical content (providers, diagnoses, the same
//! lines in the same order, so line numbers match in the ledger), names the next coverage and
//! payer, and carries every earlier payer's decision (2320/2430). It is not charged: the open
//! balance of the earlier claim moves to it by ledger transfers.

use super::decision::{crossed_over, decision};
use super::model::CobLink;
use super::store as cob_store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::claims::model::{ClaimId, ClaimRow};
use crate::claims::service::{new_pcn, RESOURCE};
use crate::claims::snapshot::{SnapPayer, SnapPerson, SnapSubscriber, Snapshot};
use crate::claims::status::{self, Status};
use crate::claims::{settings, store as claim_store, to_x12};
use crate::coverages::model::{Coverage, PRIORITIES, SELF};
use crate::coverages::store::{self as coverage_store, CoverageFilter};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::versioning::expect_version;
use crate::http::RequestCtx;
use crate::ledger::model::{EntryRow, PostingId, PostingRow};
use crate::ledger::{store as ledger_store, transfer};
use crate::payers::store as payer_store;
use crate::x12;

/// The statuses after which a claim may go to the next payer: the payer adjudicated it.
const ADJUDICATED: [Status; 3] = [Status::Paid, Status::PartiallyPaid, Status::Denied];

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
) -> ApiResult<Option<Coverage>> {
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

/// The latest posting of the claim's own payer still in force (not a reversal, not reversed).
pub fn posting_in_force(
    conn: &mut AnyConnection,
    claim: &ClaimRow,
) -> ApiResult<Option<PostingRow>> {
    let postings = ledger_store::postings(conn, claim.id)?;
    let reversed: Vec<PostingId> = postings
        .iter()
        .filter_map(|p| p.reverses_posting_id)
        .collect();
    Ok(postings
        .into_iter()
        .rev()
        .find(|p| p.payer_id == claim.payer_id && p.reverses_posting_id.is_none())
        .filter(|p| !reversed.contains(&p.id)))
}

fn subscriber(c: &Coverage, patient: &SnapPerson) -> SnapSubscriber {
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

fn crossover() -> ApiError {
    ApiError::conflict(
        "the payer crossed this claim over to the next payer itself (CLP02 19/20 or remark \
         MA18/N89): no claim is sent; the next payer's remittance is awaited",
    )
    .with_extension("crossover", serde_json::json!(true))
}

/// Everything checked before the next payer's claim is built: the claim, its snapshot, the
/// posting in force and the next coverage. Answers the 409 that explains why not otherwise.
pub struct Ready {
    /// The claim adjudicated.
    pub claim: ClaimRow,
    /// Its snapshot.
    pub snapshot: Snapshot,
    /// Its payer's posting in force.
    pub posting: PostingRow,
    /// That posting's ledger entries.
    pub entries: Vec<EntryRow>,
    /// The next coverage.
    pub coverage: Coverage,
}

/// Checks that claim `id` can go to the next payer now.
pub fn ready(conn: &mut AnyConnection, id: ClaimId, expected: Option<i32>) -> ApiResult<Ready> {
    ledger_store::lock_claim(conn, id)?;
    let claim = claim_store::find(conn, id)?.ok_or_else(|| ApiError::not_found(RESOURCE))?;
    expect_version(claim.version, expected)?;
    if let Some(next) = cob_store::next_of(conn, id)? {
        return Err(ApiError::conflict(format!(
            "claim {} already bills the next payer for this claim",
            next.claim_id
        ))
        .with_extension("claim_id", serde_json::json!(next.claim_id)));
    }
    let from = status::stored(&claim.status)?;
    if from == Status::Forwarded {
        return Err(crossover());
    }
    if !ADJUDICATED.contains(&from) || claim.frequency == "8" {
        return Err(status::conflict(
            from,
            "go to the next payer before its payer adjudicated it",
        ));
    }
    let posting = posting_in_force(conn, &claim)?.ok_or_else(|| {
        status::conflict(
            from,
            "go to the next payer: no posting of its payer is in force",
        )
    })?;
    let entries = ledger_store::posting_entries(conn, posting.id)?;
    if crossed_over(&posting, &entries) {
        return Err(crossover());
    }
    let snapshot: Snapshot =
        serde_json::from_str(&claim.snapshot).map_err(|_| ApiError::internal())?;
    let next = next_priority(&snapshot.subscriber.priority).ok_or_else(|| {
        ApiError::conflict("the claim was billed to the last payer there can be (tertiary)")
    })?;
    let coverage = coverage_on(conn, &claim, next)?.ok_or_else(|| {
        ApiError::conflict(format!(
            "the patient has no active {next} coverage on the date of service"
        ))
        .with_extension("priority", serde_json::json!(next))
    })?;
    Ok(Ready {
        claim,
        snapshot,
        posting,
        entries,
        coverage,
    })
}

/// Builds the claim for the next payer of claim `id` (after its payer adjudicated it), moves
/// the open balance to it and links the two; answers the new claim (`validated`).
pub fn next_payer_in(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    id: ClaimId,
    expected: Option<i32>,
) -> ApiResult<ClaimRow> {
    let Ready {
        claim,
        snapshot,
        posting,
        entries,
        coverage,
    } = ready(conn, id, expected)?;
    let payer = payer_store::find(conn, coverage.payer_id)?
        .filter(|p| p.active)
        .ok_or_else(|| ApiError::conflict("the next coverage's payer is deactivated"))?;
    let denials: Vec<_> = ledger_store::denials(conn, id)?
        .into_iter()
        .filter(|d| d.posting_id == posting.id)
        .collect();
    let other =
        decision(&claim, &snapshot, &posting, &entries, &denials).map_err(ApiError::conflict)?;
    let mut snap = snapshot.clone();
    snap.other_payers.push(other);
    snap.subscriber = subscriber(&coverage, &snapshot.patient);
    snap.payer = SnapPayer {
        name: payer.name.clone(),
        edi_payer_id: payer.edi_payer_id.clone(),
        claim_filing_indicator: payer.claim_filing_indicator.clone(),
    };
    let now = Timestamp::now();
    let pcn = new_pcn();
    let x = to_x12::claim(&snap, &pcn, x12::Frequency::Original);
    if let Err(e) = to_x12::preview(settings::submitter(), x, now.0.naive_utc(), false) {
        return Err(ApiError::validation(vec![FieldError::new(
            format!("/snapshot/{}", e.field.replace('.', "/")),
            "x12",
            format!("the 837P cannot carry this claim: {e}"),
        )]));
    }
    let row = ClaimRow {
        id: ClaimId::new(),
        encounter_id: claim.encounter_id,
        patient_id: claim.patient_id,
        coverage_id: coverage.id,
        payer_id: payer.id,
        date_of_service: claim.date_of_service,
        status: Status::Validated.as_str().into(),
        frequency: "1".into(),
        patient_control_number: pcn,
        payer_claim_number: None,
        replaces_claim_id: None,
        total_charge_cents: snap.total_charge_cents,
        snapshot: serde_json::to_string(&snap).map_err(|_| ApiError::internal())?,
        submitted_at: None,
        interchange_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    claim_store::insert(conn, &row)?;
    let prior_link = cob_store::of_claim(conn, id)?;
    cob_store::insert(
        conn,
        &CobLink {
            claim_id: row.id,
            prior_claim_id: id,
            root_claim_id: prior_link.as_ref().map_or(id, |l| l.root_claim_id),
            sequence: prior_link.map_or(2, |l| l.sequence + 1),
            created_at: now,
            created_by: ctx.caller.actor.clone(),
        },
    )?;
    let moved = transfer::to_next_payer(conn, &claim, &row, &ctx.caller.actor)?;
    let prior_status = crate::remits::posting_service::refresh_status(
        conn,
        ctx,
        &claim,
        format!(
            "{moved} cents moved to claim {} ({})",
            row.id, coverage.priority
        ),
    )?;
    let first = claim_store::event(
        row.id,
        None,
        &row.status,
        &ctx.caller.actor,
        Some(format!(
            "{} claim after claim {id}: {moved} cents transferred",
            coverage.priority
        )),
        &[],
    );
    let note = claim_store::event(
        id,
        Some(&prior_status),
        &prior_status,
        &ctx.caller.actor,
        Some(format!(
            "billed to the {} payer as claim {}; {moved} cents transferred",
            coverage.priority, row.id
        )),
        &[],
    );
    claim_store::insert_events(conn, &[first, note])?;
    audit_store::insert(
        conn,
        &[
            AuditEntry::success(ctx, "create", RESOURCE, Some(row.id.to_string())),
            AuditEntry::success(ctx, "transfer", "claim_posting", Some(id.to_string())),
        ],
    )?;
    Ok(row)
}
