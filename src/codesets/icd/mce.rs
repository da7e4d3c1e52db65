//! Medicare Code Editor releases by date: the age-group bounds in force and the release label.
//!
//! The MCE's per-code edits (which codes are maternity, female-only, manifestation, ...) are
//! dated in `validity.tsv`; the bounds of its age groups are dated in `mce_age_groups.tsv`
//! (maternity was 12-55 until 2019-09-30 and 9-64 from FY2020). A finding that used an MCE edit
//! names the release of the date of service, e.g. `CMS MCE v37 (FY2020)`.

use crate::codesets::date::{parse_field, Ymd, OPEN};
use crate::codesets::embedded::{fields, files, rows, LoadError};

/// The MCE age groups, in the bit order of `edits::EDIT_NAMES`.
pub(crate) const GROUPS: [&str; 4] = ["newborn", "pediatric", "maternity", "adult"];

const AGES: &str = "icd10cm/mce_age_groups.tsv";

/// Youngest and oldest age of each group (order of `GROUPS`) for one period.
pub(crate) type Bounds = [(u8, u8); 4];

#[derive(Debug, Clone)]
struct AgeRow {
    group: usize,
    min: u8,
    max: u8,
    from: Ymd,
    to: Ymd,
}

/// One MCE release: the first day it applies and its label.
#[derive(Debug, Clone)]
pub(crate) struct Release {
    pub from: Ymd,
    pub label: String,
}

/// Age-group bounds by period and the MCE releases the bundled data spans.
#[derive(Debug, Clone)]
pub(crate) struct MceReleases {
    ages: Vec<AgeRow>,
    /// Releases, oldest first.
    pub releases: Vec<Release>,
}

impl MceReleases {
    /// Read the age-group file and derive the releases from the validity periods' start dates
    /// (each October 1 starts a fiscal year; a start on any other day is a mid-year update).
    pub fn load(period_starts: impl Iterator<Item = Ymd>) -> Result<MceReleases, LoadError> {
        let mut ages = Vec::new();
        for (no, _, line) in rows(files::ICD_MCE_AGES) {
            let [group, min, max, from, to] = fields::<5>(AGES, no, line)?;
            let bad = |what: &str| LoadError::new(AGES, no, format!("bad {what}"));
            ages.push(AgeRow {
                group: GROUPS
                    .iter()
                    .position(|g| *g == group)
                    .ok_or_else(|| bad("group"))?,
                min: min.parse().map_err(|_| bad("min_age"))?,
                max: max.parse().map_err(|_| bad("max_age"))?,
                from: parse_field(from)
                    .filter(|d| *d != OPEN)
                    .ok_or_else(|| bad("from"))?,
                to: parse_field(to).ok_or_else(|| bad("to"))?,
            });
        }
        for (g, name) in GROUPS.iter().enumerate() {
            if !ages.iter().any(|r| r.group == g) {
                return Err(LoadError::new(AGES, 0, format!("no rows for {name}")));
            }
        }
        let mut starts: Vec<Ymd> = period_starts.collect();
        starts.sort_unstable();
        starts.dedup();
        let (first, last) = (
            starts.first().copied().unwrap_or(20151001),
            starts.last().copied().unwrap_or(20151001),
        );
        // Every October 1 from the first fiscal year to the last, plus mid-year updates.
        let mut dates: Vec<Ymd> = (first / 10_000..=last / 10_000)
            .map(|y| y * 10_000 + 1001)
            .filter(|d| (first..=last).contains(d))
            .chain(starts.iter().copied().filter(|d| d % 10_000 != 1001))
            .collect();
        dates.sort_unstable();
        let releases = dates.into_iter().map(release).collect();
        Ok(MceReleases { ages, releases })
    }

    /// The age-group bounds in force on `date` (before the data: the earliest period).
    pub fn bounds_on(&self, date: Ymd) -> Bounds {
        let mut out = [(0u8, 0u8); 4];
        for (g, slot) in out.iter_mut().enumerate() {
            let mut rows = self.ages.iter().filter(|r| r.group == g);
            let first = rows.clone().min_by_key(|r| r.from);
            if let Some(r) = rows.find(|r| r.from <= date && date <= r.to).or(first) {
                *slot = (r.min, r.max);
            }
        }
        out
    }

    /// The label of the MCE release in force on `date` ("" before ICD-10).
    pub fn label_on(&self, date: Ymd) -> &str {
        self.releases
            .iter()
            .rev()
            .find(|r| r.from <= date)
            .map_or("", |r| r.label.as_str())
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// CMS numbers MCE releases by grouper version: FY2016 is v33, one more each fiscal year, and a
/// mid-year update of a fiscal year is `.1` of it.
fn release(from: Ymd) -> Release {
    let (y, m, d) = (from / 10_000, from / 100 % 100, from % 100);
    let fy = if m >= 10 { y + 1 } else { y };
    let v = fy.saturating_sub(1983);
    let label = if m == 10 && d == 1 {
        format!("CMS MCE v{v} (FY{fy})")
    } else {
        let month = MONTHS.get(m.saturating_sub(1) as usize).unwrap_or(&"");
        format!("CMS MCE v{v}.1 (FY{fy}, {month} {d} {y} update)")
    };
    Release { from, label }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn loaded() -> MceReleases {
        MceReleases::load([20151001, 20161001, 20200401, 20201001, 20210101, 20261001].into_iter())
            .unwrap()
    }

    #[test]
    fn maternity_bounds_change_on_fy2020() {
        let m = loaded();
        assert_eq!(m.bounds_on(20190930)[2], (12, 55));
        assert_eq!(m.bounds_on(20191001)[2], (9, 64));
        assert_eq!(m.bounds_on(20190930)[3], (15, 124));
        assert_eq!(m.bounds_on(20191001)[1], (0, 17));
        // Before ICD-10 the earliest bounds are used (such dates are flagged elsewhere).
        assert_eq!(m.bounds_on(20100101)[2], (12, 55));
    }

    #[test]
    fn release_labels_follow_fiscal_years_and_updates() {
        let m = loaded();
        assert_eq!(m.label_on(20150930), "");
        assert_eq!(m.label_on(20151001), "CMS MCE v33 (FY2016)");
        assert_eq!(m.label_on(20190930), "CMS MCE v36 (FY2019)");
        assert_eq!(m.label_on(20191001), "CMS MCE v37 (FY2020)");
        assert_eq!(m.label_on(20200331), "CMS MCE v37 (FY2020)");
        assert_eq!(
            m.label_on(20200401),
            "CMS MCE v37.1 (FY2020, April 1 2020 update)"
        );
        assert_eq!(
            m.label_on(20210101),
            "CMS MCE v38.1 (FY2021, January 1 2021 update)"
        );
        assert_eq!(m.label_on(20261001), "CMS MCE v44 (FY2027)");
    }
}
