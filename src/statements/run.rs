//! The statement run: a statement for every patient who owes at least a minimum on visits
//! insurance is done with and got none in the last days; `POST /v1/statements/run` and the
//! console's run form both call [`run`].

use serde::Serialize;

use super::build;
use super::model::StatementId;
use super::store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::DomainResult;
use crate::patients::model::PatientId;

/// Audit resource of statements.
const RESOURCE: &str = "statement";

/// One statement made by a run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunItem {
    /// The statement.
    #[schema(value_type = uuid::Uuid)]
    pub statement_id: StatementId,
    /// The patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// Amount due.
    pub amount_due_cents: i64,
}

/// What a statement run did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunOutcome {
    /// Statements made.
    pub created: Vec<RunItem>,
    /// Patients with a balance passed over: a statement in the last `min_days_between` days.
    pub skipped_recent: usize,
    /// Patients with a balance passed over: amount due under `min_balance_cents`.
    pub skipped_below_minimum: usize,
}

/// Runs the statements (checked values: `min` cents, `days` between, `due` days until due)
/// inside the caller's write transaction (all or nothing), auditing each statement made.
pub fn run(
    c: &mut AnyConnection,
    ctx: &RequestCtx,
    min: i64,
    days: i64,
    due: i64,
) -> DomainResult<RunOutcome> {
    let today = chrono::Utc::now().date_naive();
    let since = Timestamp(chrono::Utc::now() - chrono::Duration::days(days));
    let recent = store::patients_since(c, since)?;
    let mut out = RunOutcome {
        created: Vec::new(),
        skipped_recent: 0,
        skipped_below_minimum: 0,
    };
    let mut audit = Vec::new();
    for patient in build::patients_with_patient_balance(c)? {
        if days > 0 && recent.contains(&patient) {
            out.skipped_recent += 1;
            continue;
        }
        let s = build::make(c, patient, today, due, &ctx.caller.actor)?;
        if s.visits.is_empty() || s.amount_due_cents < min {
            out.skipped_below_minimum += 1;
            continue;
        }
        store::insert(c, &s)?;
        audit.push(AuditEntry::success(
            ctx,
            "create",
            RESOURCE,
            Some(s.id.to_string()),
        ));
        out.created.push(RunItem {
            statement_id: s.id,
            patient_id: patient,
            amount_due_cents: s.amount_due_cents,
        });
    }
    audit_store::insert(c, &audit)?;
    Ok(out)
}
