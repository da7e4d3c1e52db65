//! Claim rows, their history, and the claim document returned by the API.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::frequency::Frequency;
use super::snapshot::Snapshot;
use super::status::Status;
use crate::coverages::model::CoverageId;
use crate::db::schema_claims::{claim_events, claims};
use crate::db::types::Timestamp;
use crate::encounters::model::EncounterId;
use crate::patients::model::PatientId;
use crate::payers::model::PayerId;

crate::typed_id!(
    /// Id of a claim.
    ClaimId
);

crate::typed_id!(
    /// Id of a claim history event.
    EventId
);

crate::typed_id!(
    /// Id of an interchange (also its file name and idempotency key).
    InterchangeId
);

crate::typed_id!(
    /// Id of a kept acknowledgment file.
    AckId
);

crate::typed_id!(
    /// Id of a submission job.
    JobId
);

/// A stored claim row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = claims)]
pub struct ClaimRow {
    /// Claim id.
    pub id: ClaimId,
    /// The encounter billed.
    pub encounter_id: EncounterId,
    /// The patient.
    pub patient_id: PatientId,
    /// The coverage billed.
    pub coverage_id: CoverageId,
    /// The coverage's payer.
    pub payer_id: PayerId,
    /// First date of service.
    pub date_of_service: NaiveDate,
    /// Where the claim is in its life.
    pub status: Status,
    /// `1` original, `7` replacement, `8` void.
    pub frequency: Frequency,
    /// CLM01.
    pub patient_control_number: String,
    /// The payer's claim control number.
    pub payer_claim_number: Option<String>,
    /// The claim this one replaces or voids.
    pub replaces_claim_id: Option<ClaimId>,
    /// Total charge in cents.
    pub total_charge_cents: i64,
    /// The snapshot, as JSON.
    pub snapshot: String,
    /// When the clearinghouse adapter confirmed the hand-off.
    pub submitted_at: Option<Timestamp>,
    /// The interchange the claim was sent in.
    pub interchange_id: Option<InterchangeId>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When built.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// A code from an acknowledgment, with its meaning.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct EventCode {
    /// The code as received (`A3:21`, `R`).
    pub code: String,
    /// What it means.
    pub meaning: String,
}

/// One transition of a claim (history is never edited).
#[derive(
    Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = claim_events)]
// None is NULL (no column has a default), so SQLite inserts many events in one statement.
#[diesel(treat_none_as_default_value = false)]
pub struct ClaimEvent {
    /// Event id.
    #[serde(skip)]
    pub id: EventId,
    /// The claim.
    #[serde(skip)]
    pub claim_id: ClaimId,
    /// The status before (none when the claim was built).
    #[schema(value_type = Option<String>)]
    pub from_status: Option<Status>,
    /// The status after.
    #[schema(value_type = String)]
    pub to_status: Status,
    /// Who (`user:<id>`, `system:worker`, `system:acks`).
    pub actor: String,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: Option<String>,
    /// Acknowledgment codes, as JSON (see `codes` in the API).
    #[serde(skip)]
    pub codes: Option<String>,
}

/// A history entry as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// The transition.
    #[serde(flatten)]
    pub event: ClaimEvent,
    /// Acknowledgment status codes with their meanings, when the transition came from one.
    pub codes: Vec<EventCode>,
}

/// A claim as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClaimDoc {
    /// Claim id.
    pub id: ClaimId,
    /// The encounter billed.
    #[schema(value_type = uuid::Uuid)]
    pub encounter_id: EncounterId,
    /// The patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// The coverage billed.
    #[schema(value_type = uuid::Uuid)]
    pub coverage_id: CoverageId,
    /// The payer.
    #[schema(value_type = uuid::Uuid)]
    pub payer_id: PayerId,
    /// First date of service.
    pub date_of_service: NaiveDate,
    /// draft, validated, queued, submitted, accepted, rejected or superseded.
    #[schema(value_type = String)]
    pub status: Status,
    /// The states it may move to next.
    pub allowed_next: Vec<&'static str>,
    /// `1` original, `7` replacement, `8` void.
    #[schema(value_type = String)]
    pub frequency: Frequency,
    /// CLM01, unique.
    pub patient_control_number: String,
    /// The payer's claim control number (from a 277CA, or carried by a replacement or void).
    pub payer_claim_number: Option<String>,
    /// The claim this one replaces or voids.
    pub replaces_claim_id: Option<ClaimId>,
    /// Total charge in cents.
    pub total_charge_cents: i64,
    /// When the clearinghouse took it.
    pub submitted_at: Option<Timestamp>,
    /// The interchange it was sent in.
    pub interchange_id: Option<InterchangeId>,
    /// What the claim says: patient, subscriber, payer, providers, diagnoses, lines, totals.
    pub snapshot: Snapshot,
    /// Every transition, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When built.
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// A claim in a list (no snapshot or history).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClaimSummary {
    /// Claim id.
    pub id: ClaimId,
    /// The encounter billed.
    #[schema(value_type = uuid::Uuid)]
    pub encounter_id: EncounterId,
    /// The payer.
    #[schema(value_type = uuid::Uuid)]
    pub payer_id: PayerId,
    /// First date of service.
    pub date_of_service: NaiveDate,
    /// Status.
    #[schema(value_type = String)]
    pub status: Status,
    /// Frequency code.
    #[schema(value_type = String)]
    pub frequency: Frequency,
    /// CLM01.
    pub patient_control_number: String,
    /// The payer's claim number.
    pub payer_claim_number: Option<String>,
    /// Total charge in cents.
    pub total_charge_cents: i64,
    /// When submitted.
    pub submitted_at: Option<Timestamp>,
    /// Version.
    pub version: i32,
}

impl From<ClaimRow> for ClaimSummary {
    fn from(r: ClaimRow) -> Self {
        ClaimSummary {
            id: r.id,
            encounter_id: r.encounter_id,
            payer_id: r.payer_id,
            date_of_service: r.date_of_service,
            status: r.status,
            frequency: r.frequency,
            patient_control_number: r.patient_control_number,
            payer_claim_number: r.payer_claim_number,
            total_charge_cents: r.total_charge_cents,
            submitted_at: r.submitted_at,
            version: r.version,
        }
    }
}
