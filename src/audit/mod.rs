//! The append-only, hash-chained audit log: who read or changed what, when, under which
//! request. Writes are recorded in the same transaction as the change; reads go through a
//! group-committing sink; a sealer chains committed rows off the request path.

pub mod anchor;
pub mod chain;
pub mod cli;
pub mod routes;
pub mod row_mac;
pub mod seal_on_write;
pub mod sealer;
mod sink;
pub mod store;
pub mod verify;

pub use sink::{AuditSink, PG_WRITERS};

crate::typed_id!(
    /// Id of one audit event.
    EventId
);

use crate::auth::RequestCtx;
use crate::db::schema::audit_log;
use crate::db::types::Timestamp;

/// One audit event before it is stored.
#[derive(Debug, Clone, diesel::Insertable)]
#[diesel(table_name = audit_log)]
// None is NULL (no column has a default), so SQLite inserts many rows in one statement.
#[diesel(treat_none_as_default_value = false)]
pub struct AuditEntry {
    /// Unique id of the event.
    pub event_id: EventId,
    /// When it happened (UTC, microseconds).
    pub occurred_at: Timestamp,
    /// Who: `user:<id>`, `service:<id>`, `external:<sub>` or `system`.
    pub actor: String,
    /// The role the actor acted in.
    pub actor_role: String,
    /// What: `create`, `update`, `deactivate`, `read`, `search`, ...
    pub action: String,
    /// The kind of resource (`patient`, `coverage`, ...).
    pub resource_type: String,
    /// The resource's id, when the event concerns one.
    pub resource_id: Option<String>,
    /// The request id, for matching with access logs.
    pub request_id: Option<String>,
    /// `success`, or `denied`/`failure`.
    pub outcome: String,
}

impl AuditEntry {
    /// A successful event by the caller of `ctx`.
    pub fn success(
        ctx: &RequestCtx,
        action: &str,
        resource_type: &str,
        resource_id: Option<String>,
    ) -> Self {
        AuditEntry {
            event_id: EventId::new(),
            occurred_at: Timestamp::now(),
            actor: ctx.caller.actor.clone(),
            actor_role: ctx.caller.role.as_str().to_string(),
            action: action.to_string(),
            resource_type: resource_type.to_string(),
            resource_id,
            request_id: Some(ctx.request_id.clone()).filter(|r| !r.is_empty()),
            outcome: "success".to_string(),
        }
    }

    /// An event by the system itself (start-up, command-line administration).
    pub fn system(action: &str, resource_type: &str, resource_id: Option<String>) -> Self {
        AuditEntry {
            event_id: EventId::new(),
            occurred_at: Timestamp::now(),
            actor: "system".to_string(),
            actor_role: "admin".to_string(),
            action: action.to_string(),
            resource_type: resource_type.to_string(),
            resource_id,
            request_id: None,
            outcome: "success".to_string(),
        }
    }
}
