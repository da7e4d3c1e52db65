//! Reading and writing audit rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::{row_mac, AuditEntry, EventId};
use crate::db::schema::audit_log as al;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

/// A stored audit row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = al)]
pub struct AuditRecord {
    /// Insertion id.
    pub id: i64,
    /// Unique event id.
    pub event_id: EventId,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Who acted.
    pub actor: String,
    /// The role they acted in.
    pub actor_role: String,
    /// What they did.
    pub action: String,
    /// The kind of resource.
    pub resource_type: String,
    /// The resource's id.
    pub resource_id: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The outcome.
    pub outcome: String,
    /// Position in the hash chain, once sealed.
    pub seq: Option<i64>,
    /// Hash of the previous sealed row.
    pub prev_hash: Option<String>,
    /// This row's hash, once sealed.
    pub hash: Option<String>,
}

/// Appends entries; call inside the transaction of the change they describe. Each row gets
/// the service's MAC ([`row_mac`]), so the sealer can tell it from rows inserted directly.
pub fn insert(conn: &mut AnyConnection, entries: &[AuditEntry]) -> QueryResult<usize> {
    if entries.is_empty() {
        return Ok(0);
    }
    // Multi-row INSERT is backend-specific in diesel, so it runs on the inner connection.
    // SQLite caps bound parameters per statement; 10 columns x 500 rows stays under it.
    let mut n = 0;
    for chunk in entries.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|e| {
                (
                    al::event_id.eq(&e.event_id),
                    al::occurred_at.eq(&e.occurred_at),
                    al::actor.eq(&e.actor),
                    al::actor_role.eq(&e.actor_role),
                    al::action.eq(&e.action),
                    al::resource_type.eq(&e.resource_type),
                    al::resource_id.eq(e.resource_id.as_deref()),
                    al::request_id.eq(e.request_id.as_deref()),
                    al::outcome.eq(&e.outcome),
                    al::mac.eq(row_mac::for_entry(e)),
                )
            })
            .collect();
        let insert = diesel::insert_into(al::table).values(rows);
        n += match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(n)
}

/// Filters for listing the audit log.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this resource type.
    pub resource_type: Option<String>,
    /// Only this resource id.
    pub resource_id: Option<String>,
    /// Only events at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub to: Option<DateTime<Utc>>,
    /// Continue after this row id.
    pub after_id: Option<i64>,
}

/// Lists audit rows in insertion order, `limit` at most.
pub fn list(
    conn: &mut AnyConnection,
    f: &AuditFilter,
    limit: i64,
) -> QueryResult<Vec<AuditRecord>> {
    let mut q = al::table.select(AuditRecord::as_select()).into_boxed();
    if let Some(a) = &f.actor {
        q = q.filter(al::actor.eq(a.clone()));
    }
    if let Some(t) = &f.resource_type {
        q = q.filter(al::resource_type.eq(t.clone()));
    }
    if let Some(r) = &f.resource_id {
        q = q.filter(al::resource_id.eq(r.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(al::occurred_at.ge(Timestamp(from)));
    }
    if let Some(to) = f.to {
        q = q.filter(al::occurred_at.lt(Timestamp(to)));
    }
    if let Some(after) = f.after_id {
        q = q.filter(al::id.gt(after));
    }
    q.order(al::id.asc()).limit(limit).load(conn)
}
