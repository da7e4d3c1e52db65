//! The tamper-evident hash chain: sealing committed rows in order, and verifying the chain.
//!
//! Rows get their chain position (`seq`) when sealed, not when inserted: on PostgreSQL ids can
//! commit out of order, so a row that commits late is simply sealed in a later round. Only one
//! sealer works at a time (an advisory lock on PostgreSQL, the write lock on SQLite), so several
//! servers can share one database.

use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::anchor::{Anchor, KEYED_PREFIX};
use super::store::AuditRecord;
use crate::db::schema::audit_log as al;
use crate::db::types::sqlite_timestamp_text;
use crate::db::AnyConnection;

/// The `prev_hash` of the first sealed row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows sealed per round trip.
const SEAL_BATCH: i64 = 2000;

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

fn row_content(seq: i64, r: &AuditRecord) -> String {
    serde_json::json!([
        seq,
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
    .to_string()
}

/// Seals every committed, unsealed row; returns how many were sealed.
pub fn seal_pending(conn: &mut AnyConnection) -> QueryResult<usize> {
    seal_pending_with(conn, &Anchor::none())
}

/// Seals every committed, unsealed row with `anchor`'s key (when it has one).
pub fn seal_pending_with(conn: &mut AnyConnection, anchor: &Anchor) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let n = conn.write_transaction(|c| seal_batch(c, anchor))?;
        total += n;
        if (n as i64) < SEAL_BATCH {
            return Ok(total);
        }
    }
}

fn seal_batch(conn: &mut AnyConnection, anchor: &Anchor) -> QueryResult<usize> {
    if let AnyConnection::Postgres(_) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({SEALER_LOCK})")).execute(conn)?;
    }
    let last: Option<(Option<i64>, Option<String>)> = al::table
        .filter(al::seq.is_not_null())
        .order(al::seq.desc())
        .select((al::seq, al::hash))
        .first(conn)
        .optional()?;
    let (mut seq, mut prev) = match last {
        Some((Some(s), Some(h))) => (s, h),
        _ => (0, GENESIS.to_string()),
    };
    let rows: Vec<AuditRecord> = al::table
        .filter(al::seq.is_null())
        .order(al::id.asc())
        .limit(SEAL_BATCH)
        .select(AuditRecord::as_select())
        .load(conn)?;
    let mut seals = Seals::default();
    for r in &rows {
        seq += 1;
        let hash = link_hash(anchor, &prev, seq, r);
        seals.push(r.id, seq, std::mem::replace(&mut prev, hash.clone()), hash);
    }
    seals.write(conn)?;
    Ok(rows.len())
}

/// The sealed head of the chain: (seq, hash), or None when nothing is sealed.
pub fn head(conn: &mut AnyConnection) -> QueryResult<Option<(i64, String)>> {
    let last: Option<(Option<i64>, Option<String>)> = al::table
        .filter(al::seq.is_not_null())
        .order(al::seq.desc())
        .select((al::seq, al::hash))
        .first(conn)
        .optional()?;
    Ok(match last {
        Some((Some(s), Some(h))) => Some((s, h)),
        _ => None,
    })
}

/// Appends a signed checkpoint of the current head to `anchor`'s file (if it has one).
pub fn checkpoint(conn: &mut AnyConnection, anchor: &Anchor) -> Result<(), String> {
    if anchor.checkpoints.is_none() {
        return Ok(());
    }
    match head(conn).map_err(|e| e.to_string())? {
        Some((seq, hash)) => anchor.write_checkpoint(seq, &hash),
        None => Ok(()),
    }
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

/// The outcome of verifying the chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct VerifyReport {
    /// True when every sealed row checks out.
    pub ok: bool,
    /// How many sealed rows were checked.
    pub checked: i64,
    /// Rows written but not sealed yet (the sealer runs about once a second).
    pub unsealed: i64,
    /// The first broken link, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<BrokenLink>,
}

/// Where the chain breaks, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BrokenLink {
    /// Chain position of the broken row.
    pub seq: i64,
    /// Row id of the broken row.
    pub id: i64,
    /// What does not match.
    pub reason: String,
}

/// Walks the sealed rows in chain order and reports the first that does not match.
pub fn verify(conn: &mut AnyConnection) -> QueryResult<VerifyReport> {
    verify_with(conn, &Anchor::none())
}

/// Like [`verify`], checking keyed links with `anchor`'s key, then every signed checkpoint:
/// the row at its position must still exist with the same hash, so rows cut from the head
/// (or a rewritten chain) are detected.
pub fn verify_with(conn: &mut AnyConnection, anchor: &Anchor) -> QueryResult<VerifyReport> {
    let mut report = verify_links(conn, anchor)?;
    if !report.ok {
        return Ok(report);
    }
    let broken = |seq: i64, reason: String| BrokenLink { seq, id: 0, reason };
    let checkpoints = match anchor.read_checkpoints() {
        Ok(c) => c,
        Err(e) => {
            report.ok = false;
            report.first_broken = Some(broken(0, e));
            return Ok(report);
        }
    };
    for c in checkpoints {
        let stored: Option<(i64, Option<String>)> = al::table
            .filter(al::seq.eq(c.seq))
            .select((al::id, al::hash))
            .first(conn)
            .optional()?;
        let problem = match stored {
            None => Some(format!(
                "row {} of the checkpoint written {} is missing: rows were removed from the head",
                c.seq, c.at
            )),
            Some((_, h)) if h.as_deref() != Some(c.hash.as_str()) => Some(format!(
                "row {} does not match the checkpoint written {}",
                c.seq, c.at
            )),
            _ => None,
        };
        if let Some(reason) = problem {
            report.ok = false;
            report.first_broken = Some(broken(c.seq, reason));
            return Ok(report);
        }
    }
    Ok(report)
}

fn verify_links(conn: &mut AnyConnection, anchor: &Anchor) -> QueryResult<VerifyReport> {
    let unsealed: i64 = al::table
        .filter(al::seq.is_null())
        .count()
        .get_result(conn)?;
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut checked = 0;
    let mut keyed_seen = false;
    loop {
        let rows: Vec<AuditRecord> = al::table
            .filter(al::seq.ge(expected_seq))
            .order(al::seq.asc())
            .limit(5000)
            .select(AuditRecord::as_select())
            .load(conn)?;
        if rows.is_empty() {
            return Ok(VerifyReport {
                ok: true,
                checked,
                unsealed,
                first_broken: None,
            });
        }
        for r in rows {
            let seq = r.seq.unwrap_or(-1);
            let broken = |reason: &str| VerifyReport {
                ok: false,
                checked,
                unsealed,
                first_broken: Some(BrokenLink {
                    seq,
                    id: r.id,
                    reason: reason.to_string(),
                }),
            };
            if seq != expected_seq {
                return Ok(broken("a row is missing before this one"));
            }
            if r.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(broken("prev_hash does not match the previous row's hash"));
            }
            let stored = r.hash.as_deref().unwrap_or_default();
            let hash = if stored.starts_with(KEYED_PREFIX) {
                if anchor.key.is_none() {
                    return Ok(broken("the row is keyed but no audit key is configured"));
                }
                link_hash(anchor, &prev, seq, &r)
            } else if keyed_seen {
                // Once the chain is keyed, a plain link means someone sealed without the key.
                return Ok(broken(
                    "an unkeyed row follows keyed rows (sealed without the key)",
                ));
            } else {
                row_hash(&prev, seq, &r)
            };
            keyed_seen |= stored.starts_with(KEYED_PREFIX);
            if stored != hash {
                return Ok(broken("the row's content does not match its hash"));
            }
            prev = hash;
            expected_seq += 1;
            checked += 1;
        }
    }
}
