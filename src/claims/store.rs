//! Claim queries: rows, history events and the filtered list.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{ClaimEvent, ClaimId, ClaimRow, EventCode, EventId};
use super::status::Status;
use crate::db::schema_claims::{claim_events as ev, claims as cl};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::payers::model::PayerId;

/// Inserts a new claim.
pub fn insert(conn: &mut AnyConnection, row: &ClaimRow) -> QueryResult<()> {
    diesel::insert_into(cl::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Finds a claim.
pub fn find(conn: &mut AnyConnection, id: ClaimId) -> QueryResult<Option<ClaimRow>> {
    cl::table
        .find(id)
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()
}

/// Finds a claim by its patient control number (CLM01).
pub fn find_by_pcn(conn: &mut AnyConnection, pcn: &str) -> QueryResult<Option<ClaimRow>> {
    cl::table
        .filter(cl::patient_control_number.eq(pcn))
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()
}

/// The claims of an encounter, oldest first.
pub fn for_encounter(
    conn: &mut AnyConnection,
    encounter: crate::encounters::model::EncounterId,
) -> QueryResult<Vec<ClaimRow>> {
    cl::table
        .filter(cl::encounter_id.eq(encounter))
        .order(cl::id.asc())
        .select(ClaimRow::as_select())
        .load(conn)
}

/// The claims of many encounters (one chunk of ids), each encounter's oldest first.
pub fn for_encounters(
    conn: &mut AnyConnection,
    encounters: &[crate::encounters::model::EncounterId],
) -> QueryResult<Vec<ClaimRow>> {
    cl::table
        .filter(cl::encounter_id.eq_any(encounters))
        .order(cl::id.asc())
        .select(ClaimRow::as_select())
        .load(conn)
}

/// The claims that replace or void `id`.
pub fn replacements(conn: &mut AnyConnection, id: ClaimId) -> QueryResult<Vec<ClaimRow>> {
    cl::table
        .filter(cl::replaces_claim_id.eq(id))
        .select(ClaimRow::as_select())
        .load(conn)
}

/// A new history event.
pub fn event(
    claim_id: ClaimId,
    from: Option<Status>,
    to: Status,
    actor: &str,
    reason: Option<String>,
    codes: &[EventCode],
) -> ClaimEvent {
    ClaimEvent {
        id: EventId::new(),
        claim_id,
        from_status: from,
        to_status: to,
        actor: actor.to_string(),
        at: Timestamp::now(),
        reason,
        codes: if codes.is_empty() {
            None
        } else {
            serde_json::to_string(codes).ok()
        },
    }
}

/// Appends history events (many at once: the worker records a whole interchange), and the
/// `claim.<status>` event (issue 15) of each that changes the status: every claim transition
/// passes here, so this is where claims emit.
pub fn insert_events(conn: &mut AnyConnection, events: &[ClaimEvent]) -> QueryResult<usize> {
    let mut n = 0;
    // 8 columns x 100 rows stays well under SQLite's bound-parameter limit.
    for chunk in events.chunks(100) {
        let insert = diesel::insert_into(ev::table).values(chunk);
        n += match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
        emit(conn, chunk)?;
    }
    Ok(n)
}

fn emit(conn: &mut AnyConnection, chunk: &[ClaimEvent]) -> QueryResult<()> {
    let moves: Vec<_> = chunk
        .iter()
        .filter(|e| e.from_status != Some(e.to_status))
        .filter_map(|e| {
            crate::events::types::for_claim_status(e.to_status.as_str()).map(|t| (e, t))
        })
        .collect();
    if moves.is_empty() {
        return Ok(());
    }
    let ids: Vec<ClaimId> = moves.iter().map(|(e, _)| e.claim_id).collect();
    let versions: std::collections::HashMap<ClaimId, i32> = cl::table
        .filter(cl::id.eq_any(ids))
        .select((cl::id, cl::version))
        .load(conn)?
        .into_iter()
        .collect();
    let events: Vec<crate::events::NewEvent> = moves
        .into_iter()
        .map(|(e, kind)| {
            let data = serde_json::json!({
                "claim_id": e.claim_id, "status": e.to_status, "from_status": e.from_status,
            });
            let version = versions.get(&e.claim_id).copied().unwrap_or(1);
            (kind, e.claim_id.0, version, data)
        })
        .collect();
    crate::events::record_many(conn, &events)
}

/// The history of a claim, oldest first.
pub fn events(conn: &mut AnyConnection, id: ClaimId) -> QueryResult<Vec<ClaimEvent>> {
    ev::table
        .filter(ev::claim_id.eq(id))
        .order(ev::id.asc())
        .select(ClaimEvent::as_select())
        .load(conn)
}

/// Moves claim `id` from `from` to `to` (bumping its version); false when it was not in `from`.
pub fn set_status(
    conn: &mut AnyConnection,
    id: ClaimId,
    from: Status,
    to: Status,
    payer_claim_number: Option<&str>,
) -> QueryResult<bool> {
    let now = Timestamp::now();
    let target = cl::table.find(id).filter(cl::status.eq(from));
    let n = match payer_claim_number {
        Some(p) => diesel::update(target)
            .set((
                cl::status.eq(to),
                cl::payer_claim_number.eq(p),
                cl::version.eq(cl::version + 1),
                cl::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                cl::status.eq(to),
                cl::version.eq(cl::version + 1),
                cl::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    /// Status.
    pub status: Option<Status>,
    /// Payer.
    pub payer_id: Option<PayerId>,
    /// Date of service on or after.
    pub from: Option<NaiveDate>,
    /// Date of service on or before.
    pub to: Option<NaiveDate>,
    /// Submitted before this instant and still waiting on an answer (submitted, or accepted
    /// and not yet paid).
    pub submitted_before: Option<Timestamp>,
    /// Continue after this id.
    pub after: Option<ClaimId>,
}

/// Claims matching `f` in id (creation) order, at most `limit`.
pub fn list(conn: &mut AnyConnection, f: &ClaimFilter, limit: i64) -> QueryResult<Vec<ClaimRow>> {
    let mut q = cl::table.select(ClaimRow::as_select()).into_boxed();
    if let Some(s) = f.status {
        q = q.filter(cl::status.eq(s));
    }
    if let Some(p) = f.payer_id {
        q = q.filter(cl::payer_id.eq(p));
    }
    if let Some(d) = f.from {
        q = q.filter(cl::date_of_service.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(cl::date_of_service.le(d));
    }
    if let Some(t) = f.submitted_before {
        // Only claims still waiting on an answer: a rejected or superseded one is not.
        q = q
            .filter(cl::submitted_at.lt(t))
            .filter(cl::status.eq_any(super::status::WAITING));
    }
    if let Some(a) = f.after {
        q = q.filter(cl::id.gt(a));
    }
    q.order(cl::id.asc()).limit(limit).load(conn)
}
