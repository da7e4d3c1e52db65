//! Queueing many validated claims with few statements: the claims of a chunk are read once
//! (locked on PostgreSQL), each item is checked in memory in request order, and the accepted
//! ones are written together: one status update, multi-row inserts of their history events,
//! audit rows and outbox jobs. Queueing one claim at a time ran about ten statements per claim.
//!
//! A refused item stages nothing, so it needs no savepoint and does not stop its neighbours.
//! The single `POST /v1/claims/{id}/queue` is a batch of one through [`queue_items`].

use std::collections::{HashMap, HashSet};

use super::model::{ClaimId, ClaimRow};
use super::service::RESOURCE;
use super::status::{self, Status};
use super::{queue, store};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::cob::store as cob_store;
use crate::db::types::Timestamp;
use crate::db::versioned::expect_version;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};

/// One claim to queue, with the version the caller read (If-Match), if any.
#[derive(Debug, Clone, Copy)]
pub struct QueueItem {
    /// The claim.
    pub id: ClaimId,
    /// The version the caller expects (412 when it moved on).
    pub expected: Option<i32>,
}

/// Queues each item inside the caller's write transaction and answers one result per item, in
/// order. A database failure fails the whole call (the caller's transaction rolls back).
pub fn queue_items(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    items: &[QueueItem],
) -> DomainResult<Vec<DomainResult<ClaimRow>>> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(cob_store::CHUNK) {
        out.extend(queue_chunk(conn, ctx, chunk)?);
    }
    Ok(out)
}

fn queue_chunk(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    items: &[QueueItem],
) -> DomainResult<Vec<DomainResult<ClaimRow>>> {
    let mut ids: Vec<ClaimId> = items.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut rows: HashMap<ClaimId, ClaimRow> = cob_store::claims_locked(conn, &ids)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    // A claim has one job ever (unique): one found here would fail the chunk's insert, so the
    // item is refused on its own instead.
    let jobs_of: HashSet<ClaimId> = queue::claims_with_jobs(conn, &ids)?.into_iter().collect();
    let now = Timestamp::now();
    let mut results = Vec::with_capacity(items.len());
    let mut moved = Vec::new();
    let mut events = Vec::new();
    let mut audit = Vec::new();
    let mut jobs = Vec::new();
    for it in items {
        // Checked against the row as this batch left it: a claim named twice is queued once
        // and the second item answers 409, as two single calls would.
        let planned = rows
            .get_mut(&it.id)
            .ok_or_else(|| DomainError::not_found(RESOURCE))
            .and_then(|row| {
                expect_version(row.version, it.expected)?;
                let from = row.status;
                status::check_transition(from, Status::Queued)?;
                if jobs_of.contains(&row.id) {
                    return Err(
                        DomainError::conflict("this claim already has a submission job")
                            .with_extension("current_status", serde_json::json!(row.status)),
                    );
                }
                row.status = Status::Queued;
                row.version += 1;
                row.updated_at = now;
                Ok((from, row.clone()))
            });
        match planned {
            Ok((from, row)) => {
                moved.push(row.id);
                events.push(store::event(
                    row.id,
                    Some(from),
                    Status::Queued,
                    &ctx.caller.actor,
                    None,
                    &[],
                ));
                audit.push(AuditEntry::success(
                    ctx,
                    Status::Queued.as_str(),
                    RESOURCE,
                    Some(row.id.to_string()),
                ));
                jobs.push((row.id, row.payer_id));
                results.push(Ok(row));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    if moved.is_empty() {
        return Ok(results);
    }
    if cob_store::set_statuses(conn, &moved, Status::Validated, Status::Queued)? != moved.len() {
        // Not possible under the row locks or SQLite's write transaction, but never overwrite
        // a status another writer set.
        return Err(DomainError::conflict(
            "a claim changed while it was queued; try again",
        ));
    }
    // After the status update: the claim events carry the versions it produced.
    store::insert_events(conn, &events)?;
    audit_store::insert(conn, &audit)?;
    queue::enqueue_many(conn, &jobs)?;
    Ok(results)
}
