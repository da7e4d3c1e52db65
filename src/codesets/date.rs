//! Dates as packed YYYYMMDD integers inside the tables; `NaiveDate` at the API.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Packed date YYYYMMDD; `OPEN` marks "no end date" so range checks need no Option.
pub(crate) type Ymd = u32;

/// End of an open period.
pub(crate) const OPEN: Ymd = u32::MAX;

/// Pack a date as YYYYMMDD.
pub(crate) fn ymd(d: NaiveDate) -> Ymd {
    // Dates before year 0 do not occur in claims; clamp rather than wrap.
    let y = d.year().max(0) as u32;
    y * 10_000 + d.month() * 100 + d.day()
}

/// Unpack YYYYMMDD (`OPEN` and invalid values give `None`).
pub(crate) fn to_date(v: Ymd) -> Option<NaiveDate> {
    if v == OPEN {
        return None;
    }
    NaiveDate::from_ymd_opt((v / 10_000) as i32, (v / 100) % 100, v % 100)
}

/// Parse a table field: `YYYYMMDD`, or empty for an open end.
pub(crate) fn parse_field(s: &str) -> Option<Ymd> {
    if s.is_empty() {
        return Some(OPEN);
    }
    let v: u32 = s.parse().ok()?;
    to_date(v).map(|_| v)
}

/// The period in which a code (or a row of a table) is in force; `to` is inclusive, `None` = open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Validity {
    /// First day in force.
    pub from: NaiveDate,
    /// Last day in force, or `None` while still in force in the newest bundled release.
    pub to: Option<NaiveDate>,
}

impl Validity {
    pub(crate) fn from_ymd(from: Ymd, to: Ymd) -> Validity {
        Validity {
            from: to_date(from).unwrap_or(NaiveDate::MIN),
            to: to_date(to),
        }
    }

    /// True if `date` falls inside the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        date >= self.from && self.to.is_none_or(|t| date <= t)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn packs_and_unpacks() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(ymd(d), 20261001);
        assert_eq!(to_date(20261001), Some(d));
        assert_eq!(to_date(OPEN), None);
        assert_eq!(parse_field(""), Some(OPEN));
        assert_eq!(parse_field("20260230"), None);
        let v = Validity::from_ymd(20151001, OPEN);
        assert!(v.contains(d));
    }
}
