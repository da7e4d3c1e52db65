//! Encounter writes: every change loads the document, applies one edit, checks references,
//! prices new lines, re-scrubs (to keep the work queue's error count current), saves under the
//! version the caller read, and audits, all in one transaction.

use super::forms::{EncounterPatch, NewEncounter};
use super::model::{Encounter, EncounterDoc, EncounterId};
use super::scrubbing::{self, ValidationReport};
use super::status::{self, Status};
use super::{check, fees, refs, store};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::db::types::Timestamp;
use crate::db::versioned::expect_version;
use crate::db::{versioned, AnyConnection};
use crate::error::{DomainError, DomainResult};
use crate::payers::model::PayerId;

/// The audit resource type of encounters.
pub const RESOURCE: &str = "encounter";

/// An edited document plus the lines (by index) whose charge must come from a fee schedule.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The document as it should be saved (version and counts are set on save).
    pub doc: EncounterDoc,
    /// Lines sent without a charge.
    pub unpriced: Vec<usize>,
}

impl Edit {
    /// An edit that needs no pricing.
    pub fn of(doc: EncounterDoc) -> Self {
        Edit {
            doc,
            unpriced: Vec::new(),
        }
    }
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Applies the coding lists of a request (diagnoses and/or lines) to `doc`, collecting every
/// field error before failing.
fn apply_coding(
    doc: &mut EncounterDoc,
    diagnoses: Option<Vec<String>>,
    lines: Option<Vec<super::forms::LineInput>>,
    current: &[super::model::Line],
) -> DomainResult<Vec<usize>> {
    let mut errors = Vec::new();
    let mut unpriced = Vec::new();
    if let Some(d) = diagnoses {
        match check::diagnoses(&d) {
            Ok(v) => doc.diagnoses = v,
            Err(e) => errors.extend(e),
        }
    }
    if let Some(ls) = lines {
        match check::lines(&ls, current) {
            Ok(drafted) => {
                unpriced = drafted
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.needs_price)
                    .map(|(i, _)| i)
                    .collect();
                doc.lines = drafted.into_iter().map(|d| d.line).collect();
            }
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(unpriced)
    } else {
        Err(DomainError::validation(errors))
    }
}

/// A new open encounter from the create body (field rules applied, nothing stored).
pub fn draft_new(input: NewEncounter) -> DomainResult<Edit> {
    let now = Timestamp::now();
    let mut doc = EncounterDoc {
        header: Encounter {
            id: EncounterId::new(),
            patient_id: input.patient_id,
            payer_id: None,
            date_of_service: input.date_of_service,
            date_of_service_to: input.date_of_service_to,
            place_of_service: trimmed(input.place_of_service),
            rendering_provider_id: input.rendering_provider_id,
            billing_provider_id: input.billing_provider_id,
            referring_provider_id: input.referring_provider_id,
            coverage_id: input.coverage_id,
            status: Status::Open,
            hold_reason: None,
            void_reason: None,
            notes: trimmed(input.notes),
            error_count: 0,
            warning_count: 0,
            signed_off_at: None,
            signed_off_by: None,
            version: 1,
            created_at: now,
            updated_at: now,
        },
        diagnoses: Vec::new(),
        lines: Vec::new(),
        overrides: Vec::new(),
    };
    let unpriced = apply_coding(&mut doc, input.diagnoses, input.lines, &[])?;
    Ok(Edit { doc, unpriced })
}

/// Applies a PATCH body to the stored document (editable states only).
pub fn apply_patch(cur: &EncounterDoc, p: EncounterPatch) -> DomainResult<Edit> {
    status::check_editable(cur.header.status)?;
    let mut doc = cur.clone();
    let h = &mut doc.header;
    if let Some(v) = p.date_of_service {
        h.date_of_service = v;
    }
    if let Some(v) = p.date_of_service_to {
        h.date_of_service_to = v;
    }
    if let Some(v) = p.place_of_service {
        h.place_of_service = trimmed(v);
    }
    if let Some(v) = p.rendering_provider_id {
        h.rendering_provider_id = v;
    }
    if let Some(v) = p.billing_provider_id {
        h.billing_provider_id = v;
    }
    if let Some(v) = p.referring_provider_id {
        h.referring_provider_id = v;
    }
    if let Some(v) = p.coverage_id {
        h.coverage_id = v;
    }
    if let Some(v) = p.notes {
        h.notes = trimmed(v);
    }
    let unpriced = apply_coding(&mut doc, p.diagnoses, p.lines, &cur.lines)?;
    Ok(Edit { doc, unpriced })
}

/// Checks, prices and scrubs `edit`, then stores it as a new encounter (`cur` None) or as the
/// next version of `cur`, with its audit row.
fn persist(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    cur: Option<&EncounterDoc>,
    action: &str,
    edit: Edit,
) -> DomainResult<EncounterDoc> {
    let Edit { mut doc, unpriced } = edit;
    let errors = check::document(&doc.header, &doc.lines);
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    let refs = refs::check(c, cur.map(|d| &d.header), &mut doc.header)?;
    let h = &doc.header;
    fees::price_lines(c, h.payer_id, h.date_of_service, &mut doc.lines, &unpriced)?;
    let report = scrubbing::run(c, &doc, &refs, codes)?;
    doc.header.error_count = report.errors;
    doc.header.warning_count = report.warnings;
    let id = doc.header.id;
    match cur {
        None => {
            store::insert_header(c, &doc.header)?;
            store::replace_diagnoses(c, id, &doc.diagnoses)?;
            store::replace_lines(c, id, &doc.lines)?;
        }
        Some(cur) => {
            versioned::save_next(
                c,
                cur.header.version,
                &mut doc.header,
                |c, h| Ok(store::save_header(c, h)?),
                |c| Ok(store::find_header(c, id)?.map(|h| h.version)),
            )?;
            if doc.diagnoses != cur.diagnoses {
                store::replace_diagnoses(c, id, &doc.diagnoses)?;
            }
            if doc.lines != cur.lines {
                store::replace_lines(c, id, &doc.lines)?;
            }
        }
    }
    let known = cur.map_or(&[][..], |d| &d.overrides[..]);
    for ov in doc
        .overrides
        .iter()
        .filter(|o| !known.iter().any(|k| k.id == o.id))
    {
        store::insert_override(c, ov)?;
    }
    let entry = AuditEntry::success(ctx, action, RESOURCE, Some(id.to_string()));
    audit_store::insert(c, &[entry])?;
    record_event(c, cur, &doc)?;
    Ok(doc)
}

/// The event of a stored encounter change: created, signed off (now coded) or voided.
fn record_event(
    c: &mut AnyConnection,
    cur: Option<&EncounterDoc>,
    doc: &EncounterDoc,
) -> DomainResult<()> {
    use crate::events::{self, types};
    let h = &doc.header;
    let before = cur.map(|d| d.header.status);
    let kind = match (before, h.status) {
        (None, _) => types::ENCOUNTER_CREATED,
        (Some(b), Status::Coded) if b != h.status => types::ENCOUNTER_SIGNED_OFF,
        (Some(b), Status::Void) if b != h.status => types::ENCOUNTER_VOIDED,
        _ => return Ok(()),
    };
    let data = serde_json::json!({
        "encounter_id": h.id, "patient_id": h.patient_id, "status": h.status,
    });
    events::record(c, kind, h.id.0, h.version, data)?;
    Ok(())
}

/// Stores a new encounter (inside the caller's transaction).
pub fn create_in(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    edit: Edit,
) -> DomainResult<EncounterDoc> {
    persist(c, codes, ctx, None, "create", edit)
}

/// Loads encounter `id`, checks `expected`, applies `edit` and saves the result (inside the
/// caller's transaction).
pub fn mutate_in<F>(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    id: EncounterId,
    expected: Option<i32>,
    action: &str,
    edit: F,
) -> DomainResult<EncounterDoc>
where
    F: FnOnce(&mut AnyConnection, &EncounterDoc) -> DomainResult<Edit>,
{
    let cur = store::load(c, id)?.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    expect_version(cur.header.version, expected)?;
    let next = edit(c, &cur)?;
    persist(c, codes, ctx, Some(&cur), action, next)
}

/// Moves `cur` to `to`, recording `reason` for a hold or a void.
pub fn transition(cur: &EncounterDoc, to: Status, reason: Option<String>) -> DomainResult<Edit> {
    status::check_transition(cur.header.status, to)?;
    let mut doc = cur.clone();
    let h = &mut doc.header;
    h.status = to;
    match to {
        Status::OnHold => h.hold_reason = reason,
        Status::Void => {
            h.hold_reason = None;
            h.void_reason = reason;
        }
        _ => h.hold_reason = None,
    }
    Ok(Edit::of(doc))
}

/// Marks a coded encounter billed: for the claims module, inside its own transaction.
pub fn mark_billed(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    id: EncounterId,
) -> DomainResult<EncounterDoc> {
    mutate_in(c, codes, ctx, id, None, "bill", |_, cur| {
        transition(cur, Status::Billed, None)
    })
}

/// An encounter a claim build has just checked and scrubbed: its id, the payer its reference
/// check read, and that scrub's error and warning counts.
pub type Scrubbed = (EncounterId, Option<PayerId>, (i32, i32));

/// The payer and scrub counts an encounter is billed with.
type BilledAs = (Option<PayerId>, (i32, i32));

/// Marks coded encounters billed right after the claims module built a claim from each in the
/// same transaction, with that build's scrub counts and checked payer. Unlike [`mark_billed`]
/// it does not check, price and scrub the encounters again: the build has just done so on the
/// same rows, and a second scrub doubled the cost of every claim built (issue 11). Only the
/// headers change (status, version, counts, payer), one statement per distinct payer and
/// counts, with an audit row each. The caller has read them coded in this transaction (locked
/// on PostgreSQL).
pub fn mark_billed_scrubbed(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    billed: &[Scrubbed],
) -> DomainResult<()> {
    let now = Timestamp::now();
    // Encounters sharing a payer and counts are written by one statement.
    let mut groups: Vec<(BilledAs, Vec<EncounterId>)> = Vec::new();
    for (id, payer, counts) in billed {
        let key = (*payer, *counts);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ids)) => ids.push(*id),
            None => groups.push((key, vec![*id])),
        }
    }
    for ((payer, counts), ids) in &groups {
        if store::set_billed(c, ids, *payer, *counts, now)? != ids.len() {
            // Not possible under the row locks or SQLite's write transaction, but never
            // overwrite a status another writer set.
            return Err(DomainError::conflict(
                "an encounter changed while it was billed; try again",
            ));
        }
    }
    let entries: Vec<AuditEntry> = billed
        .iter()
        .map(|(id, _, _)| AuditEntry::success(ctx, "bill", RESOURCE, Some(id.to_string())))
        .collect();
    audit_store::insert(c, &entries)?;
    Ok(())
}

/// Reopens billed encounter `id` for coding (back to open, sign-off cleared): for the claims
/// module, which checks the encounter's claims first, inside its transaction.
pub fn reopen_in(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    id: EncounterId,
    expected: Option<i32>,
) -> DomainResult<EncounterDoc> {
    mutate_in(c, codes, ctx, id, expected, "reopen", |_, cur| {
        status::check_reopen(cur.header.status)?;
        let mut doc = cur.clone();
        doc.header.status = Status::Open;
        doc.header.signed_off_at = None;
        doc.header.signed_off_by = None;
        Ok(Edit::of(doc))
    })
}

/// The outcome of a sign-off attempt.
#[derive(Debug)]
pub enum SignOff {
    /// Signed off: now coded.
    Done(Box<EncounterDoc>),
    /// Refused: errors remain that no admin has overridden.
    Refused(ValidationReport),
}

/// Signs encounter `id` off as coded unless unoverridden scrubber errors remain (then only
/// the error count is refreshed).
pub fn sign_off_in(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    id: EncounterId,
    expected: Option<i32>,
) -> DomainResult<SignOff> {
    let cur = store::load(c, id)?.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    expect_version(cur.header.version, expected)?;
    status::check_transition(cur.header.status, Status::Coded)?;
    let refs = refs::load(c, &cur.header)?;
    let report = scrubbing::run(c, &cur, &refs, codes)?;
    if report.errors > 0 {
        store::set_counts(c, id, cur.header.version, report.errors, report.warnings)?;
        return Ok(SignOff::Refused(report));
    }
    let mut edit = transition(&cur, Status::Coded, None)?;
    edit.doc.header.signed_off_at = Some(Timestamp::now());
    edit.doc.header.signed_off_by = Some(ctx.caller.actor.clone());
    persist(c, codes, ctx, Some(&cur), "sign_off", edit).map(|d| SignOff::Done(Box::new(d)))
}

/// Scrubs a stored encounter without changing it; when its stored counts are out of date
/// (codes or today moved on) they are refreshed, the version unchanged.
pub fn validate(
    conn: &mut AnyConnection,
    codes: &CodeTables,
    id: EncounterId,
) -> DomainResult<(EncounterDoc, ValidationReport)> {
    let doc = store::load(conn, id)?.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    let refs = refs::load(conn, &doc.header)?;
    let report = scrubbing::run(conn, &doc, &refs, codes)?;
    let h = &doc.header;
    if (h.error_count, h.warning_count) != (report.errors, report.warnings) {
        conn.write_transaction(|c| {
            store::set_counts(c, h.id, h.version, report.errors, report.warnings)
        })?;
    }
    Ok((doc, report))
}
