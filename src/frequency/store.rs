//! Frequency rule queries.

use diesel::prelude::*;

use super::model::{FrequencyRule, FrequencyRuleId};
use crate::db::schema_frequency::frequency_rules as f;
use crate::db::AnyConnection;
use crate::payers::model::{Payer, PayerId};
use crate::scrub::frequency::FrequencyLimit;

/// Inserts a new rule.
pub fn insert(conn: &mut AnyConnection, r: &FrequencyRule) -> QueryResult<()> {
    // The period kind is written as text, so diesel takes the row by value.
    diesel::insert_into(f::table)
        .values(r.clone())
        .execute(conn)
        .map(|_| ())
}

/// Finds a rule by id.
pub fn find(conn: &mut AnyConnection, id: FrequencyRuleId) -> QueryResult<Option<FrequencyRule>> {
    f::table
        .find(id)
        .select(FrequencyRule::as_select())
        .first(conn)
        .optional()
}

/// Writes `r` (carrying its new version) if the stored version is still `r.version - 1`.
pub fn save(conn: &mut AnyConnection, r: &FrequencyRule) -> QueryResult<bool> {
    let n = diesel::update(f::table.find(r.id).filter(f::version.eq(r.version - 1)))
        .set(r.clone())
        .execute(conn)?;
    Ok(n == 1)
}

/// Filters for listing rules.
#[derive(Debug, Default, Clone)]
pub struct RuleFilter {
    /// Exact code, upper case.
    pub code: Option<String>,
    /// Rules of this payer only.
    pub payer_id: Option<PayerId>,
    /// Only active (true) or only deactivated (false) rules.
    pub active: Option<bool>,
}

/// Lists rules in id order after `after`, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    flt: &RuleFilter,
    after: Option<FrequencyRuleId>,
    limit: i64,
) -> QueryResult<Vec<FrequencyRule>> {
    let mut q = f::table.select(FrequencyRule::as_select()).into_boxed();
    if let Some(c) = &flt.code {
        q = q.filter(f::code.eq(c.clone()));
    }
    if let Some(p) = flt.payer_id {
        q = q.filter(f::payer_id.eq(p));
    }
    if let Some(a) = flt.active {
        q = q.filter(f::active.eq(a));
    }
    if let Some(a) = after {
        q = q.filter(f::id.gt(a));
    }
    q.order(f::id.asc()).limit(limit).load(conn)
}

/// The active limits on `codes` that apply to claims billed to `payer`: rules naming no payer
/// and no filing indicator, rules naming this payer, and rules naming its filing indicator.
pub fn applicable(
    conn: &mut AnyConnection,
    payer: &Payer,
    codes: &[String],
) -> QueryResult<Vec<FrequencyLimit>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    // On the backend's own connection (see `db::first_row`): the scrubber runs this on every
    // validate of a visit with a payer.
    let rows: Vec<FrequencyRule> = crate::on_backend!(conn, c => f::table
        .filter(f::active.eq(true))
        .filter(f::code.eq_any(codes))
        .filter(f::payer_id.is_null().or(f::payer_id.eq(payer.id)))
        .filter(
            f::claim_filing_indicator
                .is_null()
                .or(f::claim_filing_indicator.eq(&payer.claim_filing_indicator)),
        )
        .select(FrequencyRule::as_select())
        .order(f::id.asc())
        .load(c))?;
    Ok(rows.iter().map(FrequencyRule::limit).collect())
}

/// The seed keys already stored (active or not).
pub fn seed_keys(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    f::table
        .filter(f::seed_key.is_not_null())
        .select(f::seed_key)
        .load::<Option<String>>(conn)
        .map(|v| v.into_iter().flatten().collect())
}
