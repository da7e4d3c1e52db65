//! Manual posting of a paper EOB: the body carries what an 835 carries per claim and line, and
//! is turned into the same [`ClaimAdjudication`] the 835 import posts.

use chrono::NaiveDate;
use serde::Deserialize;

use super::adjudication::{Adjustment, ClaimAdjudication, LineAdjudication, LineMatch};
use crate::error::{DomainError, FieldError};
use crate::ledger::LineBalance;
use crate::payers::model::PayerId;

/// One adjustment as entered from the EOB.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// CAS group: CO, PR, OA, PI or CR.
    #[schema(pattern = "^(CO|PR|OA|PI|CR)$")]
    pub group: String,
    /// CARC reason code.
    #[schema(min_length = 1, max_length = 5, pattern = "^[A-Za-z0-9]{1,5}$")]
    pub reason: String,
    /// Amount in cents (positive reduces what the payer owes).
    #[schema(minimum = -100_000_000, maximum = 100_000_000)]
    pub amount_cents: i64,
}

/// One service line of the EOB.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentLineBody {
    /// 1-based position of the line in the claim.
    #[schema(minimum = 1, maximum = 50)]
    pub line_number: i32,
    /// What the payer paid on the line, in cents.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub paid_cents: i64,
    /// The line's adjustments.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub adjustments: Vec<AdjustmentBody>,
    /// Remark codes (RARC).
    #[serde(default)]
    #[schema(schema_with = remark_codes)]
    pub remarks: Vec<String>,
}

/// Up to 20 remark codes of 1 to 5 characters (what `to_adjudication` accepts; utoipa's field
/// attributes describe the list, not its items).
fn remark_codes() -> utoipa::openapi::schema::Array {
    let code = utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .min_length(Some(1))
        .max_length(Some(5))
        .pattern(Some(crate::openapi::exact::QUERY_TEXT_PATTERN))
        .examples([serde_json::json!("N130")]);
    crate::openapi::exact::list_schema(code, None, 20, false).build()
}

/// Body of `POST /v1/claims/{id}/payments`.
// Named apart from the patient payment's `PaymentBody`: utoipa keys schemas by name and the
// later one silently replaced this one in the document.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = ClaimPaymentBody)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// The payer's claim status: 1, 2, 3 processed; 4 denied; 19, 20, 21 forwarded; 22 reversal.
    #[serde(default = "processed")]
    #[schema(pattern = "^(1|2|3|4|19|20|21|22)$")]
    pub status_code: String,
    /// The check or EFT number (a payment posts once per payer, reference, claim and status).
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub payment_ref: String,
    /// The date on the check or EOB.
    pub paid_on: Option<NaiveDate>,
    /// The payer's claim number.
    #[schema(max_length = 50)]
    pub payer_claim_number: Option<String>,
    /// The lines (none: the payment is spread over the claim's lines in order).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub lines: Vec<PaymentLineBody>,
    /// Claim-level adjustments.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub claim_adjustments: Vec<AdjustmentBody>,
    /// Claim-level payment when no lines are given, in cents.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub paid_cents: Option<i64>,
}

fn processed() -> String {
    "1".into()
}

const CODES: [&str; 8] = ["1", "2", "3", "4", "19", "20", "21", "22"];

fn check_adjustments(adjs: &[AdjustmentBody], at: &str, errors: &mut Vec<FieldError>) {
    if adjs.len() > 20 {
        errors.push(FieldError::new(at, "too_many", "at most 20 adjustments"));
    }
    for (i, a) in adjs.iter().enumerate() {
        if !super::post::GROUPS.contains(&a.group.as_str()) {
            errors.push(FieldError::new(
                format!("{at}/{i}/group"),
                "invalid_value",
                "must be CO, PR, OA, PI or CR",
            ));
        }
        let r = a.reason.trim();
        if r.is_empty() || r.len() > 5 || !r.chars().all(|c| c.is_ascii_alphanumeric()) {
            errors.push(FieldError::new(
                format!("{at}/{i}/reason"),
                "invalid_value",
                "a CARC code of 1 to 5 letters or digits",
            ));
        }
        if a.amount_cents.abs() > 100_000_000 {
            errors.push(FieldError::new(
                format!("{at}/{i}/amount_cents"),
                "out_of_range",
                "at most 1,000,000.00",
            ));
        }
    }
}

fn adjustments(adjs: &[AdjustmentBody]) -> Vec<Adjustment> {
    adjs.iter()
        .map(|a| Adjustment {
            group: a.group.clone(),
            reason: a.reason.trim().to_string(),
            amount_cents: a.amount_cents,
            quantity: None,
        })
        .collect()
}

/// Checks the body and builds the adjudication for the claim's payer; line charges come from
/// the ledger (the office billed them).
pub fn to_adjudication(
    body: &PaymentBody,
    payer: PayerId,
    balances: &[LineBalance],
) -> Result<ClaimAdjudication, DomainError> {
    let mut errors = Vec::new();
    if !CODES.contains(&body.status_code.as_str()) {
        errors.push(FieldError::new(
            "/status_code",
            "invalid_value",
            "must be 1, 2, 3, 4, 19, 20, 21 or 22",
        ));
    }
    let r = body.payment_ref.trim();
    if r.is_empty() || body.payment_ref.chars().count() > 50 {
        errors.push(FieldError::new(
            "/payment_ref",
            "invalid_value",
            "the check or EFT number, 1 to 50 characters",
        ));
    }
    if body
        .payer_claim_number
        .as_ref()
        .is_some_and(|n| n.chars().count() > 50)
    {
        errors.push(FieldError::new(
            "/payer_claim_number",
            "too_long",
            "at most 50 characters",
        ));
    }
    if body.lines.len() > 50 {
        errors.push(FieldError::new("/lines", "too_many", "at most 50 lines"));
    }
    if !body.lines.is_empty() && body.paid_cents.is_some() {
        errors.push(FieldError::new(
            "/paid_cents",
            "conflict",
            "give paid_cents per line, or for the claim when no lines are given",
        ));
    }
    if body
        .paid_cents
        .is_some_and(|p| !(0..=100_000_000).contains(&p))
    {
        errors.push(FieldError::new(
            "/paid_cents",
            "out_of_range",
            "0 to 1,000,000.00",
        ));
    }
    check_adjustments(&body.claim_adjustments, "/claim_adjustments", &mut errors);
    let mut lines = Vec::new();
    for (i, l) in body.lines.iter().enumerate() {
        let at = format!("/lines/{i}");
        let Some(bal) = balances.iter().find(|b| b.line_number == l.line_number) else {
            errors.push(FieldError::new(
                format!("{at}/line_number"),
                "unknown_line",
                "the claim has no such line",
            ));
            continue;
        };
        if !(0..=100_000_000).contains(&l.paid_cents) {
            errors.push(FieldError::new(
                format!("{at}/paid_cents"),
                "out_of_range",
                "0 to 1,000,000.00",
            ));
        }
        if l.remarks.len() > 20
            || l.remarks
                .iter()
                .any(|r| r.is_empty() || r.chars().count() > 5)
        {
            errors.push(FieldError::new(
                format!("{at}/remarks"),
                "invalid_value",
                "at most 20 RARC codes of 1 to 5 characters",
            ));
        }
        check_adjustments(&l.adjustments, &format!("{at}/adjustments"), &mut errors);
        lines.push(LineAdjudication {
            line_number: l.line_number,
            charge_cents: bal.charge_cents,
            paid_cents: l.paid_cents,
            adjustments: adjustments(&l.adjustments),
            remarks: l.remarks.clone(),
            matched_by: LineMatch::Manual,
        });
    }
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    let paid = body
        .paid_cents
        .unwrap_or_else(|| lines.iter().map(|l| l.paid_cents).sum());
    let pr: i64 = lines
        .iter()
        .flat_map(|l| &l.adjustments)
        .chain(adjustments(&body.claim_adjustments).iter())
        .filter(|a| a.group == "PR")
        .map(|a| a.amount_cents)
        .sum();
    Ok(ClaimAdjudication {
        payer_id: payer,
        status_code: body.status_code.clone(),
        payer_claim_number: body.payer_claim_number.clone(),
        charge_cents: balances.iter().map(|b| b.charge_cents).sum(),
        paid_cents: paid,
        patient_responsibility_cents: pr,
        claim_adjustments: adjustments(&body.claim_adjustments),
        lines,
        remittance_id: None,
        payment_ref: Some(r.to_string()),
        paid_on: body.paid_on,
    })
}
