//! Patient queries.

use super::model::{Patient, PatientId};
use crate::db::schema::patients as p;
use crate::db::text::like_prefix;
use crate::db::{first_row, AnyConnection};
use crate::on_backend;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sqlite::Sqlite;

/// Lower-cased names kept beside the record so name search can use an index on both backends.
fn search_keys(pt: &Patient) -> (String, String) {
    (
        pt.first_name.trim().to_lowercase(),
        pt.last_name.trim().to_lowercase(),
    )
}

/// The INSERT of a new patient, to run with its audit row and event ([`crate::db::chained`]).
pub fn insert_statement(
    pt: &Patient,
) -> impl QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId + '_ {
    let (first, last) = search_keys(pt);
    diesel::insert_into(p::table).values((pt, p::search_first.eq(first), p::search_last.eq(last)))
}

/// Finds a patient by id.
pub fn find(conn: &mut AnyConnection, id: PatientId) -> QueryResult<Option<Patient>> {
    // No `LIMIT ?`, on the backend's own connection (see `db::first_row`): the id is the key,
    // and every audited patient read runs this on the audit writer.
    on_backend!(conn, c => first_row(p::table.find(id).select(Patient::as_select()), c))
}

/// Finds many patients by id (one chunk of at most 500 ids), in no order.
pub fn find_many(conn: &mut AnyConnection, ids: &[PatientId]) -> QueryResult<Vec<Patient>> {
    p::table
        .filter(p::id.eq_any(ids))
        .select(Patient::as_select())
        .load(conn)
}

/// Writes `pt` (already carrying its new version) if the stored version is still
/// `pt.version - 1`; returns false when another write got there first.
pub fn save(conn: &mut AnyConnection, pt: &Patient) -> QueryResult<bool> {
    let (first, last) = search_keys(pt);
    let n = diesel::update(p::table.find(pt.id).filter(p::version.eq(pt.version - 1)))
        .set((pt, p::search_first.eq(first), p::search_last.eq(last)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Filters for listing and searching patients.
#[derive(Debug, Default, Clone)]
pub struct PatientFilter {
    /// Exact MRN.
    pub mrn: Option<String>,
    /// Each word must start the first or last name (case-insensitive).
    pub name_words: Vec<String>,
    /// Last name starts with (lower case).
    pub last_name_prefix: Option<String>,
    /// First name starts with (lower case).
    pub first_name_prefix: Option<String>,
    /// Exact birth date.
    pub birth_date: Option<chrono::NaiveDate>,
    /// Only active (true) or only deactivated (false) patients.
    pub active: Option<bool>,
}

/// Lists patients in id (creation) order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    f: &PatientFilter,
    after: Option<PatientId>,
    limit: i64,
) -> QueryResult<Vec<Patient>> {
    let mut q = p::table.select(Patient::as_select()).into_boxed();
    if let Some(mrn) = &f.mrn {
        q = q.filter(p::mrn.eq(mrn.clone()));
    }
    for w in &f.name_words {
        let pat = like_prefix(w);
        q = q.filter(
            p::search_last
                .like(pat.clone())
                .escape('\\')
                .or(p::search_first.like(pat).escape('\\')),
        );
    }
    if let Some(l) = &f.last_name_prefix {
        q = q.filter(p::search_last.like(like_prefix(l)).escape('\\'));
    }
    if let Some(fi) = &f.first_name_prefix {
        q = q.filter(p::search_first.like(like_prefix(fi)).escape('\\'));
    }
    if let Some(d) = f.birth_date {
        q = q.filter(p::birth_date.eq(d));
    }
    if let Some(a) = f.active {
        q = q.filter(p::active.eq(a));
    }
    if let Some(a) = after {
        q = q.filter(p::id.gt(a));
    }
    q.order(p::id.asc()).limit(limit).load(conn)
}
