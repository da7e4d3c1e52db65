//! Field rules of specimens: HL7 0487 type, tests ordered (valid on the collection date),
//! volume, collection time, priority, free text. Each failure names its field by JSON pointer.

use std::collections::HashSet;

use chrono::Duration;

use super::model::OrderedTest;
use crate::codesets::{CodeSystem, CodeTables, RefTable, Status as CodeStatus};
use crate::db::types::Timestamp;
use crate::error::FieldError;

/// Most tests on one specimen.
pub const MAX_TESTS: usize = 20;
/// Units a volume may be given in.
pub const VOLUME_UNITS: [&str; 5] = ["mL", "uL", "L", "g", "mg"];
/// How far ahead of the server's clock a collection time may be (clock skew of devices).
pub const FUTURE_SLACK_SECS: i64 = 300;

fn fe(pointer: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(pointer, code, message)
}

/// Trimmed text of 1 to `max` characters without control characters (newlines allowed when
/// `max` is over 200); empty becomes None.
pub fn text(
    raw: Option<&str>,
    pointer: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let s = raw?.trim();
    if s.is_empty() {
        return None;
    }
    let multiline = max > 200;
    if s.chars().count() > max
        || s.chars()
            .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
    {
        errors.push(fe(
            pointer,
            "invalid_text",
            format!("up to {max} characters of text"),
        ));
    }
    Some(s.to_string())
}

/// A required short text.
pub fn required_text(raw: &str, pointer: &str, errors: &mut Vec<FieldError>) -> String {
    match text(Some(raw), pointer, 200, errors) {
        Some(s) => s,
        None => {
            errors.push(fe(pointer, "required", "this field cannot be empty"));
            String::new()
        }
    }
}

/// An HL7 v2 table 0487 code, returned as listed.
pub fn specimen_type(codes: &CodeTables, raw: &str, errors: &mut Vec<FieldError>) -> String {
    match codes.reference(RefTable::SpecimenType, raw) {
        Some(e) => e.code.to_string(),
        None => {
            errors.push(fe(
                "/specimen_type",
                "unknown_specimen_type",
                "the specimen type is an HL7 v2 table 0487 code (BLD, SER, PLAS, UR, ...)",
            ));
            raw.trim().to_uppercase()
        }
    }
}

/// An HL7 v2 table 0490 code, returned as listed.
pub fn reject_reason(
    codes: &CodeTables,
    raw: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let Some(raw) = raw else {
        errors.push(fe(
            "/reject_reason",
            "required",
            "a rejection needs its HL7 v2 table 0490 reason code (EX, QS, RB, RC, RH, ...)",
        ));
        return None;
    };
    match codes.reference(RefTable::SpecimenRejectReason, raw) {
        Some(e) => Some(e.code.to_string()),
        None => {
            errors.push(fe(
                "/reject_reason",
                "unknown_reject_reason",
                "the reason is an HL7 v2 table 0490 code (EX, QS, RB, RC, RH, RI, RM, RN, RR, ...)",
            ));
            None
        }
    }
}

/// A volume with its unit: not negative, finite, and a known unit.
pub fn volume(
    v: Option<f64>,
    unit: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> (Option<f64>, Option<String>) {
    let unit = unit.map(str::trim).filter(|u| !u.is_empty());
    let Some(v) = v else {
        if unit.is_some() {
            errors.push(fe(
                "/volume",
                "required",
                "a volume unit was sent without a volume",
            ));
        }
        return (None, None);
    };
    if !v.is_finite() || v < 0.0 {
        errors.push(fe("/volume", "negative", "the volume cannot be negative"));
    } else if v > 100_000.0 {
        errors.push(fe("/volume", "out_of_range", "the volume is too large"));
    }
    let unit = match unit {
        None => {
            errors.push(fe(
                "/volume_unit",
                "required",
                "a volume needs its unit: mL, uL, L, g or mg",
            ));
            None
        }
        Some(u) => match VOLUME_UNITS.iter().find(|k| k.eq_ignore_ascii_case(u)) {
            Some(k) => Some(k.to_string()),
            None => {
                errors.push(fe(
                    "/volume_unit",
                    "invalid_unit",
                    "the volume unit is mL, uL, L, g or mg",
                ));
                None
            }
        },
    };
    (Some(v), unit)
}

/// A collection time: not in the future (a few minutes of clock skew allowed).
pub fn collected_at(t: Timestamp, errors: &mut Vec<FieldError>) -> Timestamp {
    if t.0 > Timestamp::now().0 + Duration::seconds(FUTURE_SLACK_SECS) {
        errors.push(fe(
            "/collected_at",
            "in_future",
            "the collection time cannot be in the future",
        ));
    }
    Timestamp(chrono::SubsecRound::trunc_subsecs(t.0, 6))
}

/// `routine` (default) or `stat`.
pub fn priority(raw: Option<&str>, errors: &mut Vec<FieldError>) -> String {
    match raw.map(|p| p.trim().to_ascii_lowercase()) {
        None => "routine".into(),
        Some(p) if p == "routine" || p == "stat" => p,
        Some(_) => {
            errors.push(fe(
                "/priority",
                "invalid_value",
                "priority is routine or stat",
            ));
            "routine".into()
        }
    }
}

fn loinc_ok(s: &str) -> bool {
    let Some((num, check)) = s.split_once('-') else {
        return false;
    };
    (1..=7).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
        && check.len() == 1
        && check.bytes().all(|b| b.is_ascii_digit())
}

/// The tests ordered: 1 to 20 distinct lab CPT/HCPCS codes valid on `date` (CPT that cannot
/// be verified without the licensed table is accepted when well formed), LOINC well formed.
pub fn tests(
    codes: &CodeTables,
    raw: &[OrderedTest],
    at: Timestamp,
    errors: &mut Vec<FieldError>,
) -> Vec<OrderedTest> {
    if raw.is_empty() || raw.len() > MAX_TESTS {
        errors.push(fe(
            "/tests",
            "out_of_range",
            format!("order 1 to {MAX_TESTS} tests"),
        ));
        return Vec::new();
    }
    let date = at.0.date_naive();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, t) in raw.iter().enumerate() {
        let ptr = format!("/tests/{i}/code");
        let system = match t.code_system.as_deref().map(str::trim) {
            Some(s) if s.eq_ignore_ascii_case("cpt") => CodeSystem::Cpt,
            Some(s) if s.eq_ignore_ascii_case("hcpcs") => CodeSystem::Hcpcs,
            Some(_) => {
                errors.push(fe(
                    &format!("/tests/{i}/code_system"),
                    "invalid_code_system",
                    "the code system of a test is cpt or hcpcs",
                ));
                continue;
            }
            None if t.code.trim().starts_with(|c: char| c.is_ascii_digit()) => CodeSystem::Cpt,
            None => CodeSystem::Hcpcs,
        };
        let info = match codes.lookup(system, &t.code, date) {
            Err(e) => {
                errors.push(fe(&ptr, "invalid_code", e.to_string()));
                continue;
            }
            Ok(info) => info,
        };
        let accepted = info.as_ref().is_some_and(|i| {
            matches!(
                (system, i.status),
                (_, CodeStatus::Valid)
                    | (_, CodeStatus::OutsideBundledDates)
                    | (CodeSystem::Cpt, CodeStatus::Unverified)
            )
        });
        let code = info.as_ref().map_or_else(
            || t.code.trim().to_uppercase(),
            |i| i.code.as_str().to_string(),
        );
        if !accepted {
            errors.push(fe(
                &ptr,
                "invalid_code",
                format!(
                    "{code} is not a valid {} code on {date}",
                    system.as_str().to_uppercase()
                ),
            ));
            continue;
        }
        if !seen.insert(code.clone()) {
            errors.push(fe(&ptr, "duplicate", format!("{code} is already ordered")));
            continue;
        }
        let loinc = t.loinc.as_deref().map(str::trim).filter(|l| !l.is_empty());
        if loinc.is_some_and(|l| !loinc_ok(l)) {
            errors.push(fe(
                &format!("/tests/{i}/loinc"),
                "invalid_loinc",
                "a LOINC code is 1 to 7 digits, a dash and a check digit (2345-7)",
            ));
        }
        out.push(OrderedTest {
            code,
            code_system: Some(system.as_str().to_string()),
            loinc: loinc.map(str::to_string),
        });
    }
    out
}

/// A temperature in degrees Celsius, where given: between -200 and 100.
pub fn temperature(t: Option<f64>, errors: &mut Vec<FieldError>) -> Option<f64> {
    let t = t?;
    if !t.is_finite() || !(-200.0..=100.0).contains(&t) {
        errors.push(fe(
            "/temperature_c",
            "out_of_range",
            "the temperature is in degrees Celsius, from -200 to 100",
        ));
    }
    Some(t)
}
