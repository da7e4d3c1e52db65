//! Specimen tables: the specimen log, its append-only chain of custody, and the per-year
//! accession counters (SQL in migrations/*/2026-11-26-000004_specimens).

diesel::table! {
    accession_counters (year) {
        year -> Integer,
        next_seq -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    specimens (id) {
        id -> PortableUuid,
        accession_number -> Text,
        patient_id -> PortableUuid,
        encounter_id -> Nullable<PortableUuid>,
        ordering_provider_id -> PortableUuid,
        specimen_type -> Text,
        source_site -> Nullable<Text>,
        container -> Nullable<Text>,
        volume -> Nullable<Double>,
        volume_unit -> Nullable<Text>,
        collected_at -> PortableTimestamp,
        collected_by -> Text,
        tests -> Text,
        priority -> Text,
        status -> Text,
        status_changed_at -> PortableTimestamp,
        location -> Nullable<Text>,
        reject_reason -> Nullable<Text>,
        reject_note -> Nullable<Text>,
        recollection_of -> Nullable<PortableUuid>,
        received_at -> Nullable<PortableTimestamp>,
        billed_lines_added -> Bool,
        notes -> Nullable<Text>,
        created_by -> Text,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    specimen_events (id) {
        id -> PortableUuid,
        specimen_id -> PortableUuid,
        seq -> Integer,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        from_location -> Nullable<Text>,
        to_location -> Nullable<Text>,
        condition -> Nullable<Text>,
        temperature_c -> Nullable<Double>,
        actor -> Text,
        at -> PortableTimestamp,
        note -> Nullable<Text>,
    }
}

diesel::joinable!(specimen_events -> specimens (specimen_id));

diesel::allow_tables_to_appear_in_same_query!(specimens, specimen_events);
