//! The tamper-evident hash chain: sealing committed rows in order, and verifying the chain.
//!
//! Rows get their chain position (`seq`) when sealed, not when inserted: on PostgreSQL ids can
//! commit out of order, so a row that commits late is simply sealed in a later round. Only one
//! sealer works at a time (an advisory lock on PostgreSQL, the write lock on SQLite), so several
//! servers can share one database.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::anchor::Anchor;
use super::row_mac;
use super::store::AuditRecord;
use crate::db::first_row;
use crate::db::schema::audit_log as al;
use crate::db::types::sqlite_timestamp_text;
use crate::db::AnyConnection;

/// The `prev_hash` of the first sealed row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Prefix of the hash of a row sealed as flagged: it did not carry the service's MAC.
pub const FLAGGED_PREFIX: &str = "forged:";

/// Rows sealed per write transaction on SQLite. Small, because the transaction holds SQLite's
/// writer lock: with 2,000 rows a round held it for tens of milliseconds, and every audited
/// read waiting for its audit row's commit waited that long too (the p99 of the read
/// scenario); 250 still held it long enough to double the lookup's p99 at 4 connections
/// (docs/performance.md, "Session 11"). Rounds commit off the lock, so more rounds cost little.
const SEAL_BATCH_SQLITE: i64 = 64;
/// Rows sealed per round on PostgreSQL, where the round takes no lock the audit writer needs
/// and each round is several round trips.
const SEAL_BATCH_PG: i64 = 250;

/// Pause between two full batches, so the writers queued behind the lock get it before the
/// sealer takes it again (the lock is not fair: an unlock followed at once by a lock wins).
const SEAL_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// Advisory lock key that serialises sealers across servers on PostgreSQL.
const SEALER_LOCK: i64 = 0x6d65_6462_696c_6c01;

/// The hash of a row at chain position `seq` after `prev`: SHA-256 over the previous hash and
/// an unambiguous JSON rendering of every field a reader relies on.
pub fn row_hash(prev: &str, seq: i64, r: &AuditRecord) -> String {
    let content = row_content(seq, r);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(content.as_bytes());
    hex::encode(h.finalize())
}

/// The link hash under `anchor`: keyed (HMAC) when it has a key, else [`row_hash`].
pub fn link_hash(anchor: &Anchor, prev: &str, seq: i64, r: &AuditRecord) -> String {
    anchor
        .link(prev, &row_content(seq, r))
        .unwrap_or_else(|| row_hash(prev, seq, r))
}

/// The link of a row sealed as flagged (no valid service MAC): the flag is inside the keyed
/// link (its `prev` input carries it), so removing the prefix from a stored hash breaks it.
pub fn flagged_hash(anchor: &Anchor, prev: &str, seq: i64, r: &AuditRecord) -> String {
    format!(
        "{FLAGGED_PREFIX}{}",
        link_hash(anchor, &format!("{FLAGGED_PREFIX}{prev}"), seq, r)
    )
}

fn row_content(seq: i64, r: &AuditRecord) -> String {
    // Straight from a tuple: the bytes of `json!([..]).to_string()` (tested below), without a
    // `Value` tree per row.
    let fields = (
        seq,
        r.id,
        r.event_id.to_string(),
        sqlite_timestamp_text(&r.occurred_at.0),
        &r.actor,
        &r.actor_role,
        &r.action,
        &r.resource_type,
        &r.resource_id,
        &r.request_id,
        &r.outcome,
    );
    // Serialising strings and integers into a String cannot fail.
    serde_json::to_string(&fields).unwrap_or_default()
}

/// Seals every committed, unsealed row; returns how many were sealed.
pub fn seal_pending(conn: &mut AnyConnection) -> QueryResult<usize> {
    seal_pending_with(conn, &Anchor::none())
}

/// Seals every committed, unsealed row with `anchor`'s key (when it has one).
pub fn seal_pending_with(conn: &mut AnyConnection, anchor: &Anchor) -> QueryResult<usize> {
    let batch = match conn.backend() {
        crate::db::Backend::Sqlite => SEAL_BATCH_SQLITE,
        crate::db::Backend::Postgres => SEAL_BATCH_PG,
    };
    let mut total = 0;
    loop {
        // Committed off the SQLite writer lock, then waited for: a 250-row round held the lock
        // through its disk sync, and the audit writer's batches (every audited read) queued
        // behind it (docs/performance.md, "Session 11"). Waiting here keeps the sealer's
        // promise: a round returns (and a checkpoint names its head) only once it is on disk.
        let (n, synced) = conn.write_transaction_unsynced(|c| seal_batch(c, anchor, batch))?;
        if !synced.wait() {
            return Err(diesel::result::Error::QueryBuilderError(
                "the audit seals could not be synced to disk".into(),
            ));
        }
        total += n;
        if (n as i64) < batch {
            return Ok(total);
        }
        std::thread::sleep(SEAL_PAUSE);
    }
}

fn seal_batch(conn: &mut AnyConnection, anchor: &Anchor, limit: i64) -> QueryResult<usize> {
    if let AnyConnection::Postgres(_) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({SEALER_LOCK})")).execute(conn)?;
    }
    let (mut seq, mut prev) = head(conn)?.unwrap_or((0, GENESIS.to_string()));
    let rows: Vec<(AuditRecord, Option<String>)> = al::table
        .filter(al::seq.is_null())
        .order(al::id.asc())
        .limit(limit)
        .select((AuditRecord::as_select(), al::mac))
        .load(conn)?;
    let mut seals = Seals::default();
    for (r, row_mac) in &rows {
        seq += 1;
        // A row without the service's MAC is still chained (so removing it later is detected
        // too), but marked: it is never sealed as genuine, and the rest keep being sealed.
        let hash = if row_mac::verifies(r, row_mac.as_deref()) {
            link_hash(anchor, &prev, seq, r)
        } else {
            tracing::warn!(
                id = r.id,
                seq,
                "audit sealer: a row does not carry the service's MAC (not written by the \
                 service); sealed as flagged"
            );
            flagged_hash(anchor, &prev, seq, r)
        };
        seals.push(r.id, seq, std::mem::replace(&mut prev, hash.clone()), hash);
    }
    seals.write(conn)?;
    Ok(rows.len())
}

/// The sealed head of the chain: (seq, hash), or None when nothing is sealed.
pub fn head(conn: &mut AnyConnection) -> QueryResult<Option<(i64, String)>> {
    let query = al::table
        .filter(al::seq.is_not_null())
        .order(al::seq.desc())
        .select((al::seq, al::hash));
    let last: Option<(Option<i64>, Option<String>)> = match conn {
        // Without `LIMIT ?` (`db::first_row`): the read-audit writer asks this for every batch,
        // and with it SQLite compiled the statement anew each time. SQLite steps one row of the
        // index and stops.
        AnyConnection::Sqlite(c) => first_row(query, c),
        // PostgreSQL sends a statement's whole result: without `LIMIT 1` every sealing round
        // fetched every sealed row (168 µs of PostgreSQL time per audited read at 20k rows, and
        // growing with the log: docs/performance.md, "Session 14").
        AnyConnection::Postgres(c) => query.limit(1).first(c).optional(),
    }?;
    Ok(match last {
        Some((Some(s), Some(h))) => Some((s, h)),
        _ => None,
    })
}

/// Appends a signed checkpoint of the current head to `anchor`'s file (if it has one); returns
/// the position it anchored.
pub fn checkpoint(conn: &mut AnyConnection, anchor: &Anchor) -> Result<Option<i64>, String> {
    if anchor.checkpoints.is_none() {
        return Ok(None);
    }
    let Some((seq, hash)) = head(conn).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    // The head may be a row sealed as it was written, committed off SQLite's writer lock and
    // not yet synced: a checkpoint naming a row a power loss could take back would later read
    // as rows cut from the head.
    let on_disk = conn.wal_sync().is_none_or(|w| w.wait_synced_past_now());
    if !on_disk {
        return Err("the audit log could not be synced to disk".into());
    }
    anchor.write_checkpoint(seq, &hash).map(|()| Some(seq))
}

/// The chain fields of one sealing round, column by column.
#[derive(Default)]
struct Seals {
    ids: Vec<i64>,
    seqs: Vec<i64>,
    prevs: Vec<String>,
    hashes: Vec<String>,
}

impl Seals {
    fn push(&mut self, id: i64, seq: i64, prev: String, hash: String) {
        self.ids.push(id);
        self.seqs.push(seq);
        self.prevs.push(prev);
        self.hashes.push(hash);
    }

    fn write(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        use diesel::sql_types::{Array, BigInt, Text};
        match conn {
            // One statement per round: a round trip per row would cap sealing on PostgreSQL.
            AnyConnection::Postgres(pg) => {
                diesel::sql_query(
                    "UPDATE audit_log AS a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash \
                     FROM unnest($1, $2, $3, $4) AS v(id, seq, prev_hash, hash) WHERE a.id = v.id",
                )
                .bind::<Array<BigInt>, _>(&self.ids)
                .bind::<Array<BigInt>, _>(&self.seqs)
                .bind::<Array<Text>, _>(&self.prevs)
                .bind::<Array<Text>, _>(&self.hashes)
                .execute(pg)?;
            }
            // In-process SQLite: prepared per-row updates are cheap.
            AnyConnection::Sqlite(_) => {
                for i in 0..self.ids.len() {
                    diesel::update(al::table.find(self.ids[i]))
                        .set((
                            al::seq.eq(self.seqs[i]),
                            al::prev_hash.eq(&self.prevs[i]),
                            al::hash.eq(&self.hashes[i]),
                        ))
                        .execute(conn)?;
                }
            }
        }
        Ok(())
    }
}

pub use super::verify::{verify, verify_with, BrokenLink, FlaggedRow, VerifyReport};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::EventId;
    use crate::db::types::Timestamp;

    fn record(resource_id: Option<&str>) -> AuditRecord {
        AuditRecord {
            id: 42,
            event_id: EventId::new(),
            occurred_at: Timestamp::now(),
            actor: "ann \"the\" coder \\ é 😀".into(),
            actor_role: "billing".into(),
            action: "read".into(),
            resource_type: "patient".into(),
            resource_id: resource_id.map(str::to_string),
            request_id: None,
            outcome: "success\n\u{1}".into(),
            seq: None,
            prev_hash: None,
            hash: None,
        }
    }

    /// Sealed chains must verify after the change of rendering: the bytes are those of the
    /// `json!` form the chain was sealed with before.
    #[test]
    fn row_content_is_the_json_array_rendering() {
        for r in [record(Some("p-1")), record(None)] {
            let before = serde_json::json!([
                7,
                r.id,
                r.event_id.to_string(),
                sqlite_timestamp_text(&r.occurred_at.0),
                r.actor,
                r.actor_role,
                r.action,
                r.resource_type,
                r.resource_id,
                r.request_id,
                r.outcome
            ])
            .to_string();
            assert_eq!(row_content(7, &r), before);
        }
    }
}
