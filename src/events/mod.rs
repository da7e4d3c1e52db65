//! Events (issue 15): every state change other systems care about is written to the `events`
//! outbox table in the same transaction as the change, so an event exists if and only if the
//! change committed. After commit the sequencer ([`store::sequence`]) gives each event its feed
//! position, in commit order, and queues one webhook delivery per subscribed endpoint.
//!
//! Emitting is one call inside the write transaction:
//! `events::record(conn, types::CLAIM_PAID, claim.id.0, claim.version, json!({..}))?;`

pub mod routes;
pub mod store;
pub mod types;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::sqlite::Sqlite;
use serde::Serialize;

use crate::db::schema_events::events as ev;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
pub use types::EventType;

crate::typed_id!(
    /// Id of an event (UUID v7; also the `webhook-id` of its deliveries).
    EventId
);

crate::typed_id!(
    /// The id of the resource an event is about (a patient, claim, ... id).
    ResourceId
);

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ev)]
pub struct EventRow {
    /// Event id.
    pub id: EventId,
    /// `claim.paid`, ...
    pub event_type: String,
    /// When the change happened.
    pub occurred_at: Timestamp,
    /// `claim`, ...
    pub resource_type: String,
    /// The resource's id.
    pub resource_id: ResourceId,
    /// The resource's version after the change.
    pub resource_version: i32,
    /// JSON payload (ids and statuses, never PHI).
    pub payload: String,
    /// Feed position (none until sequenced).
    pub position: Option<i64>,
}

/// The resource an event is about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventResource {
    /// `patient`, `claim`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id: fetch it with your own token.
    pub id: uuid::Uuid,
    /// Its version after the change.
    pub version: i32,
}

/// An event as the feed and the webhooks carry it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Event {
    /// Event id (UUID v7); the `webhook-id` of every delivery of it.
    pub id: EventId,
    /// Event type, e.g. `claim.paid`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change committed (UTC).
    pub timestamp: Timestamp,
    /// The resource changed.
    pub resource: EventResource,
    /// Ids and statuses only (no PHI).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: r.id,
            event_type: r.event_type,
            timestamp: r.occurred_at,
            resource: EventResource {
                kind: r.resource_type,
                id: r.resource_id.0,
                version: r.resource_version,
            },
            data: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Records an event of `kind` about resource `resource_id` at `version`, in the caller's
/// transaction (call it beside the change; it commits or rolls back with it). `payload` must
/// carry ids and statuses only, never PHI.
pub fn record(
    conn: &mut AnyConnection,
    kind: EventType,
    resource_id: uuid::Uuid,
    version: i32,
    payload: serde_json::Value,
) -> QueryResult<EventId> {
    let (id, insert) = insert_statement(kind, resource_id, version, &payload);
    // On the inner connection: the multi-backend one serialises the statement again on every
    // pass over it (SQL text, binds), a measurable share of a create's time (issue 15).
    match conn {
        AnyConnection::Sqlite(c) => ExecuteDsl::execute(insert, c)?,
        AnyConnection::Postgres(c) => ExecuteDsl::execute(insert, c)?,
    };
    Ok(id)
}

/// The INSERT of [`record`] and the new event's id, for a change that sends its writes as one
/// statement ([`crate::db::chained`]). Same rules as [`record`].
pub fn insert_statement(
    kind: EventType,
    resource_id: uuid::Uuid,
    version: i32,
    payload: &serde_json::Value,
) -> (
    EventId,
    impl QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId,
) {
    let id = EventId::new();
    let insert = diesel::insert_into(ev::table).values((
        ev::id.eq(id),
        ev::event_type.eq(kind.name),
        ev::occurred_at.eq(Timestamp::now()),
        ev::resource_type.eq(kind.resource),
        ev::resource_id.eq(ResourceId(resource_id)),
        ev::resource_version.eq(version),
        ev::payload.eq(payload.to_string()),
    ));
    (id, insert)
}

/// One event to record with [`record_many`]: type, resource id, version, payload.
pub type NewEvent = (EventType, uuid::Uuid, i32, serde_json::Value);

/// Records several events in multi-row inserts (a batch posting moves many claims at once; one
/// statement per hundred events instead of one per event). Same rules as [`record`].
pub fn record_many(conn: &mut AnyConnection, events: &[NewEvent]) -> QueryResult<()> {
    let now = Timestamp::now();
    for chunk in events.chunks(100) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(kind, resource_id, version, payload)| {
                (
                    ev::id.eq(EventId::new()),
                    ev::event_type.eq(kind.name),
                    ev::occurred_at.eq(now),
                    ev::resource_type.eq(kind.resource),
                    ev::resource_id.eq(ResourceId(*resource_id)),
                    ev::resource_version.eq(*version),
                    ev::payload.eq(payload.to_string()),
                )
            })
            .collect();
        // diesel's multi-backend connection cannot batch-insert: run it on the inner one.
        let insert = diesel::insert_into(ev::table).values(rows);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// The event of a generic registry change (`http::mutation::change`): `<resource>.updated` or
/// `<resource>.deactivated` for the resources that have them; other resources emit nothing.
pub fn record_change(
    conn: &mut AnyConnection,
    resource: &str,
    action: &str,
    id: &str,
    version: i32,
) -> QueryResult<()> {
    let kind = match (resource, action) {
        ("patient", "deactivate") => types::PATIENT_DEACTIVATED,
        ("patient", _) => types::PATIENT_UPDATED,
        ("coverage", "deactivate") => types::COVERAGE_DEACTIVATED,
        ("coverage", _) => types::COVERAGE_UPDATED,
        _ => return Ok(()),
    };
    let Ok(uuid) = uuid::Uuid::parse_str(id) else {
        return Ok(());
    };
    let key = format!("{resource}_id");
    record(
        conn,
        kind,
        uuid,
        version,
        serde_json::json!({ key: uuid, "action": action }),
    )
    .map(|_| ())
}
