//! Batch eligibility runs (`POST /v1/eligibility/run?date=`): the stored row, the query and
//! what the API shows (progress counted from the run's checks).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{CheckId, CheckRow, CheckStatus};
use super::summary::Summary;
use crate::coverages::model::CoverageId;
use crate::db::schema_eligibility::eligibility_runs;
use crate::db::types::Timestamp;
use crate::patients::model::PatientId;

crate::typed_id!(
    /// Id of a batch eligibility run.
    RunId
);

/// A run as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = eligibility_runs)]
pub struct RunRow {
    pub id: RunId,
    pub service_date: NaiveDate,
    pub force: bool,
    pub actor: String,
    pub coverages: i32,
    pub queued: i32,
    pub already_checked: i32,
    /// JSON of `Vec<NotSendable>`.
    pub not_sendable: String,
    pub created_at: Timestamp,
}

/// The query of `POST /v1/eligibility/run`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// The date of service to check (usually tomorrow's schedule).
    pub date: NaiveDate,
    /// Check again coverages that already have a check for that date (default false; a
    /// failed check never counts as checked).
    #[serde(default)]
    pub force: bool,
}

/// A coverage the run could not build a 270 for, and why.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotSendable {
    /// The coverage.
    #[schema(value_type = uuid::Uuid)]
    pub coverage_id: CoverageId,
    /// What is missing or wrong (e.g. no billing provider on the encounter).
    pub reason: String,
}

/// How far the run's checks are.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// Waiting for the worker to send them.
    pub pending: i32,
    /// Real-time exchange under way.
    pub sent: i32,
    /// 270 written to the file queue, waiting for the 271.
    pub queued: i32,
    /// 271 received and read.
    pub complete: i32,
    /// No usable 271 (timeout, HTTP error, unreadable).
    pub failed: i32,
    /// Complete checks saying the coverage is active.
    pub active: i32,
    /// Complete checks saying the coverage is inactive.
    pub inactive: i32,
}

impl Progress {
    /// Counts the checks' statuses and verdicts.
    pub fn of(checks: &[CheckRow]) -> Progress {
        let mut p = Progress::default();
        for c in checks {
            match c.status {
                CheckStatus::Pending => p.pending += 1,
                CheckStatus::Sent => p.sent += 1,
                CheckStatus::Queued => p.queued += 1,
                CheckStatus::Complete => p.complete += 1,
                CheckStatus::Failed => p.failed += 1,
            }
            match c.active {
                Some(true) => p.active += 1,
                Some(false) => p.inactive += 1,
                None => {}
            }
        }
        p
    }
}

/// One check of a run, as the run shows it (the full 271 is at `GET /v1/eligibility/{id}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunCheck {
    /// Check id.
    pub id: CheckId,
    /// The coverage checked.
    #[schema(value_type = uuid::Uuid)]
    pub coverage_id: CoverageId,
    /// Its patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// `pending`, `sent`, `queued`, `complete` or `failed`.
    #[schema(value_type = String)]
    pub status: CheckStatus,
    /// The payer's verdict, once complete (absent when the payer rejected the inquiry).
    pub active: Option<bool>,
    /// The front-desk summary, once complete.
    pub summary: Option<Summary>,
    /// Why the check failed.
    pub error: Option<String>,
}

/// A run as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunView {
    /// Run id.
    pub id: RunId,
    /// The date of service checked.
    pub service_date: NaiveDate,
    /// Whether coverages already checked for the date were checked again.
    pub force: bool,
    /// Distinct active coverages with an encounter (not void) on the date.
    pub coverages: i32,
    /// Checks queued for the worker.
    pub queued: i32,
    /// Coverages skipped: a check for the date exists (not failed).
    pub already_checked: i32,
    /// Coverages no 270 could be built for.
    pub not_sendable: Vec<NotSendable>,
    /// The checks' states.
    pub progress: Progress,
    /// True when no check waits for the worker or a real-time answer (queued files still
    /// wait for their 271).
    pub sent_all: bool,
    /// Each check's outcome (on `GET` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<RunCheck>>,
    /// When the run was asked for.
    pub created_at: Timestamp,
}

impl RunRow {
    /// The API view of the run with its checks; `with_checks` lists each one.
    pub fn view(&self, checks: &[CheckRow], with_checks: bool) -> RunView {
        let progress = Progress::of(checks);
        RunView {
            id: self.id,
            service_date: self.service_date,
            force: self.force,
            coverages: self.coverages,
            queued: self.queued,
            already_checked: self.already_checked,
            not_sendable: serde_json::from_str(&self.not_sendable).unwrap_or_default(),
            sent_all: progress.pending == 0 && progress.sent == 0,
            progress,
            checks: with_checks.then(|| {
                checks
                    .iter()
                    .map(|c| RunCheck {
                        id: c.id,
                        coverage_id: c.coverage_id,
                        patient_id: c.patient_id,
                        status: c.status,
                        active: c.active,
                        summary: c
                            .summary
                            .as_deref()
                            .and_then(|s| serde_json::from_str(s).ok()),
                        error: c.error.clone(),
                    })
                    .collect()
            }),
            created_at: self.created_at,
        }
    }
}
