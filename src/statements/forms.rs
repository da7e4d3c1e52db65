//! Bodies of the statement and patient payment requests, and their validation (every bad field
//! named with a JSON pointer).

use chrono::NaiveDate;
use serde::Deserialize;

use super::allocate::Allocation;
use crate::error::{DomainError, DomainResult, FieldError};

/// Most a single patient payment or refund may be (a typo guard: $100,000).
pub const MAX_AMOUNT_CENTS: i64 = 10_000_000;

/// Body of `POST /v1/patients/{id}/payments`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// Amount received.
    #[schema(minimum = 1, maximum = 10000000)]
    pub amount_cents: i64,
    /// `cash`, `check` or `card`.
    #[schema(pattern = "^(cash|check|card)$")]
    pub method: String,
    /// `desk` (default) or `mail`.
    #[schema(pattern = "^(desk|mail)$")]
    pub channel: Option<String>,
    /// Check number, or the card terminal's authorisation reference. Never a card number: a
    /// reference with 12 or more digits is refused.
    #[schema(
        max_length = 30,
        pattern = r"^[^0-9\u0000-\u001f\u007f-\u009f]*([0-9][^0-9\u0000-\u001f\u007f-\u009f]*){0,11}$"
    )]
    pub reference: Option<String>,
    /// The day the money came in (default today; not in the future).
    pub received_on: Option<NaiveDate>,
    /// A note (at most 11 digits: never a card number).
    #[schema(
        max_length = 200,
        pattern = r"^[^0-9\u0000]*([0-9][^0-9\u0000]*){0,11}$"
    )]
    pub note: Option<String>,
    /// Apply to exactly these lines (default: the oldest open patient balances first).
    pub lines: Option<Vec<Allocation>>,
}

/// Body of `POST /v1/patients/{id}/refunds`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// Amount given back (at most the patient's credit).
    #[schema(minimum = 1, maximum = 10000000)]
    pub amount_cents: i64,
    /// `cash`, `check` or `card`.
    #[schema(pattern = "^(cash|check|card)$")]
    pub method: String,
    /// `desk` (default) or `mail`.
    #[schema(pattern = "^(desk|mail)$")]
    pub channel: Option<String>,
    /// Check number or card reference (never a card number: at most 11 digits).
    #[schema(
        max_length = 30,
        pattern = r"^[^0-9\u0000-\u001f\u007f-\u009f]*([0-9][^0-9\u0000-\u001f\u007f-\u009f]*){0,11}$"
    )]
    pub reference: Option<String>,
    /// Why (required).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub reason: String,
}

/// A payment or refund body after validation.
#[derive(Debug, Clone)]
pub struct ValidMove {
    /// Amount.
    pub amount_cents: i64,
    /// Method.
    pub method: String,
    /// Channel.
    pub channel: String,
    /// Reference, trimmed.
    pub reference: Option<String>,
    /// Day.
    pub received_on: NaiveDate,
    /// Note or reason.
    pub note: Option<String>,
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Whether `s` could be a payment card number (12 or more digits, ignoring spaces and dashes):
/// such a value is refused so none is ever stored.
pub fn looks_like_card_number(s: &str) -> bool {
    s.chars().filter(char::is_ascii_digit).count() >= 12
}

fn common(
    amount: i64,
    method: &str,
    channel: Option<&str>,
    reference: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> (String, Option<String>) {
    if !(1..=MAX_AMOUNT_CENTS).contains(&amount) {
        errors.push(FieldError::new(
            "/amount_cents",
            "out_of_range",
            format!("between 1 and {MAX_AMOUNT_CENTS} cents"),
        ));
    }
    if !matches!(method, "cash" | "check" | "card") {
        errors.push(FieldError::new(
            "/method",
            "invalid_value",
            "cash, check or card",
        ));
    }
    let channel = channel.unwrap_or("desk");
    if !matches!(channel, "desk" | "mail") {
        errors.push(FieldError::new("/channel", "invalid_value", "desk or mail"));
    }
    let reference = reference.map(str::trim).filter(|r| !r.is_empty());
    match reference {
        Some(r) if looks_like_card_number(r) => errors.push(FieldError::new(
            "/reference",
            "card_number",
            "this looks like a card number; send only the terminal's authorisation reference",
        )),
        Some(r) if r.chars().count() > 30 || r.chars().any(char::is_control) => {
            errors.push(FieldError::new(
                "/reference",
                "invalid_format",
                "up to 30 printable characters",
            ))
        }
        _ => {}
    }
    (channel.to_string(), reference.map(str::to_string))
}

fn done(errors: Vec<FieldError>, v: ValidMove) -> DomainResult<ValidMove> {
    if errors.is_empty() {
        Ok(v)
    } else {
        Err(DomainError::validation(errors))
    }
}

impl PaymentBody {
    /// Checks every field; the named lines are checked against the ledger later.
    pub fn validated(&self) -> DomainResult<ValidMove> {
        let mut errors = Vec::new();
        let (channel, reference) = common(
            self.amount_cents,
            &self.method,
            self.channel.as_deref(),
            self.reference.as_deref(),
            &mut errors,
        );
        let received_on = self.received_on.unwrap_or_else(today);
        if received_on > today() {
            errors.push(FieldError::new(
                "/received_on",
                "in_future",
                "cannot be after today",
            ));
        }
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 200 || looks_like_card_number(n)) {
            errors.push(FieldError::new(
                "/note",
                "invalid_format",
                "up to 200 characters, and no card number",
            ));
        }
        done(
            errors,
            ValidMove {
                amount_cents: self.amount_cents,
                method: self.method.clone(),
                channel,
                reference,
                received_on,
                note: note.map(str::to_string),
            },
        )
    }
}

impl RefundBody {
    /// Checks every field.
    pub fn validated(&self) -> DomainResult<ValidMove> {
        let mut errors = Vec::new();
        let (channel, reference) = common(
            self.amount_cents,
            &self.method,
            self.channel.as_deref(),
            self.reference.as_deref(),
            &mut errors,
        );
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            errors.push(FieldError::new(
                "/reason",
                "required",
                "a reason of 1 to 200 characters",
            ));
        }
        done(
            errors,
            ValidMove {
                amount_cents: self.amount_cents,
                method: self.method.clone(),
                channel,
                reference,
                received_on: today(),
                note: Some(reason.to_string()),
            },
        )
    }
}

/// Body of `POST /v1/statements`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementBody {
    /// The patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: crate::patients::model::PatientId,
    /// Days until due (default 30).
    #[schema(minimum = 0, maximum = 120)]
    pub due_in_days: Option<i64>,
}

/// Body of `POST /v1/statements/run`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// Only patients who owe at least this much (default 500 cents).
    #[schema(minimum = 1, maximum = 10000000)]
    pub min_balance_cents: Option<i64>,
    /// Skip patients who got a statement in the last N days (default 30).
    #[schema(minimum = 0, maximum = 365)]
    pub min_days_between: Option<i64>,
    /// Days until due (default 30).
    #[schema(minimum = 0, maximum = 120)]
    pub due_in_days: Option<i64>,
}

/// Checks `due_in_days` (shared by both statement bodies).
pub fn due_in_days(v: Option<i64>, errors: &mut Vec<FieldError>) -> i64 {
    let d = v.unwrap_or(30);
    if !(0..=120).contains(&d) {
        errors.push(FieldError::new(
            "/due_in_days",
            "out_of_range",
            "between 0 and 120",
        ));
    }
    d
}

impl RunBody {
    /// `(min_balance_cents, min_days_between, due_in_days)` after checking.
    pub fn validated(&self) -> DomainResult<(i64, i64, i64)> {
        let mut errors = Vec::new();
        let min = self.min_balance_cents.unwrap_or(500);
        if !(1..=MAX_AMOUNT_CENTS).contains(&min) {
            errors.push(FieldError::new(
                "/min_balance_cents",
                "out_of_range",
                format!("between 1 and {MAX_AMOUNT_CENTS}"),
            ));
        }
        let days = self.min_days_between.unwrap_or(30);
        if !(0..=365).contains(&days) {
            errors.push(FieldError::new(
                "/min_days_between",
                "out_of_range",
                "between 0 and 365",
            ));
        }
        let due = due_in_days(self.due_in_days, &mut errors);
        if errors.is_empty() {
            Ok((min, days, due))
        } else {
            Err(DomainError::validation(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_refused_and_references_kept() {
        assert!(looks_like_card_number("4111 1111 1111 1111"));
        assert!(looks_like_card_number("4111-1111-1111"));
        assert!(!looks_like_card_number("AUTH 123456"));
        let body = |method: &str, reference: Option<&str>| PaymentBody {
            amount_cents: 100,
            method: method.into(),
            channel: None,
            reference: reference.map(str::to_string),
            received_on: None,
            note: None,
            lines: None,
        };
        assert!(body("cash", None).validated().is_ok());
        let pointer = |b: PaymentBody| b.validated().err().map(|e| e.errors[0].code.clone());
        assert_eq!(
            pointer(body("card", Some("4111111111111111"))).as_deref(),
            Some("card_number")
        );
        assert_eq!(pointer(body("iou", None)).as_deref(), Some("invalid_value"));
    }
}
