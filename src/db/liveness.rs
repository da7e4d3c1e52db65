//! When the pool may hand out a PostgreSQL connection without asking the server first.
//!
//! r2d2 checks a connection on every checkout; for PostgreSQL that was a `SELECT 1`, one of the
//! six round trips of a create (docs/performance.md, "Session 10"). A connection whose last
//! statement was answered moments ago is handed out unchecked, as HikariCP does with its
//! 500 ms `aliveBypassWindowMs`. If the server went away within that window, the request's own
//! statement fails and answers 503 "the database connection was lost; retry" (the failure also
//! makes the next checkout of that connection ask again). Readiness probes always ask
//! ([`checkout_checked`]).

use std::cell::Cell;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::PoolError;

use super::{DbPool, PooledConn};

/// How recent the last answer must be for a checkout to skip the check.
const BYPASS_WINDOW: Duration = Duration::from_millis(500);

thread_local! {
    /// Set while [`checkout_checked`] checks a connection out on this thread (r2d2 validates
    /// on the calling thread).
    static ALWAYS_CHECK: Cell<bool> = const { Cell::new(false) };
}

/// A PostgreSQL connection's diesel instrumentation: when its last statement was answered
/// without error (none after a failed one).
#[derive(Debug, Default)]
pub(super) struct LastAnswer {
    ok_at: Option<Instant>,
    /// Statements this connection has run (for [`super::chained::one_statement_transaction`]).
    pub(super) statements: u64,
}

impl Instrumentation for LastAnswer {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { error, .. } = event {
            self.ok_at = error.is_none().then(Instant::now);
            self.statements += 1;
        }
    }
}

impl LastAnswer {
    /// Whether a checkout may skip asking the server.
    pub(super) fn vouches(instrumentation: &mut dyn Instrumentation) -> bool {
        if ALWAYS_CHECK.with(Cell::get) {
            return false;
        }
        instrumentation
            .downcast_ref::<LastAnswer>()
            .and_then(|l| l.ok_at)
            .is_some_and(|at| at.elapsed() < BYPASS_WINDOW)
    }
}

/// Checks a connection out of `pool`, asking the server even if the connection answered a
/// moment ago: for readiness, which must report an outage at once and with its cause.
pub fn checkout_checked(pool: &DbPool, timeout: Duration) -> Result<PooledConn, PoolError> {
    ALWAYS_CHECK.with(|c| c.set(true));
    let conn = pool.get_timeout(timeout);
    ALWAYS_CHECK.with(|c| c.set(false));
    conn
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_answer_vouches_only_for_a_while_and_a_failure_never() {
        let mut last = LastAnswer::default();
        assert!(!LastAnswer::vouches(&mut last));
        last.ok_at = Some(Instant::now());
        assert!(LastAnswer::vouches(&mut last));
        ALWAYS_CHECK.with(|c| c.set(true));
        assert!(!LastAnswer::vouches(&mut last));
        ALWAYS_CHECK.with(|c| c.set(false));
        last.ok_at = Some(Instant::now() - BYPASS_WINDOW * 2);
        assert!(!LastAnswer::vouches(&mut last));
    }
}
