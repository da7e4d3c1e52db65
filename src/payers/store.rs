//! Payer queries.

use diesel::prelude::*;

use super::model::{Payer, PayerId};
use crate::db::schema::payers as p;
use crate::db::text::{like_prefix, lower};
use crate::db::AnyConnection;

/// Inserts a new payer.
pub fn insert(conn: &mut AnyConnection, py: &Payer) -> QueryResult<()> {
    diesel::insert_into(p::table)
        .values(py)
        .execute(conn)
        .map(|_| ())
}

/// Finds a payer by id.
pub fn find(conn: &mut AnyConnection, id: PayerId) -> QueryResult<Option<Payer>> {
    p::table
        .find(id)
        .select(Payer::as_select())
        .first(conn)
        .optional()
}

/// Writes `py` (already carrying its new version) if the stored version is still
/// `py.version - 1`; returns false when another write got there first.
pub fn save(conn: &mut AnyConnection, py: &Payer) -> QueryResult<bool> {
    let n = diesel::update(p::table.find(py.id).filter(p::version.eq(py.version - 1)))
        .set(py)
        .execute(conn)?;
    Ok(n == 1)
}

/// Filters for listing payers.
#[derive(Debug, Default, Clone)]
pub struct PayerFilter {
    /// Name starts with, lower case.
    pub name_prefix: Option<String>,
    /// Exact clearinghouse payer id.
    pub edi_payer_id: Option<String>,
    /// Exact claim filing indicator.
    pub claim_filing_indicator: Option<String>,
    /// Only active (true) or only deactivated (false) payers.
    pub active: Option<bool>,
}

/// Lists payers in id (creation) order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    f: &PayerFilter,
    after: Option<PayerId>,
    limit: i64,
) -> QueryResult<Vec<Payer>> {
    let mut q = p::table.select(Payer::as_select()).into_boxed();
    if let Some(n) = &f.name_prefix {
        q = q.filter(lower(p::name).like(like_prefix(n)).escape('\\'));
    }
    if let Some(e) = &f.edi_payer_id {
        q = q.filter(p::edi_payer_id.eq(e.clone()));
    }
    if let Some(c) = &f.claim_filing_indicator {
        q = q.filter(p::claim_filing_indicator.eq(c.clone()));
    }
    if let Some(a) = f.active {
        q = q.filter(p::active.eq(a));
    }
    if let Some(a) = after {
        q = q.filter(p::id.gt(a));
    }
    q.order(p::id.asc()).limit(limit).load(conn)
}
