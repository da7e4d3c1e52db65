//! Payer rows and the create and update forms.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::db::schema::payers;
use crate::db::types::Timestamp;
use crate::validation::{double_option, validate_plain_text, validate_postal_code, validate_state};

crate::typed_id!(
    /// Id of a payer.
    PayerId
);

/// X12 claim filing indicator codes (837P SBR09).
pub const CLAIM_FILING_INDICATORS: [&str; 23] = [
    "11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM", "LM", "MA",
    "MB", "MC", "OF", "TV", "VA", "WC", "ZZ",
];

/// A payer as stored and returned.
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
#[diesel(table_name = payers, treat_none_as_null = true)]
pub struct Payer {
    /// Payer id.
    pub id: PayerId,
    /// Payer name as printed on claims.
    pub name: String,
    /// The clearinghouse's payer id.
    pub edi_payer_id: String,
    /// X12 claim filing indicator (SBR09), e.g. `CI` commercial, `MB` Medicare Part B.
    pub claim_filing_indicator: String,
    /// Days after the date of service within which a claim must be filed.
    pub timely_filing_days: i32,
    /// Street address for paper claims.
    pub address_line1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Two-letter state.
    pub state: Option<String>,
    /// ZIP code.
    pub postal_code: Option<String>,
    /// False once deactivated.
    pub active: bool,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When created.
    #[diesel(skip_update)]
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
    /// Bill the patient's next coverage (secondary, tertiary) automatically when this payer's
    /// remittance is posted, unless the payer crossed the claim over itself.
    pub auto_bill_secondary: bool,
}

/// The body of `POST /v1/payers`.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayer {
    /// Payer name (up to 60 characters, the X12 limit).
    #[validate(
        length(min = 1, max = 60, message = "the name must be 1 to 60 characters"),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 60,
        example = "Medicare Part B"
    )]
    pub name: String,
    /// Clearinghouse payer id: 2 to 80 letters and digits.
    #[validate(custom(function = "validate_edi_payer_id"))]
    #[schema(pattern = r"^[A-Za-z0-9]{2,80}$", example = "00431")]
    pub edi_payer_id: String,
    /// X12 claim filing indicator (SBR09): 11-17, AM, BL, CH, CI, DS, FI, HM, LM, MA, MB, MC, OF, TV, VA, WC, ZZ.
    #[validate(custom(function = "validate_claim_filing_indicator"))]
    #[schema(
        pattern = r"^(1[1-7]|AM|BL|CH|CI|DS|FI|HM|LM|MA|MB|MC|OF|TV|VA|WC|ZZ)$",
        example = "MB"
    )]
    pub claim_filing_indicator: String,
    /// Timely filing limit in days (1 to 3650), e.g. 90 or 365.
    #[validate(range(
        min = 1,
        max = 3650,
        message = "timely_filing_days must be between 1 and 3650"
    ))]
    #[schema(minimum = 1, maximum = 3650, example = 365)]
    pub timely_filing_days: i32,
    /// Street address.
    #[validate(length(max = 55), custom(function = "validate_plain_text"))]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        max_length = 55,
        example = "PO Box 1"
    )]
    pub address_line1: Option<String>,
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
    /// Bill the next payer automatically when this payer's remittance is posted (default
    /// false).
    #[serde(default)]
    pub auto_bill_secondary: bool,
}

fn rule(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// `validator` rule: a clearinghouse payer id of 2 to 80 letters and digits.
pub fn validate_edi_payer_id(s: &str) -> Result<(), ValidationError> {
    if (2..=80).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(rule(
            "invalid_edi_payer_id",
            "the EDI payer id must be 2 to 80 letters and digits",
        ))
    }
}

/// `validator` rule: one of the X12 claim filing indicator codes.
pub fn validate_claim_filing_indicator(s: &str) -> Result<(), ValidationError> {
    if CLAIM_FILING_INDICATORS.contains(&s) {
        Ok(())
    } else {
        Err(rule(
            "invalid_claim_filing_indicator",
            "unknown claim filing indicator; use an X12 SBR09 code such as CI, MB, MC, BL or HM",
        ))
    }
}

impl NewPayer {
    /// Trims the name and payer id as typed or pasted.
    pub fn trimmed(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.edi_payer_id = self.edi_payer_id.trim().to_string();
        self
    }
}

/// The body of `PATCH /v1/payers/{id}`: absent fields stay, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerPatch {
    /// New name.
    #[validate(
        length(min = 1, max = 60, message = "the name must be 1 to 60 characters"),
        custom(function = "validate_plain_text")
    )]
    #[schema(
        pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$",
        min_length = 1,
        max_length = 60,
        example = "Medicare Part B"
    )]
    pub name: Option<String>,
    /// New clearinghouse payer id.
    #[validate(custom(function = "validate_edi_payer_id"))]
    #[schema(pattern = r"^[A-Za-z0-9]{2,80}$", example = "00431")]
    pub edi_payer_id: Option<String>,
    /// New claim filing indicator.
    #[validate(custom(function = "validate_claim_filing_indicator"))]
    #[schema(
        pattern = r"^(1[1-7]|AM|BL|CH|CI|DS|FI|HM|LM|MA|MB|MC|OF|TV|VA|WC|ZZ)$",
        example = "MB"
    )]
    pub claim_filing_indicator: Option<String>,
    /// New timely filing limit in days.
    #[validate(range(
        min = 1,
        max = 3650,
        message = "timely_filing_days must be between 1 and 3650"
    ))]
    #[schema(minimum = 1, maximum = 3650, example = 365)]
    pub timely_filing_days: Option<i32>,
    /// New street address (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^[\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*[\u0021-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$", max_length = 55, example = "PO Box 1")]
    pub address_line1: Option<Option<String>>,
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
    /// Bill the next payer automatically when this payer's remittance is posted.
    pub auto_bill_secondary: Option<bool>,
}

impl PayerPatch {
    /// Applies the patch to `p` and returns the changed payer, re-checking the whole record.
    pub fn apply(self, mut p: Payer) -> Result<Payer, validator::ValidationErrors> {
        p.name = self.name.unwrap_or(p.name);
        p.edi_payer_id = self.edi_payer_id.unwrap_or(p.edi_payer_id);
        p.claim_filing_indicator = self
            .claim_filing_indicator
            .unwrap_or(p.claim_filing_indicator);
        p.timely_filing_days = self.timely_filing_days.unwrap_or(p.timely_filing_days);
        p.address_line1 = self.address_line1.unwrap_or(p.address_line1);
        p.city = self.city.unwrap_or(p.city);
        p.state = self.state.unwrap_or(p.state);
        p.postal_code = self.postal_code.unwrap_or(p.postal_code);
        p.auto_bill_secondary = self.auto_bill_secondary.unwrap_or(p.auto_bill_secondary);
        let checked = NewPayer::from(&p).trimmed();
        checked.validate()?;
        p.name = checked.name;
        p.edi_payer_id = checked.edi_payer_id;
        Ok(p)
    }
}

impl From<&Payer> for NewPayer {
    fn from(p: &Payer) -> Self {
        NewPayer {
            name: p.name.clone(),
            edi_payer_id: p.edi_payer_id.clone(),
            claim_filing_indicator: p.claim_filing_indicator.clone(),
            timely_filing_days: p.timely_filing_days,
            address_line1: p.address_line1.clone(),
            city: p.city.clone(),
            state: p.state.clone(),
            postal_code: p.postal_code.clone(),
            auto_bill_secondary: p.auto_bill_secondary,
        }
    }
}

impl crate::db::versioned::Deactivatable for Payer {
    fn deactivate(&mut self) {
        self.active = false;
    }
}

impl crate::db::versioned::Versioned for Payer {
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
    fn payer_id_and_filing_indicator_rules() {
        assert!(validate_edi_payer_id("87726").is_ok());
        assert!(validate_edi_payer_id("A").is_err());
        assert!(validate_edi_payer_id("87-726").is_err());
        assert!(validate_claim_filing_indicator("CI").is_ok());
        assert!(validate_claim_filing_indicator("ci").is_err());
        assert!(validate_claim_filing_indicator("XX").is_err());
    }
}
