//! Point reads at the cost of the statement, not of its SQL text.
//!
//! Two costs that are not the read itself, both measured on the audit writer that runs every
//! audited point read (docs/performance.md, "Session 13"):
//!
//! - SQLite (3.47 on; the bundled one is 3.50) reads a `LIMIT` given as a bound parameter while
//!   planning the statement, and so marks the statement to be compiled again whenever that
//!   parameter is bound: diesel binds every parameter on every run, so a cached `.first()`
//!   statement was parsed and planned anew each time (most of a validate's SQLite time, issue
//!   20). Lookups by a unique key need no `LIMIT` at all; ordered "latest" lookups read the
//!   first row of their (small) result and stop.
//! - A query run on [`AnyConnection`] is wrapped by diesel's multi-connection support, which
//!   renders the whole SQL text on every pass over the query (the cache check and the binds),
//!   even when the prepared statement is found by type: that rendering cost twice what SQLite
//!   spent executing a patient read. Run on the backend's own connection, a statement with a
//!   static query id is found by type and only its binds are walked.

use diesel::connection::{DefaultLoadingMode, LoadConnection};
use diesel::query_dsl::methods::LoadQuery;
use diesel::{QueryResult, RunQueryDsl};

/// Runs `$body` with `$c` bound to the backend's own connection inside `$conn` (an
/// `&mut AnyConnection`). `$body` is compiled once per backend, so a query built inside it
/// (with `as_select()`, whose type names the backend) fits each; every query built from our
/// schema and types runs on both.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgres($c) => $body,
        }
    };
}

/// The first row `query` yields, or None: `.first(conn).optional()` without the `LIMIT ?`
/// that makes SQLite recompile the statement on every run. For queries that return one row
/// (a unique key) or few (an ordered lookup whose first row is wanted): SQLite steps one row
/// and stops, but PostgreSQL sends the whole result, so an ordered lookup over many rows takes
/// `LIMIT 1` there instead (`audit::chain::head`). On a hot path, run it on the backend's own
/// connection: `on_backend!(conn, c => first_row(query, c))`.
pub fn first_row<'q, C, Q, U>(query: Q, conn: &mut C) -> QueryResult<Option<U>>
where
    C: LoadConnection<DefaultLoadingMode>,
    Q: LoadQuery<'q, C, U, DefaultLoadingMode> + RunQueryDsl<C> + 'q,
    U: 'q,
{
    let mut rows = query.load_iter::<U, DefaultLoadingMode>(conn)?;
    rows.next().transpose()
}
