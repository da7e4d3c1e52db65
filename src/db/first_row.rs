//! Reading at most one row without `LIMIT ?`.
//!
//! SQLite (3.47 on; the bundled one is 3.50) reads a `LIMIT` given as a bound parameter while
//! planning the statement, and so marks the statement to be compiled again whenever that
//! parameter is bound: diesel binds every parameter on every run, so a cached `.first()`
//! statement was parsed and planned anew each time (most of a validate's SQLite time, issue
//! 20). Lookups by a unique key need no `LIMIT` at all; ordered "latest" lookups read the first
//! row of their (small) result and stop.

use diesel::connection::DefaultLoadingMode;
use diesel::query_dsl::methods::LoadQuery;
use diesel::{QueryResult, RunQueryDsl};

use super::AnyConnection;

/// The first row `query` yields, or None: `.first(conn).optional()` without the `LIMIT ?`
/// that makes SQLite recompile the statement on every run. For queries that return one row
/// (a unique key) or few (an ordered lookup whose first row is wanted).
pub fn first_row<'q, Q, U>(query: Q, conn: &mut AnyConnection) -> QueryResult<Option<U>>
where
    Q: RunQueryDsl<AnyConnection> + LoadQuery<'q, AnyConnection, U, DefaultLoadingMode> + 'q,
    U: 'q,
{
    let mut rows = query.load_iter::<U, DefaultLoadingMode>(conn)?;
    rows.next().transpose()
}
