//! Dates of service grouped by what the tables say on them, so answers that depend on a date
//! only through the tables (searches) can be shared by every date of a group.
//!
//! Every date rule of the tables is a range test against a table date: `from <= d` (a row, a
//! period, a release, an overlay starts) or `d <= to` (it ends), with `from` and `to` stored in
//! the tables or fixed in code (the FY2016 start, the April 2026 and FY2027 releases). Two dates
//! that lie on the same side of every such `from` and every such `to` get the same answer from
//! every one of those tests, so the same answer from anything built only on them. The class of a
//! date is the number of starts on or before it and of ends before it. A unit test walks every
//! day from before FY2016 to past FY2027 and checks that searches change only where the class
//! does (`search_tests::searches_change_only_with_the_date_class`).

use crate::codesets::date::Ymd;

/// The start and end dates of every dated row, period, release and overlay of the tables.
#[derive(Debug, Clone, Default)]
pub(crate) struct DateClasses {
    /// First days in force, sorted, each once.
    starts: Vec<Ymd>,
    /// Last days in force (inclusive), sorted, each once.
    ends: Vec<Ymd>,
}

/// Which dates share every table answer: equal classes, equal answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateClass(u32, u32);

impl DateClasses {
    /// Collects ranges (`from`, `to`, both inclusive).
    pub(crate) fn from_ranges(ranges: impl IntoIterator<Item = (Ymd, Ymd)>) -> DateClasses {
        let mut c = DateClasses::default();
        c.extend(ranges);
        c
    }

    /// Adds ranges (an imported overlay's dates).
    pub(crate) fn extend(&mut self, ranges: impl IntoIterator<Item = (Ymd, Ymd)>) {
        for (from, to) in ranges {
            self.starts.push(from);
            self.ends.push(to);
        }
        for v in [&mut self.starts, &mut self.ends] {
            v.sort_unstable();
            v.dedup();
        }
    }

    /// The class of `d`.
    pub(crate) fn class(&self, d: Ymd) -> DateClass {
        DateClass(
            self.starts.partition_point(|&s| s <= d) as u32,
            self.ends.partition_point(|&e| e < d) as u32,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_part_at_starts_and_after_ends() {
        let c = DateClasses::from_ranges([(20250101, 20250630), (20250401, 20251231)]);
        // Same side of every bound: same class.
        assert_eq!(c.class(20250102), c.class(20250330));
        // A start is the first day of its class, an end the last day of its class.
        assert_ne!(c.class(20250331), c.class(20250401));
        assert_eq!(c.class(20250401), c.class(20250630));
        assert_ne!(c.class(20250630), c.class(20250701));
        assert_ne!(c.class(20241231), c.class(20250101));
        assert_eq!(c.class(20260101), c.class(20991231));
    }
}
