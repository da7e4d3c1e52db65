//! Request bodies of the encounter routes. Field rules are applied in `check`.

use chrono::NaiveDate;
use serde::Deserialize;

use super::model::LineId;
use crate::coverages::model::CoverageId;
use crate::patients::model::PatientId;
use crate::providers::model::ProviderId;
use crate::validation::double_option;

/// The body of `POST /v1/encounters`. Front desk sends the visit details; billing may also
/// send diagnoses and lines.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEncounter {
    /// An active patient.
    #[schema(value_type = uuid::Uuid)]
    pub patient_id: PatientId,
    /// Date of service (YYYY-MM-DD).
    #[serde(deserialize_with = "crate::validation::ymd::deserialize")]
    pub date_of_service: NaiveDate,
    /// Last date of service, for a visit spanning days (not before `date_of_service`).
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub date_of_service_to: Option<NaiveDate>,
    /// 2-digit CMS place of service code.
    #[schema(pattern = r"^ *([0-9]{2})? *$", example = "11")]
    pub place_of_service: Option<String>,
    /// Rendering provider (an active provider with the rendering role).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub rendering_provider_id: Option<ProviderId>,
    /// Billing provider (an active provider with the billing role).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub billing_provider_id: Option<ProviderId>,
    /// Referring provider (an active provider with the referring role).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub referring_provider_id: Option<ProviderId>,
    /// An active coverage of the patient.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub coverage_id: Option<CoverageId>,
    /// Free-text notes (up to 4000 characters).
    #[schema(
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub notes: Option<String>,
    /// ICD-10-CM codes in order, with or without the dot (needs the coding permission).
    #[schema(schema_with = super::form_schemas::diagnoses)]
    pub diagnoses: Option<Vec<String>>,
    /// Service lines in order (needs the coding permission).
    #[schema(max_items = 200)]
    pub lines: Option<Vec<LineInput>>,
}

/// A service line as sent by the client.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// The id of an existing line to keep (in a whole-list replace); absent for a new line.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub id: Option<LineId>,
    /// CPT or HCPCS code, any case.
    pub code: String,
    /// `cpt` or `hcpcs`; when absent, a code starting with a digit is CPT, else HCPCS.
    pub code_system: Option<String>,
    /// Up to 4 two-character modifiers.
    #[serde(default)]
    #[schema(schema_with = super::form_schemas::modifiers)]
    pub modifiers: Vec<String>,
    /// Units of service (default 1).
    #[schema(minimum = 1, maximum = 9999)]
    pub units: Option<i32>,
    /// Charge in cents; when absent it is taken from the fee schedule.
    #[schema(minimum = 0, maximum = 999_999_999)]
    pub charge_cents: Option<i64>,
    /// 1 to 4 positions (1-based) in the diagnosis list.
    #[schema(schema_with = super::form_schemas::diagnosis_pointers)]
    pub diagnosis_pointers: Vec<i32>,
    /// The line's own date of service, within the encounter's dates.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub date_of_service: Option<NaiveDate>,
    /// The line's own place of service.
    #[schema(pattern = r"^ *[0-9]{2} *$", example = "11")]
    pub place_of_service: Option<String>,
    /// National Drug Code: 11 digits (dashes allowed).
    pub ndc: Option<String>,
    /// Drug quantity (required with `ndc`).
    #[schema(minimum = 0.001, exclusive_maximum = 1_000_000_000)]
    pub ndc_quantity: Option<f64>,
    /// F2, GR, ML, UN or ME (required with `ndc`).
    #[schema(
        pattern = r"^ *([Ff]2|[Gg][Rr]|[Mm][Ll]|[Uu][Nn]|[Mm][Ee]) *$",
        example = "UN"
    )]
    pub ndc_unit: Option<String>,
}

/// The body of `PATCH /v1/encounters/{id}`: absent fields stay, `null` clears an optional one.
/// `diagnoses` and `lines` replace the whole list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncounterPatch {
    /// New date of service.
    #[serde(default, deserialize_with = "crate::validation::ymd::option")]
    pub date_of_service: Option<NaiveDate>,
    /// New last date of service (null clears).
    #[serde(default, deserialize_with = "crate::validation::ymd::double")]
    #[schema(value_type = Option<NaiveDate>)]
    pub date_of_service_to: Option<Option<NaiveDate>>,
    /// New place of service (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = r"^ *([0-9]{2})? *$", example = "11")]
    pub place_of_service: Option<Option<String>>,
    /// New rendering provider (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub rendering_provider_id: Option<Option<ProviderId>>,
    /// New billing provider (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub billing_provider_id: Option<Option<ProviderId>>,
    /// New referring provider (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub referring_provider_id: Option<Option<ProviderId>>,
    /// New coverage (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub coverage_id: Option<Option<CoverageId>>,
    /// New notes (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(
        value_type = Option<String>,
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$"
    )]
    pub notes: Option<Option<String>>,
    /// The whole diagnosis list, in order (needs the coding permission).
    #[schema(schema_with = super::form_schemas::diagnoses)]
    pub diagnoses: Option<Vec<String>>,
    /// The whole line list, in order; lines sent with their `id` keep it (coding permission).
    #[schema(max_items = 200)]
    pub lines: Option<Vec<LineInput>>,
}

impl EncounterPatch {
    /// Whether the patch touches visit details (front desk may).
    pub fn touches_visit(&self) -> bool {
        self.date_of_service.is_some()
            || self.date_of_service_to.is_some()
            || self.place_of_service.is_some()
            || self.rendering_provider_id.is_some()
            || self.billing_provider_id.is_some()
            || self.referring_provider_id.is_some()
            || self.coverage_id.is_some()
            || self.notes.is_some()
    }

    /// Whether the patch touches coding (diagnoses or lines).
    pub fn touches_coding(&self) -> bool {
        self.diagnoses.is_some() || self.lines.is_some()
    }
}

/// The body of `PATCH /v1/encounters/{id}/lines/{line_id}`: absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinePatch {
    /// New code.
    pub code: Option<String>,
    /// New code system (`cpt` or `hcpcs`).
    pub code_system: Option<String>,
    /// New modifiers (the whole list).
    pub modifiers: Option<Vec<String>>,
    /// New units.
    pub units: Option<i32>,
    /// New charge in cents; `null` takes it from the fee schedule again.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub charge_cents: Option<Option<i64>>,
    /// New diagnosis pointers.
    pub diagnosis_pointers: Option<Vec<i32>>,
    /// New line date (null clears).
    #[serde(default, deserialize_with = "crate::validation::ymd::double")]
    #[schema(value_type = Option<NaiveDate>)]
    pub date_of_service: Option<Option<NaiveDate>>,
    /// New line place of service (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub place_of_service: Option<Option<String>>,
    /// New NDC (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ndc: Option<Option<String>>,
    /// New NDC quantity (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub ndc_quantity: Option<Option<f64>>,
    /// New NDC unit (null clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ndc_unit: Option<Option<String>>,
}

/// A written reason, for `hold` and `void`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why (1 to 500 characters).
    #[schema(
        pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$",
        min_length = 1,
        max_length = 500,
        example = "waiting for the referral"
    )]
    pub reason: String,
}

/// The body of `POST /v1/encounters/{id}/overrides`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    /// The rule of the error finding to override (e.g. `icd.not_billable`).
    pub rule: String,
    /// The path of the finding (e.g. `/diagnoses/0`).
    pub path: String,
    /// Why the finding does not apply: 10 to 500 characters once trimmed, no control
    /// characters but line breaks.
    #[schema(
        pattern = r"^[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u0009\u000b-\u001f\u007f-\u009f]{8,498}[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub reason: String,
}
