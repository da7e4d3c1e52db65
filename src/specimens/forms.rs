//! Request bodies and query parameters of the specimen routes. Field rules are in `check`.

use chrono::NaiveDate;
use serde::Deserialize;

use super::model::OrderedTest;
use crate::db::types::Timestamp;
use crate::encounters::model::EncounterId;
use crate::patients::model::PatientId;
use crate::providers::model::ProviderId;
use crate::validation::double_option;

/// The body of `POST /v1/specimens` (logged at collection).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSpecimen {
    /// The patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// The patient's encounter the tests are billed on.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub encounter_id: Option<EncounterId>,
    /// The provider who ordered the tests.
    #[schema(value_type = uuid::Uuid)]
    pub ordering_provider_id: ProviderId,
    /// HL7 v2 table 0487 code (BLD, SER, PLAS, UR, SAL, SWAB, TISS, ...).
    pub specimen_type: String,
    /// Body site.
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub source_site: Option<String>,
    /// Container.
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub container: Option<String>,
    /// Volume (not negative; needs `volume_unit`).
    #[schema(minimum = 0, maximum = 100000)]
    pub volume: Option<f64>,
    /// mL, uL, L, g or mg.
    #[schema(pattern = r"^ *([mMuU]?[lL]|[mM]?[gG]) *$", example = "mL")]
    pub volume_unit: Option<String>,
    /// When it was collected (RFC 3339; not in the future).
    #[schema(value_type = String, format = DateTime)]
    pub collected_at: Timestamp,
    /// Who collected it (default: the caller).
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub collected_by: Option<String>,
    /// Tests ordered: 1 to 20 lab CPT/HCPCS codes valid on the collection date.
    #[schema(min_items = 1, max_items = 20)]
    pub tests: Vec<OrderedTest>,
    /// `routine` (default) or `stat`.
    #[schema(
        pattern = r"^ *([Rr][Oo][Uu][Tt][Ii][Nn][Ee]|[Ss][Tt][Aa][Tt]) *$",
        example = "routine"
    )]
    pub priority: Option<String>,
    /// Free-text notes (up to 2000 characters).
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub notes: Option<String>,
}

/// The body of `PATCH /v1/specimens/{id}` (before receipt only). Absent fields stay; `null`
/// clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecimenPatch {
    /// New encounter (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub encounter_id: Option<Option<EncounterId>>,
    /// New ordering provider.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub ordering_provider_id: Option<ProviderId>,
    /// New specimen type (HL7 0487).
    pub specimen_type: Option<String>,
    /// New source site (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub source_site: Option<Option<String>>,
    /// New container (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub container: Option<Option<String>>,
    /// New volume (null clears volume and unit).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100000)]
    pub volume: Option<Option<f64>>,
    /// New volume unit.
    #[schema(pattern = r"^ *([mMuU]?[lL]|[mM]?[gG]) *$", example = "mL")]
    pub volume_unit: Option<String>,
    /// New collection time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub collected_at: Option<Timestamp>,
    /// New collector.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub collected_by: Option<String>,
    /// The whole list of tests ordered.
    #[schema(min_items = 1, max_items = 20)]
    pub tests: Option<Vec<OrderedTest>>,
    /// `routine` or `stat`.
    #[schema(
        pattern = r"^ *([Rr][Oo][Uu][Tt][Ii][Nn][Ee]|[Ss][Tt][Aa][Tt]) *$",
        example = "routine"
    )]
    pub priority: Option<String>,
    /// New notes (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$")]
    pub notes: Option<Option<String>>,
}

/// The body of `POST /v1/specimens/{id}/transitions` (If-Match required).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// `in_transit`, `received`, `in_process`, `resulted`, `rejected` or `cancelled`.
    #[schema(
        pattern = r"^(in_transit|received|in_process|resulted|rejected|cancelled)$",
        example = "received"
    )]
    pub to: String,
    /// HL7 v2 table 0490 code; required for `rejected`.
    pub reject_reason: Option<String>,
    /// Free text; required for `rejected` (what was wrong) and `cancelled` (why).
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub note: Option<String>,
    /// Where it is now (becomes the specimen's location).
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub location: Option<String>,
    /// Its condition on arrival (for `received`).
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub condition: Option<String>,
    /// Temperature in degrees Celsius (for `in_transit`, `received`).
    #[schema(minimum = -200, maximum = 100)]
    pub temperature_c: Option<f64>,
}

/// The body of `POST /v1/specimens/{id}/custody`: a hand-off.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyRequest {
    /// What happened: `handoff`, `stored`, `retrieved`, `shipped`, `courier_pickup`, ...
    #[schema(max_length = 200, pattern = r"^ *[a-z_]{1,40} *$", example = "handoff")]
    pub action: String,
    /// Where it was (default: its current location).
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub from_location: Option<String>,
    /// Where it went.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub to_location: String,
    /// Its condition (intact, leaking, ...).
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub condition: Option<String>,
    /// Temperature in degrees Celsius.
    #[schema(minimum = -200, maximum = 100)]
    pub temperature_c: Option<f64>,
    /// A note.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub note: Option<String>,
}

/// The body of `POST /v1/specimens/{id}/recollect`: the new collection of a rejected specimen.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecollectRequest {
    /// When the new specimen was collected (not in the future).
    #[schema(value_type = String, format = DateTime)]
    pub collected_at: Timestamp,
    /// Who collected it (default: the caller).
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub collected_by: Option<String>,
    /// Container (default: the rejected one's).
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    pub container: Option<String>,
    /// Volume (default: none).
    #[schema(minimum = 0, maximum = 100000)]
    pub volume: Option<f64>,
    /// Unit of volume.
    #[schema(pattern = r"^ *([mMuU]?[lL]|[mM]?[gG]) *$", example = "mL")]
    pub volume_unit: Option<String>,
    /// Notes.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub notes: Option<String>,
}

/// Query parameters of `GET /v1/specimens` (the lab's day).
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SpecimenQuery {
    /// A status.
    #[param(pattern = r"^(collected|in_transit|received|in_process|resulted|rejected|cancelled)$")]
    pub status: Option<String>,
    /// An HL7 0487 specimen type.
    #[param(
        pattern = r"^(ABS|AMN|ASP|BIFL|BLD|BLDA|BLDCO|BLDV|BON|BRSH|BX|CALC|CNJT|CSF|CST|CTP|CVM|CYST|DIAF|DISCHG|DRN|DUFL|EARW|EFFUS|EXG|EXUDTE|FGA|FLD|FLU|GAST|GENV|HAR|ISLT|JNTFLD|LESN|MAR|MEC|MILK|MUCUS|NAIL|NSECR|OTH|PCFL|PLAS|PLC|PLR|PPP|PRP|PUS|RANDU|RBC|RES|SAL|SECRE|SER|SKN|SMN|SNV|SPRM|SPT|SPTC|STL|SWT|TEAR|THRB|TISS|TSERU|UR|URC|URINC|URINM|URNS|USPEC|VITF|VOM|WASI|WBC|WND|WNDA|WNDD|WNDE)$",
        example = "BLD"
    )]
    pub specimen_type: Option<String>,
    /// `routine` or `stat`.
    #[param(pattern = r"^(routine|stat)$")]
    pub priority: Option<String>,
    /// The patient.
    pub patient_id: Option<uuid::Uuid>,
    /// Collected on or after this date (YYYY-MM-DD, UTC).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub collected_from: Option<NaiveDate>,
    /// Collected on or before this date (YYYY-MM-DD, UTC).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub collected_to: Option<NaiveDate>,
    /// true: only specimens in transit for longer than `overdue_hours`.
    pub overdue_in_transit: Option<bool>,
    /// Hours in transit after which a specimen is overdue (1..=720, default 4).
    #[param(minimum = 1, maximum = 720)]
    pub overdue_hours: Option<i64>,
    /// Page size (1..=500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query parameters of `GET /v1/specimens/{id}/label`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LabelQuery {
    /// `zpl` (thermal printers, the default), `svg` or `png`.
    #[param(pattern = r"^([zZ][pP][lL]|[sS][vV][gG]|[pP][nN][gG])$")]
    pub format: Option<String>,
}
