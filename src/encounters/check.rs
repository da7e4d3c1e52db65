//! Field rules of the encounter document: codes normalised (dot, case, spaces), modifiers,
//! units, charges, pointers, NDC, places of service and dates. Each failure names its field by
//! JSON pointer. Whether a well-formed code is valid on the date is the scrubber's job.
//! The rules of one service line are in `line_rules`.

use std::collections::HashSet;

use super::model::{Encounter, Line};
use crate::codesets::{normalize, CodeSystem};
use crate::error::FieldError;

pub use super::line_rules::{line, lines, ndc, Drafted};

/// Most diagnoses one encounter may record (a claim carries the first 12 the lines use).
pub const MAX_DIAGNOSES: usize = 50;
/// Most service lines one encounter may hold.
pub const MAX_LINES: usize = 200;
/// Most units on one line.
pub const MAX_UNITS: i32 = 9999;
/// Largest charge of one line, in cents.
pub const MAX_CHARGE_CENTS: i64 = 999_999_999;
/// NDC units of measure (X12 CTP05-1).
pub const NDC_UNITS: [&str; 5] = ["F2", "GR", "ML", "UN", "ME"];

pub(super) fn fe(pointer: String, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(pointer, code, message)
}

/// Normalises the diagnosis list to display form (`E11.9`), rejecting malformed codes,
/// duplicates and over-long lists.
pub fn diagnoses(raw: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if raw.len() > MAX_DIAGNOSES {
        errors.push(fe(
            "/diagnoses".into(),
            "too_many",
            format!("at most {MAX_DIAGNOSES} diagnoses may be recorded"),
        ));
        return Err(errors);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut seen = HashSet::new();
    for (i, code) in raw.iter().enumerate() {
        let pointer = format!("/diagnoses/{i}");
        match normalize(CodeSystem::Icd10cm, code) {
            Ok(c) if c.as_str().contains('-') => errors.push(fe(
                pointer,
                "invalid_code",
                "a diagnosis must be one ICD-10-CM code, not a range",
            )),
            Ok(c) => {
                let shown = c.display(CodeSystem::Icd10cm);
                if seen.insert(c) {
                    out.push(shown);
                } else {
                    errors.push(fe(
                        pointer,
                        "duplicate",
                        format!("{shown} is already in the list"),
                    ));
                }
            }
            Err(e) => errors.push(fe(pointer, "invalid_code", e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The stored form of a display-form diagnosis (`E119`).
pub fn stored_diagnosis(display: &str) -> String {
    display.replace('.', "")
}

/// The display form of a stored diagnosis (`E11.9`).
pub fn displayed_diagnosis(stored: &str) -> String {
    normalize(CodeSystem::Icd10cm, stored)
        .map(|c| c.display(CodeSystem::Icd10cm))
        .unwrap_or_else(|_| stored.to_string())
}

/// A place of service: two digits.
pub fn place_of_service(raw: &str, pointer: &str, errors: &mut Vec<FieldError>) -> String {
    let s = raw.trim().to_string();
    if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(fe(
            pointer.into(),
            "invalid_place_of_service",
            "the place of service is a 2-digit CMS code, e.g. 11 for office",
        ));
    }
    s
}

/// Rules spanning the document: dates in order, line dates inside the visit, notes, POS.
pub fn document(h: &Encounter, lines: &[Line]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let last = h.date_of_service_to.unwrap_or(h.date_of_service);
    if last < h.date_of_service {
        errors.push(fe(
            "/date_of_service_to".into(),
            "before_date_of_service",
            "the last date of service cannot be before the first",
        ));
    }
    if let Some(p) = &h.place_of_service {
        place_of_service(p, "/place_of_service", &mut errors);
    }
    if let Some(n) = &h.notes {
        if n.chars().count() > 4000 || n.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            errors.push(fe(
                "/notes".into(),
                "invalid_notes",
                "notes are up to 4000 characters of text",
            ));
        }
    }
    for (i, l) in lines.iter().enumerate() {
        if l.date_of_service
            .is_some_and(|d| d < h.date_of_service || d > last)
        {
            errors.push(fe(
                format!("/lines/{i}/date_of_service"),
                "outside_visit",
                "a line's date must be within the encounter's dates of service",
            ));
        }
    }
    errors
}

/// A written reason (hold, void): trimmed, 1 to 500 characters of text.
pub fn reason(raw: &str, min: usize) -> Result<String, FieldError> {
    let r = raw.trim();
    let n = r.chars().count();
    if n < min || n > 500 || r.chars().any(|c| c.is_control() && c != '\n') {
        return Err(fe(
            "/reason".into(),
            "invalid_reason",
            format!("write a reason of {min} to 500 characters"),
        ));
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnoses_are_normalised() {
        let d = diagnoses(&[" e11.9".into(), "I10".into()]).unwrap_or_default();
        assert_eq!(d, vec!["E11.9".to_string(), "I10".to_string()]);
        assert_eq!(stored_diagnosis("E11.9"), "E119");
        assert_eq!(displayed_diagnosis("E119"), "E11.9");
        let e = diagnoses(&["E11.9".into(), "e119".into(), "1X".into()])
            .err()
            .unwrap_or_default();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].pointer, "/diagnoses/1");
    }
}
