//! Patient rows and the create and update forms.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::db::schema::patients;
use crate::db::types::Timestamp;
use crate::validation::{
    double_option, validate_birth_date, validate_phone, validate_plain_text, validate_postal_code,
    validate_sex, validate_state,
};

crate::typed_id!(
    /// Id of a patient.
    PatientId
);

/// A patient as stored and returned.
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
// Also the row written (`Insertable`, `AsChangeset`, with the search keys beside it): None
// writes NULL, also on insert (bound, not `DEFAULT`), so the INSERT's text is the same for
// every patient and diesel keeps it prepared (issue 17: on PostgreSQL it was parsed and
// planned for every create).
#[diesel(table_name = patients, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Patient {
    /// Patient id.
    pub id: PatientId,
    /// Medical record number, unique in the office.
    pub mrn: String,
    /// Given name.
    pub first_name: String,
    /// Middle name or initial.
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Administrative sex: F, M or U.
    pub sex: String,
    /// Street address.
    pub address_line1: Option<String>,
    /// Second address line.
    pub address_line2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Two-letter state.
    pub state: Option<String>,
    /// ZIP code.
    pub postal_code: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
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

/// The body of `POST /v1/patients`.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPatient {
    /// Medical record number (letters, digits and dashes; up to 20).
    #[validate(
        length(min = 1, max = 20, message = "the MRN must be 1 to 20 characters"),
        custom(function = "validate_mrn")
    )]
    #[schema(
        pattern = r"^[A-Za-z0-9-]{1,20}$",
        min_length = 1,
        max_length = 20,
        example = "MRN-000123"
    )]
    pub mrn: String,
    /// Given name.
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
    pub first_name: String,
    /// Middle name.
    #[validate(
        length(max = 25, message = "the middle name must be at most 25 characters"),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 25,
        example = "J"
    )]
    pub middle_name: Option<String>,
    /// Family name.
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
    pub last_name: String,
    /// Date of birth (YYYY-MM-DD), not in the future.
    #[validate(custom(function = "validate_birth_date"))]
    #[schema(
        pattern = r"^(19[0-9]{2}|20[01][0-9]|202[0-5])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        example = "1971-03-14"
    )]
    #[serde(deserialize_with = "crate::validation::ymd::deserialize")]
    pub birth_date: NaiveDate,
    /// F, M or U.
    #[validate(custom(function = "validate_sex"))]
    #[schema(pattern = r"^[FMU]$", example = "F")]
    pub sex: String,
    /// Street address.
    #[validate(length(max = 55), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 55,
        example = "12 Main St"
    )]
    pub address_line1: Option<String>,
    /// Second address line.
    #[validate(length(max = 55), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 55,
        example = "Apt 4"
    )]
    pub address_line2: Option<String>,
    /// City.
    #[validate(length(max = 30), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 30,
        example = "Albany"
    )]
    pub city: Option<String>,
    /// Two-letter state.
    #[validate(custom(function = "validate_state"))]
    #[schema(pattern = r"^[A-Z]{2}$", example = "NY")]
    pub state: Option<String>,
    /// ZIP code.
    #[validate(custom(function = "validate_postal_code"))]
    #[schema(pattern = r"^-*([0-9]-*){5}$|^-*([0-9]-*){9}$", example = "12207")]
    pub postal_code: Option<String>,
    /// Phone.
    #[validate(custom(function = "validate_phone"))]
    #[schema(
        pattern = r"^[ ()+.-]*([0-9][ ()+.-]*){10}$|^ *(1|\+[ ()+.-]*[0-9])[ ()+.-]*([0-9][ ()+.-]*){10}$",
        example = "(518) 555-0100"
    )]
    pub phone: Option<String>,
}

/// The body of `PATCH /v1/patients/{id}`: absent fields stay, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientPatch {
    /// New MRN.
    #[validate(
        length(min = 1, max = 20, message = "the MRN must be 1 to 20 characters"),
        custom(function = "validate_mrn")
    )]
    #[schema(
        pattern = r"^[A-Za-z0-9-]{1,20}$",
        min_length = 1,
        max_length = 20,
        example = "MRN-000123"
    )]
    pub mrn: Option<String>,
    /// New given name.
    #[validate(length(min = 1, max = 35), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 35,
        example = "Maria"
    )]
    pub first_name: Option<String>,
    /// New middle name (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 25, example = "J")]
    pub middle_name: Option<Option<String>>,
    /// New family name.
    #[validate(length(min = 1, max = 60), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 60,
        example = "Garcia"
    )]
    pub last_name: Option<String>,
    /// New birth date.
    #[validate(custom(function = "validate_birth_date"))]
    #[schema(
        pattern = r"^(19[0-9]{2}|20[01][0-9]|202[0-5])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        example = "1971-03-14"
    )]
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub birth_date: Option<NaiveDate>,
    /// New sex.
    #[validate(custom(function = "validate_sex"))]
    #[schema(pattern = r"^[FMU]$", example = "F")]
    pub sex: Option<String>,
    /// New street address (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 55, example = "12 Main St")]
    pub address_line1: Option<Option<String>>,
    /// New second line (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 55, example = "Apt 4")]
    pub address_line2: Option<Option<String>>,
    /// New city (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 30, example = "Albany")]
    pub city: Option<Option<String>>,
    /// New state (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Z]{2}$", example = "NY")]
    pub state: Option<Option<String>>,
    /// New ZIP code (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^-*([0-9]-*){5}$|^-*([0-9]-*){9}$", example = "12207")]
    pub postal_code: Option<Option<String>>,
    /// New phone (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[ ()+.-]*([0-9][ ()+.-]*){10}$|^ *(1|\+[ ()+.-]*[0-9])[ ()+.-]*([0-9][ ()+.-]*){10}$", example = "(518) 555-0100")]
    pub phone: Option<Option<String>>,
}

impl crate::db::versioned::Deactivatable for Patient {
    fn deactivate(&mut self) {
        self.active = false;
    }
}

impl crate::db::versioned::Versioned for Patient {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}

/// `validator` rule for an MRN: letters, digits and dashes.
pub fn validate_mrn(mrn: &str) -> Result<(), validator::ValidationError> {
    if mrn.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(())
    } else {
        Err(validator::ValidationError::new("invalid_mrn")
            .with_message("the MRN may hold letters, digits and dashes only".into()))
    }
}

impl PatientPatch {
    /// Applies the patch to `p` and returns the changed patient, re-checking the optional fields
    /// a `null`-or-value patch can set.
    pub fn apply(self, mut p: Patient) -> Result<Patient, validator::ValidationErrors> {
        if let Some(v) = self.mrn {
            p.mrn = v;
        }
        if let Some(v) = self.first_name {
            p.first_name = v;
        }
        if let Some(v) = self.middle_name {
            p.middle_name = v;
        }
        if let Some(v) = self.last_name {
            p.last_name = v;
        }
        if let Some(v) = self.birth_date {
            p.birth_date = v;
        }
        if let Some(v) = self.sex {
            p.sex = v;
        }
        if let Some(v) = self.address_line1 {
            p.address_line1 = v;
        }
        if let Some(v) = self.address_line2 {
            p.address_line2 = v;
        }
        if let Some(v) = self.city {
            p.city = v;
        }
        if let Some(v) = self.state {
            p.state = v;
        }
        if let Some(v) = self.postal_code {
            p.postal_code = v;
        }
        if let Some(v) = self.phone {
            p.phone = v;
        }
        // Re-validate the whole record so a cleared-then-set field obeys the create rules.
        NewPatient::from(&p).validate()?;
        Ok(p)
    }
}

impl From<&Patient> for NewPatient {
    fn from(p: &Patient) -> Self {
        NewPatient {
            mrn: p.mrn.clone(),
            first_name: p.first_name.clone(),
            middle_name: p.middle_name.clone(),
            last_name: p.last_name.clone(),
            birth_date: p.birth_date,
            sex: p.sex.clone(),
            address_line1: p.address_line1.clone(),
            address_line2: p.address_line2.clone(),
            city: p.city.clone(),
            state: p.state.clone(),
            postal_code: p.postal_code.clone(),
            phone: p.phone.clone(),
        }
    }
}
