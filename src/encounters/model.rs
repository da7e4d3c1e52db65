//! Encounter rows and the encounter document returned by the API.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::coverages::model::CoverageId;
use crate::db::schema_encounters::{encounters, finding_overrides};
use crate::db::types::Timestamp;
use crate::patients::model::PatientId;
use crate::payers::model::PayerId;
use crate::providers::model::ProviderId;

crate::typed_id!(
    /// Id of an encounter.
    EncounterId
);

crate::typed_id!(
    /// Id of a service line; kept across edits when the client sends it back.
    LineId
);

crate::typed_id!(
    /// Id of a finding override.
    OverrideId
);

/// An encounter without its diagnoses and lines: the work-queue item and the stored header.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    Serialize,
    utoipa::ToSchema,
)]
// Also the row written: None writes NULL. The patient never changes.
#[diesel(table_name = encounters, treat_none_as_null = true)]
pub struct Encounter {
    /// Encounter id.
    pub id: EncounterId,
    /// The patient seen.
    #[schema(value_type = uuid::Uuid)]
    #[diesel(skip_update)]
    pub patient_id: PatientId,
    /// The payer of the coverage billed (read only: follows `coverage_id`).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub payer_id: Option<PayerId>,
    /// First (or only) date of service.
    pub date_of_service: NaiveDate,
    /// Last date of service, for a visit spanning several days.
    pub date_of_service_to: Option<NaiveDate>,
    /// 2-digit CMS place of service code (11 office, 22 outpatient hospital, 81 lab, ...).
    pub place_of_service: Option<String>,
    /// The provider who saw the patient.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub rendering_provider_id: Option<ProviderId>,
    /// The provider (or group) that bills.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub billing_provider_id: Option<ProviderId>,
    /// The referring provider, where the service needs one.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub referring_provider_id: Option<ProviderId>,
    /// The coverage to bill.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub coverage_id: Option<CoverageId>,
    /// `open`, `on_hold`, `coded`, `billed` or `void`.
    #[schema(value_type = String)]
    pub status: super::status::Status,
    /// Why the encounter is on hold (while `on_hold`).
    pub hold_reason: Option<String>,
    /// Why the encounter was voided.
    pub void_reason: Option<String>,
    /// Free-text notes for the office (never sent on a claim).
    pub notes: Option<String>,
    /// Scrubber errors not overridden, as of the last change, validation or sign-off.
    pub error_count: i32,
    /// Scrubber warnings, as of the last change, validation or sign-off.
    pub warning_count: i32,
    /// When it was signed off as coded.
    pub signed_off_at: Option<Timestamp>,
    /// Who signed it off (`user:<id>`).
    pub signed_off_by: Option<String>,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When created.
    #[diesel(skip_update)]
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// One service line.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Line {
    /// Line id (stable across edits).
    pub id: LineId,
    /// CPT or HCPCS Level II code, upper case.
    pub code: String,
    /// `cpt` or `hcpcs`.
    pub code_system: String,
    /// Up to 4 two-character modifiers, in order.
    pub modifiers: Vec<String>,
    /// Units of service (at least 1).
    pub units: i32,
    /// Charge in cents for all units of the line.
    pub charge_cents: i64,
    /// `entered` (sent by the client) or `fee_schedule` (filled from a fee schedule).
    pub charge_source: String,
    /// 1 to 4 positions (1-based) in the diagnosis list.
    pub diagnosis_pointers: Vec<i32>,
    /// The line's own date of service, when it differs from the encounter's.
    pub date_of_service: Option<NaiveDate>,
    /// The line's own place of service, when it differs from the encounter's.
    pub place_of_service: Option<String>,
    /// National Drug Code, 11 digits (5-4-2 without dashes), for drugs.
    pub ndc: Option<String>,
    /// Quantity of the drug given, in `ndc_unit`.
    pub ndc_quantity: Option<f64>,
    /// Unit of `ndc_quantity`: F2 international unit, GR gram, ML millilitre, UN unit, ME milligram.
    pub ndc_unit: Option<String>,
    /// The specimen this line bills for, when a lab specimen added it.
    pub specimen_id: Option<uuid::Uuid>,
    /// True while the line is held (e.g. its specimen was rejected).
    pub on_hold: bool,
}

/// An admin's override of one scrubber error, kept with the finding it silences.
#[derive(
    Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = finding_overrides)]
pub struct FindingOverride {
    /// Override id.
    #[serde(skip)]
    pub id: OverrideId,
    /// The encounter.
    #[serde(skip)]
    pub encounter_id: EncounterId,
    /// The rule of the finding overridden.
    pub rule: String,
    /// The path of the finding overridden.
    pub path: String,
    /// The finding's message when it was overridden.
    pub message: String,
    /// Why the finding does not apply (written by the admin).
    pub reason: String,
    /// Who overrode it (`user:<id>`).
    pub overridden_by: String,
    /// When.
    pub at: Timestamp,
}

/// An encounter as one document: the header, diagnoses, lines and overrides.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EncounterDoc {
    /// Visit details, status and counts.
    #[serde(flatten)]
    pub header: Encounter,
    /// ICD-10-CM codes in order, shown with the dot (`E11.9`); the first is principal.
    pub diagnoses: Vec<String>,
    /// Service lines in order.
    pub lines: Vec<Line>,
    /// Scrubber errors an admin has overridden.
    pub overrides: Vec<FindingOverride>,
}

impl EncounterDoc {
    /// The version (also the ETag).
    pub fn version(&self) -> i32 {
        self.header.version
    }
}

impl crate::db::versioned::Versioned for Encounter {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}
