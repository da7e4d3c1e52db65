//! Coordination of benefits on an 837P: what earlier payers decided, carried to the next payer
//! (loops 2320/2330A/2330B for each earlier payer and 2430 for each of its line decisions).
//!
//! Plain data, filled by the caller from the earlier payers' postings. Money is integer cents.

use chrono::NaiveDate;

use super::claim::{Name, Payer, Responsibility};

/// One CAS adjustment reported to the next payer: a group, a reason, an amount.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CasAdjustment {
    /// CAS01 claim adjustment group: `CO`, `CR`, `OA`, `PI` or `PR`.
    pub group: String,
    /// CARC reason code (1 to 5 characters).
    pub reason: String,
    /// Amount in cents (positive reduces what the payer paid).
    pub amount_cents: i64,
}

/// Loop 2430: one earlier payer's decision about one service line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinePayment {
    /// The line (1-based position in the claim's lines) this decision is about.
    pub line_number: usize,
    /// SVD02 amount paid for the line, in cents.
    pub paid_cents: i64,
    /// SVD03 procedure code as adjudicated (qualifier HC).
    pub procedure_code: String,
    /// SVD03 modifiers (up to 4).
    pub modifiers: Vec<String>,
    /// SVD05 units paid.
    pub units_paid: u32,
    /// Line-level CAS adjustments.
    pub adjustments: Vec<CasAdjustment>,
    /// DTP*573: when the payer adjudicated the line.
    pub adjudicated_on: NaiveDate,
}

/// Loops 2320 (other subscriber information), 2330A (other subscriber), 2330B (other payer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OtherPayer {
    /// SBR01 of 2320: that payer's responsibility (`P` primary, `S` secondary, ...).
    pub responsibility: Responsibility,
    /// SBR02 of 2320: the patient's relationship to that subscriber (`18` self, `01`, `19`,
    /// ...).
    pub relationship_code: String,
    /// SBR03 of 2320: group or policy number.
    pub group_number: Option<String>,
    /// SBR09 of 2320: claim filing indicator of that payer.
    pub claim_filing_indicator: String,
    /// Claim-level CAS adjustments (those not reported on lines).
    pub claim_adjustments: Vec<CasAdjustment>,
    /// AMT*D: what that payer paid on the claim, in cents (the sum of its line payments when
    /// lines are given).
    pub paid_cents: i64,
    /// AMT*EAF: the patient's remaining liability after that payer, when known.
    pub remaining_patient_liability_cents: Option<i64>,
    /// MOA03..07: outpatient adjudication remark codes (RARC), at most 5.
    pub remarks: Vec<String>,
    /// OI03: benefits assignment certification (`Y`/`N`).
    pub benefits_assigned: bool,
    /// 2330A NM1*IL: that coverage's subscriber.
    pub subscriber_name: Name,
    /// 2330A NM109 (qualifier MI): that coverage's member id.
    pub subscriber_member_id: String,
    /// 2330B NM1*PR: that payer (NM109 qualifier PI; SVD01 repeats the id).
    pub payer: Payer,
    /// 2330B REF*F8: that payer's claim control number, when it gave one.
    pub payer_claim_number: Option<String>,
    /// 2330B DTP*573: when the claim was adjudicated (written when no line decisions are given).
    pub adjudicated_on: NaiveDate,
    /// Loop 2430: line decisions; empty when the payer adjudicated at claim level only.
    pub lines: Vec<LinePayment>,
}
