//! Coordination-of-benefits links between claims (SQL in migrations/*/2026-12-01-000101_cob).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    claim_cob (claim_id) {
        claim_id -> PortableUuid,
        prior_claim_id -> PortableUuid,
        root_claim_id -> PortableUuid,
        sequence -> Integer,
        created_at -> PortableTimestamp,
        created_by -> Text,
    }
}
