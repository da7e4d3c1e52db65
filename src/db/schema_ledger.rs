//! Receivables ledger tables: postings, entries and open-line denial reasons (SQL in
//! migrations/*/2026-11-30-000003_ledger).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    ledger_postings (id) {
        id -> PortableUuid,
        claim_id -> PortableUuid,
        payer_id -> PortableUuid,
        status_code -> Text,
        payment_ref -> Text,
        remittance_id -> Nullable<PortableUuid>,
        payer_claim_number -> Nullable<Text>,
        paid_cents -> BigInt,
        patient_responsibility_cents -> BigInt,
        paid_on -> Nullable<Date>,
        reverses_posting_id -> Nullable<PortableUuid>,
        created_at -> PortableTimestamp,
        created_by -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    ledger_entries (id) {
        id -> PortableUuid,
        claim_id -> PortableUuid,
        line_number -> Integer,
        posting_id -> Nullable<PortableUuid>,
        kind -> Text,
        amount_cents -> BigInt,
        payer_cents -> BigInt,
        patient_cents -> BigInt,
        next_payer_cents -> BigInt,
        payer_id -> Nullable<PortableUuid>,
        group_code -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        remark_codes -> Nullable<Text>,
        matched_by -> Nullable<Text>,
        note -> Nullable<Text>,
        reverses_entry_id -> Nullable<PortableUuid>,
        created_at -> PortableTimestamp,
        created_by -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    ledger_denials (id) {
        id -> PortableUuid,
        posting_id -> PortableUuid,
        claim_id -> PortableUuid,
        line_number -> Integer,
        group_code -> Text,
        reason_code -> Text,
        amount_cents -> BigInt,
        remark_codes -> Nullable<Text>,
    }
}

use crate::db::schema_claims::claims;

diesel::joinable!(ledger_entries -> ledger_postings (posting_id));
diesel::joinable!(ledger_denials -> ledger_postings (posting_id));
diesel::joinable!(ledger_entries -> claims (claim_id));

diesel::allow_tables_to_appear_in_same_query!(
    ledger_postings,
    ledger_entries,
    ledger_denials,
    claims
);

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    /// PLB provider-level adjustments (migration 2026-12-02-000101_remit_provider_adjustments).
    ledger_provider_adjustments (id) {
        id -> PortableUuid,
        remittance_id -> PortableUuid,
        payer_id -> Nullable<PortableUuid>,
        payer_key -> Text,
        trace_number -> Text,
        position -> Integer,
        provider_identifier -> Text,
        fiscal_period_date -> Nullable<Date>,
        reason_code -> Text,
        reference -> Nullable<Text>,
        amount_cents -> BigInt,
        paid_on -> Nullable<Date>,
        created_at -> PortableTimestamp,
        created_by -> Text,
    }
}
