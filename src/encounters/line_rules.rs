//! Field rules of one service line: code and code system, modifiers, units, charge,
//! diagnosis pointers, place of service and the drug (NDC, quantity, unit).

use std::collections::HashSet;

use super::check::{
    fe, place_of_service, MAX_CHARGE_CENTS, MAX_DIAGNOSES, MAX_LINES, MAX_UNITS, NDC_UNITS,
};
use super::forms::LineInput;
use super::model::{Line, LineId};
use crate::codesets::{normalize, CodeSystem};
use crate::error::FieldError;

/// A line after its field rules, with whether its charge still has to come from a fee schedule.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// The line (charge 0 until priced when `needs_price`).
    pub line: Line,
    /// True when the client sent no charge.
    pub needs_price: bool,
}

fn code_system(
    input: &LineInput,
    code: &str,
    at: &str,
    errors: &mut Vec<FieldError>,
) -> CodeSystem {
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

fn drug(
    input: &LineInput,
    at: &str,
    errors: &mut Vec<FieldError>,
) -> (Option<String>, Option<f64>, Option<String>) {
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
        // At least 0.001: the 837P's CTP04 carries three decimals at most, so a smaller
        // quantity would be sent as 0.
        Some(q) if q.is_finite() && (0.001..1e9).contains(&q) => {}
        Some(_) => errors.push(fe(
            format!("{at}/ndc_quantity"),
            "out_of_range",
            "the drug quantity is at least 0.001 and less than 1,000,000,000",
        )),
        None => errors.push(fe(
            format!("{at}/ndc_quantity"),
            "required",
            "a line with an NDC needs the quantity given",
        )),
    }
    let unit = input
        .ndc_unit
        .as_deref()
        .map(|u| u.trim().to_ascii_uppercase());
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
pub fn line(
    input: &LineInput,
    at: &str,
    kept: Option<&Line>,
    errors: &mut Vec<FieldError>,
) -> Drafted {
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
                    errors.push(fe(
                        format!("{at}/id"),
                        "duplicate",
                        "this line is already in the list",
                    ));
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
}
