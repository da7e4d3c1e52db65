//! Event queries: the sequencer that gives committed events their feed positions (and queues
//! their webhook deliveries), and the feed itself.

use diesel::prelude::*;

use super::{EventId, EventRow};
use crate::db::schema_events::{event_sequence as es, events as ev};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::webhooks::{queue, store as endpoints};

/// Whether committed events wait for a position.
pub fn pending(conn: &mut AnyConnection) -> QueryResult<bool> {
    match conn {
        AnyConnection::Postgres(pg) => diesel::select(diesel::dsl::exists(
            ev::table.filter(ev::position.is_null()),
        ))
        .get_result(pg),
        AnyConnection::Sqlite(lite) => {
            #[derive(QueryableByName)]
            struct Waiting {
                #[diesel(sql_type = diesel::sql_types::Bool)]
                waiting: bool,
            }
            diesel::sql_query(PENDING_SQLITE)
                .get_result::<Waiting>(lite)
                .map(|w| w.waiting)
        }
    }
}

// The rowid of the newest numbered event, 0 when none is: every event above it waits for a
// position (see `NUMBER_SQLITE`). Found through the partial unique index on position.
macro_rules! watermark_sqlite {
    () => {
        "COALESCE((SELECT rowid FROM events WHERE position = \
         (SELECT last_position FROM event_sequence WHERE id = 1)), 0)"
    };
}

/// [`pending`] on SQLite: is there an event above the watermark.
const PENDING_SQLITE: &str = concat!(
    "SELECT EXISTS (SELECT 1 FROM events WHERE rowid > ",
    watermark_sqlite!(),
    ") AS waiting"
);

/// Numbers the first `$2` unsequenced events (in id order) `$1 + 1`, `$1 + 2`, ... in one
/// statement (one round trip per batch instead of one per event). The window is evaluated over
/// the id-ordered partial index of unsequenced events and cut by the LIMIT, so it streams.
const NUMBER_PG: &str = "UPDATE events SET position = $1 + r.n \
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM events \
           WHERE position IS NULL ORDER BY id LIMIT $2) AS r \
     WHERE events.id = r.id";
/// [`NUMBER_PG`] for SQLite (3.33+ has `UPDATE … FROM`; `?` placeholders), in rowid order.
/// SQLite has one writer at a time, so rowids are handed out in commit order, and events are
/// numbered in that order: every event above the rowid of the newest numbered one (the
/// watermark) is unsequenced and every one below it is numbered. An insert then touches only
/// the table and its primary key (the position indexes leave NULL out), and the batch is read
/// off the table's own b-tree from the watermark on.
const NUMBER_SQLITE: &str = concat!(
    "UPDATE events SET position = ? + r.n \
     FROM (SELECT rowid AS rid, row_number() OVER (ORDER BY rowid) AS n FROM events \
           WHERE rowid > ",
    watermark_sqlite!(),
    " ORDER BY rowid LIMIT ?) AS r \
     WHERE events.rowid = r.rid"
);

/// Gives up to `limit` committed events without a position the next positions (in id order on
/// PostgreSQL, in commit order on SQLite), and queues a delivery of each to every enabled
/// endpoint subscribed to its type; returns how many were sequenced. The counter row is locked
/// for the transaction, so positions become visible in order: a reader never sees position
/// n+1 before n (no gaps in the feed), and an event that commits late simply gets a later
/// position. The whole batch is numbered by one statement and its deliveries queued by
/// multi-row inserts.
pub fn sequence(conn: &mut AnyConnection, limit: i64) -> QueryResult<usize> {
    use diesel::sql_types::BigInt;
    if !pending(conn)? {
        return Ok(0);
    }
    conn.write_transaction(|c| {
        let last: i64 = match c {
            AnyConnection::Postgres(pg) => es::table
                .find(1)
                .select(es::last_position)
                .for_update()
                .first(pg)?,
            // BEGIN IMMEDIATE already holds the only write lock.
            AnyConnection::Sqlite(lite) => {
                es::table.find(1).select(es::last_position).first(lite)?
            }
        };
        // Under the counter lock no other sequencer runs, so exactly the rows this statement
        // numbered lie in (last, last + n].
        let numbered = match c {
            AnyConnection::Postgres(pg) => diesel::sql_query(NUMBER_PG)
                .bind::<BigInt, _>(last)
                .bind::<BigInt, _>(limit)
                .execute(pg)?,
            AnyConnection::Sqlite(lite) => diesel::sql_query(NUMBER_SQLITE)
                .bind::<BigInt, _>(last)
                .bind::<BigInt, _>(limit)
                .execute(lite)?,
        };
        if numbered == 0 {
            return Ok(0);
        }
        let top = last + numbered as i64;
        diesel::update(es::table.find(1))
            .set(es::last_position.eq(top))
            .execute(c)?;
        let subscribers = endpoints::enabled(c)?;
        if subscribers.is_empty() {
            return Ok(numbered);
        }
        let batch: Vec<(EventId, String, Timestamp)> = ev::table
            .filter(ev::position.gt(last))
            .filter(ev::position.le(top))
            .order(ev::position.asc())
            .select((ev::id, ev::event_type, ev::occurred_at))
            .load(c)?;
        // Due since the event happened (a worker's clock, real or a test's, is later); one
        // multi-row insert per hundred deliveries, however the batch fans out.
        let subscribers: Vec<_> = subscribers.iter().map(|e| (e.id, e.patterns())).collect();
        let mut rows = Vec::new();
        for (id, kind, at) in &batch {
            for (endpoint, patterns) in &subscribers {
                if patterns
                    .iter()
                    .any(|p| crate::events::types::matches(p, kind))
                {
                    rows.push((*id, *endpoint, *at));
                }
            }
        }
        queue::enqueue_due(c, &rows)?;
        Ok(numbered)
    })
}

/// Sequences everything pending (in batches of 1000).
pub fn sequence_all(conn: &mut AnyConnection) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let n = sequence(conn, 1000)?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

/// Feed events after position `after`, of `types` (all when empty), in position order.
pub fn feed(
    conn: &mut AnyConnection,
    after: i64,
    types: &[String],
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut q = ev::table
        .filter(ev::position.gt(after))
        .select(EventRow::as_select())
        .into_boxed();
    if !types.is_empty() {
        q = q.filter(ev::event_type.eq_any(types.to_vec()));
    }
    q.order(ev::position.asc()).limit(limit).load(conn)
}

/// An event by id.
pub fn find(conn: &mut AnyConnection, id: EventId) -> QueryResult<Option<EventRow>> {
    ev::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

/// Events by id (for the delivery worker).
pub fn find_many(conn: &mut AnyConnection, ids: &[EventId]) -> QueryResult<Vec<EventRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            ev::table
                .filter(ev::id.eq_any(chunk))
                .select(EventRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
