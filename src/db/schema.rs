//! Table definitions shared by both backends (the SQL lives in migrations/{sqlite,postgres}).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    users (id) {
        id -> PortableUuid,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    service_accounts (id) {
        id -> PortableUuid,
        client_id -> Text,
        secret_hash -> Text,
        name -> Text,
        role -> Text,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    audit_log (id) {
        id -> BigInt,
        event_id -> PortableUuid,
        occurred_at -> PortableTimestamp,
        actor -> Text,
        actor_role -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        outcome -> Text,
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
        mac -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    idempotency_keys (actor, idem_key) {
        actor -> Text,
        idem_key -> Text,
        method -> Text,
        path -> Text,
        body_hash -> Text,
        status -> Integer,
        response_body -> Text,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    patients (id) {
        id -> PortableUuid,
        mrn -> Text,
        first_name -> Text,
        middle_name -> Nullable<Text>,
        last_name -> Text,
        birth_date -> Date,
        sex -> Text,
        address_line1 -> Nullable<Text>,
        address_line2 -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        phone -> Nullable<Text>,
        search_first -> Text,
        search_last -> Text,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    providers (id) {
        id -> PortableUuid,
        npi -> Text,
        entity_type -> Text,
        first_name -> Nullable<Text>,
        last_name -> Text,
        taxonomy -> Nullable<Text>,
        roles -> Text,
        tax_id -> Nullable<Text>,
        address_line1 -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        phone -> Nullable<Text>,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    payers (id) {
        id -> PortableUuid,
        name -> Text,
        edi_payer_id -> Text,
        claim_filing_indicator -> Text,
        timely_filing_days -> Integer,
        address_line1 -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
        auto_bill_secondary -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    coverages (id) {
        id -> PortableUuid,
        patient_id -> PortableUuid,
        payer_id -> PortableUuid,
        member_id -> Text,
        group_number -> Nullable<Text>,
        relationship_code -> Text,
        subscriber_first_name -> Nullable<Text>,
        subscriber_last_name -> Nullable<Text>,
        subscriber_birth_date -> Nullable<Date>,
        subscriber_sex -> Nullable<Text>,
        priority -> Text,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    codeset_imports (id) {
        id -> PortableUuid,
        system -> Text,
        label -> Text,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        complete -> Bool,
        row_count -> Integer,
        imported_at -> PortableTimestamp,
        imported_by -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    codeset_import_rows (import_id, code) {
        import_id -> PortableUuid,
        code -> Text,
        title -> Text,
        billable -> Bool,
        max_units -> Nullable<Integer>,
    }
}

diesel::joinable!(codeset_import_rows -> codeset_imports (import_id));
diesel::joinable!(coverages -> patients (patient_id));
diesel::joinable!(coverages -> payers (payer_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    service_accounts,
    audit_log,
    idempotency_keys,
    patients,
    providers,
    payers,
    coverages,
    codeset_imports,
    codeset_import_rows,
);
