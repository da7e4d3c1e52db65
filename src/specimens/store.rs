//! Specimen queries: the row, its events (append-only), lookups and the lab's lists.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sqlite::Sqlite;

use super::model::{EventDraft, Specimen, SpecimenDoc, SpecimenEvent, SpecimenEventId, SpecimenId};
use super::status::Status;
use crate::db::schema_specimens::{specimen_events as ev, specimens as s};
use crate::db::types::Timestamp;
use crate::db::{first_row, AnyConnection};
use crate::encounters::model::EncounterId;
use crate::on_backend;
use crate::patients::model::PatientId;

/// The INSERT of a new specimen, to run with its first event, audit row and event
/// ([`crate::db::chained`]).
pub fn insert_statement(sp: &Specimen) -> impl QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId {
    // The tests are written as JSON text, so diesel takes the row by value.
    diesel::insert_into(s::table).values(sp.clone())
}

/// A new specimen's first custody event (number 1), built from `draft`.
pub fn first_event(id: SpecimenId, actor: &str, draft: EventDraft) -> SpecimenEvent {
    event_from(id, 1, actor, Timestamp::now(), draft)
}

/// The INSERT of one custody event.
pub fn event_insert_statement(
    e: &SpecimenEvent,
) -> impl QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId + '_ {
    diesel::insert_into(ev::table).values(e)
}

fn event_from(
    id: SpecimenId,
    seq: i32,
    actor: &str,
    at: Timestamp,
    d: EventDraft,
) -> SpecimenEvent {
    SpecimenEvent {
        id: SpecimenEventId::new(),
        specimen_id: id,
        seq,
        action: d.action,
        from_status: d.from_status,
        to_status: d.to_status,
        from_location: d.from_location,
        to_location: d.to_location,
        condition: d.condition,
        temperature_c: d.temperature_c,
        actor: actor.to_string(),
        at,
        note: d.note,
    }
}

/// Writes `sp` (already carrying its new version) if the stored version is still
/// `sp.version - 1`; false when another write got there first. Identity fields
/// (id, accession number, patient, creator) never change.
pub fn save(conn: &mut AnyConnection, sp: &Specimen) -> QueryResult<bool> {
    diesel::update(s::table.find(sp.id).filter(s::version.eq(sp.version - 1)))
        .set(sp.clone())
        .execute(conn)
        .map(|n| n == 1)
}

/// Finds a specimen (without events).
pub fn find(conn: &mut AnyConnection, id: SpecimenId) -> QueryResult<Option<Specimen>> {
    on_backend!(conn, c => first_row(s::table.find(id).select(Specimen::as_select()), c))
}

/// The events of a specimen in order.
pub fn events(conn: &mut AnyConnection, id: SpecimenId) -> QueryResult<Vec<SpecimenEvent>> {
    on_backend!(conn, c => ev::table
        .filter(ev::specimen_id.eq(id))
        .order(ev::seq.asc())
        .select(SpecimenEvent::as_select())
        .load(c))
}

/// Loads a specimen with its events.
pub fn load(conn: &mut AnyConnection, id: SpecimenId) -> QueryResult<Option<SpecimenDoc>> {
    let Some(specimen) = find(conn, id)? else {
        return Ok(None);
    };
    let events = events(conn, id)?;
    Ok(Some(SpecimenDoc { specimen, events }))
}

/// Loads a specimen by accession number, with its events: two statements (the specimen by its
/// unique accession number, then its events), each a round trip on PostgreSQL, where an
/// audited lookup runs them one after another on the audit writer.
pub fn load_by_accession(
    conn: &mut AnyConnection,
    accession: &str,
) -> QueryResult<Option<SpecimenDoc>> {
    // No `LIMIT ?` (see `db::first_row`): accession numbers are unique.
    let found: Option<Specimen> = on_backend!(conn, c => first_row(
        s::table
            .filter(s::accession_number.eq(accession))
            .select(Specimen::as_select()),
        c
    ))?;
    let Some(specimen) = found else {
        return Ok(None);
    };
    let events = events(conn, specimen.id)?;
    Ok(Some(SpecimenDoc { specimen, events }))
}

/// Appends events after the specimen's last one; returns them as stored.
pub fn append_events(
    conn: &mut AnyConnection,
    id: SpecimenId,
    actor: &str,
    drafts: Vec<EventDraft>,
) -> QueryResult<Vec<SpecimenEvent>> {
    let last: Option<i32> = ev::table
        .filter(ev::specimen_id.eq(id))
        .select(diesel::dsl::max(ev::seq))
        .first(conn)?;
    let at = Timestamp::now();
    let mut out = Vec::with_capacity(drafts.len());
    for (seq, d) in (last.unwrap_or(0) + 1..).zip(drafts) {
        let e = event_from(id, seq, actor, at, d);
        diesel::insert_into(ev::table).values(&e).execute(conn)?;
        out.push(e);
    }
    Ok(out)
}

/// The specimen that recollects `id`, if one was made.
pub fn recollection_of(conn: &mut AnyConnection, id: SpecimenId) -> QueryResult<Option<String>> {
    s::table
        .filter(s::recollection_of.eq(id))
        .select(s::accession_number)
        .first(conn)
        .optional()
}

/// A rejected specimen of an encounter, for the scrubber's finding on the lines it holds.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct RejectedSpecimen {
    /// Specimen id.
    pub id: SpecimenId,
    /// Accession number.
    pub accession_number: String,
    /// HL7 0490 reason code.
    pub reject_reason: Option<String>,
    /// The lab's words.
    pub reject_note: Option<String>,
}

/// The rejected specimens of encounter `id`.
pub fn rejected_for_encounter(
    conn: &mut AnyConnection,
    id: EncounterId,
) -> QueryResult<Vec<RejectedSpecimen>> {
    // On the backend's own connection: a validate of an encounter with a held line reads this.
    on_backend!(conn, c => s::table
        .filter(s::encounter_id.eq(id))
        .filter(s::status.eq(Status::Rejected))
        .select((s::id, s::accession_number, s::reject_reason, s::reject_note))
        .load(c))
}

/// Filters of the lab's lists.
#[derive(Debug, Default, Clone)]
pub struct SpecimenFilter {
    /// Exact status.
    pub status: Option<Status>,
    /// Exact type.
    pub specimen_type: Option<String>,
    /// Exact priority.
    pub priority: Option<String>,
    /// The patient.
    pub patient_id: Option<PatientId>,
    /// Collected at or after.
    pub collected_from: Option<Timestamp>,
    /// Collected before.
    pub collected_before: Option<Timestamp>,
    /// In transit since before this instant.
    pub in_transit_since_before: Option<Timestamp>,
}

/// Lists specimens in id (creation) order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    f: &SpecimenFilter,
    after: Option<SpecimenId>,
    limit: i64,
) -> QueryResult<Vec<Specimen>> {
    let mut q = s::table.select(Specimen::as_select()).into_boxed();
    if let Some(v) = f.status {
        q = q.filter(s::status.eq(v));
    }
    if let Some(v) = &f.specimen_type {
        q = q.filter(s::specimen_type.eq(v.clone()));
    }
    if let Some(v) = &f.priority {
        q = q.filter(s::priority.eq(v.clone()));
    }
    if let Some(v) = f.patient_id {
        q = q.filter(s::patient_id.eq(v));
    }
    if let Some(v) = f.collected_from {
        q = q.filter(s::collected_at.ge(v));
    }
    if let Some(v) = f.collected_before {
        q = q.filter(s::collected_at.lt(v));
    }
    if let Some(v) = f.in_transit_since_before {
        q = q
            .filter(s::status.eq(Status::InTransit))
            .filter(s::status_changed_at.lt(v));
    }
    if let Some(a) = after {
        q = q.filter(s::id.gt(a));
    }
    q.order(s::id.asc()).limit(limit).load(conn)
}
