//! Coverage queries.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{Coverage, CoverageId};
use crate::db::schema::coverages as c;
use crate::db::schema::payers as py;
use crate::db::{first_row, AnyConnection};
use crate::on_backend;
use crate::patients::model::PatientId;
use crate::payers::model::{Payer, PayerId};

/// Inserts a new coverage.
pub fn insert(conn: &mut AnyConnection, cv: &Coverage) -> QueryResult<()> {
    diesel::insert_into(c::table)
        .values(cv)
        .execute(conn)
        .map(|_| ())
}

/// Finds a coverage by id.
pub fn find(conn: &mut AnyConnection, id: CoverageId) -> QueryResult<Option<Coverage>> {
    c::table
        .find(id)
        .select(Coverage::as_select())
        .first(conn)
        .optional()
}

/// Finds a coverage with its payer in one statement.
pub fn find_with_payer(
    conn: &mut AnyConnection,
    id: CoverageId,
) -> QueryResult<Option<(Coverage, Option<Payer>)>> {
    // No `LIMIT ?` (see `db::first_row`): the id is the key. On the backend's own connection:
    // every validate and encounter write reads its coverage here.
    on_backend!(conn, conn => first_row(
        c::table
            .left_join(py::table)
            .filter(c::id.eq(id))
            .select((Coverage::as_select(), Option::<Payer>::as_select())),
        conn
    ))
}

/// Finds many coverages with their payers (one chunk of at most 500 ids), in one statement,
/// in no order.
pub fn find_many_with_payer(
    conn: &mut AnyConnection,
    ids: &[CoverageId],
) -> QueryResult<Vec<(Coverage, Option<Payer>)>> {
    c::table
        .left_join(py::table)
        .filter(c::id.eq_any(ids))
        .select((Coverage::as_select(), Option::<Payer>::as_select()))
        .load(conn)
}

/// Writes `cv` (already carrying its new version) if the stored version is still
/// `cv.version - 1`; returns false when another write got there first. The patient and payer
/// never change.
pub fn save(conn: &mut AnyConnection, cv: &Coverage) -> QueryResult<bool> {
    let n = diesel::update(c::table.find(cv.id).filter(c::version.eq(cv.version - 1)))
        .set(cv)
        .execute(conn)?;
    Ok(n == 1)
}

/// Filters for listing coverages.
#[derive(Debug, Default, Clone)]
pub struct CoverageFilter {
    /// Only this patient's coverages.
    pub patient_id: Option<PatientId>,
    /// Only coverages with this payer.
    pub payer_id: Option<PayerId>,
    /// Exact priority.
    pub priority: Option<String>,
    /// Only active (true) or only deactivated (false) coverages.
    pub active: Option<bool>,
    /// Only coverages effective on this date (inclusive at both ends).
    pub active_on: Option<NaiveDate>,
}

/// Lists coverages in id (creation) order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    f: &CoverageFilter,
    after: Option<CoverageId>,
    limit: i64,
) -> QueryResult<Vec<Coverage>> {
    let mut q = c::table.select(Coverage::as_select()).into_boxed();
    if let Some(p) = f.patient_id {
        q = q.filter(c::patient_id.eq(p));
    }
    if let Some(p) = f.payer_id {
        q = q.filter(c::payer_id.eq(p));
    }
    if let Some(p) = &f.priority {
        q = q.filter(c::priority.eq(p.clone()));
    }
    if let Some(a) = f.active {
        q = q.filter(c::active.eq(a));
    }
    if let Some(d) = f.active_on {
        q = q
            .filter(c::effective_from.le(d))
            .filter(c::effective_to.is_null().or(c::effective_to.ge(d)));
    }
    if let Some(a) = after {
        q = q.filter(c::id.gt(a));
    }
    q.order(c::id.asc()).limit(limit).load(conn)
}
