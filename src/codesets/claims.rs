//! Checks across codes of one claim: NCCI PTP pairs between lines (Excludes1: `excludes.rs`).

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::code::{normalize, Code, CodeError, CodeSystem};
use crate::codesets::date::{ymd, Validity};
use crate::codesets::tables::CodeTables;

/// NCCI modifier indicator of a PTP edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ModifierIndicator {
    /// 0: the pair is never allowed together; no modifier bypasses it.
    #[serde(rename = "0")]
    NotAllowed,
    /// 1: allowed with a bypass modifier when the services are really distinct.
    #[serde(rename = "1")]
    ModifierAllowed,
    /// 9: the edit is inactive (CMS data; the I/OCE end-dates such edits instead).
    #[serde(rename = "9")]
    NotApplicable,
}

impl ModifierIndicator {
    /// The indicator as the digit CMS publishes.
    pub fn digit(self) -> u8 {
        match self {
            ModifierIndicator::NotAllowed => 0,
            ModifierIndicator::ModifierAllowed => 1,
            ModifierIndicator::NotApplicable => 9,
        }
    }
}

/// An NCCI PTP edit in force on a date for a (column 1, column 2) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PtpEdit<'a> {
    /// Column-1 (comprehensive) code.
    pub column1: Code,
    /// Column-2 (component) code, not paid with column 1.
    pub column2: Code,
    /// Modifier indicator 0/1/9.
    pub indicator: ModifierIndicator,
    /// I/OCE release the edit comes from (e.g. `27.1.0`), outpatient-hospital NCCI.
    pub version: &'a str,
    /// Period the edit row is in force.
    pub validity: Validity,
    /// Modifiers that bypass an indicator-1 edit on that date (empty for indicator 0).
    pub bypass_modifiers: &'a [&'static str],
}

/// Why a PTP question could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum PtpError {
    /// A code is not a 5-character CPT/HCPCS code.
    BadCode { code: String, error: CodeError },
    /// The bundled NCCI data does not cover the date (before 2019-07-01).
    NoDataForDate { date: NaiveDate },
}

/// One service line as the NCCI check needs it.
#[derive(Debug, Clone, Copy)]
pub struct ClaimLine<'a> {
    /// CPT or HCPCS code.
    pub code: &'a str,
    /// Modifiers on the line.
    pub modifiers: &'a [&'a str],
    /// Date of service of the line.
    pub date_of_service: NaiveDate,
}

/// Two lines of a claim that an NCCI PTP edit pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PtpConflict<'a> {
    /// Index of the column-1 line.
    pub column1_line: usize,
    /// Index of the column-2 line (the one not paid).
    pub column2_line: usize,
    /// The edit.
    pub edit: PtpEdit<'a>,
    /// A bypass modifier found on either line, when the indicator is 1.
    pub bypassed_by: Option<&'a str>,
}

fn procedure_code(raw: &str) -> Result<Code, PtpError> {
    let bad = |error| PtpError::BadCode {
        code: raw.to_string(),
        error,
    };
    match normalize(CodeSystem::Cpt, raw) {
        Ok(c) => Ok(c),
        Err(_) => normalize(CodeSystem::Hcpcs, raw).map_err(bad),
    }
}

impl CodeTables {
    /// The NCCI PTP edit for (column 1, column 2) on a date, if one is in force. No allocation.
    pub fn ptp_edit(
        &self,
        column1: &str,
        column2: &str,
        date: NaiveDate,
    ) -> Result<Option<PtpEdit<'_>>, PtpError> {
        let (c1, c2) = (procedure_code(column1)?, procedure_code(column2)?);
        let v = self
            .versions
            .on(ymd(date))
            .ok_or(PtpError::NoDataForDate { date })?;
        let (Some(i1), Some(i2)) = (self.ncci.id(c1.key()), self.ncci.id(c2.key())) else {
            return Ok(None);
        };
        Ok(self.ptp_by_id(c1, c2, i1, i2, v.index))
    }

    #[inline]
    fn ptp_by_id(&self, c1: Code, c2: Code, i1: u16, i2: u16, v: u8) -> Option<PtpEdit<'_>> {
        let row = self.ncci.row(i1, i2, v)?;
        let indicator = if self.ncci.row_mod[row] == 1 {
            ModifierIndicator::ModifierAllowed
        } else {
            ModifierIndicator::NotAllowed
        };
        let lo = self.versions.by_index(self.ncci.row_lo[row]);
        let hi = self.versions.by_index(self.ncci.row_hi[row]);
        let latest = self.versions.latest().index;
        let to = match hi {
            Some(h) if h.index != latest => h.to,
            _ => crate::codesets::date::OPEN,
        };
        Some(PtpEdit {
            column1: c1,
            column2: c2,
            indicator,
            version: self.versions.by_index(v).map_or("", |x| x.id),
            validity: Validity::from_ymd(lo.map_or(0, |l| l.from), to),
            bypass_modifiers: match indicator {
                ModifierIndicator::ModifierAllowed => self
                    .bypass
                    .get(v as usize)
                    .map_or(&[][..], |b| b.as_slice()),
                _ => &[],
            },
        })
    }

    /// Every NCCI PTP pair among the lines of one claim (same date of service), both directions.
    /// Lines with malformed codes or dates outside the data are skipped (other checks report them).
    pub fn check_claim_lines<'s>(&'s self, lines: &[ClaimLine<'_>]) -> Vec<PtpConflict<'s>> {
        let resolved: Vec<Option<(Code, u16, u8)>> = lines
            .iter()
            .map(|l| {
                let code = procedure_code(l.code).ok()?;
                let id = self.ncci.id(code.key())?;
                let v = self.versions.on(ymd(l.date_of_service))?;
                Some((code, id, v.index))
            })
            .collect();
        let mut out = Vec::new();
        for (i, a) in resolved.iter().enumerate() {
            let Some((c1, i1, v)) = *a else { continue };
            for (j, b) in resolved.iter().enumerate() {
                let Some((c2, i2, _)) = *b else { continue };
                if i == j || lines[i].date_of_service != lines[j].date_of_service {
                    continue;
                }
                if let Some(edit) = self.ptp_by_id(c1, c2, i1, i2, v) {
                    let bypassed_by = edit.bypass_modifiers.iter().copied().find(|m| {
                        lines[i]
                            .modifiers
                            .iter()
                            .chain(lines[j].modifiers)
                            .any(|x| x.trim().eq_ignore_ascii_case(m))
                    });
                    out.push(PtpConflict {
                        column1_line: i,
                        column2_line: j,
                        edit,
                        bypassed_by,
                    });
                }
            }
        }
        out
    }
}
