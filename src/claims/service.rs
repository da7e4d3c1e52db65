//! Claim writes: build a claim from a signed-off encounter (scrubbed again, snapshotted, checked
//! against the 837P writer, the encounter marked billed), queue it (the outbox job in the same
//! transaction), and replace or void it. Each runs inside the caller's write transaction and
//! writes its audit row there.

use super::build_reads::{BuildReads, DirectReads};
use super::forms::SupersedeBody;
use super::frequency::Frequency;
use super::model::{ClaimDoc, ClaimId, ClaimRow, HistoryEntry};
use super::settings::SubmitterSettings;
use super::snapshot::{self, Snapshot};
use super::status::{self, Status};
use super::{store, to_x12};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::coverages::model::CoverageId;
use crate::db::types::Timestamp;
use crate::db::versioned::expect_version;
use crate::db::{versioned, AnyConnection};
use crate::encounters::model::{Encounter, EncounterDoc, EncounterId};
use crate::encounters::scrubbing::{self, ValidationReport};
use crate::encounters::status::Status as EncStatus;
use crate::encounters::{service as encounters, store as encounter_store};
use crate::error::{DomainError, DomainResult, FieldError};

/// The audit resource type of claims.
pub const RESOURCE: &str = "claim";

/// A 422 listing the scrubber errors that block the claim.
fn blocked(report: &ValidationReport) -> DomainError {
    report.refusal("block this claim: fix them or have an admin override them")
}

/// A new patient control number (CLM01): 16 base32 characters of a millisecond clock and 32
/// random bits. Unique by the database's constraint; a clash is a 409 the client retries.
pub fn new_pcn() -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let ms = chrono::Utc::now().timestamp_millis() as u64 & 0xFFFF_FFFF_FFFF;
    let value: u128 = (u128::from(ms) << 32) | u128::from(rand::random::<u32>());
    (0..16)
        .rev()
        .map(|i| char::from(ALPHABET[((value >> (i * 5)) & 31) as usize]))
        .collect()
}

/// The API document of a stored claim.
pub fn doc(conn: &mut AnyConnection, row: ClaimRow) -> DomainResult<ClaimDoc> {
    let snapshot: Snapshot =
        serde_json::from_str(&row.snapshot).map_err(|_| DomainError::internal())?;
    let history = store::events(conn, row.id)?
        .into_iter()
        .map(|e| HistoryEntry {
            codes: e
                .codes
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or_default(),
            event: e,
        })
        .collect();
    Ok(ClaimDoc {
        allowed_next: status::allowed_next(row.status),
        id: row.id,
        encounter_id: row.encounter_id,
        patient_id: row.patient_id,
        coverage_id: row.coverage_id,
        payer_id: row.payer_id,
        date_of_service: row.date_of_service,
        status: row.status,
        frequency: row.frequency,
        patient_control_number: row.patient_control_number,
        payer_claim_number: row.payer_claim_number,
        replaces_claim_id: row.replaces_claim_id,
        total_charge_cents: row.total_charge_cents,
        submitted_at: row.submitted_at,
        interchange_id: row.interchange_id,
        snapshot,
        history,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A scrubbed encounter ready to be stored as a claim.
pub(super) struct Assembled {
    /// What the claim is written from.
    pub snap: Snapshot,
    /// The scrub of the encounter as billed (no blocking errors).
    pub report: ValidationReport,
    /// The encounter's header after the reference check (payer from its coverage).
    pub header: Encounter,
}

/// Loads the encounter, points it at `coverage` (when given), scrubs it and snapshots it.
/// `reads`: where the references and the scrub's history come from (a batch reads them once
/// per chunk).
pub(super) fn assemble(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    enc: &EncounterDoc,
    coverage: Option<CoverageId>,
    reads: &mut dyn BuildReads,
) -> DomainResult<Assembled> {
    let mut doc = enc.clone();
    if let Some(c) = coverage {
        doc.header.coverage_id = Some(c);
    }
    let refs = reads.refs(conn, &enc.header, &mut doc.header)?;
    // With the history checks: a claim made since sign-off may now duplicate a line.
    let report = scrubbing::run_with(conn, &doc, &refs, codes, reads.scrub())?;
    if report.errors > 0 {
        return Err(blocked(&report));
    }
    let snap = snapshot::build(&doc, &refs)?;
    Ok(Assembled {
        snap,
        report,
        header: doc.header,
    })
}

/// What kind of claim is stored: an original, or a replacement or void of another.
pub(super) struct Origin {
    /// `1`, `7` or `8`.
    pub frequency: Frequency,
    /// The payer's claim number carried (7 and 8).
    pub payer_claim_number: Option<String>,
    /// The claim replaced or voided.
    pub replaces: Option<ClaimId>,
}

/// The claim row built from `snap` for the encounter `h`, once the 837P writer accepts it
/// (written as `submitter` would send it).
pub(super) fn plan_row(
    submitter: &SubmitterSettings,
    h: &Encounter,
    snap: &Snapshot,
    origin: Origin,
) -> DomainResult<ClaimRow> {
    let Origin {
        frequency,
        payer_claim_number,
        replaces,
    } = origin;
    let pcn = new_pcn();
    let x = to_x12::claim(
        snap,
        &pcn,
        snapshot::frequency(frequency, payer_claim_number.as_deref()),
    );
    let now = Timestamp::now();
    if let Err(e) = to_x12::preview(submitter, x, now.0.naive_utc(), false) {
        return Err(DomainError::validation(vec![FieldError::new(
            format!("/snapshot/{}", e.field.replace('.', "/")),
            "x12",
            format!("the 837P cannot carry this claim: {e}"),
        )]));
    }
    Ok(ClaimRow {
        id: ClaimId::new(),
        encounter_id: h.id,
        patient_id: h.patient_id,
        coverage_id: h.coverage_id.ok_or_else(DomainError::internal)?,
        payer_id: h.payer_id.ok_or_else(DomainError::internal)?,
        date_of_service: h.date_of_service,
        status: Status::Validated,
        frequency,
        patient_control_number: pcn,
        payer_claim_number,
        replaces_claim_id: replaces,
        total_charge_cents: snap.total_charge_cents,
        snapshot: serde_json::to_string(snap).map_err(|_| DomainError::internal())?,
        submitted_at: None,
        interchange_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Stores a claim built from `snap` with the writer's check, and its first history event.
fn store_new(
    conn: &mut AnyConnection,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    enc: &EncounterDoc,
    snap: &Snapshot,
    origin: Origin,
    reason: String,
) -> DomainResult<ClaimRow> {
    let row = plan_row(submitter, &enc.header, snap, origin)?;
    record_services(conn, &row, snap)?;
    crate::ledger::charges::write(conn, &row, snap, &ctx.caller.actor)?;
    let first = store::event(
        row.id,
        None,
        row.status,
        &ctx.caller.actor,
        Some(reason),
        &[],
    );
    store::insert_events(conn, &[first])?;
    let entry = AuditEntry::success(ctx, "create", RESOURCE, Some(row.id.to_string()));
    audit_store::insert(conn, &[entry])?;
    Ok(row)
}

/// Inserts the claim and its service lines (read by the scrubber's history checks).
fn record_services(conn: &mut AnyConnection, row: &ClaimRow, snap: &Snapshot) -> DomainResult<()> {
    use crate::claims::service_history::{self, ServiceLine};
    let lines: Vec<ServiceLine<'_>> = snap
        .lines
        .iter()
        .map(|l| ServiceLine {
            date_of_service: l.date_of_service,
            code: &l.code,
            modifiers: &l.modifiers,
            units: l.units,
        })
        .collect();
    store::insert(conn, row)?;
    service_history::record(conn, row.id, row.patient_id, &lines)?;
    Ok(())
}

fn load_encounter(conn: &mut AnyConnection, id: EncounterId) -> DomainResult<EncounterDoc> {
    encounter_store::load(conn, id)?.ok_or_else(|| DomainError::not_found(encounters::RESOURCE))
}

/// Builds a claim from coded encounter `id` and marks the encounter billed.
pub fn create_in(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    id: EncounterId,
    coverage: Option<CoverageId>,
) -> DomainResult<ClaimDoc> {
    let row = create_row_in(conn, codes, submitter, ctx, id, coverage)?;
    doc(conn, row)
}

/// [`create_in`] answering the stored row: a batch of one through
/// [`super::build_batch::build_items`], so single and batch calls share one path.
pub fn create_row_in(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    id: EncounterId,
    coverage: Option<CoverageId>,
) -> DomainResult<ClaimRow> {
    let item = super::build_batch::BuildItem {
        encounter_id: id,
        coverage_id: coverage,
    };
    super::build_batch::build_items(conn, codes, submitter, ctx, &[item])?
        .pop()
        .ok_or_else(DomainError::internal)?
}

fn load_claim(conn: &mut AnyConnection, id: ClaimId) -> DomainResult<ClaimRow> {
    store::find(conn, id)?.ok_or_else(|| DomainError::not_found(RESOURCE))
}

/// Moves claim `id` to `to` as the caller, with its history event and audit row.
pub fn transition_in(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    id: ClaimId,
    expected: Option<i32>,
    to: Status,
    reason: Option<String>,
) -> DomainResult<ClaimRow> {
    let row = load_claim(conn, id)?;
    expect_version(row.version, expected)?;
    let from = row.status;
    status::check_transition(from, to)?;
    versioned::conditional(
        conn,
        row.version,
        |c| Ok(store::set_status(c, id, from, to, None)?),
        |c| Ok(store::find(c, id)?.map(|r| r.version)),
    )?;
    let e = store::event(id, Some(from), to, &ctx.caller.actor, reason, &[]);
    store::insert_events(conn, &[e])?;
    let entry = AuditEntry::success(ctx, to.as_str(), RESOURCE, Some(id.to_string()));
    audit_store::insert(conn, &[entry])?;
    load_claim(conn, id)
}

/// Queues a validated claim: the state change and the outbox job in one transaction.
pub fn queue_in(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    id: ClaimId,
    expected: Option<i32>,
) -> DomainResult<ClaimDoc> {
    queue_row_in(conn, ctx, id, expected)?;
    // Re-read: the document shows the stored update time.
    let row = load_claim(conn, id)?;
    doc(conn, row)
}

/// [`queue_in`] answering the row as queued: a batch of one through
/// [`super::queue_batch::queue_items`], so single and batch calls share one path.
pub fn queue_row_in(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    id: ClaimId,
    expected: Option<i32>,
) -> DomainResult<ClaimRow> {
    let item = super::queue_batch::QueueItem { id, expected };
    super::queue_batch::queue_items(conn, ctx, &[item])?
        .pop()
        .ok_or_else(DomainError::internal)?
}

/// The payer's claim number of the latest remittance posted on claim `id` (CLP07 of an 835, or
/// the number given with a manual posting): what a replacement names when no 277CA gave one.
fn remitted_claim_number(conn: &mut AnyConnection, id: ClaimId) -> DomainResult<Option<String>> {
    let postings = crate::ledger::store::postings(conn, id)?;
    Ok(postings
        .into_iter()
        .rev()
        .filter_map(|p| p.payer_claim_number)
        .map(|n| n.trim().to_string())
        .find(|n| !n.is_empty()))
}

/// Builds a replacement (frequency 7) or void (8) of claim `id`, carrying the payer's claim
/// number (the one given in `body`, else the one a 277CA reported, else the latest
/// remittance's).
pub fn supersede_in(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    submitter: &SubmitterSettings,
    ctx: &RequestCtx,
    id: ClaimId,
    frequency: Frequency,
    body: SupersedeBody,
) -> DomainResult<ClaimDoc> {
    let SupersedeBody {
        payer_claim_number,
        reason,
    } = body;
    let orig = load_claim(conn, id)?;
    let from = orig.status;
    // An adjudicated claim (paid, denied, ...) is corrected by a replacement or withdrawn by a
    // void too: its open balance is closed below and the payer's answer to the new claim posts
    // on the new claim.
    let replacing = frequency == Frequency::Replacement;
    let (verb, allowed): (&str, &[Status]) = if replacing {
        (
            "be replaced",
            &[
                Status::Submitted,
                Status::Accepted,
                Status::Rejected,
                Status::Paid,
                Status::PartiallyPaid,
                Status::Denied,
                Status::Forwarded,
                Status::Reversed,
            ],
        )
    } else {
        (
            "be voided",
            &[
                Status::Submitted,
                Status::Accepted,
                Status::Paid,
                Status::PartiallyPaid,
                Status::Denied,
                Status::Forwarded,
                Status::Reversed,
            ],
        )
    };
    if !allowed.contains(&from) {
        return Err(status::conflict(from, verb));
    }
    if orig.frequency == Frequency::Void {
        return Err(status::conflict(from, &format!("{verb}: it is a void")));
    }
    if let Some(other) = store::replacements(conn, id)?
        .iter()
        .find(|r| r.status != Status::Superseded)
    {
        return Err(DomainError::conflict(format!(
            "claim {} already replaces or voids this claim",
            other.id
        )));
    }
    let given = payer_claim_number
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .or_else(|| orig.payer_claim_number.clone());
    let number = match given {
        Some(n) => n,
        None => remitted_claim_number(conn, id)?.ok_or_else(|| {
            DomainError::invalid_field(
                "/payer_claim_number",
                "required",
                "the payer's claim number is needed (no 277CA or remittance reported one for \
                 this claim)",
            )
        })?,
    };
    let mut enc = load_encounter(conn, orig.encounter_id)?;
    // A replacement is rebuilt from the encounter's coding: a reopened encounter must be
    // signed off again first, and is billed again by the replacement.
    let rebill = replacing && enc.header.status == EncStatus::Coded;
    if replacing && !rebill && enc.header.status != EncStatus::Billed {
        return Err(DomainError::conflict(format!(
            "the encounter is {} (reopened): sign it off before replacing its claim",
            enc.header.status
        ))
        .with_extension("current_status", serde_json::json!(enc.header.status)));
    }
    enc.header.coverage_id = Some(orig.coverage_id);
    enc.header.payer_id = Some(orig.payer_id);
    let snap = if replacing {
        assemble(
            conn,
            codes,
            &enc,
            Some(orig.coverage_id),
            &mut DirectReads::default(),
        )?
        .snap
    } else {
        serde_json::from_str(&orig.snapshot).map_err(|_| DomainError::internal())?
    };
    let what = if replacing { "replaces" } else { "voids" };
    let origin = Origin {
        frequency,
        payer_claim_number: Some(number),
        replaces: Some(id),
    };
    let reason = reason.unwrap_or_else(|| format!("{what} claim {id}"));
    let row = store_new(conn, submitter, ctx, &enc, &snap, origin, reason)?;
    // The superseded claim owes nothing any more: the replacement is charged on its own (a
    // void charges nothing), so the original's open balance is closed, not owed twice.
    let closed = crate::ledger::replacement::close_original(
        conn,
        &orig,
        row.id,
        frequency,
        &ctx.caller.actor,
    )?;
    let note = store::event(
        id,
        Some(from),
        from,
        &ctx.caller.actor,
        Some(format!(
            "claim {} {what} this claim; its open balance of {closed} cents is closed",
            row.id
        )),
        &[],
    );
    store::insert_events(conn, &[note])?;
    if rebill {
        encounters::mark_billed(conn, codes, ctx, orig.encounter_id)?;
    }
    doc(conn, row)
}
