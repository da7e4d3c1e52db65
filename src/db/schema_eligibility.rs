//! Eligibility checks (SQL in migrations/*/2026-12-01-000401_eligibility).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    eligibility_checks (id) {
        id -> PortableUuid,
        coverage_id -> PortableUuid,
        patient_id -> PortableUuid,
        provider_id -> PortableUuid,
        service_date -> Date,
        service_types -> Text,
        status -> Text,
        channel -> Text,
        trace_number -> Text,
        request_x12 -> Text,
        response_x12 -> Nullable<Text>,
        result -> Nullable<Text>,
        summary -> Nullable<Text>,
        active -> Nullable<Bool>,
        error -> Nullable<Text>,
        correction -> Nullable<Text>,
        correction_applied_at -> Nullable<PortableTimestamp>,
        version -> Integer,
        created_at -> PortableTimestamp,
        completed_at -> Nullable<PortableTimestamp>,
    }
}
