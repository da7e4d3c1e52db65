//! The claim rows a posting batch changed, written with one `UPDATE … FROM (VALUES …)` per 500
//! claims instead of one `UPDATE` per claim: on PostgreSQL each statement is a network round
//! trip, and a 10,000-claim payment spent them on status updates alone (issue 12's figures).
//! Every row still carries the version it was read at, and the statement only changes rows
//! still at that version: fewer rows changed than sent means another writer got there first,
//! and the whole payment is refused rather than overwriting it.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::Sqlite;

use crate::claims::model::ClaimId;
use crate::db::types::{PortableTimestamp, PortableUuid, Timestamp};
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};

/// One claim's new status and version, and the version it was read at.
#[derive(Debug, Clone)]
pub struct ClaimUpdate {
    /// The claim.
    pub id: ClaimId,
    /// The version read (the update requires it still).
    pub loaded_version: i32,
    /// The version written.
    pub version: i32,
    /// The status written.
    pub status: crate::claims::status::Status,
}

/// Rows per statement: 4 parameters each, far under both backends' limits.
const CHUNK: usize = 500;

/// `UPDATE claims … FROM (VALUES (id, read, new, status), …)`: `updated_at` is the first
/// parameter, then four per row. SQLite names the VALUES columns column1..column4.
fn statement(pg: bool, rows: usize) -> String {
    let tuple = if pg {
        "($?, $?, $?, $?)"
    } else {
        "(?, ?, ?, ?)"
    };
    let mut values = Vec::with_capacity(rows);
    let mut n = 1;
    for _ in 0..rows {
        let mut t = tuple.to_string();
        if pg {
            for _ in 0..4 {
                n += 1;
                t = t.replacen("$?", &format!("${n}"), 1);
            }
        }
        values.push(t);
    }
    let values = values.join(", ");
    if pg {
        format!(
            "UPDATE claims AS c SET status = v.status, version = v.version, updated_at = $1 \
             FROM (VALUES {values}) AS v (id, loaded, version, status) \
             WHERE c.id = v.id AND c.version = v.loaded"
        )
    } else {
        format!(
            "UPDATE claims SET status = v.column4, version = v.column3, updated_at = ? \
             FROM (VALUES {values}) AS v \
             WHERE claims.id = v.column1 AND claims.version = v.column2"
        )
    }
}

/// Writes `updates` (distinct claims) in as few statements as chunks; a claim no longer at its
/// read version refuses the lot with 412.
pub fn write(conn: &mut AnyConnection, updates: &[ClaimUpdate]) -> DomainResult<()> {
    let now = Timestamp::now();
    for chunk in updates.chunks(CHUNK) {
        let changed = match conn {
            AnyConnection::Postgres(c) => {
                let mut q = diesel::sql_query(statement(true, chunk.len()))
                    .into_boxed::<Pg>()
                    .bind::<PortableTimestamp, _>(now);
                for u in chunk {
                    q = q
                        .bind::<PortableUuid, _>(u.id)
                        .bind::<Integer, _>(u.loaded_version)
                        .bind::<Integer, _>(u.version)
                        .bind::<Text, _>(u.status);
                }
                q.execute(c)?
            }
            AnyConnection::Sqlite(c) => {
                let mut q = diesel::sql_query(statement(false, chunk.len()))
                    .into_boxed::<Sqlite>()
                    .bind::<PortableTimestamp, _>(now);
                for u in chunk {
                    q = q
                        .bind::<PortableUuid, _>(u.id)
                        .bind::<Integer, _>(u.loaded_version)
                        .bind::<Integer, _>(u.version)
                        .bind::<Text, _>(u.status);
                }
                q.execute(c)?
            }
        };
        if changed != chunk.len() {
            // Another writer changed a claim after it was read (not possible under the row
            // lock or SQLite's write transaction, but never overwrite it silently).
            // Name the claim that moved and the version stored now (re-read, never guessed).
            // (A claim another writer moved to exactly the version planned here cannot be told
            // apart, so the first claim is named then.)
            let mut moved = chunk.first();
            for u in chunk {
                let stored = crate::claims::store::find(conn, u.id)?.map(|r| r.version);
                if stored != Some(u.version) {
                    moved = Some(u);
                    break;
                }
            }
            let Some(u) = moved else {
                return Err(DomainError::internal());
            };
            let stored =
                crate::claims::store::find(conn, u.id)?.map_or(u.loaded_version, |r| r.version);
            return Err(
                DomainError::stale(stored).with_extension("claim_id", serde_json::json!(u.id))
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::statement;

    #[test]
    fn statements_number_their_parameters() {
        assert_eq!(
            statement(true, 2),
            "UPDATE claims AS c SET status = v.status, version = v.version, updated_at = $1 \
             FROM (VALUES ($2, $3, $4, $5), ($6, $7, $8, $9)) AS v (id, loaded, version, status) \
             WHERE c.id = v.id AND c.version = v.loaded"
        );
        assert!(statement(false, 2).contains("FROM (VALUES (?, ?, ?, ?), (?, ?, ?, ?)) AS v "));
    }
}
