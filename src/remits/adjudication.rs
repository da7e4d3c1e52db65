//! The domain input of posting: one payer's decision about one claim, free of X12 types, so
//! the 835 import and manual (paper EOB) posting feed the same code.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::payers::model::PayerId;

/// CLP02 values that mean "processed" (primary, secondary, tertiary).
pub const PROCESSED: [&str; 3] = ["1", "2", "3"];
/// CLP02 denied.
pub const DENIED: &str = "4";
/// CLP02 values that mean "processed and forwarded to another payer".
pub const FORWARDED: [&str; 3] = ["19", "20", "21"];
/// CLP02 reversal of a previous payment.
pub const REVERSAL: &str = "22";

/// What one payer decided about one claim (one CLP, or a paper EOB).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimAdjudication {
    /// The payer that adjudicated (must be the claim's payer).
    pub payer_id: PayerId,
    /// CLP02: 1, 2, 3 processed; 4 denied; 19, 20, 21 forwarded; 22 reversal.
    pub status_code: String,
    /// CLP07, the payer's claim control number.
    pub payer_claim_number: Option<String>,
    /// CLP03 total charge in cents.
    pub charge_cents: i64,
    /// CLP04 paid in cents (negative on a reversal).
    pub paid_cents: i64,
    /// CLP05 patient responsibility in cents.
    pub patient_responsibility_cents: i64,
    /// Claim-level CAS adjustments.
    pub claim_adjustments: Vec<Adjustment>,
    /// The service lines adjudicated.
    pub lines: Vec<LineAdjudication>,
    /// The stored remittance this came from; `None` for manual posting.
    pub remittance_id: Option<Uuid>,
    /// TRN02 check/EFT number, or the manual reference; part of the idempotency key.
    pub payment_ref: Option<String>,
    /// When the payment was made (BPR16 or the EOB date).
    pub paid_on: Option<NaiveDate>,
}

/// What the payer decided about one service line (one SVC loop).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineAdjudication {
    /// 1-based position of the line in the claim snapshot's lines.
    pub line_number: i32,
    /// SVC02 line charge in cents.
    pub charge_cents: i64,
    /// SVC03 line paid in cents.
    pub paid_cents: i64,
    /// Line-level CAS adjustments.
    pub adjustments: Vec<Adjustment>,
    /// LQ*HE remark codes (RARC).
    pub remarks: Vec<String>,
    /// How the line was matched to the claim's line.
    pub matched_by: LineMatch,
}

/// How a remitted line was tied to a claim line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineMatch {
    /// By REF*6R, our line item control number.
    ControlNumber,
    /// By procedure code, modifiers, date and charge (the payer omitted REF*6R).
    Fallback,
    /// Entered by a person (paper EOB or the unmatched queue).
    Manual,
}

impl LineMatch {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LineMatch::ControlNumber => "control_number",
            LineMatch::Fallback => "fallback",
            LineMatch::Manual => "manual",
        }
    }
}

/// One CAS adjustment: a group, a reason and an amount (positive reduces what is owed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    /// CO, PR, OA, PI or CR.
    pub group: String,
    /// CARC reason code.
    pub reason: String,
    /// Amount in cents.
    pub amount_cents: i64,
    /// Units adjusted, when given.
    pub quantity: Option<f64>,
}
