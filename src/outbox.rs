//! The outbox queues' shared machinery: the submission queue (`claims::queue`) and the webhook
//! delivery queue (`webhooks::queue`) are tables of the same shape (`id`, `status` pending /
//! leased / done / dead, `attempts`, `next_attempt_at`, `lease_owner`, `lease_expires_at`,
//! `updated_at`) and lease work with the same query, kept here once.
//!
//! The lease is a macro rather than a generic function: diesel's query types differ per table
//! and per backend, and the bounds a generic `for_update().skip_locked()` over any table needs
//! would be longer than the query itself. The macro expands to the same diesel DSL for each
//! table, so the SQL each queue runs is checked at compile time as before.

use std::time::Duration;

use crate::db::types::Timestamp;

/// Where an outbox row (a submission job or a webhook delivery) is.
///
/// Stored as its name in a TEXT column and serialised as the same name ([`crate::text_enum!`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum JobStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Held by a worker until its lease runs out.
    Leased,
    /// Handed over.
    Done,
    /// Used up its attempts; waits for a person.
    Dead,
}

crate::text_enum!(JobStatus {
    Pending => "pending",
    Leased => "leased",
    Done => "done",
    Dead => "dead",
});

/// `t + d` (saturating at the far future).
pub fn plus(t: Timestamp, d: Duration) -> Timestamp {
    let d = chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    Timestamp(t.0.checked_add_signed(d).unwrap_or(t.0))
}

/// Leases up to `limit` due rows of an outbox table (pending and due, or leased with a lease
/// that ran out) to `owner` until `until`, oldest due first, counting an attempt on each, in
/// one short write transaction; evaluates to `QueryResult<Vec<Row>>`.
///
/// On PostgreSQL the due rows are picked `FOR UPDATE SKIP LOCKED` (workers sharing a database
/// never take the same row) and marked with one `UPDATE … RETURNING`; on SQLite the immediate
/// transaction already holds the only write lock, and the rows are read back after the update.
///
/// `lease_due!(conn, table_module, Row, Id, owner, until, now, limit)` or with a last argument
/// `filter = <expression>` narrowing the due rows (e.g. only enabled endpoints').
macro_rules! lease_due {
    ($conn:expr, $t:ident, $row:ty, $id:ty, $owner:expr, $until:expr, $now:expr, $limit:expr) => {
        $crate::outbox::lease_due!(@run $conn, $t, $row, $id, $owner, $until, $now, $limit,
            |q| q)
    };
    ($conn:expr, $t:ident, $row:ty, $id:ty, $owner:expr, $until:expr, $now:expr, $limit:expr,
     filter = $extra:expr) => {
        $crate::outbox::lease_due!(@run $conn, $t, $row, $id, $owner, $until, $now, $limit,
            |q| q.filter($extra))
    };
    (@run $conn:expr, $t:ident, $row:ty, $id:ty, $owner:expr, $until:expr, $now:expr,
     $limit:expr, |$q:ident| $narrow:expr) => {{
        use diesel::prelude::*;
        use $crate::db::AnyConnection;
        let (owner, until, now, limit): (&str, _, _, i64) = ($owner, $until, $now, $limit);
        $conn.write_transaction(|c| -> diesel::QueryResult<Vec<$row>> {
            let due = $t::status
                .eq($crate::outbox::JobStatus::Pending)
                .and($t::next_attempt_at.le(now))
                .or($t::status
                    .eq($crate::outbox::JobStatus::Leased)
                    .and($t::lease_expires_at.le(now)));
            let $q = $t::table.filter(due);
            let q = $narrow
                .order($t::next_attempt_at.asc())
                .select($t::id)
                .limit(limit);
            let ids: Vec<$id> = match c {
                AnyConnection::Postgres(pg) => q.for_update().skip_locked().load(pg)?,
                // BEGIN IMMEDIATE already holds the only write lock.
                AnyConnection::Sqlite(lite) => q.load(lite)?,
            };
            let mut out = Vec::with_capacity(ids.len());
            // Chunks keep SQLite under its bound-parameter limit.
            for chunk in ids.chunks(500) {
                let update = diesel::update($t::table.filter($t::id.eq_any(chunk))).set((
                    $t::status.eq($crate::outbox::JobStatus::Leased),
                    $t::lease_owner.eq(owner),
                    $t::lease_expires_at.eq(until),
                    $t::attempts.eq($t::attempts + 1),
                    $t::updated_at.eq(now),
                ));
                match c {
                    AnyConnection::Postgres(pg) => {
                        out.extend(update.returning(<$row>::as_returning()).get_results(pg)?)
                    }
                    AnyConnection::Sqlite(lite) => {
                        update.execute(lite)?;
                        out.extend(
                            $t::table
                                .filter($t::id.eq_any(chunk))
                                .select(<$row>::as_select())
                                .load(lite)?,
                        );
                    }
                }
            }
            // RETURNING and `IN` give no order; callers get the due order back.
            let rank: std::collections::HashMap<$id, usize> =
                ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            out.sort_by_key(|r| rank.get(&r.id).copied());
            Ok(out)
        })
    }};
}
pub(crate) use lease_due;
