//! Claim and submission-queue tables: claims with their history, the outbox of submission
//! jobs, interchanges, control counters and acknowledgments (SQL in
//! migrations/*/2026-11-26-000005_claims).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    claims (id) {
        id -> PortableUuid,
        encounter_id -> PortableUuid,
        patient_id -> PortableUuid,
        coverage_id -> PortableUuid,
        payer_id -> PortableUuid,
        date_of_service -> Date,
        status -> Text,
        frequency -> Text,
        patient_control_number -> Text,
        payer_claim_number -> Nullable<Text>,
        replaces_claim_id -> Nullable<PortableUuid>,
        total_charge_cents -> BigInt,
        snapshot -> Text,
        submitted_at -> Nullable<PortableTimestamp>,
        interchange_id -> Nullable<PortableUuid>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    claim_events (id) {
        id -> PortableUuid,
        claim_id -> PortableUuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        at -> PortableTimestamp,
        reason -> Nullable<Text>,
        codes -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    interchanges (id) {
        id -> PortableUuid,
        sender -> Text,
        receiver -> Text,
        payer_id -> PortableUuid,
        isa_control -> BigInt,
        gs_control -> BigInt,
        st_control -> BigInt,
        file_name -> Text,
        content -> Text,
        claim_count -> Integer,
        status -> Text,
        sent_at -> Nullable<PortableTimestamp>,
        created_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    submission_jobs (id) {
        id -> PortableUuid,
        claim_id -> PortableUuid,
        payer_id -> PortableUuid,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> PortableTimestamp,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<PortableTimestamp>,
        last_error -> Nullable<Text>,
        interchange_id -> Nullable<PortableUuid>,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    control_counters (sender) {
        sender -> Text,
        next_isa -> BigInt,
        next_gs -> BigInt,
        next_st -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    acknowledgments (id) {
        id -> PortableUuid,
        kind -> Text,
        file_name -> Text,
        raw -> Text,
        interchange_id -> Nullable<PortableUuid>,
        parsed -> Nullable<Text>,
        error -> Nullable<Text>,
        received_at -> PortableTimestamp,
    }
}

diesel::joinable!(claim_events -> claims (claim_id));
diesel::joinable!(submission_jobs -> claims (claim_id));
diesel::joinable!(submission_jobs -> interchanges (interchange_id));

diesel::allow_tables_to_appear_in_same_query!(
    claims,
    claim_events,
    interchanges,
    submission_jobs,
    control_counters,
    acknowledgments,
);
