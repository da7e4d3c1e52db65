//! Frequency rule rows and the create and update forms.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::db::schema_frequency::frequency_rules;
use crate::db::types::Timestamp;
use crate::payers::model::{validate_claim_filing_indicator, PayerId};
use crate::scrub::frequency::{FrequencyLimit, PeriodKind};
use crate::validation::{double_option, validate_plain_text};

crate::typed_id!(
    /// Id of a frequency rule.
    FrequencyRuleId
);

/// A payer frequency limit as stored and returned.
#[derive(
    Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, utoipa::ToSchema,
)]
// Also the row written: None writes NULL. The code and what the rule applies to are its
// identity and never change.
#[diesel(table_name = frequency_rules, treat_none_as_null = true)]
pub struct FrequencyRule {
    /// Rule id.
    pub id: FrequencyRuleId,
    /// Procedure code the limit counts (CPT or HCPCS, upper case).
    #[diesel(skip_update)]
    pub code: String,
    /// The one payer it applies to, if it names one (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[diesel(skip_update)]
    pub payer_id: Option<PayerId>,
    /// Applies to every payer with this claim filing indicator (e.g. `MB`), if set.
    #[diesel(skip_update)]
    pub claim_filing_indicator: Option<String>,
    /// Most units paid per period.
    pub max_units: i32,
    /// How the period is measured.
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub period_kind: PeriodKind,
    /// Period length in months (`rolling_months` and `calendar_months` only).
    pub period_months: Option<i32>,
    /// What is limited, in the office's words.
    pub description: String,
    /// Where the limit comes from (a manual, a payer policy).
    pub source: Option<String>,
    /// Set on rules bundled with medbill (codesets/tables/frequency_limits.tsv).
    #[diesel(skip_update)]
    pub seed_key: Option<String>,
    /// False once deactivated: the scrubber ignores it.
    pub active: bool,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When created.
    #[diesel(skip_update)]
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

impl From<PeriodKind> for String {
    fn from(k: PeriodKind) -> String {
        k.as_str().to_string()
    }
}

impl TryFrom<String> for PeriodKind {
    type Error = String;

    fn try_from(s: String) -> Result<PeriodKind, String> {
        // The table's CHECK constraint admits only the kinds PeriodKind knows.
        PeriodKind::parse(&s).ok_or_else(|| format!("unknown frequency period kind {s:?}"))
    }
}

impl FrequencyRule {
    /// The limit as the pure scrubber takes it.
    pub fn limit(&self) -> FrequencyLimit {
        FrequencyLimit {
            code: self.code.clone(),
            max_units: self.max_units,
            kind: self.period_kind,
            months: self
                .period_months
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(0),
            description: self.description.clone(),
        }
    }
}

fn rule(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// `validator` rule: a 5-character CPT or HCPCS code.
fn validate_procedure_code(s: &str) -> Result<(), ValidationError> {
    if s.len() == 5 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(rule(
            "invalid_code",
            "a CPT or HCPCS code is 5 letters and digits, e.g. G0439",
        ))
    }
}

/// The body of `POST /v1/frequency-rules`.
#[derive(Debug, Clone, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFrequencyRule {
    /// Procedure code (5 letters and digits).
    #[validate(custom(function = "validate_procedure_code"))]
    #[schema(pattern = r"^[A-Za-z0-9]{5}$", example = "G0439")]
    pub code: String,
    /// Limit this rule to one payer.
    pub payer_id: Option<PayerId>,
    /// Limit this rule to payers with this claim filing indicator (e.g. `MB`).
    #[validate(custom(function = "validate_claim_filing_indicator"))]
    #[schema(
        pattern = r"^(1[1-7]|AM|BL|CH|CI|DS|FI|HM|LM|MA|MB|MC|OF|TV|VA|WC|ZZ)$",
        example = "MB"
    )]
    pub claim_filing_indicator: Option<String>,
    /// Most units paid per period (1 to 999).
    #[validate(range(min = 1, max = 999, message = "max_units must be between 1 and 999"))]
    #[schema(minimum = 1, maximum = 999, example = 1)]
    pub max_units: i32,
    /// How the period is measured.
    // The example fits `period_months`' example (12), so a body built from examples is valid.
    #[schema(example = "rolling_months")]
    pub period_kind: PeriodKind,
    /// Months per period: required for `rolling_months` and `calendar_months` (1 to 1200),
    /// absent otherwise.
    #[validate(range(
        min = 1,
        max = 1200,
        message = "period_months must be between 1 and 1200"
    ))]
    #[schema(minimum = 1, maximum = 1200, example = 12)]
    pub period_months: Option<i32>,
    /// What is limited (1 to 200 characters).
    #[validate(
        length(
            min = 1,
            max = 200,
            message = "the description must be 1 to 200 characters"
        ),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 200,
        example = "Subsequent annual wellness visit"
    )]
    pub description: String,
    /// Where the limit comes from.
    #[validate(
        length(max = 200, message = "the source must be at most 200 characters"),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 200,
        example = "Payer policy 2026-14"
    )]
    pub source: Option<String>,
}

/// Field errors when the period length does not fit the period kind.
pub fn period_problem(
    kind: PeriodKind,
    months: Option<i32>,
) -> Option<(&'static str, &'static str)> {
    match (kind.needs_months(), months) {
        (true, None) => Some((
            "missing_period_months",
            "period_months is required for rolling_months and calendar_months",
        )),
        (false, Some(_)) => Some((
            "unexpected_period_months",
            "period_months only applies to rolling_months and calendar_months",
        )),
        _ => None,
    }
}

/// The body of `PATCH /v1/frequency-rules/{id}`: absent fields stay. Code and scope (payer,
/// filing indicator) do not change: deactivate the rule and create another.
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrequencyRulePatch {
    /// New most units per period.
    #[validate(range(min = 1, max = 999, message = "max_units must be between 1 and 999"))]
    #[schema(minimum = 1, maximum = 999)]
    pub max_units: Option<i32>,
    /// New period kind.
    pub period_kind: Option<PeriodKind>,
    /// New months per period (null clears; must fit the kind).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 1200)]
    pub period_months: Option<Option<i32>>,
    /// New description.
    #[validate(
        length(
            min = 1,
            max = 200,
            message = "the description must be 1 to 200 characters"
        ),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 200
    )]
    pub description: Option<String>,
    /// New source (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 200)]
    pub source: Option<Option<String>>,
    /// Reactivate (true) or deactivate (false).
    pub active: Option<bool>,
}

impl FrequencyRulePatch {
    /// Applies the patch to `r`, re-checking the whole rule.
    pub fn apply(self, mut r: FrequencyRule) -> Result<FrequencyRule, validator::ValidationErrors> {
        r.max_units = self.max_units.unwrap_or(r.max_units);
        r.period_kind = self.period_kind.unwrap_or(r.period_kind);
        r.period_months = self.period_months.unwrap_or(r.period_months);
        r.description = self
            .description
            .map_or(r.description, |d| d.trim().to_string());
        r.source = self.source.unwrap_or(r.source);
        r.active = self.active.unwrap_or(r.active);
        let mut errors = validator::ValidationErrors::new();
        if r.period_months.is_some_and(|m| !(1..=1200).contains(&m)) {
            errors.add(
                "period_months",
                rule("range", "period_months must be between 1 and 1200"),
            );
        }
        if let Some((code, message)) = period_problem(r.period_kind, r.period_months) {
            errors.add("period_months", rule(code, message));
        }
        if let Some(s) = &r.source {
            if s.len() > 200 || validate_plain_text(s).is_err() {
                errors.add(
                    "source",
                    rule(
                        "invalid_source",
                        "the source must be at most 200 plain characters",
                    ),
                );
            }
        }
        if errors.is_empty() {
            Ok(r)
        } else {
            Err(errors)
        }
    }
}

impl crate::db::versioned::Deactivatable for FrequencyRule {
    fn deactivate(&mut self) {
        self.active = false;
    }
}

impl crate::db::versioned::Versioned for FrequencyRule {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_must_fit_the_kind() {
        assert!(period_problem(PeriodKind::CalendarMonths, None).is_some());
        assert!(period_problem(PeriodKind::Lifetime, Some(12)).is_some());
        assert!(period_problem(PeriodKind::RollingMonths, Some(12)).is_none());
        assert!(period_problem(PeriodKind::Day, None).is_none());
        assert!(validate_procedure_code("G0439").is_ok());
        assert!(validate_procedure_code("G043").is_err());
    }
}
