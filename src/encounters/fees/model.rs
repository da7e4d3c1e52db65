//! Fee schedule rows, forms and field rules.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::codesets::{normalize, CodeSystem};
use crate::db::schema_encounters::fee_schedules;
use crate::db::types::Timestamp;
use crate::encounters::check::MAX_CHARGE_CENTS;
use crate::error::FieldError;
use crate::payers::model::PayerId;

crate::typed_id!(
    /// Id of a fee schedule entry.
    FeeScheduleId
);

/// One fee schedule entry: the charge per unit of a code for a payer (or the default).
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    Serialize,
    utoipa::ToSchema,
)]
// Also the row written: None writes NULL. Payer, code and modifier are the entry's identity
// and never change.
#[diesel(table_name = fee_schedules, treat_none_as_null = true)]
pub struct FeeSchedule {
    /// Entry id.
    pub id: FeeScheduleId,
    /// The payer this price is for; absent for the office default.
    #[schema(value_type = Option<uuid::Uuid>)]
    #[diesel(skip_update)]
    pub payer_id: Option<PayerId>,
    /// CPT or HCPCS code.
    #[diesel(skip_update)]
    pub code: String,
    /// The modifier this price needs on the line (e.g. 26); absent for any line of the code.
    #[diesel(skip_update)]
    pub modifier: Option<String>,
    /// Charge per unit, in cents.
    pub charge_cents: i64,
    /// First day the price applies.
    pub effective_from: NaiveDate,
    /// Last day the price applies, when it ends.
    pub effective_to: Option<NaiveDate>,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When created.
    #[diesel(skip_update)]
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// The body of `POST /v1/fee-schedules`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeeSchedule {
    /// An active payer; absent (or null) for the office default.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub payer_id: Option<PayerId>,
    /// CPT or HCPCS code, any case.
    #[schema(
        pattern = r"^ *([0-9]{5}|[0-9]{4}[FTUftu]|[A-Va-v][0-9]{4}) *$",
        example = "99213"
    )]
    pub code: String,
    /// `cpt` or `hcpcs`; inferred from the code when absent.
    #[schema(pattern = r"^(cpt|hcpcs)$", example = "cpt")]
    pub code_system: Option<String>,
    /// A modifier the line must carry for this price.
    #[schema(pattern = r"^[A-Za-z0-9]{2}$", example = "25")]
    pub modifier: Option<String>,
    /// Charge per unit, in cents.
    #[schema(minimum = 0, maximum = 999999999, example = 12500)]
    pub charge_cents: i64,
    /// First day (YYYY-MM-DD).
    #[serde(deserialize_with = "crate::validation::ymd::deserialize")]
    #[schema(example = "2026-01-01")]
    pub effective_from: NaiveDate,
    /// Last day (YYYY-MM-DD), not before `effective_from`.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    #[schema(example = "2026-12-31")]
    pub effective_to: Option<NaiveDate>,
}

/// The body of `PATCH /v1/fee-schedules/{id}`: the payer, code and modifier stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedulePatch {
    /// New charge per unit.
    #[schema(minimum = 0, maximum = 999999999, example = 12500)]
    pub charge_cents: Option<i64>,
    /// New first day.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub effective_from: Option<NaiveDate>,
    /// New last day (null: open-ended).
    #[serde(default, deserialize_with = "crate::validation::ymd::double")]
    #[schema(value_type = Option<NaiveDate>)]
    pub effective_to: Option<Option<NaiveDate>>,
}

impl FeeSchedulePatch {
    /// Applies the patch to `f`.
    pub fn apply(self, mut f: FeeSchedule) -> FeeSchedule {
        f.charge_cents = self.charge_cents.unwrap_or(f.charge_cents);
        f.effective_from = self.effective_from.unwrap_or(f.effective_from);
        f.effective_to = self.effective_to.unwrap_or(f.effective_to);
        f
    }
}

/// Normalises a procedure code (CPT when it starts with a digit, else HCPCS, unless named).
pub fn procedure_code(code: &str, system: Option<&str>) -> Result<String, FieldError> {
    let system = match system.map(|s| s.trim().to_ascii_lowercase()) {
        Some(s) if s == "cpt" => CodeSystem::Cpt,
        Some(s) if s == "hcpcs" => CodeSystem::Hcpcs,
        Some(_) => {
            return Err(FieldError::new(
                "/code_system",
                "invalid_code_system",
                "the code system is cpt or hcpcs",
            ))
        }
        None if code.trim().starts_with(|c: char| c.is_ascii_digit()) => CodeSystem::Cpt,
        None => CodeSystem::Hcpcs,
    };
    normalize(system, code)
        .map(|c| c.as_str().to_string())
        .map_err(|e| FieldError::new("/code", "invalid_code", e.to_string()))
}

/// The rules of a whole entry: charge range, modifier shape, dates in order.
pub fn check(f: &FeeSchedule) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !(0..=MAX_CHARGE_CENTS).contains(&f.charge_cents) {
        errors.push(FieldError::new(
            "/charge_cents",
            "out_of_range",
            "the charge is in cents, from 0 to 999999999",
        ));
    }
    if f.modifier
        .as_ref()
        .is_some_and(|m| m.len() != 2 || !m.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        errors.push(FieldError::new(
            "/modifier",
            "invalid_modifier",
            "a modifier is 2 letters or digits",
        ));
    }
    if f.effective_to.is_some_and(|to| to < f.effective_from) {
        errors.push(FieldError::new(
            "/effective_to",
            "before_effective_from",
            "effective_to cannot be before effective_from",
        ));
    }
    errors
}

impl crate::db::versioned::Versioned for FeeSchedule {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}
