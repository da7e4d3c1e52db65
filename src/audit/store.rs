//! Reading and writing audit rows.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sqlite::Sqlite;
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

/// An audit entry as stored: the entry and the service's MAC over it ([`row_mac`]).
#[derive(Insertable)]
#[diesel(table_name = al)]
#[diesel(treat_none_as_default_value = false)]
struct StoredEntry {
    #[diesel(embed)]
    entry: AuditEntry,
    mac: Option<String>,
}

// A copy per row: diesel embeds owned Insertables only, and a row is a few short strings.
fn stored(entries: &[AuditEntry]) -> Vec<StoredEntry> {
    entries
        .iter()
        .map(|entry| StoredEntry {
            mac: row_mac::for_entry(entry),
            entry: entry.clone(),
        })
        .collect()
}

/// A row sealed as it is written ([`super::seal_on_write`], SQLite): with its id and chain
/// columns.
#[derive(Insertable)]
#[diesel(table_name = al)]
struct SealedRow {
    id: i64,
    #[diesel(embed)]
    entry: AuditEntry,
    mac: Option<String>,
    seq: i64,
    prev_hash: String,
    hash: String,
}

/// The id and chain position given to a row sealed as it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    /// The row's id (the next one SQLite would assign).
    pub id: i64,
    /// Its chain position.
    pub seq: i64,
    /// The hash of the row before it in the chain.
    pub prev_hash: String,
    /// Its own link hash.
    pub hash: String,
}

/// Appends `entries` on SQLite already sealed with `links` (one per entry, in order); call
/// inside a write transaction, which holds the lock the links' positions depend on.
pub fn insert_sealed_sqlite(
    c: &mut diesel::SqliteConnection,
    entries: &[AuditEntry],
    links: Vec<ChainLink>,
) -> QueryResult<usize> {
    if links.len() != entries.len() {
        return Err(diesel::result::Error::QueryBuilderError(
            "one chain link per audit entry".into(),
        ));
    }
    let rows = entries
        .iter()
        .zip(links)
        .map(|(entry, l)| SealedRow {
            id: l.id,
            mac: row_mac::for_entry(entry),
            entry: entry.clone(),
            seq: l.seq,
            prev_hash: l.prev_hash,
            hash: l.hash,
        })
        .collect();
    insert_sqlite_rows(c, rows, insert_sealed_pow2)
}

/// Inserts rows in chunks of a power of two (256 at most; 14 columns x 256 stays under
/// SQLite's bound-parameter cap), whose prepared statements are cached by type: diesel
/// prepares a multi-row INSERT of a slice anew on every call (its text depends on the row
/// count), and on SQLite that preparation was about 6.5 % of an audited read
/// (docs/performance.md). At most 9 executions of ready statements, each cheap in process.
fn insert_sqlite_rows<R>(
    c: &mut diesel::SqliteConnection,
    rows: Vec<R>,
    insert_pow2: fn(&mut diesel::SqliteConnection, Vec<R>) -> QueryResult<usize>,
) -> QueryResult<usize> {
    let mut n = 0;
    let mut rest = rows;
    while !rest.is_empty() {
        let size = rest.len().min(256);
        let size = 1 << size.ilog2();
        let tail = rest.split_off(size);
        n += insert_pow2(c, rest)?;
        rest = tail;
    }
    Ok(n)
}

/// Rows per multi-row INSERT on PostgreSQL: more entries than this take several statements.
pub const PG_ROWS_PER_INSERT: usize = 500;

/// Appends entries; call inside the transaction of the change they describe. Each row gets
/// the service's MAC ([`row_mac`]), so the sealer can tell it from rows inserted directly.
pub fn insert(conn: &mut AnyConnection, entries: &[AuditEntry]) -> QueryResult<usize> {
    // Multi-row INSERT is backend-specific in diesel, so it runs on the inner connection.
    match conn {
        AnyConnection::Sqlite(c) => insert_sqlite_rows(c, stored(entries), insert_stored_pow2),
        AnyConnection::Postgres(c) => {
            // A single row (every write transaction's own entry) uses a cached statement: one
            // round trip instead of a prepare and an execute. A batch stays one statement per
            // 500 rows: there a round trip costs more than the server's parse.
            let rows = stored(entries);
            if let [one] = rows.as_slice() {
                return diesel::insert_into(al::table).values(one).execute(c);
            }
            let mut n = 0;
            for chunk in rows.chunks(PG_ROWS_PER_INSERT) {
                n += diesel::insert_into(al::table).values(chunk).execute(c)?;
            }
            Ok(n)
        }
    }
}

/// The INSERT of one entry (with its MAC), for a change that sends its writes as one statement
/// ([`crate::db::chained`]).
pub fn insert_statement(
    entry: &AuditEntry,
) -> impl QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId {
    diesel::insert_into(al::table).values(StoredEntry {
        mac: row_mac::for_entry(entry),
        entry: entry.clone(),
    })
}

/// Defines `$name`, which inserts a chunk of `$row`s (1, 2, 4, … or 256 rows) as a fixed-size
/// array, so diesel caches the prepared statement of each size.
macro_rules! pow2_inserter {
    ($name:ident, $row:ty) => {
        fn $name(c: &mut diesel::SqliteConnection, chunk: Vec<$row>) -> QueryResult<usize> {
            fn fixed<const N: usize>(
                c: &mut diesel::SqliteConnection,
                chunk: Vec<$row>,
            ) -> QueryResult<usize> {
                let len = chunk.len();
                let rows: [$row; N] = chunk.try_into().map_err(|_| not_pow2(len))?;
                diesel::insert_into(al::table).values(&rows).execute(c)
            }
            match chunk.len() {
                1 => fixed::<1>(c, chunk),
                2 => fixed::<2>(c, chunk),
                4 => fixed::<4>(c, chunk),
                8 => fixed::<8>(c, chunk),
                16 => fixed::<16>(c, chunk),
                32 => fixed::<32>(c, chunk),
                64 => fixed::<64>(c, chunk),
                128 => fixed::<128>(c, chunk),
                256 => fixed::<256>(c, chunk),
                // Callers pass powers of two up to 256 only.
                n => Err(not_pow2(n)),
            }
        }
    };
}

pow2_inserter!(insert_stored_pow2, StoredEntry);
pow2_inserter!(insert_sealed_pow2, SealedRow);

fn not_pow2(n: usize) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(format!("audit chunk of {n} rows").into())
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
