//! Diesel schema of the events outbox and webhooks (issue 15; SQL in
//! migrations/*/2026-12-01-000301_events).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    events (id) {
        id -> PortableUuid,
        event_type -> Text,
        occurred_at -> PortableTimestamp,
        resource_type -> Text,
        resource_id -> PortableUuid,
        resource_version -> Integer,
        payload -> Text,
        position -> Nullable<BigInt>,
    }
}

diesel::table! {
    event_sequence (id) {
        id -> Integer,
        last_position -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    webhook_endpoints (id) {
        id -> PortableUuid,
        url -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<PortableTimestamp>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    webhook_deliveries (id) {
        id -> PortableUuid,
        event_id -> PortableUuid,
        endpoint_id -> PortableUuid,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> PortableTimestamp,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<PortableTimestamp>,
        last_error -> Nullable<Text>,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    webhook_attempts (id) {
        id -> PortableUuid,
        delivery_id -> PortableUuid,
        endpoint_id -> PortableUuid,
        event_id -> PortableUuid,
        attempted_at -> PortableTimestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> BigInt,
        succeeded -> Bool,
        response_excerpt -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::allow_tables_to_appear_in_same_query!(events, webhook_deliveries, webhook_endpoints);
