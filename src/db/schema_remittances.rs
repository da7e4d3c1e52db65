//! Remittance tables: 835 payments as received and parsed, and the unmatched queue (SQL in
//! migrations/*/2026-11-30-000004_remittances).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    remittances (id) {
        id -> PortableUuid,
        file_name -> Text,
        sender_id -> Text,
        interchange_control_number -> Text,
        transaction_control_number -> Text,
        trace_number -> Text,
        payer_name -> Text,
        payer_identifier -> Nullable<Text>,
        payment_cents -> BigInt,
        credit_debit -> Text,
        payment_method -> Text,
        payment_date -> Nullable<Date>,
        status -> Text,
        balanced -> Bool,
        claims_total -> Integer,
        claims_posted -> Integer,
        claims_unmatched -> Integer,
        parsed -> Text,
        balance -> Text,
        warnings -> Text,
        postings -> Text,
        raw -> Text,
        received_by -> Text,
        received_at -> PortableTimestamp,
        version -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    remittance_unmatched (id) {
        id -> PortableUuid,
        remittance_id -> PortableUuid,
        claim_index -> Integer,
        patient_control_number -> Text,
        reason -> Text,
        candidate_claim_id -> Nullable<PortableUuid>,
        claim_payment -> Text,
        status -> Text,
        matched_claim_id -> Nullable<PortableUuid>,
        matched_by -> Nullable<Text>,
        matched_at -> Nullable<PortableTimestamp>,
        created_at -> PortableTimestamp,
        version -> Integer,
    }
}

diesel::joinable!(remittance_unmatched -> remittances (remittance_id));
diesel::allow_tables_to_appear_in_same_query!(remittances, remittance_unmatched);
