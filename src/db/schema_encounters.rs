//! Encounter tables: encounters with their diagnoses, service lines and finding overrides, and
//! the fee schedules that price lines (SQL in migrations/*/2026-11-26-000003_encounters).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    encounters (id) {
        id -> PortableUuid,
        patient_id -> PortableUuid,
        payer_id -> Nullable<PortableUuid>,
        date_of_service -> Date,
        date_of_service_to -> Nullable<Date>,
        place_of_service -> Nullable<Text>,
        rendering_provider_id -> Nullable<PortableUuid>,
        billing_provider_id -> Nullable<PortableUuid>,
        referring_provider_id -> Nullable<PortableUuid>,
        coverage_id -> Nullable<PortableUuid>,
        status -> Text,
        hold_reason -> Nullable<Text>,
        void_reason -> Nullable<Text>,
        notes -> Nullable<Text>,
        error_count -> Integer,
        warning_count -> Integer,
        signed_off_at -> Nullable<PortableTimestamp>,
        signed_off_by -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    encounter_diagnoses (encounter_id, position) {
        encounter_id -> PortableUuid,
        position -> Integer,
        code -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    encounter_lines (id) {
        id -> PortableUuid,
        encounter_id -> PortableUuid,
        position -> Integer,
        code -> Text,
        code_system -> Text,
        modifiers -> Text,
        units -> Integer,
        charge_cents -> BigInt,
        charge_source -> Text,
        diagnosis_pointers -> Text,
        date_of_service -> Nullable<Date>,
        place_of_service -> Nullable<Text>,
        ndc -> Nullable<Text>,
        ndc_quantity -> Nullable<Double>,
        ndc_unit -> Nullable<Text>,
        specimen_id -> Nullable<PortableUuid>,
        on_hold -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    fee_schedules (id) {
        id -> PortableUuid,
        payer_id -> Nullable<PortableUuid>,
        code -> Text,
        modifier -> Nullable<Text>,
        charge_cents -> BigInt,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    finding_overrides (id) {
        id -> PortableUuid,
        encounter_id -> PortableUuid,
        rule -> Text,
        path -> Text,
        message -> Text,
        reason -> Text,
        overridden_by -> Text,
        at -> PortableTimestamp,
    }
}

diesel::joinable!(encounter_diagnoses -> encounters (encounter_id));
diesel::joinable!(encounter_lines -> encounters (encounter_id));
diesel::joinable!(finding_overrides -> encounters (encounter_id));

diesel::allow_tables_to_appear_in_same_query!(
    encounters,
    encounter_diagnoses,
    encounter_lines,
    fee_schedules,
    finding_overrides,
);
