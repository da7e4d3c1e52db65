//! Tables of the scrubber's history checks: the billed service lines of every claim (SQL in
//! migrations/*/2026-11-30-000005_scrub_history).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    claim_services (claim_id, line_no) {
        claim_id -> PortableUuid,
        line_no -> Integer,
        patient_id -> PortableUuid,
        date_of_service -> Date,
        code -> Text,
        modifiers -> Text,
        units -> Integer,
    }
}

use crate::db::schema_claims::claims;

diesel::joinable!(claim_services -> claims (claim_id));
diesel::allow_tables_to_appear_in_same_query!(claim_services, claims);
