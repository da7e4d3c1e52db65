//! A stored remittance as the API and the console show it: the payment, what happened to each
//! claim, the PLB adjustments as received and as posted, the deposit reconciliation and the
//! warnings ([`load`]), and the list summary ([`summary`]).

use chrono::NaiveDate;
use serde::Serialize;

use super::import::ClaimPosting;
use super::status::RemittanceStatus;
use super::store::{self, RemittanceId, RemittanceRow};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::ledger::provider::{self, ProviderAdjustmentDoc};
use crate::reports::deposits::{self, Deposit};
use crate::x12::era::{BalanceCheck, Payment, ProviderAdjustment};

/// A stored remittance (one 835 payment).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RemittanceDoc {
    /// Id.
    pub id: RemittanceId,
    /// The file it came in.
    pub file_name: String,
    /// ISA06.
    pub sender_id: String,
    /// ISA13.
    pub interchange_control_number: String,
    /// TRN02: the check or EFT trace number.
    pub trace_number: String,
    /// The payer's name (N1*PR).
    pub payer_name: String,
    /// The payer's id (N1*PR N104 or REF*2U).
    pub payer_identifier: Option<String>,
    /// BPR02 in cents.
    pub payment_cents: i64,
    /// BPR03: C credit, D debit.
    pub credit_debit: String,
    /// BPR04: ACH, CHK, NON, ...
    pub payment_method: String,
    /// BPR16.
    pub payment_date: Option<NaiveDate>,
    /// posted, out_of_balance, partially_unmatched or unmatched.
    #[schema(value_type = String)]
    pub status: RemittanceStatus,
    /// The balance check (per claim, per line, and BPR02 = Σ CLP04 − Σ PLB).
    pub balance: BalanceCheck,
    /// CLPs in the payment.
    pub claims_total: i32,
    /// CLPs posted.
    pub claims_posted: i32,
    /// CLPs in the unmatched queue.
    pub claims_unmatched: i32,
    /// What happened to each CLP.
    pub postings: Vec<ClaimPosting>,
    /// PLB provider-level adjustments as the 835 gives them.
    pub provider_adjustments: Vec<ProviderAdjustment>,
    /// The PLB pairs as posted to the ledger (provider level, not claim level), with their
    /// meaning; posted with an earlier remittance when the same payment came in an earlier file;
    /// empty when not posted (an out-of-balance payment).
    pub provider_adjustments_posted: Vec<ProviderAdjustmentDoc>,
    /// The deposit against Σ claim payments − Σ PLB, and how much of each is in the ledger.
    pub reconciliation: Deposit,
    /// Reader and matcher warnings.
    pub warnings: Vec<String>,
    /// When imported.
    pub received_at: Timestamp,
    /// Version.
    pub version: i32,
}

/// A remittance in a list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RemittanceSummary {
    /// Id.
    pub id: RemittanceId,
    /// TRN02.
    pub trace_number: String,
    /// The payer's name.
    pub payer_name: String,
    /// BPR02 in cents.
    pub payment_cents: i64,
    /// BPR16.
    pub payment_date: Option<NaiveDate>,
    /// posted, out_of_balance, partially_unmatched or unmatched.
    #[schema(value_type = String)]
    pub status: RemittanceStatus,
    /// CLPs in the payment.
    pub claims_total: i32,
    /// CLPs in the unmatched queue.
    pub claims_unmatched: i32,
    /// When imported.
    pub received_at: Timestamp,
}

fn doc(
    row: &RemittanceRow,
    payment: &Payment,
    posted: Vec<ProviderAdjustmentDoc>,
    reconciliation: Deposit,
) -> DomainResult<RemittanceDoc> {
    let bad = |_| DomainError::internal();
    Ok(RemittanceDoc {
        id: row.id,
        file_name: row.file_name.clone(),
        sender_id: row.sender_id.clone(),
        interchange_control_number: row.interchange_control_number.clone(),
        trace_number: row.trace_number.clone(),
        payer_name: row.payer_name.clone(),
        payer_identifier: row.payer_identifier.clone(),
        payment_cents: row.payment_cents,
        credit_debit: row.credit_debit.clone(),
        payment_method: row.payment_method.clone(),
        payment_date: row.payment_date,
        status: row.status,
        balance: serde_json::from_str(&row.balance).map_err(bad)?,
        claims_total: row.claims_total,
        claims_posted: row.claims_posted,
        claims_unmatched: row.claims_unmatched,
        postings: serde_json::from_str(&row.postings).map_err(bad)?,
        provider_adjustments: payment.provider_adjustments.clone(),
        provider_adjustments_posted: posted,
        reconciliation,
        warnings: serde_json::from_str(&row.warnings).map_err(bad)?,
        received_at: row.received_at,
        version: row.version,
    })
}

/// Remittance `id` as stored (404 when there is none), with the 835 payment it was read from
/// (its claims, their adjustments and lines).
pub fn load(c: &mut AnyConnection, id: RemittanceId) -> DomainResult<(RemittanceDoc, Payment)> {
    let row = store::find(c, id)?.ok_or_else(|| DomainError::not_found("remittance"))?;
    let key = row.payer_identifier.as_deref().unwrap_or(&row.sender_id);
    let posted = provider::of_payment(c, key, &row.trace_number)?;
    let reconciliation =
        deposits::of_remittance(c, id)?.ok_or_else(|| DomainError::not_found("remittance"))?;
    let payment: Payment =
        serde_json::from_str(&row.parsed).map_err(|_| DomainError::internal())?;
    let d = doc(
        &row,
        &payment,
        posted.iter().map(Into::into).collect(),
        reconciliation,
    )?;
    Ok((d, payment))
}

/// A remittance row as listed.
pub fn summary(r: &RemittanceRow) -> RemittanceSummary {
    RemittanceSummary {
        id: r.id,
        trace_number: r.trace_number.clone(),
        payer_name: r.payer_name.clone(),
        payment_cents: r.payment_cents,
        payment_date: r.payment_date,
        status: r.status,
        claims_total: r.claims_total,
        claims_unmatched: r.claims_unmatched,
        received_at: r.received_at,
    }
}
