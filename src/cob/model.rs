//! What a claim billed to a next payer carries about the payers before it (kept in its
//! immutable snapshot), and the link between the claims.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::claims::model::ClaimId;
use crate::db::schema_cob::claim_cob;
use crate::db::types::Timestamp;
use crate::payers::model::PayerId;

/// One adjustment an earlier payer made (CAS): group, CARC reason, amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapAdjustment {
    /// CO, CR, OA, PI or PR.
    pub group: String,
    /// CARC reason code.
    pub reason: String,
    /// Amount in cents.
    pub amount_cents: i64,
}

/// An earlier payer's decision about one line (loop 2430).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapLinePayment {
    /// 1-based line position in the snapshot's lines.
    pub line_number: i32,
    /// Paid for the line, in cents.
    pub paid_cents: i64,
    /// Procedure code as adjudicated.
    pub procedure_code: String,
    /// Modifiers as adjudicated.
    pub modifiers: Vec<String>,
    /// Units paid.
    pub units_paid: i32,
    /// Line adjustments.
    pub adjustments: Vec<SnapAdjustment>,
}

/// An earlier payer on a claim billed to the next payer (loops 2320/2330A/2330B and 2430).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapOtherPayer {
    /// The claim that payer adjudicated.
    pub claim_id: ClaimId,
    /// That payer.
    #[schema(value_type = uuid::Uuid)]
    pub payer_id: PayerId,
    /// primary, secondary or tertiary.
    pub priority: String,
    /// Patient's relationship to that coverage's subscriber (18 self, 01, 19, ...).
    pub relationship_code: String,
    /// That coverage's group number.
    pub group_number: Option<String>,
    /// That payer's claim filing indicator.
    pub claim_filing_indicator: String,
    /// That coverage's subscriber: first name.
    pub subscriber_first_name: String,
    /// That coverage's subscriber: last name.
    pub subscriber_last_name: String,
    /// That coverage's member id.
    pub member_id: String,
    /// That payer's name.
    pub payer_name: String,
    /// That payer's EDI id.
    pub edi_payer_id: String,
    /// That payer's claim control number, when it gave one.
    pub payer_claim_number: Option<String>,
    /// What that payer paid on the claim, in cents.
    pub paid_cents: i64,
    /// What the patient owed after that payer (its PR adjustments), in cents.
    pub remaining_patient_liability_cents: i64,
    /// Claim-level adjustments (lines carry their own).
    pub claim_adjustments: Vec<SnapAdjustment>,
    /// Remark codes (RARC) of that payer's decision, at most 5.
    pub remarks: Vec<String>,
    /// When that payer adjudicated (payment date, else the posting's date).
    pub adjudicated_on: NaiveDate,
    /// Line decisions.
    pub lines: Vec<SnapLinePayment>,
}

/// The link of a claim billed to the next payer to the claim before it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = claim_cob)]
pub struct CobLink {
    /// The claim billed to the next payer.
    pub claim_id: ClaimId,
    /// The claim whose payer adjudicated before.
    pub prior_claim_id: ClaimId,
    /// The first claim of the chain.
    pub root_claim_id: ClaimId,
    /// 2 secondary, 3 tertiary.
    pub sequence: i32,
    /// When built.
    pub created_at: Timestamp,
    /// Who built it (`user:<id>`, or the posting's actor for automatic billing).
    pub created_by: String,
}
