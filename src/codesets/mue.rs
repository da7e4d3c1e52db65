//! Medically unlikely edits (MUE): the most units of a CPT/HCPCS code a provider would report
//! for one patient on one day. CMS publishes them quarterly; none are bundled (not reachable
//! here), so an office imports the file it downloads and it is laid over the dates it covers.

use chrono::NaiveDate;

use super::overlay::OverlayError;
use super::tables::CodeTables;

/// One row of an MUE file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MueRow {
    /// CPT or HCPCS code, upper case.
    pub code: String,
    /// Most units per day.
    pub max_units: i32,
}

/// An imported MUE table for a period.
#[derive(Debug, Clone)]
pub struct MueTable {
    /// Where it came from, e.g. "CMS practitioner MUE 2027-01"; shown as the version.
    pub label: String,
    /// First date it covers.
    pub effective_from: NaiveDate,
    /// Last date it covers (`None`: open).
    pub effective_to: Option<NaiveDate>,
    limits: Vec<(String, i32)>,
}

fn looks_like_code(s: &str) -> bool {
    s.len() == 5 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Parses CMS's MUE file (CSV with quoted fields, or tab-separated): rows whose first field is
/// a 5-character code and whose second is a whole number; the copyright and header lines CMS
/// puts first are skipped.
pub fn parse_mue_file(text: &str) -> Result<Vec<MueRow>, OverlayError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let sep = if line.contains('\t') { '\t' } else { ',' };
        let mut fields = line.split(sep).map(|f| f.trim().trim_matches('"').trim());
        let (Some(code), Some(units)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !looks_like_code(code) {
            continue;
        }
        let max_units = units.parse::<i32>().map_err(|_| OverlayError {
            line: i + 1,
            problem: format!("the MUE value {units:?} for {code} is not a whole number"),
        })?;
        rows.push(MueRow {
            code: code.to_ascii_uppercase(),
            max_units,
        });
    }
    if rows.is_empty() {
        return Err(OverlayError {
            line: 0,
            problem: "no MUE rows found (expected code, units)".into(),
        });
    }
    Ok(rows)
}

impl MueTable {
    /// Builds a table; a code listed twice is an error.
    pub fn new(
        label: impl Into<String>,
        effective_from: NaiveDate,
        effective_to: Option<NaiveDate>,
        rows: Vec<MueRow>,
    ) -> Result<MueTable, OverlayError> {
        let mut limits: Vec<(String, i32)> =
            rows.into_iter().map(|r| (r.code, r.max_units)).collect();
        limits.sort();
        if let Some(w) = limits.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(OverlayError {
                line: 0,
                problem: format!("code {} appears twice", w[0].0),
            });
        }
        Ok(MueTable {
            label: label.into(),
            effective_from,
            effective_to,
            limits,
        })
    }

    /// Number of codes with a limit.
    pub fn len(&self) -> usize {
        self.limits.len()
    }

    /// True if the table holds no limits.
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }

    fn covers(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }

    fn limit(&self, code: &str) -> Option<i32> {
        let i = self
            .limits
            .binary_search_by(|(c, _)| c.as_str().cmp(code))
            .ok()?;
        Some(self.limits[i].1)
    }
}

impl CodeTables {
    /// Adds an imported MUE table; the newest one covering a date wins.
    pub fn add_mue(&mut self, table: MueTable) {
        self.mue.push(table);
        self.mue
            .sort_by_key(|t| std::cmp::Reverse(t.effective_from));
    }

    /// The MUE limit of `code` on `date` and the table's label, when a table covering the
    /// date is loaded and lists the code.
    pub fn mue_limit(&self, code: &str, date: NaiveDate) -> Option<(i32, &str)> {
        let code = code.trim().to_ascii_uppercase();
        let table = self.mue.iter().find(|t| t.covers(date))?;
        table.limit(&code).map(|n| (n, table.label.as_str()))
    }

    /// The imported MUE tables, newest first.
    pub fn mue_tables(&self) -> &[MueTable] {
        &self.mue
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CMS_STYLE: &str = "\"CPT codes, descriptions and other data only are copyright AMA\"\n\
        \"HCPCS/CPT Code\",\"Practitioner Services MUE Values\",\"MUE Adjudication Indicator\",\"MUE Rationale\"\n\
        \"36415\",\"2\",\"3 Date of Service Edit: Clinical\",\"Clinical: Data\"\n\
        \"J1100\",\"120\",\"3 Date of Service Edit: Clinical\",\"Prescribing Information\"\n";

    #[test]
    fn parses_the_cms_layout_and_answers_by_date() {
        let rows = parse_mue_file(CMS_STYLE).unwrap();
        assert_eq!(
            rows,
            vec![
                MueRow {
                    code: "36415".into(),
                    max_units: 2
                },
                MueRow {
                    code: "J1100".into(),
                    max_units: 120
                },
            ]
        );
        let d = |m| NaiveDate::from_ymd_opt(2027, m, 1).unwrap();
        let mut tables = CodeTables::load_embedded().unwrap();
        tables.add_mue(MueTable::new("MUE 2027Q1", d(1), Some(d(3)), rows).unwrap());
        assert_eq!(tables.mue_limit(" j1100", d(2)), Some((120, "MUE 2027Q1")));
        assert_eq!(tables.mue_limit("J1100", d(5)), None);
        assert_eq!(tables.mue_limit("99213", d(2)), None);
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(parse_mue_file("hello\nworld\n").is_err());
        assert!(parse_mue_file("36415,two\n").is_err());
        let dup = vec![
            MueRow {
                code: "36415".into(),
                max_units: 1,
            },
            MueRow {
                code: "36415".into(),
                max_units: 2,
            },
        ];
        assert!(MueTable::new("x", NaiveDate::MIN, None, dup).is_err());
    }
}
