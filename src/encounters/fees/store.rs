//! Fee schedule queries, including the price lookup used for lines sent without a charge.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{FeeSchedule, FeeScheduleId};
use crate::db::schema_encounters::fee_schedules as f;
use crate::db::AnyConnection;
use crate::payers::model::PayerId;

/// Inserts an entry.
pub fn insert(conn: &mut AnyConnection, fs: &FeeSchedule) -> QueryResult<()> {
    diesel::insert_into(f::table)
        .values(fs)
        .execute(conn)
        .map(|_| ())
}

/// Finds an entry.
pub fn find(conn: &mut AnyConnection, id: FeeScheduleId) -> QueryResult<Option<FeeSchedule>> {
    f::table
        .find(id)
        .select(FeeSchedule::as_select())
        .first(conn)
        .optional()
}

/// Writes `fs` if the stored version is still `fs.version - 1`.
pub fn save(conn: &mut AnyConnection, fs: &FeeSchedule) -> QueryResult<bool> {
    let n = diesel::update(f::table.find(fs.id).filter(f::version.eq(fs.version - 1)))
        .set(fs)
        .execute(conn)?;
    Ok(n == 1)
}

fn overlap(a: &FeeSchedule, b: &FeeSchedule) -> bool {
    let end = |x: &FeeSchedule| x.effective_to.unwrap_or(NaiveDate::MAX);
    a.effective_from <= end(b) && b.effective_from <= end(a)
}

/// Another entry for the same payer, code and modifier whose dates overlap `fs`'s.
pub fn overlapping(conn: &mut AnyConnection, fs: &FeeSchedule) -> QueryResult<Option<FeeSchedule>> {
    let mut q = f::table
        .select(FeeSchedule::as_select())
        .filter(f::code.eq(fs.code.clone()))
        .filter(f::id.ne(fs.id))
        .into_boxed();
    q = match fs.payer_id {
        Some(p) => q.filter(f::payer_id.eq(p)),
        None => q.filter(f::payer_id.is_null()),
    };
    q = match &fs.modifier {
        Some(m) => q.filter(f::modifier.eq(m.clone())),
        None => q.filter(f::modifier.is_null()),
    };
    let rows: Vec<FeeSchedule> = q.load(conn)?;
    Ok(rows.into_iter().find(|r| overlap(r, fs)))
}

/// The charge per unit of `code` on `date`: the payer's own price first, then the default;
/// within each, an entry for one of the line's modifiers before the entry for any line.
pub fn lookup(
    conn: &mut AnyConnection,
    payer: Option<PayerId>,
    code: &str,
    modifiers: &[String],
    date: NaiveDate,
) -> QueryResult<Option<i64>> {
    let mut q = f::table
        .select(FeeSchedule::as_select())
        .filter(f::code.eq(code.to_string()))
        .filter(f::effective_from.le(date))
        .filter(f::effective_to.is_null().or(f::effective_to.ge(date)))
        .into_boxed();
    q = match payer {
        Some(p) => q.filter(f::payer_id.eq(p).or(f::payer_id.is_null())),
        None => q.filter(f::payer_id.is_null()),
    };
    let rows: Vec<FeeSchedule> = q.load(conn)?;
    let rank = |r: &FeeSchedule| -> Option<u8> {
        let payer_rank = if r.payer_id.is_some() { 0 } else { 2 };
        match &r.modifier {
            None => Some(payer_rank + 1),
            Some(m) if modifiers.contains(m) => Some(payer_rank),
            Some(_) => None,
        }
    };
    Ok(rows
        .iter()
        .filter_map(|r| rank(r).map(|k| (k, r.charge_cents)))
        .min_by_key(|(k, _)| *k)
        .map(|(_, c)| c))
}

/// Filters of `GET /v1/fee-schedules`.
#[derive(Debug, Default, Clone)]
pub struct FeeFilter {
    /// Only this payer's entries.
    pub payer_id: Option<PayerId>,
    /// Only the office default entries (true) or only payer entries (false).
    pub default_only: Option<bool>,
    /// Exact code.
    pub code: Option<String>,
    /// Only entries effective on this date.
    pub active_on: Option<NaiveDate>,
}

/// Lists entries in id (creation) order after `after`.
pub fn list(
    conn: &mut AnyConnection,
    flt: &FeeFilter,
    after: Option<FeeScheduleId>,
    limit: i64,
) -> QueryResult<Vec<FeeSchedule>> {
    let mut q = f::table.select(FeeSchedule::as_select()).into_boxed();
    if let Some(p) = flt.payer_id {
        q = q.filter(f::payer_id.eq(p));
    }
    match flt.default_only {
        Some(true) => q = q.filter(f::payer_id.is_null()),
        Some(false) => q = q.filter(f::payer_id.is_not_null()),
        None => {}
    }
    if let Some(c) = &flt.code {
        q = q.filter(f::code.eq(c.clone()));
    }
    if let Some(d) = flt.active_on {
        q = q
            .filter(f::effective_from.le(d))
            .filter(f::effective_to.is_null().or(f::effective_to.ge(d)));
    }
    if let Some(a) = after {
        q = q.filter(f::id.gt(a));
    }
    q.order(f::id.asc()).limit(limit).load(conn)
}
