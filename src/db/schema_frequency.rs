//! The payer frequency limits table (SQL in migrations/*/2026-12-01-000901_frequency_rules).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    frequency_rules (id) {
        id -> PortableUuid,
        code -> Text,
        payer_id -> Nullable<PortableUuid>,
        claim_filing_indicator -> Nullable<Text>,
        max_units -> Integer,
        period_kind -> Text,
        period_months -> Nullable<Integer>,
        description -> Text,
        source -> Nullable<Text>,
        seed_key -> Nullable<Text>,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}
