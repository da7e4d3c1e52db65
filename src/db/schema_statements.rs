//! Statement and patient payment tables (SQL in migrations/*/2026-12-01-000201_statements).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    statements (id) {
        id -> PortableUuid,
        patient_id -> PortableUuid,
        statement_date -> Date,
        due_date -> Date,
        amount_due_cents -> BigInt,
        content -> Text,
        created_at -> PortableTimestamp,
        created_by -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    patient_payments (id) {
        id -> PortableUuid,
        patient_id -> PortableUuid,
        kind -> Text,
        method -> Text,
        channel -> Text,
        reference -> Nullable<Text>,
        amount_cents -> BigInt,
        received_on -> Date,
        note -> Nullable<Text>,
        created_at -> PortableTimestamp,
        created_by -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    patient_payment_entries (entry_id) {
        entry_id -> PortableUuid,
        payment_id -> PortableUuid,
    }
}

use crate::db::schema_ledger::ledger_entries;

diesel::joinable!(patient_payment_entries -> patient_payments (payment_id));
diesel::joinable!(patient_payment_entries -> ledger_entries (entry_id));
diesel::allow_tables_to_appear_in_same_query!(
    patient_payment_entries,
    patient_payments,
    ledger_entries
);
