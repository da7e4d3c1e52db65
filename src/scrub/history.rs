//! History checks: rules that need the patient's other claims, which the caller loads (see
//! `claims::service_history`) and passes in. Pure like the rest of the scrubber.

use chrono::NaiveDate;

use super::context::day;
use super::{Finding, ScrubInput, Severity};

/// A service line billed on another claim of the same patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledService {
    /// The other claim's patient control number (CLM01), as the office knows it.
    pub claim_number: String,
    /// 1-based line number on that claim.
    pub line_no: i32,
    /// The line's date of service.
    pub date_of_service: NaiveDate,
    /// Procedure code, upper case.
    pub code: String,
    /// Modifiers as `modifiers_key` writes them.
    pub modifiers: String,
    /// Units of service on that line (frequency limits count units).
    pub units: i32,
}

/// Modifiers in a form that compares regardless of order and case: upper case, sorted,
/// comma-joined (`""` when none).
pub fn modifiers_key(modifiers: &[String]) -> String {
    let mut m: Vec<String> = modifiers
        .iter()
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    m.sort();
    m.join(",")
}

/// Clinical laboratory codes (CPT 80047-89398): a repeat takes modifier 91, not 76/77.
fn is_lab(code: &str) -> bool {
    code.len() == 5
        && code.bytes().all(|b| b.is_ascii_digit())
        && ("80047"..="89398").contains(&code)
}

/// `claim.duplicate_service`: a line whose patient, date of service, procedure code and
/// modifiers match a line of another active claim (CARC 18, "exact duplicate").
pub fn duplicate_services(input: &ScrubInput, billed: &[BilledService]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let date = l.date_of_service.unwrap_or(input.date_of_service);
        let code = l.code.trim().to_ascii_uppercase();
        let mods = modifiers_key(&l.modifiers);
        let Some(other) = billed
            .iter()
            .find(|b| b.date_of_service == date && b.code == code && b.modifiers == mods)
        else {
            continue;
        };
        let repeat = if is_lab(&code) {
            "If the test was really repeated that day, add modifier 91 (repeat clinical diagnostic laboratory test)"
        } else {
            "If the procedure was really repeated that day, add modifier 76 (repeated by the same physician) or 77 (by another physician)"
        };
        out.push(Finding {
            rule: "claim.duplicate_service".into(),
            severity: Severity::Error,
            message: format!(
                "Line {} ({code} on {}) is already billed on claim {} (line {}) for this patient: the payer will deny it as a duplicate (CARC 18).",
                i + 1,
                day(date),
                other.claim_number,
                other.line_no
            ),
            path: format!("/lines/{i}/code"),
            code_set_version: None,
            suggestion: Some(format!(
                "{repeat}; otherwise remove the line or correct claim {}.",
                other.claim_number
            )),
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testkit::{clean, d};
    use super::*;

    fn billed(code: &str, mods: &str, date: NaiveDate) -> BilledService {
        BilledService {
            claim_number: "PCN1".into(),
            line_no: 2,
            date_of_service: date,
            code: code.into(),
            modifiers: mods.into(),
            units: 1,
        }
    }

    #[test]
    fn same_code_date_and_modifiers_is_a_duplicate() {
        let e = clean(); // lines 99213, 36415, 80053, G0008 on 2026-05-01
        let f = duplicate_services(&e, &[billed("80053", "", d(2026, 5, 1))]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].path, "/lines/2/code");
        assert!(
            f[0].message.contains("claim PCN1 (line 2)"),
            "{}",
            f[0].message
        );
        assert!(f[0].suggestion.as_deref().unwrap().contains("modifier 91"));
        let f = duplicate_services(&e, &[billed("99213", "", d(2026, 5, 1))]);
        assert!(f[0].suggestion.as_deref().unwrap().contains("76"));
    }

    #[test]
    fn another_date_modifier_or_code_is_not() {
        let mut e = clean();
        assert!(duplicate_services(&e, &[billed("80053", "", d(2026, 5, 2))]).is_empty());
        assert!(duplicate_services(&e, &[billed("80053", "91", d(2026, 5, 1))]).is_empty());
        assert!(duplicate_services(&e, &[billed("80054", "", d(2026, 5, 1))]).is_empty());
        // Modifiers compare regardless of order and case; a line's own date counts.
        e.lines[2].modifiers = vec!["xu".into(), "59".into()];
        e.lines[2].date_of_service = Some(d(2026, 5, 2));
        let f = duplicate_services(&e, &[billed("80053", "59,XU", d(2026, 5, 2))]);
        assert_eq!(f.len(), 1);
    }
}
