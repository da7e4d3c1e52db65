//! Test helpers: the embedded tables, a clean encounter to start from, and finding filters.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use crate::codesets::CodeTables;

use super::{
    scrub, CoverageFacts, Finding, LineFacts, PatientFacts, ProviderFacts, ScrubInput, Severity,
};

/// Valid NPIs (Luhn over "80840" + 9 digits).
pub const NPI_RENDERING: &str = "1234567893";
pub const NPI_BILLING: &str = "1987654328";
pub const NPI_REFERRING: &str = "1555555550";

pub fn tables() -> &'static CodeTables {
    CodeTables::embedded().unwrap()
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A line with one pointer to diagnosis 1, 1 unit, $50.00.
pub fn line(code: &str, modifiers: &[&str]) -> LineFacts {
    LineFacts {
        code: code.to_string(),
        modifiers: modifiers.iter().map(|m| m.to_string()).collect(),
        units: 1,
        charge_cents: 5_000,
        diagnosis_pointers: vec![1],
        date_of_service: None,
        place_of_service: None,
    }
}

/// A clean office visit on 2026-05-01 (scrubbed on 2026-05-10): a 56-year-old woman with
/// E11.9 and I10; lines 99213 (E/M), 36415 (venipuncture), 80053 (metabolic panel), G0008.
pub fn clean() -> ScrubInput {
    let mut visit = line("99213", &[]);
    visit.diagnosis_pointers = vec![1, 2];
    ScrubInput {
        today: d(2026, 5, 10),
        date_of_service: d(2026, 5, 1),
        place_of_service: Some("11".to_string()),
        patient: PatientFacts {
            birth_date: d(1970, 3, 15),
            sex: "F".to_string(),
        },
        diagnoses: vec!["E11.9".to_string(), "I10".to_string()],
        lines: vec![
            visit,
            line("36415", &[]),
            line("80053", &[]),
            line("G0008", &[]),
        ],
        rendering_provider: Some(ProviderFacts {
            npi: NPI_RENDERING.to_string(),
            tax_id: None,
        }),
        billing_provider: Some(ProviderFacts {
            npi: NPI_BILLING.to_string(),
            tax_id: Some("12-3456789".to_string()),
        }),
        referring_provider: None,
        coverage: Some(CoverageFacts {
            effective_from: d(2026, 1, 1),
            effective_to: None,
            timely_filing_days: 365,
        }),
        mue_max_units: vec![None; 4],
        mue_version: None,
    }
}

/// Scrub with the embedded tables.
pub fn run(input: &ScrubInput) -> Vec<Finding> {
    scrub(input, tables())
}

/// Findings of one rule.
pub fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

/// The only finding of a rule (panics when there is not exactly one).
pub fn one<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    let hits = of(findings, rule);
    assert_eq!(hits.len(), 1, "expected one {rule}: {findings:#?}");
    hits[0]
}

/// No finding of this rule.
pub fn none(findings: &[Finding], rule: &str) {
    assert!(
        of(findings, rule).is_empty(),
        "unexpected {rule}: {findings:#?}"
    );
}

/// Error findings only.
pub fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}
