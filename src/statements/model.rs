//! Statement vocabulary: the snapshot a statement keeps (practice, bill-to, visits with their
//! lines and money, totals, aging) and its stored row.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::claims::model::ClaimId;
use crate::db::schema_statements::statements;
use crate::db::types::Timestamp;
use crate::patients::model::PatientId;

crate::typed_id!(
    /// Id of a patient statement.
    StatementId
);

/// The practice that sends the statement (the billing provider of the latest visit on it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Practice {
    /// Name (organisation name, or the person's first and last name).
    pub name: String,
    /// Postal address, one line per element (empty when the provider has none).
    pub address_lines: Vec<String>,
    /// Phone to call with questions.
    pub phone: Option<String>,
    /// NPI.
    pub npi: String,
}

/// Whom the statement is mailed to (the patient, who is the guarantor here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BillTo {
    /// Full name.
    pub name: String,
    /// Postal address lines (the patient's address when the statement was made).
    pub address_lines: Vec<String>,
    /// The account number printed on the slip (the MRN).
    pub account_number: String,
}

/// One claim line's money as of the statement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineMoney {
    /// Charged.
    pub charge_cents: i64,
    /// Paid by insurance.
    pub insurance_paid_cents: i64,
    /// Adjusted by insurance or written off by the office.
    pub adjusted_cents: i64,
    /// Paid by the patient (less refunds).
    pub patient_paid_cents: i64,
    /// What the patient still owes (negative: a credit on this line).
    pub patient_owes_cents: i64,
}

impl LineMoney {
    /// Adds `o` field by field.
    pub fn add(&mut self, o: &LineMoney) {
        self.charge_cents += o.charge_cents;
        self.insurance_paid_cents += o.insurance_paid_cents;
        self.adjusted_cents += o.adjusted_cents;
        self.patient_paid_cents += o.patient_paid_cents;
        self.patient_owes_cents += o.patient_owes_cents;
    }
}

/// One service line of a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementLine {
    /// Line number on the claim.
    pub line_number: i32,
    /// Date of service of the line.
    pub date_of_service: NaiveDate,
    /// Procedure code.
    pub code: String,
    /// Modifiers.
    pub modifiers: Vec<String>,
    /// Units.
    pub units: i32,
    /// Its money.
    #[serde(flatten)]
    pub money: LineMoney,
}

/// One visit (claim) whose insurance is done and that leaves the patient something.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Visit {
    /// The claim.
    #[schema(value_type = uuid::Uuid)]
    pub claim_id: ClaimId,
    /// Date of service.
    pub date_of_service: NaiveDate,
    /// Insurance that was billed.
    pub payer_name: String,
    /// The lines.
    pub lines: Vec<StatementLine>,
    /// Sums over the lines.
    pub totals: LineMoney,
}

/// The patient's balance by age (days from date of service to the statement date).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Aging {
    /// 0 to 30 days.
    pub current_cents: i64,
    /// 31 to 60 days.
    pub days_31_60_cents: i64,
    /// 61 to 90 days.
    pub days_61_90_cents: i64,
    /// 91 to 120 days.
    pub days_91_120_cents: i64,
    /// Over 120 days.
    pub over_120_cents: i64,
}

impl Aging {
    /// Adds `cents` owed since `days` ago.
    pub fn add(&mut self, days: i64, cents: i64) {
        let bucket = match days {
            i64::MIN..=30 => &mut self.current_cents,
            31..=60 => &mut self.days_31_60_cents,
            61..=90 => &mut self.days_61_90_cents,
            91..=120 => &mut self.days_91_120_cents,
            _ => &mut self.over_120_cents,
        };
        *bucket += cents;
    }
}

/// A statement: the snapshot as made, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Statement {
    /// Id.
    #[schema(value_type = uuid::Uuid)]
    pub id: StatementId,
    /// The patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// Date of the statement.
    pub statement_date: NaiveDate,
    /// Pay by.
    pub due_date: NaiveDate,
    /// Who sends it.
    pub practice: Practice,
    /// Who gets it.
    pub bill_to: BillTo,
    /// Visits, oldest first.
    pub visits: Vec<Visit>,
    /// Sums over the visits.
    pub totals: LineMoney,
    /// Money the patient paid that is not on any line yet (it lowers the amount due).
    pub unapplied_credit_cents: i64,
    /// Balances still with insurance (not billed to the patient yet).
    pub awaiting_insurance_cents: i64,
    /// What to pay: the visits' balance less the unapplied credit, never below 0.
    pub amount_due_cents: i64,
    /// The visits' balance by age.
    pub aging: Aging,
    /// When made.
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
}

/// A stored statement.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = statements)]
pub struct StatementRow {
    /// Id.
    pub id: StatementId,
    /// The patient.
    pub patient_id: PatientId,
    /// Date.
    pub statement_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Amount due.
    pub amount_due_cents: i64,
    /// The [`Statement`] as JSON.
    pub content: String,
    /// When.
    pub created_at: Timestamp,
    /// Who.
    pub created_by: String,
}
