//! The frequency limits bundled with medbill (codesets/tables/frequency_limits.tsv): added to
//! `frequency_rules` at start-up, each once. A bundled rule the office deactivated or edited
//! stays as the office left it, because its seed key is already stored.

use std::collections::HashSet;

use super::model::{FrequencyRule, FrequencyRuleId};
use super::store;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::scrub::frequency::PeriodKind;

const TABLE: &str = include_str!("../../codesets/tables/frequency_limits.tsv");
const SOURCE: &str = "CMS MLN006559 Medicare Preventive Services (2026); Pub. 100-04 ch. 18";

/// One bundled limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRule {
    /// Stable key (`mcr-awv-subsequent`).
    pub key: String,
    /// Procedure code.
    pub code: String,
    /// Claim filing indicator the rule applies to.
    pub claim_filing_indicator: String,
    /// Most units per period.
    pub max_units: i32,
    /// Period kind.
    pub kind: PeriodKind,
    /// Months per period (month kinds).
    pub months: Option<i32>,
    /// What is limited.
    pub description: String,
}

/// Parses the bundled table.
pub fn bundled() -> Result<Vec<SeedRule>, String> {
    TABLE
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| {
            parse_line(l).map_err(|e| format!("frequency_limits.tsv line {}: {e}", n + 1))
        })
        .collect()
}

fn parse_line(line: &str) -> Result<SeedRule, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    let [key, code, cfi, max, kind, months, description] = cols[..] else {
        return Err(format!("expected 7 columns, found {}", cols.len()));
    };
    let kind = PeriodKind::parse(kind).ok_or_else(|| format!("unknown period kind {kind:?}"))?;
    let months = match months.trim() {
        "" => None,
        m => Some(m.parse::<i32>().map_err(|_| format!("bad months {m:?}"))?),
    };
    if kind.needs_months() != months.is_some() {
        return Err(format!("months do not fit period kind {}", kind.as_str()));
    }
    Ok(SeedRule {
        key: key.to_string(),
        code: code.to_string(),
        claim_filing_indicator: cfi.to_string(),
        max_units: max.parse().map_err(|_| format!("bad max units {max:?}"))?,
        kind,
        months,
        description: description.to_string(),
    })
}

/// Adds the bundled rules not stored yet; returns how many were added. Runs in one
/// transaction; when two servers start at once, the loser's unique violation is harmless.
pub fn ensure(conn: &mut AnyConnection) -> Result<usize, String> {
    let rules = bundled()?;
    let result = conn.write_transaction(|c| {
        let stored: HashSet<String> = store::seed_keys(c)?.into_iter().collect();
        let now = Timestamp::now();
        let mut added = 0;
        for r in rules.iter().filter(|r| !stored.contains(&r.key)) {
            store::insert(
                c,
                &FrequencyRule {
                    id: FrequencyRuleId::new(),
                    code: r.code.clone(),
                    payer_id: None,
                    claim_filing_indicator: Some(r.claim_filing_indicator.clone()),
                    max_units: r.max_units,
                    period_kind: r.kind,
                    period_months: r.months,
                    description: r.description.clone(),
                    source: Some(SOURCE.to_string()),
                    seed_key: Some(r.key.clone()),
                    active: true,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            added += 1;
        }
        Ok::<usize, diesel::result::Error>(added)
    });
    match result {
        Ok(n) => Ok(n),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(0),
        Err(e) => Err(format!("cannot seed the frequency limits: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_parses_with_unique_keys() {
        let rules = bundled().unwrap_or_default();
        assert!(rules.len() >= 20, "{}", rules.len());
        let keys: HashSet<&str> = rules.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys.len(), rules.len());
        let awv = rules.iter().find(|r| r.code == "G0439");
        assert_eq!(
            awv.map(|r| (r.kind, r.months)),
            Some((PeriodKind::CalendarMonths, Some(12)))
        );
        assert!(rules
            .iter()
            .all(|r| r.code.len() == 5 && r.claim_filing_indicator == "MB"));
        assert!(parse_line("k\tG0439\tMB\t1\tweekly\t\tx").is_err());
        assert!(parse_line("k\tG0439\tMB\t1\tlifetime\t12\tx").is_err());
    }
}
