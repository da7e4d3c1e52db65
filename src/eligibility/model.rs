//! Eligibility check rows, the request body and what the API answers.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::summary::{Correction, Summary};
use crate::coverages::model::CoverageId;
use crate::db::schema_eligibility::eligibility_checks;
use crate::db::types::Timestamp;
use crate::patients::model::PatientId;
use crate::providers::model::ProviderId;

crate::typed_id!(
    /// Id of an eligibility check.
    CheckId
);

/// Where an eligibility check is.
///
/// Stored as its name in a TEXT column and serialised as the same name ([`crate::text_enum!`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum CheckStatus {
    /// Queued by a batch run: waiting for the worker to send the 270.
    Pending,
    /// The 270 is in the outbox; the 271 has not come back yet.
    Queued,
    /// The real-time exchange is under way.
    Sent,
    /// A 271 was received and read.
    Complete,
    /// No usable 271: timeout, HTTP error, or a 271 that could not be read.
    Failed,
}

crate::text_enum!(CheckStatus {
    Pending => "pending",
    Queued => "queued",
    Sent => "sent",
    Complete => "complete",
    Failed => "failed",
});

/// A check as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = eligibility_checks)]
pub struct CheckRow {
    pub id: CheckId,
    pub coverage_id: CoverageId,
    pub patient_id: PatientId,
    pub provider_id: ProviderId,
    pub service_date: NaiveDate,
    pub service_types: String,
    pub status: CheckStatus,
    pub channel: String,
    pub trace_number: String,
    pub request_x12: String,
    pub response_x12: Option<String>,
    pub result: Option<String>,
    pub summary: Option<String>,
    pub active: Option<bool>,
    pub error: Option<String>,
    pub correction: Option<String>,
    pub correction_applied_at: Option<Timestamp>,
    pub version: i32,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
}

/// The document's schema of `service_types`: up to 10 codes of 1 or 2 letters or digits.
fn service_types_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let code = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^ *[A-Za-z0-9]{1,2} *$"));
    ArrayBuilder::new()
        .items(code)
        .max_items(Some(crate::eligibility::service::MAX_SERVICE_TYPES))
        .examples([serde_json::json!(["30", "98"])])
        .build()
}

/// The body of `POST /v1/coverages/{id}/eligibility`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The date of service asked about.
    pub date: NaiveDate,
    /// X12 service type codes (EQ01, 1-2 letters or digits; `30` plan coverage when absent,
    /// `98` office visit, ...); at most 10.
    #[serde(default)]
    #[schema(schema_with = service_types_schema)]
    pub service_types: Vec<String>,
    /// The provider asking (an NPI the payer knows); by default the billing provider of the
    /// coverage's encounter on that date.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub provider_id: Option<ProviderId>,
}

/// A check as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckView {
    /// Check id.
    pub id: CheckId,
    /// The coverage checked.
    #[schema(value_type = uuid::Uuid)]
    pub coverage_id: CoverageId,
    /// Its patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// The date of service asked about.
    pub service_date: NaiveDate,
    /// Service types asked about.
    pub service_types: Vec<String>,
    /// `pending` (a batch run's, waiting for the worker), `queued` (file clearinghouse: poll
    /// `GET /v1/eligibility/{id}`), `sent`, `complete` or `failed`.
    #[schema(value_type = String)]
    pub status: CheckStatus,
    /// `http` (real time) or `filedrop` (queued).
    pub channel: String,
    /// TRN02 of the 270.
    pub trace_number: String,
    /// What the front desk needs, once a 271 is read.
    pub summary: Option<Summary>,
    /// The payer's corrections to the member id, name or birth date, if any.
    pub correction: Option<Correction>,
    /// When the correction was applied to the coverage.
    pub correction_applied_at: Option<Timestamp>,
    /// Why the check failed.
    pub error: Option<String>,
    /// The full parsed 271 (levels, rejections, members, every EB with its details).
    #[schema(value_type = Option<Object>)]
    pub response: Option<serde_json::Value>,
    /// Optimistic-concurrency version of the check.
    pub version: i32,
    /// When asked.
    pub created_at: Timestamp,
    /// When the 271 arrived (or the attempt failed).
    pub completed_at: Option<Timestamp>,
}

impl CheckRow {
    /// The API view; `full` adds the parsed 271.
    pub fn view(&self, full: bool) -> CheckView {
        CheckView {
            id: self.id,
            coverage_id: self.coverage_id,
            patient_id: self.patient_id,
            service_date: self.service_date,
            service_types: split_types(&self.service_types),
            status: self.status,
            channel: self.channel.clone(),
            trace_number: self.trace_number.clone(),
            summary: json(&self.summary),
            correction: json(&self.correction),
            correction_applied_at: self.correction_applied_at,
            error: self.error.clone(),
            response: if full { json(&self.result) } else { None },
            version: self.version,
            created_at: self.created_at,
            completed_at: self.completed_at,
        }
    }
}

/// The stored comma-joined service types as a list.
pub fn split_types(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A stored JSON column read back (`None` when absent or unreadable).
fn json<T: serde::de::DeserializeOwned>(s: &Option<String>) -> Option<T> {
    s.as_deref().and_then(|t| serde_json::from_str(t).ok())
}
