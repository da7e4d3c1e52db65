//! The claim scrubber: a pure function from an encounter (with its patient, providers,
//! coverage and payer) plus the code tables to a list of findings. No HTTP, no SQL.
//!
//! Rules and their sources are documented in docs/scrubber.md.

mod context;
mod coverage;
mod diagnoses;
pub mod eligibility;
pub mod frequency;
pub mod history;
mod lines;
mod ncci;
mod position;
mod procedures;
mod providers;
mod status;

#[cfg(test)]
mod coverage_tests;
#[cfg(test)]
mod dated_tests;
#[cfg(test)]
mod diagnoses_tests;
#[cfg(test)]
mod frequency_tests;
#[cfg(test)]
mod lines_tests;
#[cfg(test)]
mod ncci_tests;
#[cfg(test)]
mod procedures_tests;
#[cfg(test)]
mod providers_tests;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::CodeTables;

use context::{Ctx, Out};

/// How bad a finding is: errors block sign-off and submission; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks sign-off (unless an admin overrides it) and submission.
    Error,
    /// Shown, but does not block.
    Warning,
}

/// One problem the scrubber found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// Stable rule id, e.g. `icd.not_billable`, `ncci.ptp`, `line.units`.
    pub rule: String,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in words a billing assistant understands.
    pub message: String,
    /// JSON pointer into the encounter document (`/diagnoses/0`, `/lines/2/modifiers/1`).
    pub path: String,
    /// The code-set version the rule used, when it used one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_set_version: Option<String>,
    /// A fix, when one is known (billable children of a header; bypass modifiers of an edit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// The patient facts the rules need.
#[derive(Debug, Clone)]
pub struct PatientFacts {
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Administrative sex: "F", "M" or "U".
    pub sex: String,
}

/// A provider's identifiers.
#[derive(Debug, Clone)]
pub struct ProviderFacts {
    /// 10-digit NPI.
    pub npi: String,
    /// EIN (9 digits), for billing providers.
    pub tax_id: Option<String>,
}

/// The coverage billed, with its payer's rules.
#[derive(Debug, Clone)]
pub struct CoverageFacts {
    /// First day covered.
    pub effective_from: NaiveDate,
    /// Last day covered, if it ends.
    pub effective_to: Option<NaiveDate>,
    /// The payer's timely filing limit in days from the date of service.
    pub timely_filing_days: i32,
}

/// One service line as coded.
#[derive(Debug, Clone)]
pub struct LineFacts {
    /// CPT or HCPCS code as entered.
    pub code: String,
    /// Up to 4 two-character modifiers, in order.
    pub modifiers: Vec<String>,
    /// Units of service.
    pub units: i32,
    /// Charge in cents.
    pub charge_cents: i64,
    /// 1-based positions in the diagnosis list.
    pub diagnosis_pointers: Vec<i32>,
    /// The line's own date of service, when it differs from the encounter's.
    pub date_of_service: Option<NaiveDate>,
    /// The line's own place of service, when it differs from the encounter's.
    pub place_of_service: Option<String>,
}

/// Everything the scrubber looks at. Paths in findings point into the encounter document:
/// `/date_of_service`, `/place_of_service`, `/diagnoses/{i}`, `/lines/{i}/{field}`,
/// `/rendering_provider_id`, `/billing_provider_id`, `/referring_provider_id`, `/coverage_id`.
#[derive(Debug, Clone)]
pub struct ScrubInput {
    /// Today (UTC), for "not in the future" and timely filing.
    pub today: NaiveDate,
    /// First date of service of the encounter.
    pub date_of_service: NaiveDate,
    /// Encounter place of service (2-digit CMS code).
    pub place_of_service: Option<String>,
    /// The patient.
    pub patient: PatientFacts,
    /// ICD-10-CM codes in order as entered (the first is principal).
    pub diagnoses: Vec<String>,
    /// Service lines in order.
    pub lines: Vec<LineFacts>,
    /// Rendering provider, if set.
    pub rendering_provider: Option<ProviderFacts>,
    /// Billing provider, if set.
    pub billing_provider: Option<ProviderFacts>,
    /// Referring provider, if set.
    pub referring_provider: Option<ProviderFacts>,
    /// The coverage billed, if set.
    pub coverage: Option<CoverageFacts>,
    /// Medically unlikely edit limits per line (same order as `lines`): the most units of the
    /// line's code per day, where an imported MUE table has one; `None` when none is loaded.
    pub mue_max_units: Vec<Option<i32>>,
    /// Version label of the imported MUE table, when one is loaded.
    pub mue_version: Option<String>,
}

/// Runs every rule and returns the findings, errors first, each group in document order.
///
/// Document order follows the encounter document: `/date_of_service`, `/place_of_service`,
/// the providers, `/coverage_id`, `/diagnoses` (by position), then `/lines` (by position, and
/// within a line by field: code, modifiers, units, charge, pointers, date, place of service).
/// The result is deterministic for a given input and set of tables.
pub fn scrub(input: &ScrubInput, codes: &CodeTables) -> Vec<Finding> {
    let ctx = Ctx::new(input, codes);
    let mut out = Out::default();
    coverage::check(&ctx, &mut out);
    providers::check(&ctx, &mut out);
    diagnoses::check(&ctx, &mut out);
    lines::check(&ctx, &mut out);
    ncci::check(&ctx, &mut out);
    out.finish()
}

impl Finding {
    fn new(severity: Severity, rule: &str, path: String, message: String) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            message,
            path,
            code_set_version: None,
            suggestion: None,
        }
    }
}
