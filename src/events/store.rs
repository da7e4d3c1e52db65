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
    diesel::select(diesel::dsl::exists(
        ev::table.filter(ev::position.is_null()),
    ))
    .get_result(conn)
}

/// Gives up to `limit` committed events without a position the next positions, in id order,
/// and queues a delivery of each to every enabled endpoint subscribed to its type; returns how
/// many were sequenced. The counter row is locked for the transaction, so positions become
/// visible in order: a reader never sees position n+1 before n (no gaps in the feed), and an
/// event that commits late simply gets a later position.
pub fn sequence(conn: &mut AnyConnection, limit: i64) -> QueryResult<usize> {
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
        let batch: Vec<(EventId, String, Timestamp)> = ev::table
            .filter(ev::position.is_null())
            .order(ev::id.asc())
            .select((ev::id, ev::event_type, ev::occurred_at))
            .limit(limit)
            .load(c)?;
        if batch.is_empty() {
            return Ok(0);
        }
        for (i, (id, _, _)) in batch.iter().enumerate() {
            diesel::update(ev::table.find(*id))
                .set(ev::position.eq(last + 1 + i as i64))
                .execute(c)?;
        }
        diesel::update(es::table.find(1))
            .set(es::last_position.eq(last + batch.len() as i64))
            .execute(c)?;
        let subscribers = endpoints::enabled(c)?;
        if !subscribers.is_empty() {
            // Due since the event happened (a worker's clock, real or a test's, is later).
            for (id, kind, at) in &batch {
                let pairs: Vec<_> = subscribers
                    .iter()
                    .filter(|e| e.wants(kind))
                    .map(|e| (*id, e.id))
                    .collect();
                if !pairs.is_empty() {
                    queue::enqueue(c, &pairs, *at)?;
                }
            }
        }
        Ok(batch.len())
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
