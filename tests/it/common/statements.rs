//! Counting the SQL statements a piece of work runs, for the tests that pin a batch path to a
//! fixed number of statements however many items it carries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::{Connection, InstrumentationEvent};
use medbill::db::AnyConnection;

/// Runs `f` on `conn` and returns its result with the number of statements it ran: queries and
/// transaction control (BEGIN, COMMIT, SAVEPOINT, RELEASE, ROLLBACK).
pub fn counting_statements<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> T,
) -> (T, usize) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if matches!(
            e,
            InstrumentationEvent::StartQuery { .. }
                | InstrumentationEvent::BeginTransaction { .. }
                | InstrumentationEvent::CommitTransaction { .. }
                | InstrumentationEvent::RollbackTransaction { .. }
        ) {
            seen.fetch_add(1, Ordering::Relaxed);
        }
    });
    let out = f(conn);
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    (out, count.load(Ordering::Relaxed))
}
