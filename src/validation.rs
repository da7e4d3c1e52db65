//! Field checks shared by the resources (NPI check digit, tax id, codes, dates), and the
//! mapping of `validator` errors to problem+json field errors.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Deserializer};
use validator::{ValidationError, ValidationErrors};

use crate::error::{DomainError, FieldError};

pub mod luhn;
pub mod ymd;

/// Turns `validator` errors into 422 field errors, with messages taken from each rule.
pub fn to_api_error(errors: ValidationErrors) -> DomainError {
    let mut out: Vec<FieldError> = errors
        .field_errors()
        .iter()
        .flat_map(|(field, errs)| {
            errs.iter().map(move |e| {
                let message = e
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| format!("{field} is not valid ({})", e.code));
                FieldError::new(format!("/{field}"), &e.code, message)
            })
        })
        .collect();
    out.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    DomainError::validation(out)
}

fn err(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// An NPI: 10 digits whose last is the Luhn check digit over "80840" + the first nine.
pub fn npi_is_valid(npi: &str) -> bool {
    luhn::npi_is_valid(npi)
}

/// Checks a reference to a registry record of `kind` (`patient`, `payer`, `provider`,
/// `coverage`) at `pointer`: `active` is None when no record has the id (`unknown_<kind>`) and
/// Some(false) when it is deactivated (`inactive`; pass true where an old reference may stay).
/// Pushes the error and answers false, or answers true when the reference is usable.
pub fn reference(
    errors: &mut Vec<FieldError>,
    pointer: impl Into<String>,
    kind: &str,
    active: Option<bool>,
) -> bool {
    match active {
        None => errors.push(FieldError::new(
            pointer,
            &format!("unknown_{kind}"),
            format!("no {kind} has this id"),
        )),
        Some(false) => errors.push(FieldError::new(
            pointer,
            "inactive",
            format!("this {kind} is deactivated"),
        )),
        Some(true) => return true,
    }
    false
}

/// `validator` rule for an NPI.
pub fn validate_npi(npi: &str) -> Result<(), ValidationError> {
    if npi_is_valid(npi) {
        Ok(())
    } else {
        Err(err(
            "invalid_npi",
            "the NPI must be 10 digits with a valid check digit",
        ))
    }
}

/// `validator` rule for an employer identification number: 9 digits, optionally as NN-NNNNNNN.
pub fn validate_tax_id(tax_id: &str) -> Result<(), ValidationError> {
    let digits: String = tax_id.chars().filter(|c| *c != '-').collect();
    let dash_ok = !tax_id.contains('-') || (tax_id.len() == 10 && tax_id.as_bytes()[2] == b'-');
    if digits.len() == 9
        && digits.chars().all(|c| c.is_ascii_digit())
        && dash_ok
        && digits != "000000000"
    {
        Ok(())
    } else {
        Err(err(
            "invalid_tax_id",
            "the tax id must be 9 digits (NN-NNNNNNN)",
        ))
    }
}

/// Keeps only the digits of an EIN, the form stored and sent on claims.
pub fn normalize_tax_id(tax_id: &str) -> String {
    tax_id.chars().filter(char::is_ascii_digit).collect()
}

/// `validator` rule: a birth date in the past and after 1900.
pub fn validate_birth_date(d: &NaiveDate) -> Result<(), ValidationError> {
    if *d > Utc::now().date_naive() {
        return Err(err("in_future", "the birth date cannot be in the future"));
    }
    if d.year_ce().1 < 1900 {
        return Err(err("too_early", "the birth date must be in 1900 or later"));
    }
    Ok(())
}

use chrono::Datelike;

/// `validator` rule: administrative sex F, M or U.
pub fn validate_sex(s: &str) -> Result<(), ValidationError> {
    match s {
        "F" | "M" | "U" => Ok(()),
        _ => Err(err("invalid_sex", "sex must be F, M or U")),
    }
}

/// `validator` rule: a US state or territory as two capital letters.
pub fn validate_state(s: &str) -> Result<(), ValidationError> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(err(
            "invalid_state",
            "the state must be two capital letters, e.g. NY",
        ))
    }
}

/// `validator` rule: a ZIP code of 5 or 9 digits (ZIP+4 with or without the dash).
pub fn validate_postal_code(s: &str) -> Result<(), ValidationError> {
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    if (digits.len() == 5 || digits.len() == 9) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(err(
            "invalid_postal_code",
            "the postal code must be 5 or 9 digits",
        ))
    }
}

/// `validator` rule: a 10-digit US phone number (punctuation allowed).
pub fn validate_phone(s: &str) -> Result<(), ValidationError> {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-+.".contains(c));
    if allowed && (digits == 10 || (digits == 11 && s.trim_start().starts_with(['1', '+']))) {
        Ok(())
    } else {
        Err(err("invalid_phone", "the phone number must have 10 digits"))
    }
}

/// `validator` rule: printable text without control characters (they would break X12 and labels).
pub fn validate_plain_text(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(err("blank", "this field cannot be blank"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(err(
            "invalid_characters",
            "control characters are not allowed",
        ));
    }
    if s.contains(['~', '*', ':', '^']) {
        return Err(err(
            "invalid_characters",
            "the characters ~ * : ^ are not allowed (they delimit X12 claims)",
        ));
    }
    x12_carriable(s)
}

/// `validator` rule: text an X12 claim can carry. The claim writer folds Latin-1 accents to
/// ASCII (`José` is sent as `JOSE`, and stored and shown as typed); anything else outside
/// ASCII (emoji, other scripts, bidi overrides, zero-width marks) would only fail at claim
/// creation, so it is refused here, when the person who typed it can fix it.
pub fn x12_carriable(s: &str) -> Result<(), ValidationError> {
    match crate::x12::escape::text(s, usize::MAX) {
        Err(crate::x12::error::Problem::Character(c)) => {
            Err(ValidationError::new("unsupported_character").with_message(
                format!(
                    "the character {c:?} (U+{:04X}) cannot be sent on insurance claims; \
                 use letters A-Z (accents are fine), digits and common punctuation",
                    u32::from(c)
                )
                .into(),
            ))
        }
        _ => Ok(()),
    }
}

/// Deserialises a field that may be absent (leave unchanged), `null` (clear) or a value (set).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn npi_check_digit() {
        // The CMS example NPI 1234567893.
        assert!(npi_is_valid("1234567893"));
        assert!(!npi_is_valid("1234567890"));
        assert!(!npi_is_valid("123456789"));
        assert!(!npi_is_valid("12345678a3"));
    }

    #[test]
    fn tax_ids() {
        assert!(validate_tax_id("12-3456789").is_ok());
        assert!(validate_tax_id("123456789").is_ok());
        assert!(validate_tax_id("1234-56789").is_err());
        assert!(validate_tax_id("12345678").is_err());
        assert_eq!(normalize_tax_id("12-3456789"), "123456789");
    }

    #[test]
    fn text_and_contact_rules() {
        assert!(validate_plain_text("O'Brien").is_ok());
        assert!(validate_plain_text("a~b").is_err());
        assert!(validate_plain_text("  ").is_err());
        assert!(validate_phone("(555) 123-4567").is_ok());
        assert!(validate_phone("12345").is_err());
        assert!(validate_postal_code("12345-6789").is_ok());
        assert!(validate_postal_code("1234").is_err());
        assert!(validate_state("NY").is_ok());
        assert!(validate_state("ny").is_err());
    }

    #[test]
    fn only_text_x12_can_carry() {
        assert!(validate_plain_text("José Nuñez").is_ok());
        for bad in ["Ann 😀", "Ann\u{202E}eeL", "Ann\u{200B}", "李"] {
            let e = validate_plain_text(bad).unwrap_err();
            assert_eq!(e.code, "unsupported_character", "{bad}");
        }
    }
}
