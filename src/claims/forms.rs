//! Request bodies and query parameters of the claim routes.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::coverages::model::CoverageId;
use crate::db::types::Timestamp;

/// Body of `POST /v1/encounters/{id}/claims`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClaim {
    /// The coverage to bill (default: the encounter's coverage, normally the primary).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub coverage_id: Option<CoverageId>,
}

/// Body of `POST /v1/claims/{id}/replace` and `.../void`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupersedeBody {
    /// The payer's claim control number of the claim replaced or voided (default: the one
    /// a 277CA reported).
    pub payer_claim_number: Option<String>,
    /// Why (kept in the history).
    pub reason: Option<String>,
}

/// Query parameters of `GET /v1/claims`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    /// draft, validated, queued, submitted, accepted, rejected, superseded, paid, partially_paid,
    /// denied, forwarded or reversed (`rejected` and `denied` are work queues).
    #[param(
        pattern = r"^(draft|validated|queued|submitted|accepted|rejected|superseded|paid|partially_paid|denied|forwarded|reversed)$"
    )]
    pub status: Option<String>,
    /// The payer.
    pub payer_id: Option<uuid::Uuid>,
    /// Date of service on or after (YYYY-MM-DD).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub from: Option<NaiveDate>,
    /// Date of service on or before (YYYY-MM-DD).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub to: Option<NaiveDate>,
    /// Submitted before this instant (RFC 3339): claims waiting on an answer that long.
    #[param(value_type = Option<String>, format = DateTime)]
    pub submitted_before: Option<Timestamp>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query parameters of `GET /v1/submission-jobs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// pending, leased, done or dead.
    #[param(pattern = r"^(pending|leased|done|dead)$")]
    pub status: Option<String>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
