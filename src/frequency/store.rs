//! Frequency rule queries.

use diesel::prelude::*;

use super::model::{FrequencyRule, FrequencyRuleId};
use crate::db::schema_frequency::frequency_rules as f;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::payers::model::{Payer, PayerId};
use crate::scrub::frequency::{FrequencyLimit, PeriodKind};

type Row = (
    FrequencyRuleId,
    String,
    Option<PayerId>,
    Option<String>,
    i32,
    String,
    Option<i32>,
    String,
    Option<String>,
    Option<String>,
    bool,
    i32,
    Timestamp,
    Timestamp,
);

/// The selected columns, in `Row` order.
type Columns = (
    f::id,
    f::code,
    f::payer_id,
    f::claim_filing_indicator,
    f::max_units,
    f::period_kind,
    f::period_months,
    f::description,
    f::source,
    f::seed_key,
    f::active,
    f::version,
    f::created_at,
    f::updated_at,
);

const COLUMNS: Columns = (
    f::id,
    f::code,
    f::payer_id,
    f::claim_filing_indicator,
    f::max_units,
    f::period_kind,
    f::period_months,
    f::description,
    f::source,
    f::seed_key,
    f::active,
    f::version,
    f::created_at,
    f::updated_at,
);

fn from_row(r: Row) -> QueryResult<FrequencyRule> {
    // The table's CHECK constraint admits only the kinds PeriodKind knows.
    let period_kind = PeriodKind::parse(&r.5).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("unknown frequency period kind {:?}", r.5).into(),
        )
    })?;
    Ok(FrequencyRule {
        id: r.0,
        code: r.1,
        payer_id: r.2,
        claim_filing_indicator: r.3,
        max_units: r.4,
        period_kind,
        period_months: r.6,
        description: r.7,
        source: r.8,
        seed_key: r.9,
        active: r.10,
        version: r.11,
        created_at: r.12,
        updated_at: r.13,
    })
}

/// Inserts a new rule.
pub fn insert(conn: &mut AnyConnection, r: &FrequencyRule) -> QueryResult<()> {
    diesel::insert_into(f::table)
        .values((
            f::id.eq(r.id),
            f::code.eq(&r.code),
            f::payer_id.eq(r.payer_id),
            f::claim_filing_indicator.eq(&r.claim_filing_indicator),
            f::max_units.eq(r.max_units),
            f::period_kind.eq(r.period_kind.as_str()),
            f::period_months.eq(r.period_months),
            f::description.eq(&r.description),
            f::source.eq(&r.source),
            f::seed_key.eq(&r.seed_key),
            f::active.eq(r.active),
            f::version.eq(r.version),
            f::created_at.eq(r.created_at),
            f::updated_at.eq(r.updated_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Finds a rule by id.
pub fn find(conn: &mut AnyConnection, id: FrequencyRuleId) -> QueryResult<Option<FrequencyRule>> {
    f::table
        .find(id)
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
        .map(from_row)
        .transpose()
}

/// Writes `r` (carrying its new version) if the stored version is still `r.version - 1`.
pub fn save(conn: &mut AnyConnection, r: &FrequencyRule) -> QueryResult<bool> {
    let n = diesel::update(f::table.find(r.id).filter(f::version.eq(r.version - 1)))
        .set((
            f::max_units.eq(r.max_units),
            f::period_kind.eq(r.period_kind.as_str()),
            f::period_months.eq(r.period_months),
            f::description.eq(&r.description),
            f::source.eq(&r.source),
            f::active.eq(r.active),
            f::version.eq(r.version),
            f::updated_at.eq(r.updated_at),
        ))
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
    let mut q = f::table.select(COLUMNS).into_boxed();
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
    q.order(f::id.asc())
        .limit(limit)
        .load::<Row>(conn)?
        .into_iter()
        .map(from_row)
        .collect()
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
    let rows: Vec<Row> = f::table
        .filter(f::active.eq(true))
        .filter(f::code.eq_any(codes))
        .filter(f::payer_id.is_null().or(f::payer_id.eq(payer.id)))
        .filter(
            f::claim_filing_indicator
                .is_null()
                .or(f::claim_filing_indicator.eq(&payer.claim_filing_indicator)),
        )
        .select(COLUMNS)
        .order(f::id.asc())
        .load(conn)?;
    rows.into_iter()
        .map(|r| from_row(r).map(|r| r.limit()))
        .collect()
}

/// The seed keys already stored (active or not).
pub fn seed_keys(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    f::table
        .filter(f::seed_key.is_not_null())
        .select(f::seed_key)
        .load::<Option<String>>(conn)
        .map(|v| v.into_iter().flatten().collect())
}
