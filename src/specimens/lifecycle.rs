//! Transitions, custody hand-offs and recollection: each bumps the version and appends an
//! event with who and when, in the caller's transaction. Receipt and rejection also drive the
//! billing link (see `billing`).

use super::forms::{CustodyRequest, RecollectRequest, TransitionRequest};
use super::model::{EventDraft, Specimen, SpecimenDoc, SpecimenId};
use super::service;
use super::status::{self, Status};
use super::{billing, check, store};
use crate::auth::roles::Permission;
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};

/// Parses the target of a transition.
pub fn target(to: &str) -> DomainResult<Status> {
    match Status::parse(to.trim()) {
        Some(s) if s != Status::Collected => Ok(s),
        _ => Err(DomainError::invalid_field(
            "/to",
            "invalid_value",
            "to is in_transit, received, in_process, resulted, rejected or cancelled",
        )),
    }
}

/// The permission a change of a specimen now in `current` needs: before receipt, collection
/// staff may hand it on; after receipt only the lab acts.
pub fn custody_permission(current: Status) -> Permission {
    if current.after_receipt() {
        Permission::SpecimenProcess
    } else {
        Permission::SpecimenCollect
    }
}

/// Moves specimen `id` to `req.to` (the caller's role checked against the move by `allowed`);
/// `lab` says what a receipt adds to the encounter.
pub fn transition_in(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    lab: billing::Settings,
    id: SpecimenId,
    expected: Option<i32>,
    req: TransitionRequest,
) -> DomainResult<SpecimenDoc> {
    let to = target(&req.to)?;
    ctx.require(to.permission())?;
    let cur = service::load_current(c, id, expected)?;
    let from = cur.status;
    status::check_transition(from, to)?;
    let mut errors = Vec::new();
    let note_max = 2000;
    let note = check::text(req.note.as_deref(), "/note", note_max, &mut errors);
    let location = check::text(req.location.as_deref(), "/location", 200, &mut errors);
    let condition = check::text(req.condition.as_deref(), "/condition", 200, &mut errors);
    let temperature_c = check::temperature(req.temperature_c, &mut errors);
    let mut next = cur.clone();
    match to {
        Status::Rejected => {
            next.reject_reason =
                check::reject_reason(codes, req.reject_reason.as_deref(), &mut errors);
            if note.is_none() {
                errors.push(crate::error::FieldError::new(
                    "/note",
                    "required",
                    "say what was wrong with the specimen",
                ));
            }
            next.reject_note = note.clone();
        }
        Status::Cancelled if note.is_none() => errors.push(crate::error::FieldError::new(
            "/note",
            "required",
            "say why the specimen is cancelled",
        )),
        _ if req.reject_reason.is_some() => errors.push(crate::error::FieldError::new(
            "/reject_reason",
            "not_allowed",
            "a reject reason goes only with to = rejected",
        )),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    let now = Timestamp::now();
    next.status = to;
    next.status_changed_at = now;
    if to == Status::Received {
        next.received_at = Some(now);
    }
    let from_location = cur.location.clone();
    if location.is_some() {
        next.location = location.clone();
    }
    let mut notes: Vec<String> = note.into_iter().collect();
    if to == Status::Received {
        notes.extend(billing::on_received(c, codes, ctx, lab, &mut next)?);
    }
    service::save_next(c, &cur, &mut next)?;
    record_event(c, &next, from, to)?;
    if to == Status::Rejected {
        notes.extend(billing::on_rejected(c, codes, ctx, &next)?);
    }
    let event = EventDraft {
        action: to.as_str().into(),
        from_status: Some(from),
        to_status: Some(to),
        from_location: location.as_ref().and(from_location),
        to_location: location,
        condition,
        temperature_c,
        note: Some(notes.join("; ")).filter(|n| !n.is_empty()),
    };
    service::finish(c, ctx, next, vec![event], to.as_str())
}

/// The event of a status change: received, rejected, or status_changed for the others.
fn record_event(
    c: &mut AnyConnection,
    sp: &Specimen,
    from: Status,
    to: Status,
) -> DomainResult<()> {
    use crate::events::{self, types};
    let kind = match to {
        Status::Received => types::SPECIMEN_RECEIVED,
        Status::Rejected => types::SPECIMEN_REJECTED,
        _ => types::SPECIMEN_STATUS_CHANGED,
    };
    let data = serde_json::json!({
        "specimen_id": sp.id, "accession_number": sp.accession_number,
        "status": to.as_str(), "from_status": from.as_str(),
    });
    events::record(c, kind, sp.id.0, sp.version, data)?;
    Ok(())
}

/// Records a hand-off: the location moves, the version goes up, an event is appended.
pub fn custody_in(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    id: SpecimenId,
    expected: Option<i32>,
    req: CustodyRequest,
) -> DomainResult<SpecimenDoc> {
    let cur = service::load_current(c, id, expected)?;
    let current = cur.status;
    ctx.require(custody_permission(current))?;
    if current.next().is_empty() && current != Status::Resulted {
        return Err(DomainError::conflict(format!(
            "a specimen that is {} takes no more hand-offs",
            current.as_str()
        ))
        .with_extension("current_status", serde_json::json!(current.as_str()))
        .with_extension("allowed_next", serde_json::json!([])));
    }
    let mut errors = Vec::new();
    let action = check::required_text(&req.action, "/action", &mut errors);
    if !action
        .chars()
        .all(|ch| ch.is_ascii_lowercase() || ch == '_')
        || action.len() > 40
    {
        errors.push(crate::error::FieldError::new(
            "/action",
            "invalid_action",
            "the action is a short snake_case word: handoff, stored, retrieved, shipped, ...",
        ));
    }
    let from = check::text(
        req.from_location.as_deref(),
        "/from_location",
        200,
        &mut errors,
    )
    .or_else(|| cur.location.clone());
    let to = check::required_text(&req.to_location, "/to_location", &mut errors);
    let condition = check::text(req.condition.as_deref(), "/condition", 200, &mut errors);
    let temperature_c = check::temperature(req.temperature_c, &mut errors);
    let note = check::text(req.note.as_deref(), "/note", 2000, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    let mut next = cur.clone();
    next.location = Some(to.clone());
    service::save_next(c, &cur, &mut next)?;
    let event = EventDraft {
        action: format!("custody:{action}"),
        from_location: from,
        to_location: Some(to),
        condition,
        temperature_c,
        note,
        ..EventDraft::default()
    };
    service::finish(c, ctx, next, vec![event], "custody")
}

/// Creates the recollection of rejected specimen `id`: a new specimen (new accession number)
/// with the same patient, encounter, provider, type and tests, linked by `recollection_of`;
/// the rejected one gets a `recollected` event naming it. Returns the new specimen.
pub fn recollect_in(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    id: SpecimenId,
    req: RecollectRequest,
) -> DomainResult<SpecimenDoc> {
    let old = service::load_current(c, id, None)?;
    let st = old.status;
    if st != Status::Rejected {
        return Err(DomainError::conflict(format!(
            "only a rejected specimen is recollected; this one is {}",
            st.as_str()
        ))
        .with_extension("current_status", serde_json::json!(st.as_str())));
    }
    if let Some(acc) = store::recollection_of(c, id)? {
        return Err(DomainError::conflict(format!(
            "this specimen was already recollected as {acc}"
        )));
    }
    let mut errors = Vec::new();
    let collected_at = check::collected_at(req.collected_at, &mut errors);
    let tests = check::tests(codes, &old.tests, collected_at, &mut errors);
    let (volume, volume_unit) = check::volume(req.volume, req.volume_unit.as_deref(), &mut errors);
    let collected_by = match req.collected_by.as_deref() {
        Some(cb) => check::required_text(cb, "/collected_by", &mut errors),
        None => ctx.caller.actor.clone(),
    };
    let container = check::text(req.container.as_deref(), "/container", 200, &mut errors)
        .or_else(|| old.container.clone());
    let notes = check::text(req.notes.as_deref(), "/notes", 2000, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    let now = Timestamp::now();
    let fresh = Specimen {
        id: SpecimenId::new(),
        accession_number: String::new(),
        volume,
        volume_unit,
        collected_at,
        collected_by,
        container,
        tests,
        status: Status::Collected,
        status_changed_at: now,
        location: None,
        reject_reason: None,
        reject_note: None,
        recollection_of: Some(old.id),
        received_at: None,
        billed_lines_added: false,
        notes,
        created_by: ctx.caller.actor.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
        ..old.clone()
    };
    let note = Some(format!("recollection of {}", old.accession_number));
    let doc = service::create_in(c, ctx, fresh, note)?;
    let mut next = old.clone();
    service::save_next(c, &old, &mut next)?;
    let event = EventDraft {
        action: "recollected".into(),
        note: Some(format!("recollected as {}", doc.specimen.accession_number)),
        ..EventDraft::default()
    };
    service::finish(c, ctx, next, vec![event], "recollect")?;
    Ok(doc)
}
