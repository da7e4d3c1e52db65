//! Specimen rows, custody events and the specimen document returned by the API.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

use crate::db::schema_specimens::{specimen_events, specimens};
use crate::db::types::Timestamp;
use crate::encounters::model::EncounterId;
use crate::patients::model::PatientId;
use crate::providers::model::ProviderId;

crate::typed_id!(
    /// Id of a specimen.
    SpecimenId
);

crate::typed_id!(
    /// Id of one chain-of-custody event.
    SpecimenEventId
);

/// One test ordered on a specimen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderedTest {
    /// Lab CPT or HCPCS Level II code (upper case).
    pub code: String,
    /// `cpt` or `hcpcs` (inferred from the code's shape when absent).
    #[serde(default)]
    #[schema(
        pattern = r"^ *([Cc][Pp][Tt]|[Hh][Cc][Pp][Cc][Ss]) *$",
        example = "cpt"
    )]
    pub code_system: Option<String>,
    /// LOINC code of the test, where known (`2345-7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loinc: Option<String>,
}

/// A specimen without its events: the list item and the stored row.
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
// Also the row written: None writes NULL. Identity fields (accession number, patient, what it
// recollects, creator) never change.
#[diesel(table_name = specimens, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Specimen {
    /// Specimen id.
    pub id: SpecimenId,
    /// Server-assigned accession number (`YY` + 7-digit sequence + Luhn check digit).
    #[diesel(skip_update)]
    pub accession_number: String,
    /// The patient.
    #[schema(value_type = uuid::Uuid)]
    #[diesel(skip_update)]
    pub patient_id: PatientId,
    /// The encounter the tests are billed on, if any.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub encounter_id: Option<EncounterId>,
    /// The provider who ordered the tests.
    #[schema(value_type = uuid::Uuid)]
    pub ordering_provider_id: ProviderId,
    /// HL7 v2 table 0487 code (BLD, SER, UR, ...).
    pub specimen_type: String,
    /// Body site it was taken from.
    pub source_site: Option<String>,
    /// Container (e.g. "SST 5 mL", "lavender top").
    pub container: Option<String>,
    /// Volume collected (with `volume_unit`).
    pub volume: Option<f64>,
    /// Unit of `volume` (mL, uL, L, g, mg).
    pub volume_unit: Option<String>,
    /// When it was collected.
    pub collected_at: Timestamp,
    /// Who collected it.
    pub collected_by: String,
    /// Tests ordered.
    #[diesel(serialize_as = TestsJson, deserialize_as = TestsJson)]
    pub tests: Vec<OrderedTest>,
    /// `routine` or `stat`.
    pub priority: String,
    /// `collected`, `in_transit`, `received`, `in_process`, `resulted`, `rejected`, `cancelled`.
    #[schema(value_type = String)]
    pub status: super::status::Status,
    /// When the status last changed.
    pub status_changed_at: Timestamp,
    /// Where it is now (the `to_location` of the last hand-off).
    pub location: Option<String>,
    /// HL7 v2 table 0490 code, when rejected.
    pub reject_reason: Option<String>,
    /// Why it was rejected, in words.
    pub reject_note: Option<String>,
    /// The rejected specimen this one recollects.
    #[schema(value_type = Option<uuid::Uuid>)]
    #[diesel(skip_update)]
    pub recollection_of: Option<SpecimenId>,
    /// When the lab received it.
    pub received_at: Option<Timestamp>,
    /// True once its tests were added as lines to the encounter.
    pub billed_lines_added: bool,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Who logged it.
    #[diesel(skip_update)]
    pub created_by: String,
    /// Optimistic-concurrency version (also the ETag).
    pub version: i32,
    /// When created.
    #[diesel(skip_update)]
    pub created_at: Timestamp,
    /// When last changed.
    pub updated_at: Timestamp,
}

/// One chain-of-custody event (append-only).
#[derive(
    Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = specimen_events)]
pub struct SpecimenEvent {
    /// Event id.
    #[serde(skip)]
    pub id: SpecimenEventId,
    /// The specimen.
    #[serde(skip)]
    pub specimen_id: SpecimenId,
    /// 1, 2, 3, ... in order.
    pub seq: i32,
    /// `collected`, a status it moved to, `custody` (a hand-off), `recollected`, `edited`, ...
    pub action: String,
    /// Status before.
    #[schema(value_type = Option<String>)]
    pub from_status: Option<super::status::Status>,
    /// Status after.
    #[schema(value_type = Option<String>)]
    pub to_status: Option<super::status::Status>,
    /// Where it came from.
    pub from_location: Option<String>,
    /// Where it went.
    pub to_location: Option<String>,
    /// Its condition (intact, leaking, ...).
    pub condition: Option<String>,
    /// Temperature in degrees Celsius, where taken.
    pub temperature_c: Option<f64>,
    /// Who (`user:<id>`).
    pub actor: String,
    /// When.
    pub at: Timestamp,
    /// A note (reason, billing outcome).
    pub note: Option<String>,
}

/// A specimen with its chain of custody.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SpecimenDoc {
    /// The specimen.
    #[serde(flatten)]
    pub specimen: Specimen,
    /// Events in order.
    pub events: Vec<SpecimenEvent>,
}

/// The ordered tests as stored: JSON text.
#[derive(Debug, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct TestsJson(String);

impl From<Vec<OrderedTest>> for TestsJson {
    fn from(tests: Vec<OrderedTest>) -> Self {
        TestsJson(serde_json::to_string(&tests).unwrap_or_else(|_| "[]".into()))
    }
}

impl From<TestsJson> for Vec<OrderedTest> {
    fn from(t: TestsJson) -> Self {
        // Written by this service from a Vec<OrderedTest>; unreadable text reads as none.
        serde_json::from_str(&t.0).unwrap_or_default()
    }
}

impl<DB: Backend> ToSql<Text, DB> for TestsJson
where
    String: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <String as ToSql<Text, DB>>::to_sql(&self.0, out)
    }
}

impl<DB: Backend> FromSql<Text, DB> for TestsJson
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <String as FromSql<Text, DB>>::from_sql(bytes).map(TestsJson)
    }
}

/// A new chain-of-custody event before its sequence number is assigned.
#[derive(Debug, Clone, Default)]
pub struct EventDraft {
    /// What happened.
    pub action: String,
    /// Status before.
    pub from_status: Option<super::status::Status>,
    /// Status after.
    pub to_status: Option<super::status::Status>,
    /// Where from.
    pub from_location: Option<String>,
    /// Where to.
    pub to_location: Option<String>,
    /// Condition.
    pub condition: Option<String>,
    /// Temperature (Celsius).
    pub temperature_c: Option<f64>,
    /// A note.
    pub note: Option<String>,
}

impl crate::db::versioned::Versioned for Specimen {
    fn version(&self) -> i32 {
        self.version
    }
    fn stamp(&mut self, version: i32, at: Timestamp) {
        self.version = version;
        self.updated_at = at;
    }
}
