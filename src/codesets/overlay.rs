//! Imported code tables laid over the bundled ones for the dates they cover: a licensee's CPT
//! file, or a newer ICD-10-CM / HCPCS release. Parsing and merging only; storage is elsewhere.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::code::{normalize, Code, CodeSystem};
use crate::codesets::date::{ymd, Validity, Ymd, OPEN};
use crate::codesets::search::WordIndex;

/// One parsed line of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverlayRow {
    /// The code as written in the file (normalised when the overlay is built).
    pub code: String,
    /// Its descriptor or title.
    pub title: String,
    /// Billable flag when the file carries one (ICD-10-CM order files do); `None` = billable.
    pub billable: Option<bool>,
}

/// A line of an import file that could not be read, or a code that is malformed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverlayError {
    /// 1-based line number in the file (0 when not tied to a line).
    pub line: usize,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for OverlayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

impl std::error::Error for OverlayError {}

/// Parse a "code TAB descriptor" file (the licensee CPT format; also fine for HCPCS/ICD lists).
/// Blank lines and lines starting with `#` are skipped; a header line `code<TAB>...` is allowed.
pub fn parse_code_tab_file(text: &str) -> Result<Vec<OverlayRow>, OverlayError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (code, title) = line.split_once('\t').ok_or_else(|| OverlayError {
            line: i + 1,
            problem: "expected code, a tab, then the descriptor".into(),
        })?;
        if i == 0 && code.trim().eq_ignore_ascii_case("code") {
            continue;
        }
        out.push(OverlayRow {
            code: code.trim().to_string(),
            title: title.trim().to_string(),
            billable: None,
        });
    }
    Ok(out)
}

/// Parse a CMS ICD-10-CM order file (`icd10cm_order_YYYY.txt`): fixed columns: order number,
/// code (7), billable flag (0/1), short title (60), long title.
pub fn parse_icd10cm_order_file(text: &str) -> Result<Vec<OverlayRow>, OverlayError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let err = |p: &str| OverlayError {
            line: i + 1,
            problem: p.to_string(),
        };
        let code = line
            .get(6..13)
            .ok_or_else(|| err("line too short for the code column"))?
            .trim();
        let flag = line
            .get(14..15)
            .ok_or_else(|| err("line too short for the billable flag"))?;
        let long = line.get(77..).map(str::trim).filter(|s| !s.is_empty());
        let short = line.get(16..76).map(str::trim).unwrap_or("");
        let billable = match flag {
            "1" => true,
            "0" => false,
            _ => return Err(err("billable flag must be 0 or 1")),
        };
        out.push(OverlayRow {
            code: code.to_string(),
            title: long.unwrap_or(short).to_string(),
            billable: Some(billable),
        });
    }
    Ok(out)
}

/// An imported table for one system and period, taking precedence over the bundled tables on
/// the dates it covers.
pub struct Overlay {
    /// The system it replaces.
    pub system: CodeSystem,
    /// Where it came from, e.g. "CPT 2027 (licensed file)"; shown as the code-set version.
    pub label: String,
    /// First and last date it covers (`to` = `None`: until a newer overlay starts).
    pub validity: Validity,
    /// True if the file is a whole code set: a code missing from it is not valid on its dates.
    pub complete: bool,
    pub(crate) codes: Vec<Code>,
    pub(crate) titles: Vec<String>,
    pub(crate) billable: Vec<bool>,
    pub(crate) index: WordIndex,
    pub(crate) from: Ymd,
    pub(crate) to: Ymd,
}

impl Overlay {
    /// Build an overlay from parsed rows; every code is normalised for `system`, duplicates rejected.
    pub fn new(
        system: CodeSystem,
        label: impl Into<String>,
        effective_from: NaiveDate,
        effective_to: Option<NaiveDate>,
        complete: bool,
        rows: Vec<OverlayRow>,
    ) -> Result<Overlay, OverlayError> {
        let mut items = Vec::with_capacity(rows.len());
        for (i, r) in rows.into_iter().enumerate() {
            let code = normalize(system, &r.code).map_err(|e| OverlayError {
                line: i + 1,
                problem: format!("code {:?}: {e}", r.code),
            })?;
            items.push((code, r.title, r.billable.unwrap_or(true)));
        }
        items.sort_by_key(|x| x.0);
        if let Some(w) = items.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(OverlayError {
                line: 0,
                problem: format!("code {} appears twice", w[0].0),
            });
        }
        let codes: Vec<Code> = items.iter().map(|x| x.0).collect();
        let billable: Vec<bool> = items.iter().map(|x| x.2).collect();
        let titles: Vec<String> = items.into_iter().map(|x| x.1).collect();
        let index = WordIndex::build(titles.iter().map(|t| Some(t.as_str())));
        let (from, to) = (ymd(effective_from), effective_to.map_or(OPEN, ymd));
        Ok(Overlay {
            system,
            label: label.into(),
            validity: Validity::from_ymd(from, to),
            complete,
            codes,
            titles,
            billable,
            index,
            from,
            to,
        })
    }

    /// Number of codes in the overlay.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True if the overlay holds no codes.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub(crate) fn covers(&self, date: Ymd) -> bool {
        self.from <= date && date <= self.to
    }

    pub(crate) fn find(&self, code: &Code) -> Option<usize> {
        self.codes.binary_search(code).ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_tab_file_and_builds_overlay() {
        let rows = parse_code_tab_file(
            "code\tdescriptor\n99213\tOffice visit est low\n\n0001U\tRed cell antigen typing\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        let d = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let o = Overlay::new(CodeSystem::Cpt, "CPT 2027", d, None, true, rows).unwrap();
        assert_eq!(o.len(), 2);
        assert!(o
            .find(&normalize(CodeSystem::Cpt, "99213").unwrap())
            .is_some());
        assert!(parse_code_tab_file("99213 no tab").is_err());
        let bad = vec![OverlayRow {
            code: "ABC".into(),
            title: "x".into(),
            billable: None,
        }];
        assert!(Overlay::new(CodeSystem::Cpt, "x", d, None, true, bad).is_err());
    }

    #[test]
    fn parses_icd_order_file() {
        let line = format!(
            "{:05} {:<7} {} {:<60} {}",
            1,
            "E119",
            1,
            "Type 2 diabetes mellitus w/o complications",
            "Type 2 diabetes mellitus without complications"
        );
        let rows = parse_icd10cm_order_file(&line).unwrap();
        assert_eq!(rows[0].code, "E119");
        assert_eq!(rows[0].billable, Some(true));
        assert_eq!(
            rows[0].title,
            "Type 2 diabetes mellitus without complications"
        );
    }
}
