//! Specimen writes: accessioning (field rules, references, the next accession number, the
//! first custody event, audit) and the one way a stored specimen changes: load it, check the
//! caller's version, save the next version, append its custody events and audit, all in the
//! caller's transaction.

use super::forms::{NewSpecimen, SpecimenPatch};
use super::model::{EventDraft, Specimen, SpecimenDoc, SpecimenId};
use super::status::{self, Status};
use super::{accession, check, store};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::db::types::Timestamp;
use crate::db::versioned::expect_version;
use crate::db::{versioned, AnyConnection};
use crate::encounters::model::EncounterId;
use crate::encounters::status::Status as EncStatus;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::patients::model::PatientId;
use crate::providers::model::ProviderId;
use crate::{encounters, patients, providers, validation};

/// The audit resource type of specimens.
pub const RESOURCE: &str = "specimen";

fn fail_if(errors: Vec<FieldError>) -> DomainResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::validation(errors))
    }
}

/// A new specimen from the create body (field rules applied, nothing stored, no accession).
pub fn draft_new(
    codes: &CodeTables,
    ctx: &RequestCtx,
    input: NewSpecimen,
) -> DomainResult<Specimen> {
    let mut errors = Vec::new();
    let specimen_type = check::specimen_type(codes, &input.specimen_type, &mut errors);
    let collected_at = check::collected_at(input.collected_at, &mut errors);
    let tests = check::tests(codes, &input.tests, collected_at, &mut errors);
    let (volume, volume_unit) =
        check::volume(input.volume, input.volume_unit.as_deref(), &mut errors);
    let collected_by = match input.collected_by.as_deref() {
        Some(c) => check::required_text(c, "/collected_by", &mut errors),
        None => ctx.caller.actor.clone(),
    };
    let now = Timestamp::now();
    let sp = Specimen {
        id: SpecimenId::new(),
        accession_number: String::new(),
        patient_id: input.patient_id,
        encounter_id: input.encounter_id,
        ordering_provider_id: input.ordering_provider_id,
        specimen_type,
        source_site: check::text(
            input.source_site.as_deref(),
            "/source_site",
            200,
            &mut errors,
        ),
        container: check::text(input.container.as_deref(), "/container", 200, &mut errors),
        volume,
        volume_unit,
        collected_at,
        collected_by,
        tests,
        priority: check::priority(input.priority.as_deref(), &mut errors),
        status: Status::Collected,
        status_changed_at: now,
        location: None,
        reject_reason: None,
        reject_note: None,
        recollection_of: None,
        received_at: None,
        billed_lines_added: false,
        notes: check::text(input.notes.as_deref(), "/notes", 2000, &mut errors),
        created_by: ctx.caller.actor.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    fail_if(errors)?;
    Ok(sp)
}

/// Checks the records a specimen points to: an active patient (on create), an encounter of
/// that patient that is not void, an active ordering provider.
fn check_refs(
    c: &mut AnyConnection,
    before: Option<&Specimen>,
    patient_id: PatientId,
    encounter_id: Option<EncounterId>,
    provider_id: ProviderId,
) -> DomainResult<()> {
    let mut errors = Vec::new();
    if before.is_none() {
        let active = patients::store::find(c, patient_id)?.map(|p| p.active);
        validation::reference(&mut errors, "/patient_id", "patient", active);
    }
    if let Some(eid) = encounter_id.filter(|e| before.is_none_or(|b| b.encounter_id != Some(*e))) {
        match encounters::store::find_header(c, eid)? {
            None => errors.push(FieldError::new(
                "/encounter_id",
                "unknown_encounter",
                "no encounter has this id",
            )),
            Some(e) if e.patient_id != patient_id => errors.push(FieldError::new(
                "/encounter_id",
                "not_patients_encounter",
                "this encounter belongs to another patient",
            )),
            Some(e) if e.status == EncStatus::Void => errors.push(FieldError::new(
                "/encounter_id",
                "void",
                "this encounter is void",
            )),
            Some(_) => {}
        }
    }
    if before.is_none_or(|b| b.ordering_provider_id != provider_id) {
        let active = providers::store::find(c, provider_id)?.map(|p| p.active);
        validation::reference(&mut errors, "/ordering_provider_id", "provider", active);
    }
    fail_if(errors)
}

/// Stores a new specimen under the next accession number, with its `collected` event and
/// audit row (inside the caller's transaction). The counter row is taken last, so it stays
/// locked for as short a time as possible.
pub fn create_in(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    mut sp: Specimen,
    note: Option<String>,
) -> DomainResult<SpecimenDoc> {
    check_refs(
        c,
        None,
        sp.patient_id,
        sp.encounter_id,
        sp.ordering_provider_id,
    )?;
    sp.accession_number = accession::take_next(c)?;
    let first = EventDraft {
        action: "collected".into(),
        to_status: Some(sp.status),
        note,
        ..EventDraft::default()
    };
    let first = store::first_event(sp.id, &ctx.caller.actor, first);
    let entry = AuditEntry::success(ctx, "create", RESOURCE, Some(sp.id.to_string()));
    let data = serde_json::json!({
        "specimen_id": sp.id, "accession_number": sp.accession_number, "status": sp.status,
    });
    let (_, event) = crate::events::insert_statement(
        crate::events::types::SPECIMEN_ACCESSIONED,
        sp.id.0,
        sp.version,
        &data,
    );
    // The specimen, its first custody event, its audit row and its event: one statement on
    // PostgreSQL (`db::chained`).
    let parts = (
        store::insert_statement(&sp),
        store::event_insert_statement(&first),
        audit_store::insert_statement(&entry),
        event,
    );
    crate::db::chained::execute(c, parts)?;
    Ok(SpecimenDoc {
        specimen: sp,
        events: vec![first],
    })
}

/// Loads specimen `id` for a write and checks the caller's version.
pub fn load_current(
    c: &mut AnyConnection,
    id: SpecimenId,
    expected: Option<i32>,
) -> DomainResult<Specimen> {
    let cur = store::find(c, id)?.ok_or_else(|| DomainError::not_found(RESOURCE))?;
    expect_version(cur.version, expected)?;
    Ok(cur)
}

/// Saves `next` as the version after `cur` (412 when someone else saved first).
pub fn save_next(c: &mut AnyConnection, cur: &Specimen, next: &mut Specimen) -> DomainResult<()> {
    let id = cur.id;
    versioned::save_next(
        c,
        cur.version,
        next,
        |c, next| Ok(store::save(c, next)?),
        |c| Ok(store::find(c, id)?.map(|s| s.version)),
    )
}

/// Appends `events`, audits `action` and returns the document.
pub fn finish(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    next: Specimen,
    events: Vec<EventDraft>,
    action: &str,
) -> DomainResult<SpecimenDoc> {
    store::append_events(c, next.id, &ctx.caller.actor, events)?;
    let entry = AuditEntry::success(ctx, action, RESOURCE, Some(next.id.to_string()));
    audit_store::insert(c, &[entry])?;
    let events = store::events(c, next.id)?;
    Ok(SpecimenDoc {
        specimen: next,
        events,
    })
}

/// Applies a PATCH body (before receipt only), with an `edited` event naming the fields.
pub fn update_in(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    id: SpecimenId,
    expected: Option<i32>,
    p: SpecimenPatch,
) -> DomainResult<SpecimenDoc> {
    let cur = load_current(c, id, expected)?;
    status::check_editable(cur.status)?;
    let mut next = cur.clone();
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    if let Some(v) = p.encounter_id {
        next.encounter_id = v;
        changed.push("encounter_id");
    }
    if let Some(v) = p.ordering_provider_id {
        next.ordering_provider_id = v;
        changed.push("ordering_provider_id");
    }
    if let Some(v) = &p.specimen_type {
        next.specimen_type = check::specimen_type(codes, v, &mut errors);
        changed.push("specimen_type");
    }
    if let Some(v) = &p.source_site {
        next.source_site = check::text(v.as_deref(), "/source_site", 200, &mut errors);
        changed.push("source_site");
    }
    if let Some(v) = &p.container {
        next.container = check::text(v.as_deref(), "/container", 200, &mut errors);
        changed.push("container");
    }
    if p.volume.is_some() || p.volume_unit.is_some() {
        let vol = p.volume.unwrap_or(cur.volume);
        let unit = p.volume_unit.as_deref().or(cur.volume_unit.as_deref());
        let unit = if vol.is_none() && p.volume_unit.is_none() {
            None
        } else {
            unit
        };
        (next.volume, next.volume_unit) = check::volume(vol, unit, &mut errors);
        changed.push("volume");
    }
    if let Some(v) = p.collected_at {
        next.collected_at = check::collected_at(v, &mut errors);
        changed.push("collected_at");
    }
    if let Some(v) = &p.collected_by {
        next.collected_by = check::required_text(v, "/collected_by", &mut errors);
        changed.push("collected_by");
    }
    if let Some(v) = &p.tests {
        next.tests = check::tests(codes, v, next.collected_at, &mut errors);
        changed.push("tests");
    } else if p.collected_at.is_some() {
        // The tests must still be valid on the new collection date.
        next.tests = check::tests(codes, &cur.tests, next.collected_at, &mut errors);
    }
    if let Some(v) = &p.priority {
        next.priority = check::priority(Some(v), &mut errors);
        changed.push("priority");
    }
    if let Some(v) = &p.notes {
        next.notes = check::text(v.as_deref(), "/notes", 2000, &mut errors);
        changed.push("notes");
    }
    fail_if(errors)?;
    check_refs(
        c,
        Some(&cur),
        cur.patient_id,
        next.encounter_id,
        next.ordering_provider_id,
    )?;
    save_next(c, &cur, &mut next)?;
    let event = EventDraft {
        action: "edited".into(),
        note: Some(format!("changed: {}", changed.join(", "))),
        ..EventDraft::default()
    };
    finish(c, ctx, next, vec![event], "update")
}
