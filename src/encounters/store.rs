//! Encounter queries: the header row, its diagnoses, lines and overrides, and the work queue.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::check::{displayed_diagnosis, stored_diagnosis};
use super::model::{Encounter, EncounterDoc, EncounterId, FindingOverride, Line, LineId};
use super::status::Status;
use crate::db::schema_encounters::{
    encounter_diagnoses as d, encounter_lines as l, encounters as e, finding_overrides as o,
};
use crate::db::AnyConnection;
use crate::on_backend;
use crate::patients::model::PatientId;
use crate::payers::model::PayerId;
use crate::providers::model::ProviderId;
use crate::specimens::model::SpecimenId;

/// Inserts a new encounter header.
pub fn insert_header(conn: &mut AnyConnection, h: &Encounter) -> QueryResult<()> {
    diesel::insert_into(e::table)
        .values(h)
        .execute(conn)
        .map(|_| ())
}

/// Writes `h` (already carrying its new version) if the stored version is still
/// `h.version - 1`; false when another write got there first.
pub fn save_header(conn: &mut AnyConnection, h: &Encounter) -> QueryResult<bool> {
    write_header(conn, h, h.version - 1).map(|n| n == 1)
}

fn write_header(conn: &mut AnyConnection, h: &Encounter, prior: i32) -> QueryResult<usize> {
    diesel::update(e::table.find(h.id).filter(e::version.eq(prior)))
        .set(h)
        .execute(conn)
}

/// Records the scrubber counts of the current version without changing the version.
pub fn set_counts(
    conn: &mut AnyConnection,
    id: EncounterId,
    version: i32,
    errors: i32,
    warnings: i32,
) -> QueryResult<()> {
    diesel::update(e::table.find(id).filter(e::version.eq(version)))
        .set((e::error_count.eq(errors), e::warning_count.eq(warnings)))
        .execute(conn)
        .map(|_| ())
}

/// Finds an encounter header.
pub fn find_header(conn: &mut AnyConnection, id: EncounterId) -> QueryResult<Option<Encounter>> {
    e::table
        .find(id)
        .select(Encounter::as_select())
        .first(conn)
        .optional()
}

/// Loads the whole document, or None: the header with its lines in one statement, then the
/// diagnoses and the overrides.
pub fn load(conn: &mut AnyConnection, id: EncounterId) -> QueryResult<Option<EncounterDoc>> {
    // All three on the backend's own connection (see `db::first_row`): every validate and
    // every encounter write starts here, and through `AnyConnection` diesel rendered each
    // statement's SQL text on every run.
    let rows: Vec<(Encounter, Option<LineRow>)> = on_backend!(conn, c => e::table
        .left_join(l::table)
        .filter(e::id.eq(id))
        .order(l::position.asc())
        .select((Encounter::as_select(), Option::<LineRow>::as_select()))
        .load(c))?;
    let mut rows = rows.into_iter();
    let Some((header, first)) = rows.next() else {
        return Ok(None);
    };
    let lines = first
        .into_iter()
        .chain(rows.filter_map(|(_, line)| line))
        .map(Line::from)
        .collect();
    let diagnoses: Vec<String> = on_backend!(conn, c => d::table
        .filter(d::encounter_id.eq(id))
        .order(d::position.asc())
        .select(d::code)
        .load::<String>(c))?;
    let diagnoses = diagnoses.iter().map(|c| displayed_diagnosis(c)).collect();
    let overrides: Vec<FindingOverride> = on_backend!(conn, c => o::table
        .filter(o::encounter_id.eq(id))
        .order(o::at.asc())
        .select(FindingOverride::as_select())
        .load(c))?;
    Ok(Some(EncounterDoc {
        header,
        diagnoses,
        lines,
        overrides,
    }))
}

/// Loads many documents (one chunk of at most 500 ids) as [`load`] does one, in three
/// statements however many; ids not found are absent. On PostgreSQL the headers are locked
/// first (in id order) for the rest of the transaction, so a batch that plans on them cannot
/// lose a race to another writer; SQLite's write transaction already excludes every writer.
pub fn load_many_locked(
    conn: &mut AnyConnection,
    ids: &[EncounterId],
) -> QueryResult<HashMap<EncounterId, EncounterDoc>> {
    if let AnyConnection::Postgres(pg) = conn {
        e::table
            .filter(e::id.eq_any(ids))
            .order(e::id.asc())
            .select(e::id)
            .for_update()
            .load::<EncounterId>(pg)?;
    }
    let rows: Vec<(Encounter, Option<LineRow>)> = e::table
        .left_join(l::table)
        .filter(e::id.eq_any(ids))
        .order((e::id.asc(), l::position.asc()))
        .select((Encounter::as_select(), Option::<LineRow>::as_select()))
        .load(conn)?;
    let mut docs: HashMap<EncounterId, EncounterDoc> = HashMap::new();
    for (header, line) in rows {
        let doc = docs.entry(header.id).or_insert_with(|| EncounterDoc {
            header,
            diagnoses: Vec::new(),
            lines: Vec::new(),
            overrides: Vec::new(),
        });
        doc.lines.extend(line.map(Line::from));
    }
    let diagnoses: Vec<(EncounterId, String)> = d::table
        .filter(d::encounter_id.eq_any(ids))
        .order((d::encounter_id.asc(), d::position.asc()))
        .select((d::encounter_id, d::code))
        .load(conn)?;
    for (id, code) in diagnoses {
        if let Some(doc) = docs.get_mut(&id) {
            doc.diagnoses.push(displayed_diagnosis(&code));
        }
    }
    let overrides: Vec<FindingOverride> = o::table
        .filter(o::encounter_id.eq_any(ids))
        .order(o::at.asc())
        .select(FindingOverride::as_select())
        .load(conn)?;
    for ov in overrides {
        if let Some(doc) = docs.get_mut(&ov.encounter_id) {
            doc.overrides.push(ov);
        }
    }
    Ok(docs)
}

/// Moves the coded encounters `ids` to billed with the given payer and scrub counts, bumping
/// each version; answers how many were still coded.
pub fn set_billed(
    conn: &mut AnyConnection,
    ids: &[EncounterId],
    payer: Option<PayerId>,
    counts: (i32, i32),
    at: crate::db::types::Timestamp,
) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += diesel::update(
            e::table
                .filter(e::id.eq_any(chunk))
                .filter(e::status.eq(Status::Coded)),
        )
        .set((
            e::status.eq(Status::Billed),
            e::hold_reason.eq(None::<String>),
            e::payer_id.eq(payer),
            e::error_count.eq(counts.0),
            e::warning_count.eq(counts.1),
            e::version.eq(e::version + 1),
            e::updated_at.eq(at),
        ))
        .execute(conn)?;
    }
    Ok(n)
}

/// One stored diagnosis of an encounter: its position in the list and the code without the dot.
#[derive(Insertable)]
#[diesel(table_name = d)]
struct DiagnosisRow<'a> {
    encounter_id: EncounterId,
    position: i32,
    code: &'a str,
}

/// Replaces the diagnosis list (display forms, stored without the dot).
pub fn replace_diagnoses(
    conn: &mut AnyConnection,
    id: EncounterId,
    codes: &[String],
) -> QueryResult<()> {
    diesel::delete(d::table.filter(d::encounter_id.eq(id))).execute(conn)?;
    let stored: Vec<String> = codes.iter().map(|c| stored_diagnosis(c)).collect();
    for (i, code) in stored.iter().enumerate() {
        // One row per statement: diesel's multi backend cannot batch-insert.
        let row = DiagnosisRow {
            encounter_id: id,
            position: i as i32,
            code,
        };
        diesel::insert_into(d::table).values(&row).execute(conn)?;
    }
    Ok(())
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(",")
}

/// Replaces the line list; lines keep their ids.
pub fn replace_lines(conn: &mut AnyConnection, id: EncounterId, lines: &[Line]) -> QueryResult<()> {
    diesel::delete(l::table.filter(l::encounter_id.eq(id))).execute(conn)?;
    for (i, ln) in lines.iter().enumerate() {
        diesel::insert_into(l::table)
            .values(LineRow::stored(id, i as i32, ln))
            .execute(conn)?;
    }
    Ok(())
}

/// Stores an override.
pub fn insert_override(conn: &mut AnyConnection, ov: &FindingOverride) -> QueryResult<()> {
    diesel::insert_into(o::table)
        .values(ov)
        .execute(conn)
        .map(|_| ())
}

/// A line as stored: lists are comma-separated text.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema_encounters::encounter_lines)]
struct LineRow {
    id: LineId,
    encounter_id: EncounterId,
    position: i32,
    code: String,
    code_system: String,
    modifiers: String,
    units: i32,
    charge_cents: i64,
    charge_source: String,
    diagnosis_pointers: String,
    date_of_service: Option<NaiveDate>,
    place_of_service: Option<String>,
    ndc: Option<String>,
    ndc_quantity: Option<f64>,
    ndc_unit: Option<String>,
    // Typed so that diesel binds it as a nullable portable UUID.
    specimen_id: Option<SpecimenId>,
    on_hold: bool,
}

impl LineRow {
    /// Line `ln` at `position` of encounter `encounter_id`, its lists joined.
    fn stored(encounter_id: EncounterId, position: i32, ln: &Line) -> LineRow {
        LineRow {
            id: ln.id,
            encounter_id,
            position,
            code: ln.code.clone(),
            code_system: ln.code_system.clone(),
            modifiers: ln.modifiers.join(","),
            units: ln.units,
            charge_cents: ln.charge_cents,
            charge_source: ln.charge_source.clone(),
            diagnosis_pointers: join(ln.diagnosis_pointers.iter().map(i32::to_string)),
            date_of_service: ln.date_of_service,
            place_of_service: ln.place_of_service.clone(),
            ndc: ln.ndc.clone(),
            ndc_quantity: ln.ndc_quantity,
            ndc_unit: ln.ndc_unit.clone(),
            specimen_id: ln.specimen_id.map(SpecimenId),
            on_hold: ln.on_hold,
        }
    }
}

impl From<LineRow> for Line {
    fn from(r: LineRow) -> Self {
        let split = |s: &str| {
            s.split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        Line {
            id: r.id,
            code: r.code,
            code_system: r.code_system,
            modifiers: split(&r.modifiers),
            units: r.units,
            charge_cents: r.charge_cents,
            charge_source: r.charge_source,
            diagnosis_pointers: split(&r.diagnosis_pointers)
                .iter()
                .filter_map(|p| p.parse().ok())
                .collect(),
            date_of_service: r.date_of_service,
            place_of_service: r.place_of_service,
            ndc: r.ndc,
            ndc_quantity: r.ndc_quantity,
            ndc_unit: r.ndc_unit,
            specimen_id: r.specimen_id.map(|s| s.0),
            on_hold: r.on_hold,
        }
    }
}

/// Work-queue filters.
#[derive(Debug, Default, Clone)]
pub struct EncounterFilter {
    /// Exact status.
    pub status: Option<Status>,
    /// Date of service on or after.
    pub from: Option<NaiveDate>,
    /// Date of service on or before.
    pub to: Option<NaiveDate>,
    /// Rendering or billing provider.
    pub provider_id: Option<ProviderId>,
    /// Payer of the coverage billed.
    pub payer_id: Option<PayerId>,
    /// The patient.
    pub patient_id: Option<PatientId>,
    /// true: with unoverridden errors; false: without.
    pub has_errors: Option<bool>,
}

/// Lists encounter headers in id (creation) order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    f: &EncounterFilter,
    after: Option<EncounterId>,
    limit: i64,
) -> QueryResult<Vec<Encounter>> {
    let mut q = e::table.select(Encounter::as_select()).into_boxed();
    if let Some(s) = f.status {
        q = q.filter(e::status.eq(s));
    }
    if let Some(d) = f.from {
        q = q.filter(e::date_of_service.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(e::date_of_service.le(d));
    }
    if let Some(p) = f.provider_id {
        q = q.filter(
            e::rendering_provider_id
                .eq(p)
                .or(e::billing_provider_id.eq(p)),
        );
    }
    if let Some(p) = f.payer_id {
        q = q.filter(e::payer_id.eq(p));
    }
    if let Some(p) = f.patient_id {
        q = q.filter(e::patient_id.eq(p));
    }
    match f.has_errors {
        Some(true) => q = q.filter(e::error_count.gt(0)),
        Some(false) => q = q.filter(e::error_count.eq(0)),
        None => {}
    }
    if let Some(a) = after {
        q = q.filter(e::id.gt(a));
    }
    q.order(e::id.asc()).limit(limit).load(conn)
}
