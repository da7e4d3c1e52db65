//! A patient's balance: the open lines of their claims, summed from the ledger, with who owes
//! each (payer, patient, next payer).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::model::{Buckets, EntryRow};
use super::store;
use crate::claims::model::{ClaimId, ClaimRow};
use crate::db::schema_claims::claims as cl;
use crate::db::schema_ledger::ledger_entries as le;
use crate::db::AnyConnection;
use crate::patients::model::PatientId;
use crate::payers::model::PayerId;

/// One claim line with an open balance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenLine {
    /// The claim.
    pub claim_id: ClaimId,
    /// CLM01.
    pub patient_control_number: String,
    /// The claim's payer.
    #[schema(value_type = uuid::Uuid)]
    pub payer_id: PayerId,
    /// The claim's status.
    #[schema(value_type = String)]
    pub status: crate::claims::status::Status,
    /// Date of service.
    pub date_of_service: NaiveDate,
    /// The line.
    pub line_number: i32,
    /// What was charged.
    pub charge_cents: i64,
    /// What was paid, adjusted or written off.
    pub settled_cents: i64,
    /// Who owes the rest.
    #[serde(flatten)]
    pub open: Buckets,
}

/// A patient's balance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientBalance {
    /// The patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// Sums over the open lines.
    pub totals: Buckets,
    /// The lines behind the totals, oldest service first.
    pub lines: Vec<OpenLine>,
}

/// The open lines of `patient`'s claims.
pub fn of_patient(conn: &mut AnyConnection, patient: PatientId) -> QueryResult<PatientBalance> {
    let rows: Vec<(EntryRow, ClaimRow)> = le::table
        .inner_join(cl::table)
        .filter(cl::patient_id.eq(patient))
        .select((EntryRow::as_select(), ClaimRow::as_select()))
        .load(conn)?;
    let mut by_claim: std::collections::BTreeMap<ClaimId, (ClaimRow, Vec<EntryRow>)> =
        Default::default();
    for (e, c) in rows {
        by_claim
            .entry(c.id)
            .or_insert_with(|| (c, Vec::new()))
            .1
            .push(e);
    }
    let mut totals = Buckets::default();
    let mut lines = Vec::new();
    for (claim, entries) in by_claim.values() {
        for b in store::fold(entries) {
            if b.open == Buckets::default() {
                continue;
            }
            totals.add(&b.open);
            lines.push(OpenLine {
                claim_id: claim.id,
                patient_control_number: claim.patient_control_number.clone(),
                payer_id: claim.payer_id,
                status: claim.status,
                date_of_service: claim.date_of_service,
                line_number: b.line_number,
                charge_cents: b.charge_cents,
                settled_cents: b.settled_cents,
                open: b.open,
            });
        }
    }
    lines.sort_by_key(|l| (l.date_of_service, l.claim_id, l.line_number));
    Ok(PatientBalance {
        patient_id: patient,
        totals,
        lines,
    })
}
