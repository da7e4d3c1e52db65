//! Sealing read-audit rows as they are written, on SQLite.
//!
//! SQLite has one writer at a time, and the read-audit writer's transaction holds that lock:
//! no other row can be sealed or inserted until it commits, so the chain's head it reads, and
//! the next id SQLite would assign, stay its own. Its rows can therefore be written already
//! chained, with the same links the sealer would give them, instead of being inserted unsealed
//! and then read back, checked and updated by the sealer (whose rounds cost about as much CPU as
//! serving the reads: docs/performance.md, "Session 12"). Rows written elsewhere (the change
//! transactions) are still sealed by the sealer, so chain order and id order may differ, which
//! the chain allows (positions are given at sealing, as on PostgreSQL).
//!
//! On PostgreSQL several transactions write at once; there the rows are inserted unsealed.

use diesel::prelude::*;

use super::anchor::Anchor;
use super::chain::{head, link_hash, GENESIS};
use super::store::{self, AuditRecord, ChainLink};
use super::AuditEntry;
use crate::db::schema::audit_log as al;
use crate::db::AnyConnection;

/// Appends `entries`: on SQLite sealed with `anchor` as they are written, elsewhere unsealed
/// ([`store::insert`]). Call inside a write transaction.
pub fn insert_sealed(
    conn: &mut AnyConnection,
    anchor: &Anchor,
    entries: &[AuditEntry],
) -> QueryResult<usize> {
    if entries.is_empty() || matches!(conn, AnyConnection::Postgres(_)) {
        return store::insert(conn, entries);
    }
    let (mut seq, mut prev) = head(conn)?.unwrap_or((0, GENESIS.to_string()));
    let AnyConnection::Sqlite(c) = conn else {
        return store::insert(conn, entries);
    };
    let first_id = next_id(c)?;
    let mut links = Vec::with_capacity(entries.len());
    for (id, e) in (first_id..).zip(entries) {
        seq += 1;
        let hash = link_hash(anchor, &prev, seq, &record(id, e));
        links.push(ChainLink {
            id,
            seq,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    store::insert_sealed_sqlite(c, entries, links)
}

diesel::table! {
    /// SQLite's record of the highest id each `AUTOINCREMENT` table has given.
    sqlite_sequence (name) {
        name -> Text,
        seq -> BigInt,
    }
}

/// The id SQLite would give the next row: `AUTOINCREMENT` never reuses one, so it is past both
/// the highest id ever given (`sqlite_sequence`) and the highest present. Two statements diesel
/// keeps prepared (a raw query would be compiled for every batch).
fn next_id(c: &mut diesel::SqliteConnection) -> QueryResult<i64> {
    use diesel::dsl::max;
    let given: Option<i64> = sqlite_sequence::table
        .filter(sqlite_sequence::name.eq("audit_log"))
        .select(max(sqlite_sequence::seq))
        .get_result(c)?;
    let present: Option<i64> = al::table.select(max(al::id)).get_result(c)?;
    Ok(given.unwrap_or(0).max(present.unwrap_or(0)) + 1)
}

/// The stored row `e` becomes with `id`, as the sealer would read it back.
fn record(id: i64, e: &AuditEntry) -> AuditRecord {
    AuditRecord {
        id,
        event_id: e.event_id,
        occurred_at: e.occurred_at,
        actor: e.actor.clone(),
        actor_role: e.actor_role.clone(),
        action: e.action.clone(),
        resource_type: e.resource_type.clone(),
        resource_id: e.resource_id.clone(),
        request_id: e.request_id.clone(),
        outcome: e.outcome.clone(),
        seq: None,
        prev_hash: None,
        hash: None,
    }
}
