//! Field rules of the encounter document: codes normalised (dot, case, spaces), modifiers,
//! units, charges, pointers, NDC, places of service and dates. Each failure names its field by
//! JSON pointer. Whether a well-formed code is valid on the date is the scrubber's job.

use std::collections::HashSet;

use super::forms::LineInput;
use super::model::{Encounter, Line, LineId};
use crate::codesets::{normalize, CodeSystem};
use crate::error::FieldError;

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

/// A line after its field rules, with whether its charge still has to come from a fee schedule.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// The line (charge 0 until priced when `needs_price`).
    pub line: Line,
    /// True when the client sent no charge.
    pub needs_price: bool,
}

fn fe(pointer: String, code: &str, message: impl Into<String>) -> FieldError {
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

fn code_system(input: &LineInput, code: &str, at: &str, errors: &mut Vec<FieldError>) -> CodeSystem {
    match input.code_system.as_deref().map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("cpt") => CodeSystem::Cpt,
        Some(s) if s.eq_ignore_ascii_case("hcpcs") => CodeSystem::Hcpcs,
        Some(_) => {
            errors.push(fe(
                format!("{at}/code_system"),
                "invalid_code_system",
                "the code system of a line is cpt or hcpcs",
            ));
            CodeSystem::Cpt
        }
        None if code.trim().starts_with(|c: char| c.is_ascii_digit()) => CodeSystem::Cpt,
        None => CodeSystem::Hcpcs,
    }
}

/// Normalises an NDC to 11 digits: plain 11 digits, or a dashed 10-digit form (4-4-2, 5-3-2,
/// 5-4-1) padded the way payers expect (5-4-2).
pub fn ndc(raw: &str) -> Option<String> {
    let s = raw.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let joined = match parts.as_slice() {
        [one] if one.len() == 11 => one.to_string(),
        [a, b, c] => {
            let widths = [5, 4, 2];
            let lens = [a.len(), b.len(), c.len()];
            if lens.iter().sum::<usize>() == 11 && lens == widths {
                format!("{a}{b}{c}")
            } else if lens.iter().sum::<usize>() == 10 {
                [a, b, c]
                    .iter()
                    .zip(widths)
                    .map(|(p, w)| format!("{p:0>w$}"))
                    .collect()
            } else {
                return None;
            }
        }
        _ => return None,
    };
    (joined.len() == 11).then_some(joined)
}

fn modifiers(raw: &[String], at: &str, errors: &mut Vec<FieldError>) -> Vec<String> {
    if raw.len() > 4 {
        errors.push(fe(
            format!("{at}/modifiers"),
            "too_many",
            "a line takes at most 4 modifiers",
        ));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (j, m) in raw.iter().enumerate() {
        let m = m.trim().to_ascii_uppercase();
        if m.len() != 2 || !m.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push(fe(
                format!("{at}/modifiers/{j}"),
                "invalid_modifier",
                "a modifier is 2 letters or digits, e.g. 25",
            ));
        }
        out.push(m);
    }
    out
}

fn pointers(raw: &[i32], at: &str, errors: &mut Vec<FieldError>) {
    let p = format!("{at}/diagnosis_pointers");
    if raw.is_empty() || raw.len() > 4 {
        errors.push(fe(
            p.clone(),
            "invalid_count",
            "a line points to 1 to 4 diagnoses",
        ));
    }
    let mut seen = HashSet::new();
    for (j, &n) in raw.iter().enumerate() {
        if n < 1 || n as usize > MAX_DIAGNOSES {
            errors.push(fe(
                format!("{p}/{j}"),
                "out_of_range",
                "a pointer is a 1-based position in the diagnosis list",
            ));
        } else if !seen.insert(n) {
            errors.push(fe(
                format!("{p}/{j}"),
                "duplicate",
                "this diagnosis is already pointed to",
            ));
        }
    }
}

fn drug(input: &LineInput, at: &str, errors: &mut Vec<FieldError>) -> (Option<String>, Option<f64>, Option<String>) {
    let Some(raw) = input.ndc.as_deref() else {
        if input.ndc_quantity.is_some() || input.ndc_unit.is_some() {
            errors.push(fe(
                format!("{at}/ndc"),
                "required",
                "an NDC quantity and unit need the NDC",
            ));
        }
        return (None, None, None);
    };
    let code = ndc(raw);
    if code.is_none() {
        errors.push(fe(
            format!("{at}/ndc"),
            "invalid_ndc",
            "the NDC has 11 digits (5-4-2), e.g. 00002-7510-01",
        ));
    }
    match input.ndc_quantity {
        Some(q) if q.is_finite() && q > 0.0 && q < 1e9 => {}
        Some(_) => errors.push(fe(
            format!("{at}/ndc_quantity"),
            "out_of_range",
            "the drug quantity must be more than 0",
        )),
        None => errors.push(fe(
            format!("{at}/ndc_quantity"),
            "required",
            "a line with an NDC needs the quantity given",
        )),
    }
    let unit = input.ndc_unit.as_deref().map(|u| u.trim().to_ascii_uppercase());
    match unit.as_deref() {
        Some(u) if NDC_UNITS.contains(&u) => {}
        Some(_) => errors.push(fe(
            format!("{at}/ndc_unit"),
            "invalid_unit",
            "the NDC unit is F2, GR, ML, UN or ME",
        )),
        None => errors.push(fe(
            format!("{at}/ndc_unit"),
            "required",
            "a line with an NDC needs the unit (F2, GR, ML, UN or ME)",
        )),
    }
    (code, input.ndc_quantity, unit)
}

/// Applies the field rules to one line at pointer `at` (`/lines/2`, or `` for a single line
/// body). `kept` is the stored line when the input names an existing id.
pub fn line(input: &LineInput, at: &str, kept: Option<&Line>, errors: &mut Vec<FieldError>) -> Drafted {
    let system = code_system(input, &input.code, at, errors);
    let code = match normalize(system, &input.code) {
        Ok(c) => c.as_str().to_string(),
        Err(e) => {
            errors.push(fe(format!("{at}/code"), "invalid_code", e.to_string()));
            input.code.trim().to_string()
        }
    };
    let units = input.units.unwrap_or(1);
    if !(1..=MAX_UNITS).contains(&units) {
        errors.push(fe(
            format!("{at}/units"),
            "out_of_range",
            format!("units must be between 1 and {MAX_UNITS}"),
        ));
    }
    if input
        .charge_cents
        .is_some_and(|c| !(0..=MAX_CHARGE_CENTS).contains(&c))
    {
        errors.push(fe(
            format!("{at}/charge_cents"),
            "out_of_range",
            "the charge is in cents, from 0 to 999999999",
        ));
    }
    pointers(&input.diagnosis_pointers, at, errors);
    let place = input
        .place_of_service
        .as_deref()
        .map(|p| place_of_service(p, &format!("{at}/place_of_service"), errors));
    let (ndc, ndc_quantity, ndc_unit) = drug(input, at, errors);
    Drafted {
        line: Line {
            id: kept.map_or_else(LineId::new, |l| l.id),
            code,
            code_system: system.as_str().to_string(),
            modifiers: modifiers(&input.modifiers, at, errors),
            units,
            charge_cents: input.charge_cents.unwrap_or(0),
            charge_source: "entered".into(),
            diagnosis_pointers: input.diagnosis_pointers.clone(),
            date_of_service: input.date_of_service,
            place_of_service: place,
            ndc,
            ndc_quantity,
            ndc_unit,
            specimen_id: kept.and_then(|l| l.specimen_id),
            on_hold: kept.is_some_and(|l| l.on_hold),
        },
        needs_price: input.charge_cents.is_none(),
    }
}

/// Applies the line rules to a whole list; lines sent with an id must be lines of this
/// encounter (`current`), each named once.
pub fn lines(inputs: &[LineInput], current: &[Line]) -> Result<Vec<Drafted>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if inputs.len() > MAX_LINES {
        errors.push(fe(
            "/lines".into(),
            "too_many",
            format!("at most {MAX_LINES} lines"),
        ));
        return Err(errors);
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("/lines/{i}");
        let kept = match input.id {
            None => None,
            Some(id) => {
                let found = current.iter().find(|l| l.id == id);
                if found.is_none() {
                    errors.push(fe(
                        format!("{at}/id"),
                        "unknown_line",
                        "this encounter has no line with this id; leave the id out for a new line",
                    ));
                } else if !seen.insert(id) {
                    errors.push(fe(format!("{at}/id"), "duplicate", "this line is already in the list"));
                }
                found
            }
        };
        out.push(line(input, &at, kept, &mut errors));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
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
        if l
            .date_of_service
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
    fn ndc_forms() {
        assert_eq!(ndc("00002-7510-01").as_deref(), Some("00002751001"));
        assert_eq!(ndc("0002-7510-01").as_deref(), Some("00002751001"));
        assert_eq!(ndc("12345-678-90").as_deref(), Some("12345067890"));
        assert_eq!(ndc("12345-6789-1").as_deref(), Some("12345678901"));
        assert_eq!(ndc("00002751001").as_deref(), Some("00002751001"));
        assert_eq!(ndc("0002751001"), None);
        assert_eq!(ndc("abc"), None);
    }

    #[test]
    fn diagnoses_are_normalised() {
        let d = diagnoses(&[" e11.9".into(), "I10".into()]).unwrap_or_default();
        assert_eq!(d, vec!["E11.9".to_string(), "I10".to_string()]);
        assert_eq!(stored_diagnosis("E11.9"), "E119");
        assert_eq!(displayed_diagnosis("E119"), "E11.9");
        let e = diagnoses(&["E11.9".into(), "e119".into(), "1X".into()]).err().unwrap_or_default();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].pointer, "/diagnoses/1");
    }
}
