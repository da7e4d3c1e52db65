//! Eligibility rules: `coverage.not_verified` (warning) when no eligibility check answered
//! for the coverage on the date of service, `coverage.inactive` (error) when the latest check
//! says the coverage is inactive. The caller loads the latest check (see
//! `eligibility::latest`) and passes it in; pure like the rest of the scrubber.

use chrono::NaiveDate;

use super::context::day;
use super::{Finding, ScrubInput, Severity};

/// The latest completed eligibility check of the encounter's coverage for its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestCheck {
    /// The date of service the payer was asked about.
    pub service_date: NaiveDate,
    /// The payer's verdict (`None`: it rejected the inquiry or said neither).
    pub active: Option<bool>,
    /// The payer's rejections, as the summary words them.
    pub rejections: Vec<String>,
}

/// The findings of the eligibility rules for `input` (nothing without a coverage).
pub fn coverage_verification(input: &ScrubInput, latest: Option<&LatestCheck>) -> Vec<Finding> {
    if input.coverage.is_none() {
        return Vec::new();
    }
    let date = day(input.date_of_service);
    let finding = |rule: &str, severity, message: String, suggestion: &str| Finding {
        rule: rule.into(),
        severity,
        message,
        path: "/coverage_id".into(),
        code_set_version: None,
        suggestion: Some(suggestion.into()),
    };
    match latest {
        None => vec![finding(
            "coverage.not_verified",
            Severity::Warning,
            format!("Eligibility for {date} has not been verified with the payer."),
            "Run an eligibility check (POST /v1/coverages/{id}/eligibility) for the date of service.",
        )],
        Some(c) if c.active == Some(false) => vec![finding(
            "coverage.inactive",
            Severity::Error,
            format!("The payer says this coverage is inactive on {date}: the claim will be denied."),
            "Bill another coverage of the patient, or bill the patient.",
        )],
        Some(c) if c.active.is_none() => vec![finding(
            "coverage.not_verified",
            Severity::Warning,
            format!(
                "The eligibility check for {date} did not verify the coverage ({}).",
                if c.rejections.is_empty() {
                    "no coverage status in the answer".to_string()
                } else {
                    c.rejections.join("; ")
                }
            ),
            "Correct the coverage as the payer asks and check again.",
        )],
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testkit::{clean, d};
    use super::*;

    fn check(active: Option<bool>) -> LatestCheck {
        LatestCheck {
            service_date: d(2026, 5, 1),
            active,
            rejections: vec![
                "72: invalid/missing subscriber/insured id (please correct and resubmit)".into(),
            ],
        }
    }

    #[test]
    fn unverified_coverage_is_a_warning_inactive_an_error() {
        let e = clean();
        assert!(e.coverage.is_some());
        let f = coverage_verification(&e, None);
        assert_eq!(f[0].rule, "coverage.not_verified");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].path, "/coverage_id");
        let f = coverage_verification(&e, Some(&check(Some(false))));
        assert_eq!(f[0].rule, "coverage.inactive");
        assert_eq!(f[0].severity, Severity::Error);
        let f = coverage_verification(&e, Some(&check(None)));
        assert_eq!(f[0].rule, "coverage.not_verified");
        assert!(f[0].message.contains("72: invalid"), "{}", f[0].message);
        assert!(coverage_verification(&e, Some(&check(Some(true)))).is_empty());
        let mut none = clean();
        none.coverage = None;
        assert!(coverage_verification(&none, None).is_empty());
    }
}
