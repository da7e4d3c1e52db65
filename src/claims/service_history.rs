//! Storage of the history checks: every claim's service lines (`claim_services`), written when
//! the claim is created and read back for one patient, by date and code (indexed). The scrubber
//! itself stays pure: callers load with this module and pass the rows to `scrub::history`.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::claims::frequency::Frequency;
use crate::claims::model::ClaimId;
use crate::db::schema_claims::claims as cl;
use crate::db::schema_scrub::claim_services as cs;
use crate::db::AnyConnection;
use crate::encounters::model::EncounterId;
use crate::patients::model::PatientId;
use crate::scrub::history::{modifiers_key, BilledService};

/// One service line as the history keeps it.
#[derive(Debug, Clone)]
pub struct ServiceLine<'a> {
    /// The line's own date of service.
    pub date_of_service: NaiveDate,
    /// Procedure code as billed.
    pub code: &'a str,
    /// Modifiers as billed.
    pub modifiers: &'a [String],
    /// Units.
    pub units: i32,
}

/// Records the service lines of new claim `claim` (line numbers from 1, in order).
pub fn record(
    conn: &mut AnyConnection,
    claim: ClaimId,
    patient: PatientId,
    lines: &[ServiceLine<'_>],
) -> QueryResult<()> {
    record_many(conn, &[(claim, patient, lines.to_vec())])
}

/// What the history checks of one scrub need, read in one statement (see [`history`]).
#[derive(Debug, Clone, Default)]
pub struct ScrubHistory {
    /// Services on the dates asked for with the codes asked for (`claim.duplicate_service`).
    pub on_dates: Vec<BilledService>,
    /// Services of the limited codes on any date (`frequency.exceeded`).
    pub limited: Vec<BilledService>,
}

/// The services billed to `patient` on active claims of other encounters that the history
/// checks need: those with `codes` on `dates`, and those with `limited` codes (a subset of
/// `codes`, whose frequency periods reach back years) on any date. A claim is inactive when it
/// is a void (frequency 8) or when a replacement or void supersedes it (another claim's
/// `replaces_claim_id` names it). One statement however many codes and dates; rows come in
/// date, code, claim creation and line order.
pub fn history(
    conn: &mut AnyConnection,
    patient: PatientId,
    not_encounter: EncounterId,
    dates: &[NaiveDate],
    codes: &[String],
    limited: &[String],
) -> QueryResult<ScrubHistory> {
    if codes.is_empty() || (dates.is_empty() && limited.is_empty()) {
        return Ok(ScrubHistory::default());
    }
    type Row = (String, i32, NaiveDate, String, String, i32);
    // Built and run on the backend's own connection (the boxed query is built inside, so it
    // is boxed for that backend): every validate reads its history here, and through
    // `AnyConnection` diesel rendered the SQL text on every pass over the query.
    let rows: Vec<Row> = crate::on_backend!(conn, c => {
        let mut q = cs::table
            .inner_join(cl::table)
            .filter(cs::patient_id.eq(patient))
            .filter(cs::code.eq_any(codes))
            .into_boxed();
        q = match (dates.is_empty(), limited.is_empty()) {
            (false, true) => q.filter(cs::date_of_service.eq_any(dates)),
            (true, false) => q.filter(cs::code.eq_any(limited)),
            _ => q.filter(
                cs::date_of_service
                    .eq_any(dates)
                    .or(cs::code.eq_any(limited)),
            ),
        };
        q.filter(cl::encounter_id.ne(not_encounter))
            .filter(cl::frequency.ne(Frequency::Void))
            .filter(not_superseded())
            .select((
                cl::patient_control_number,
                cs::line_no,
                cs::date_of_service,
                cs::code,
                cs::modifiers,
                cs::units,
            ))
            .order((
                cs::date_of_service.asc(),
                cs::code.asc(),
                cl::created_at.asc(),
                cs::line_no.asc(),
            ))
            .load(c)
    })?;
    let mut out = ScrubHistory::default();
    for (claim_number, line_no, date_of_service, code, modifiers, units) in rows {
        let service = BilledService {
            claim_number,
            line_no,
            date_of_service,
            code,
            modifiers,
            units,
        };
        if limited.contains(&service.code) {
            out.limited.push(service.clone());
        }
        if dates.contains(&service.date_of_service) {
            out.on_dates.push(service);
        }
    }
    Ok(out)
}

/// Claims no other claim (a replacement or a void) names as superseded: plain SQL that both
/// backends read the same; `claims_replaces` indexes the lookup.
fn not_superseded() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(
        "NOT EXISTS (SELECT 1 FROM claims AS superseding \
         WHERE superseding.replaces_claim_id = claims.id)",
    )
}

/// A stored service as [`history_many`] reads it: the patient and encounter it was billed for.
pub type ChunkService = (PatientId, EncounterId, BilledService);

/// What [`history`] would read for each of many encounters of `patients` (at most 500), in one
/// statement: the services on active claims with `codes` on `dates` or with `limited` codes,
/// for every encounter (the caller filters per encounter), in [`history`]'s order.
pub fn history_many(
    conn: &mut AnyConnection,
    patients: &[PatientId],
    dates: &[NaiveDate],
    codes: &[String],
    limited: &[String],
) -> QueryResult<Vec<ChunkService>> {
    if patients.is_empty() || codes.is_empty() || (dates.is_empty() && limited.is_empty()) {
        return Ok(Vec::new());
    }
    type Row = (
        PatientId,
        EncounterId,
        String,
        i32,
        NaiveDate,
        String,
        String,
        i32,
    );
    let mut q = cs::table
        .inner_join(cl::table)
        .filter(cs::patient_id.eq_any(patients))
        .filter(cs::code.eq_any(codes))
        .into_boxed();
    q = match (dates.is_empty(), limited.is_empty()) {
        (false, true) => q.filter(cs::date_of_service.eq_any(dates)),
        (true, false) => q.filter(cs::code.eq_any(limited)),
        _ => q.filter(
            cs::date_of_service
                .eq_any(dates)
                .or(cs::code.eq_any(limited)),
        ),
    };
    let rows: Vec<Row> = q
        .filter(cl::frequency.ne(Frequency::Void))
        .filter(not_superseded())
        .select((
            cs::patient_id,
            cl::encounter_id,
            cl::patient_control_number,
            cs::line_no,
            cs::date_of_service,
            cs::code,
            cs::modifiers,
            cs::units,
        ))
        .order((
            cs::date_of_service.asc(),
            cs::code.asc(),
            cl::created_at.asc(),
            cs::line_no.asc(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(p, e, claim_number, line_no, date_of_service, code, modifiers, units)| {
                let s = BilledService {
                    claim_number,
                    line_no,
                    date_of_service,
                    code,
                    modifiers,
                    units,
                };
                (p, e, s)
            },
        )
        .collect())
}

/// [`history`] for one encounter out of what [`history_many`] read for its chunk.
pub fn history_of(
    read: &[ChunkService],
    patient: PatientId,
    not_encounter: EncounterId,
    dates: &[NaiveDate],
    codes: &[String],
    limited: &[String],
) -> ScrubHistory {
    let mut out = ScrubHistory::default();
    for (p, e, s) in read {
        if *p != patient || *e == not_encounter || !codes.contains(&s.code) {
            continue;
        }
        if limited.contains(&s.code) {
            out.limited.push(s.clone());
        }
        if dates.contains(&s.date_of_service) {
            out.on_dates.push(s.clone());
        }
    }
    out
}

/// The lines of a claim planned earlier in a batch and not written yet (claim number `pcn`,
/// for `patient`'s `encounter`), as [`history_many`] would read them once stored: the history
/// checks of the batch's later items must see them (two visits of one patient in one batch may
/// duplicate a service).
pub fn pending(
    patient: PatientId,
    encounter: EncounterId,
    pcn: &str,
    lines: &[ServiceLine<'_>],
) -> Vec<ChunkService> {
    lines
        .iter()
        .zip(1..)
        .map(|(l, line_no)| {
            let s = BilledService {
                claim_number: pcn.to_string(),
                line_no,
                date_of_service: l.date_of_service,
                code: l.code.trim().to_ascii_uppercase(),
                modifiers: modifiers_key(l.modifiers),
                units: l.units,
            };
            (patient, encounter, s)
        })
        .collect()
}

/// Adds to `found` the `pending` lines (see [`pending`]) [`history`] would have returned had
/// they been stored, keeping its order: by date and code, stored claims before the newer
/// pending ones.
pub fn merge_pending(
    found: &mut ScrubHistory,
    pending: &[ChunkService],
    patient: PatientId,
    not_encounter: EncounterId,
    args: (&[NaiveDate], &[String], &[String]),
) {
    let (dates, codes, limited) = args;
    let extra = history_of(pending, patient, not_encounter, dates, codes, limited);
    if extra.limited.is_empty() && extra.on_dates.is_empty() {
        return;
    }
    found.limited.extend(extra.limited);
    found.on_dates.extend(extra.on_dates);
    // Stable: within a date and code, stored claims stay first, then the batch's in order.
    let key = |s: &BilledService| (s.date_of_service, s.code.clone());
    found.limited.sort_by_key(key);
    found.on_dates.sort_by_key(key);
}

/// Records the service lines of many new claims, many rows per statement.
pub fn record_many(
    conn: &mut AnyConnection,
    claims: &[(ClaimId, PatientId, Vec<ServiceLine<'_>>)],
) -> QueryResult<()> {
    let rows: Vec<_> = claims
        .iter()
        .flat_map(|(claim, patient, lines)| {
            lines.iter().zip(1..).map(move |(l, line_no): (_, i32)| {
                (
                    cs::claim_id.eq(*claim),
                    cs::line_no.eq(line_no),
                    cs::patient_id.eq(*patient),
                    cs::date_of_service.eq(l.date_of_service),
                    cs::code.eq(l.code.trim().to_ascii_uppercase()),
                    cs::modifiers.eq(modifiers_key(l.modifiers)),
                    cs::units.eq(l.units),
                )
            })
        })
        .collect();
    // 7 columns x 500 rows: 3,500 parameters.
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(cs::table).values(chunk.to_vec());
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Claims backfilled per transaction (bounded so a large history does not hold the write lock
/// for long).
const BACKFILL_BATCH: i64 = 200;

/// Fills `claim_services` for claims created before the table existed (issue 20): every claim
/// without a row there gets its service lines from its snapshot. Idempotent (a claim with rows
/// is never touched again) and resumable (each batch commits on its own); run at start-up.
/// A snapshot that cannot be read is skipped with a warning naming the claim id (no PHI), so
/// one bad row does not stop the server. Returns the claims filled.
pub fn backfill(conn: &mut AnyConnection) -> QueryResult<usize> {
    use crate::claims::snapshot::Snapshot;
    let mut filled = 0;
    let mut skipped: HashSet<ClaimId> = HashSet::new();
    loop {
        let done = conn.write_transaction(|c| -> QueryResult<Option<usize>> {
            let missing: Vec<(ClaimId, PatientId, String)> = cl::table
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    cs::table.filter(cs::claim_id.eq(cl::id)),
                )))
                .filter(cl::id.ne_all(skipped.iter().copied().collect::<Vec<_>>()))
                .order(cl::id)
                .limit(BACKFILL_BATCH)
                .select((cl::id, cl::patient_id, cl::snapshot))
                .load(c)?;
            if missing.is_empty() {
                return Ok(None);
            }
            let mut n = 0;
            for (id, patient, snapshot) in missing {
                let Ok(snap) = serde_json::from_str::<Snapshot>(&snapshot) else {
                    tracing::warn!(claim = %id, "claim snapshot unreadable: history not backfilled");
                    skipped.insert(id);
                    continue;
                };
                if snap.lines.is_empty() {
                    // Nothing to record; remember it so the next batch moves on.
                    skipped.insert(id);
                    continue;
                }
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
                record(c, id, patient, &lines)?;
                n += 1;
            }
            Ok(Some(n))
        })?;
        match done {
            None => return Ok(filled),
            Some(n) => filled += n,
        }
    }
}
