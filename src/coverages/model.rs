//! Coverage rows, the create and update forms and their field rules.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError, ValidationErrors};

use crate::db::schema::coverages;
use crate::db::types::Timestamp;
use crate::patients::model::PatientId;
use crate::payers::model::PayerId;
use crate::validation::{double_option, validate_birth_date, validate_plain_text, validate_sex};

crate::typed_id!(
    /// Id of a coverage.
    CoverageId
);

/// X12 individual relationship codes (subscriber to patient) accepted on coverage.
pub const RELATIONSHIP_CODES: [&str; 9] = ["18", "01", "19", "20", "21", "39", "40", "53", "G8"];
/// The relationship code meaning the patient is the subscriber.
pub const SELF: &str = "18";
/// Coverage priorities, in the order payers are billed.
pub const PRIORITIES: [&str; 3] = ["primary", "secondary", "tertiary"];

/// A coverage as stored and returned.
#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
// Also the row written (`Insertable`, `AsChangeset`): None writes NULL; the patient, the payer
// and the creation time never change.
#[diesel(table_name = coverages, treat_none_as_null = true)]
pub struct Coverage {
    /// Coverage id.
    pub id: CoverageId,
    /// The covered patient.
    #[schema(value_type = uuid::Uuid)]
    #[diesel(skip_update)]
    pub patient_id: PatientId,
    /// The paying insurer.
    #[schema(value_type = uuid::Uuid)]
    #[diesel(skip_update)]
    pub payer_id: PayerId,
    /// Member id on the insurance card.
    pub member_id: String,
    /// Group number on the insurance card.
    pub group_number: Option<String>,
    /// X12 relationship of the patient to the subscriber: 18 self, 01 spouse, 19 child, ...
    pub relationship_code: String,
    /// Subscriber's given name (absent when the patient is the subscriber).
    pub subscriber_first_name: Option<String>,
    /// Subscriber's family name (absent when the patient is the subscriber).
    pub subscriber_last_name: Option<String>,
    /// Subscriber's birth date (absent when the patient is the subscriber).
    pub subscriber_birth_date: Option<NaiveDate>,
    /// Subscriber's sex, F, M or U (absent when the patient is the subscriber).
    pub subscriber_sex: Option<String>,
    /// `primary`, `secondary` or `tertiary`.
    pub priority: String,
    /// First day covered.
    pub effective_from: NaiveDate,
    /// Last day covered, when known.
    pub effective_to: Option<NaiveDate>,
    /// False once deactivated.
    pub active: bool,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When created.
    #[diesel(skip_update)]
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// The body of `POST /v1/coverages`.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoverage {
    /// An active patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// An active payer.
    #[schema(value_type = uuid::Uuid)]
    pub payer_id: PayerId,
    /// Member id: 1 to 80 letters, digits and dashes.
    #[validate(
        length(
            min = 1,
            max = 80,
            message = "the member id must be 1 to 80 characters"
        ),
        custom(function = "validate_member_id")
    )]
    #[schema(
        pattern = r"^[A-Za-z0-9-]{1,80}$",
        min_length = 1,
        max_length = 80,
        example = "XYZ123456789"
    )]
    pub member_id: String,
    /// Group number (up to 50 characters).
    #[validate(
        length(
            min = 1,
            max = 50,
            message = "the group number must be 1 to 50 characters"
        ),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 50,
        example = "GRP-100"
    )]
    pub group_number: Option<String>,
    /// X12 relationship code: 18 self, 01 spouse, 19 child, 20 employee, 21 unknown, 39 organ
    /// donor, 40 cadaver donor, 53 life partner, G8 other relationship.
    #[validate(custom(function = "validate_relationship_code"))]
    #[schema(pattern = r"^(18|01|19|20|21|39|40|53|G8)$", example = "18")]
    pub relationship_code: String,
    /// Subscriber's given name; required unless the relationship is 18 (self).
    #[validate(
        length(
            min = 1,
            max = 35,
            message = "the first name must be 1 to 35 characters"
        ),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 35,
        example = "Maria"
    )]
    pub subscriber_first_name: Option<String>,
    /// Subscriber's family name; required unless the relationship is 18 (self).
    #[validate(
        length(
            min = 1,
            max = 60,
            message = "the last name must be 1 to 60 characters"
        ),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 60,
        example = "Garcia"
    )]
    pub subscriber_last_name: Option<String>,
    /// Subscriber's birth date; required unless the relationship is 18 (self).
    #[validate(custom(function = "validate_birth_date"))]
    #[schema(
        pattern = r"^(19[0-9]{2}|20[01][0-9]|202[0-5])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        example = "1971-03-14"
    )]
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub subscriber_birth_date: Option<NaiveDate>,
    /// Subscriber's sex (F, M, U); required unless the relationship is 18 (self).
    #[validate(custom(function = "validate_sex"))]
    #[schema(pattern = r"^[FMU]$", example = "F")]
    pub subscriber_sex: Option<String>,
    /// `primary`, `secondary` or `tertiary`.
    #[validate(custom(function = "validate_priority"))]
    #[schema(pattern = r"^(primary|secondary|tertiary)$", example = "primary")]
    pub priority: String,
    /// First day covered (YYYY-MM-DD).
    #[serde(deserialize_with = "crate::validation::ymd::deserialize")]
    #[schema(example = "2026-01-01")]
    pub effective_from: NaiveDate,
    /// Last day covered (YYYY-MM-DD), not before `effective_from`.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    #[schema(example = "2026-12-31")]
    pub effective_to: Option<NaiveDate>,
}

fn rule(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// `validator` rule for a member id: letters, digits and dashes.
pub fn validate_member_id(s: &str) -> Result<(), ValidationError> {
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(())
    } else {
        Err(rule(
            "invalid_member_id",
            "the member id may hold letters, digits and dashes only",
        ))
    }
}

/// `validator` rule: one of the X12 individual relationship codes in [`RELATIONSHIP_CODES`].
pub fn validate_relationship_code(s: &str) -> Result<(), ValidationError> {
    if RELATIONSHIP_CODES.contains(&s) {
        Ok(())
    } else {
        Err(rule(
            "invalid_relationship_code",
            "the relationship code must be one of 18 (self), 01, 19, 20, 21, 39, 40, 53 or G8",
        ))
    }
}

/// `validator` rule: `primary`, `secondary` or `tertiary`.
pub fn validate_priority(s: &str) -> Result<(), ValidationError> {
    if PRIORITIES.contains(&s) {
        Ok(())
    } else {
        Err(rule(
            "invalid_priority",
            "priority must be primary, secondary or tertiary",
        ))
    }
}

impl NewCoverage {
    /// Trims the card numbers and names as typed.
    pub fn trimmed(mut self) -> Self {
        let trim = |o: Option<String>| o.map(|s| s.trim().to_string());
        self.member_id = self.member_id.trim().to_string();
        self.group_number = trim(self.group_number);
        self.subscriber_first_name = trim(self.subscriber_first_name);
        self.subscriber_last_name = trim(self.subscriber_last_name);
        self
    }

    /// The field rules plus those spanning fields that need no database: a subscriber for a
    /// non-self relationship and dates in order. Returns the errors (empty when all is well) so
    /// the caller can add the checks against the patient's record.
    pub fn check(&self) -> ValidationErrors {
        let mut errors = self.validate().err().unwrap_or_default();
        let known = RELATIONSHIP_CODES.contains(&self.relationship_code.as_str());
        if known && self.relationship_code != SELF {
            let required = || {
                rule(
                    "required",
                    "required unless the relationship code is 18 (self)",
                )
            };
            let missing = [
                (
                    "subscriber_first_name",
                    self.subscriber_first_name.is_none(),
                ),
                ("subscriber_last_name", self.subscriber_last_name.is_none()),
                (
                    "subscriber_birth_date",
                    self.subscriber_birth_date.is_none(),
                ),
                ("subscriber_sex", self.subscriber_sex.is_none()),
            ];
            for (field, _) in missing.into_iter().filter(|(_, absent)| *absent) {
                errors.add(field, required());
            }
        }
        if self.effective_to.is_some_and(|to| to < self.effective_from) {
            errors.add(
                "effective_to",
                rule(
                    "before_effective_from",
                    "effective_to cannot be before effective_from",
                ),
            );
        }
        errors
    }
}

impl From<&Coverage> for NewCoverage {
    fn from(c: &Coverage) -> Self {
        NewCoverage {
            patient_id: c.patient_id,
            payer_id: c.payer_id,
            member_id: c.member_id.clone(),
            group_number: c.group_number.clone(),
            relationship_code: c.relationship_code.clone(),
            subscriber_first_name: c.subscriber_first_name.clone(),
            subscriber_last_name: c.subscriber_last_name.clone(),
            subscriber_birth_date: c.subscriber_birth_date,
            subscriber_sex: c.subscriber_sex.clone(),
            priority: c.priority.clone(),
            effective_from: c.effective_from,
            effective_to: c.effective_to,
        }
    }
}

impl crate::db::versioned::Deactivatable for Coverage {
    fn deactivate(&mut self) {
        self.active = false;
    }
}

impl crate::db::versioned::Versioned for Coverage {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}

/// The body of `PATCH /v1/coverages/{id}`: absent fields stay, `null` clears an optional one.
/// The patient and payer cannot change: deactivate the coverage and create another.
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoveragePatch {
    /// New member id.
    #[validate(
        length(
            min = 1,
            max = 80,
            message = "the member id must be 1 to 80 characters"
        ),
        custom(function = "validate_member_id")
    )]
    #[schema(
        pattern = r"^[A-Za-z0-9-]{1,80}$",
        min_length = 1,
        max_length = 80,
        example = "XYZ123456789"
    )]
    pub member_id: Option<String>,
    /// New group number (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", min_length = 1, max_length = 50, example = "GRP-100")]
    pub group_number: Option<Option<String>>,
    /// New relationship code; changing to 18 (self) clears the stored subscriber.
    #[validate(custom(function = "validate_relationship_code"))]
    #[schema(pattern = r"^(18|01|19|20|21|39|40|53|G8)$", example = "18")]
    pub relationship_code: Option<String>,
    /// New subscriber given name (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", min_length = 1, max_length = 35, example = "Maria")]
    pub subscriber_first_name: Option<Option<String>>,
    /// New subscriber family name (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", min_length = 1, max_length = 60, example = "Garcia")]
    pub subscriber_last_name: Option<Option<String>>,
    /// New subscriber birth date (null clears).
    #[serde(default, deserialize_with = "crate::validation::ymd::double")]
    #[schema(value_type = Option<NaiveDate>, pattern = r"^(19[0-9]{2}|20[01][0-9]|202[0-5])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "1971-03-14")]
    pub subscriber_birth_date: Option<Option<NaiveDate>>,
    /// New subscriber sex (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[FMU]$", example = "F")]
    pub subscriber_sex: Option<Option<String>>,
    /// New priority.
    #[validate(custom(function = "validate_priority"))]
    #[schema(pattern = r"^(primary|secondary|tertiary)$", example = "primary")]
    pub priority: Option<String>,
    /// New first day covered.
    #[schema(example = "2026-01-01")]
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub effective_from: Option<NaiveDate>,
    /// New last day covered (null: open-ended).
    #[serde(default, deserialize_with = "crate::validation::ymd::double")]
    #[schema(value_type = Option<NaiveDate>)]
    pub effective_to: Option<Option<NaiveDate>>,
}
