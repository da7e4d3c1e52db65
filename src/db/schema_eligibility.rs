//! Eligibility checks and batch runs (SQL in migrations/*/2026-12-01-000401_eligibility and
//! migrations/*/2026-12-02-000301_elig_runs).

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
        run_id -> Nullable<PortableUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    eligibility_runs (id) {
        id -> PortableUuid,
        service_date -> Date,
        force -> Bool,
        actor -> Text,
        coverages -> Integer,
        queued -> Integer,
        already_checked -> Integer,
        not_sendable -> Text,
        created_at -> PortableTimestamp,
    }
}

diesel::joinable!(eligibility_checks -> eligibility_runs (run_id));
diesel::allow_tables_to_appear_in_same_query!(eligibility_checks, eligibility_runs);
