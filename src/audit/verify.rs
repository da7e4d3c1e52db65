//! Verifying the audit chain: every link (keyed links with the audit key), rows sealed as
//! flagged (not written by the service), and the signed checkpoints that anchor the head.

use diesel::prelude::*;
use serde::Serialize;

use super::anchor::{Anchor, KEYED_PREFIX};
use super::chain::{flagged_hash, link_hash, row_hash, FLAGGED_PREFIX, GENESIS};
use super::store::AuditRecord;
use crate::db::schema::audit_log as al;
use crate::db::AnyConnection;

/// Flagged rows listed by id in a report (the count covers all of them).
const FLAGGED_LISTED: usize = 100;

/// The outcome of verifying the chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct VerifyReport {
    /// True when every sealed row checks out, no row is flagged and every checkpoint matches.
    pub ok: bool,
    /// How many sealed rows were checked.
    pub checked: i64,
    /// Rows written but not sealed yet (the sealer runs about twice a second).
    pub unsealed: i64,
    /// Rows sealed as flagged: they did not carry the service's MAC, so something other than
    /// the service inserted them.
    pub flagged: i64,
    /// The first flagged rows (up to 100), by chain position and id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flagged_rows: Vec<FlaggedRow>,
    /// Signed checkpoints checked.
    pub checkpoints: i64,
    /// Sealed rows after the newest checkpoint (all of them when there is none): rows cut from
    /// this tail cannot be detected until a later checkpoint covers them.
    pub unanchored: i64,
    /// The first broken link, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<BrokenLink>,
}

/// Where the chain breaks, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BrokenLink {
    /// Chain position of the broken row.
    pub seq: i64,
    /// Row id of the broken row (0 when the row itself is missing).
    pub id: i64,
    /// What does not match.
    pub reason: String,
}

/// A row sealed as flagged.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FlaggedRow {
    /// Chain position.
    pub seq: i64,
    /// Row id.
    pub id: i64,
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
    let broken = |seq: i64, reason: String| BrokenLink { seq, id: 0, reason };
    let checkpoints = match anchor.read_checkpoints() {
        Ok(c) => c,
        Err(e) => {
            report.ok = false;
            report.first_broken.get_or_insert(broken(0, e));
            return Ok(report);
        }
    };
    report.checkpoints = checkpoints.len() as i64;
    let newest = checkpoints.iter().map(|c| c.seq).max().unwrap_or(0);
    report.unanchored = (report.checked - newest).max(0);
    if report.first_broken.is_some() {
        return Ok(report);
    }
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
    let mut report = VerifyReport {
        ok: true,
        checked: 0,
        unsealed,
        flagged: 0,
        flagged_rows: Vec::new(),
        checkpoints: 0,
        unanchored: 0,
        first_broken: None,
    };
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut keyed_seen = false;
    loop {
        let rows: Vec<AuditRecord> = al::table
            .filter(al::seq.ge(expected_seq))
            .order(al::seq.asc())
            .limit(5000)
            .select(AuditRecord::as_select())
            .load(conn)?;
        if rows.is_empty() {
            return Ok(report);
        }
        for r in rows {
            let seq = r.seq.unwrap_or(-1);
            if let Err(reason) = check_link(anchor, &r, seq, expected_seq, &prev, &mut keyed_seen) {
                report.ok = false;
                report.first_broken = Some(BrokenLink {
                    seq,
                    id: r.id,
                    reason: reason.to_string(),
                });
                return Ok(report);
            }
            if r.hash
                .as_deref()
                .is_some_and(|h| h.starts_with(FLAGGED_PREFIX))
            {
                report.ok = false;
                report.flagged += 1;
                if report.flagged_rows.len() < FLAGGED_LISTED {
                    report.flagged_rows.push(FlaggedRow { seq, id: r.id });
                }
            }
            prev = r.hash.unwrap_or_default();
            expected_seq += 1;
            report.checked += 1;
        }
    }
}

/// Checks one sealed row against the previous hash; Err names what does not match.
fn check_link(
    anchor: &Anchor,
    r: &AuditRecord,
    seq: i64,
    expected_seq: i64,
    prev: &str,
    keyed_seen: &mut bool,
) -> Result<(), &'static str> {
    if seq != expected_seq {
        return Err("a row is missing before this one");
    }
    if r.prev_hash.as_deref() != Some(prev) {
        return Err("prev_hash does not match the previous row's hash");
    }
    let stored = r.hash.as_deref().unwrap_or_default();
    let flagged = stored.starts_with(FLAGGED_PREFIX);
    let link = stored.strip_prefix(FLAGGED_PREFIX).unwrap_or(stored);
    let keyed = link.starts_with(KEYED_PREFIX);
    if keyed && anchor.key.is_none() {
        return Err("the row is keyed but no audit key is configured");
    }
    if !keyed && *keyed_seen {
        // Once the chain is keyed, a plain link means someone sealed without the key.
        return Err("an unkeyed row follows keyed rows (sealed without the key)");
    }
    *keyed_seen |= keyed;
    let expected = match (flagged, keyed) {
        (true, _) => flagged_hash(&keyed_or_plain(anchor, keyed), prev, seq, r),
        (false, true) => link_hash(anchor, prev, seq, r),
        (false, false) => row_hash(prev, seq, r),
    };
    if stored != expected {
        return Err("the row's content does not match its hash");
    }
    Ok(())
}

/// The anchor to recompute a flagged link with: keyed links need the key, plain ones must not
/// use it.
fn keyed_or_plain(anchor: &Anchor, keyed: bool) -> Anchor {
    if keyed {
        anchor.clone()
    } else {
        Anchor::none()
    }
}
