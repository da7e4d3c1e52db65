//! What every rule sees (the input, the tables, the patient's age and sex) and where findings go.

use chrono::{Datelike, NaiveDate};

use crate::codesets::{CodeSystem, CodeTables, Sex};

use super::position::Pos;
use super::{Finding, ScrubInput, Severity};

/// The input plus facts derived once for all rules.
pub(super) struct Ctx<'a> {
    /// The encounter facts.
    pub input: &'a ScrubInput,
    /// The code tables.
    pub codes: &'a CodeTables,
    /// Sex for the MCE sex edits.
    pub sex: Sex,
}

impl<'a> Ctx<'a> {
    /// Derive the facts the rules share.
    pub fn new(input: &'a ScrubInput, codes: &'a CodeTables) -> Ctx<'a> {
        let sex = match input.patient.sex.trim() {
            s if s.eq_ignore_ascii_case("F") => Sex::Female,
            s if s.eq_ignore_ascii_case("M") => Sex::Male,
            _ => Sex::Unknown,
        };
        Ctx { input, codes, sex }
    }

    /// The patient's age in whole years on a date (0 before birth; at most 255).
    pub fn age_on(&self, date: NaiveDate) -> u8 {
        date.years_since(self.input.patient.birth_date)
            .map_or(0, |y| u8::try_from(y).unwrap_or(u8::MAX))
    }

    /// "I/OCE <release>" for the I/OCE release in force on a date (the quarter the modifier and
    /// NCCI tables answer for), or "I/OCE" when the date is outside the bundled calendar.
    pub fn oce_label(&self, date: NaiveDate) -> String {
        // A CPT lookup reports the I/OCE release of its date whatever the code.
        match self.codes.lookup(CodeSystem::Cpt, "00000", date) {
            Ok(Some(info)) if !info.version.is_empty() => format!("I/OCE {}", info.version),
            _ => "I/OCE".to_string(),
        }
    }

    /// The date of service of line `i` (its own, else the encounter's).
    pub fn line_date(&self, i: usize) -> NaiveDate {
        self.input
            .lines
            .get(i)
            .and_then(|l| l.date_of_service)
            .unwrap_or(self.input.date_of_service)
    }
}

/// The findings gathered so far, each with its place in the document.
#[derive(Default)]
pub(super) struct Out {
    items: Vec<(Pos, Finding)>,
}

impl Out {
    /// Add an error; returns it so a version or suggestion can be set.
    pub fn error(&mut self, pos: Pos, rule: &str, message: String) -> &mut Finding {
        self.push(Severity::Error, pos, rule, message)
    }

    /// Add a warning; returns it so a version or suggestion can be set.
    pub fn warning(&mut self, pos: Pos, rule: &str, message: String) -> &mut Finding {
        self.push(Severity::Warning, pos, rule, message)
    }

    fn push(&mut self, severity: Severity, pos: Pos, rule: &str, message: String) -> &mut Finding {
        self.items
            .push((pos, Finding::new(severity, rule, pos.path(), message)));
        let last = self.items.len() - 1;
        &mut self.items[last].1
    }

    /// Errors first, then warnings; each in document order, ties in the order found.
    pub fn finish(mut self) -> Vec<Finding> {
        self.items
            .sort_by_key(|(pos, f)| (f.severity == Severity::Warning, *pos));
        self.items.into_iter().map(|(_, f)| f).collect()
    }
}

impl Finding {
    /// Set the code-set version the rule used.
    pub(super) fn version(&mut self, v: impl Into<String>) -> &mut Finding {
        self.code_set_version = Some(v.into());
        self
    }

    /// Set a suggested fix.
    pub(super) fn suggest(&mut self, s: impl Into<String>) -> &mut Finding {
        self.suggestion = Some(s.into());
        self
    }
}

/// A date as people write it in messages (YYYY-MM-DD).
pub(super) fn day(d: NaiveDate) -> String {
    // Written digit by digit: the formatting machinery costs more than the rest of a finding.
    let Ok(year) = u32::try_from(d.year()) else {
        return d.to_string();
    };
    if year > 9999 {
        return d.to_string();
    }
    let mut s = String::with_capacity(10);
    for (v, width) in [(year, 4u32), (d.month(), 2), (d.day(), 2)] {
        if !s.is_empty() {
            s.push('-');
        }
        for i in (0..width).rev() {
            let digit = (v / 10u32.pow(i)) % 10;
            s.push(char::from(b'0' + digit as u8));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::day;
    use chrono::NaiveDate;

    #[test]
    fn day_is_iso() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
        assert_eq!(day(d), "2026-05-01");
        let d = NaiveDate::from_ymd_opt(987, 12, 31).unwrap_or_default();
        assert_eq!(day(d), "0987-12-31");
    }
}
