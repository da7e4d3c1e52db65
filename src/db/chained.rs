//! Several writes of one change sent to PostgreSQL as one statement
//! (`WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …`), and to SQLite one after another.
//!
//! A create writes three rows (the record, its audit row, its event). On PostgreSQL each
//! statement is a round trip to the server and back, and those round trips, not the server's
//! work, were most of a create's time (docs/performance.md, "Session 10"). Data-modifying CTEs
//! run as one statement against one snapshot: the parts must not read each other's rows, which
//! plain INSERTs of new rows do not. Foreign keys are checked at the end of the statement, so a
//! later part may name a row an earlier part inserts. SQLite keeps its statements: there each is
//! a call into the library, not a round trip.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

use super::AnyConnection;

/// Statements run as one (PostgreSQL) or in order (SQLite): a tuple of two, three or four.
#[derive(Debug, Clone, Copy)]
pub struct Chained<T>(pub T);

/// Runs the tuple of statements `parts` in order (one statement on PostgreSQL); call inside the
/// caller's transaction. Returns the rows the last part changed.
pub fn execute<T>(conn: &mut AnyConnection, parts: T) -> QueryResult<usize>
where
    Chained<T>: QueryFragment<Pg> + QueryId,
    T: RunInOrder,
{
    match conn {
        AnyConnection::Postgres(c) => ExecuteDsl::execute(Chained(parts), c),
        AnyConnection::Sqlite(c) => parts.run_in_order(c),
    }
}

/// Runs `work`, which writes with at most one statement (an [`execute`] of chained parts), as
/// that statement's own transaction on PostgreSQL: a single statement is atomic and durable by
/// itself, so BEGIN and COMMIT were two round trips that changed nothing. SQLite gets a write
/// transaction as usual. Should `work` ever run more statements on PostgreSQL, they are not
/// atomic together: that is logged as an error (and fails debug builds, so tests catch it).
/// `work` must not fail after its statement succeeded: that statement stays committed.
pub fn one_statement_transaction<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if conn.backend() == super::Backend::Sqlite {
        return conn.write_transaction(work);
    }
    let before = statements_run(conn);
    let outcome = work(conn);
    let ran = statements_run(conn)
        .zip(before)
        .map(|(after, before)| after - before);
    if let Some(ran @ 2..) = ran {
        tracing::error!(
            ran,
            "a one-statement write ran more statements, not atomically"
        );
        debug_assert!(false, "a one-statement write ran {ran} statements");
    }
    outcome
}

/// Statements a pooled PostgreSQL connection has run (`None` for other connections).
fn statements_run(conn: &mut AnyConnection) -> Option<u64> {
    use diesel::Connection;
    match conn {
        AnyConnection::Postgres(c) => c
            .instrumentation()
            .downcast_ref::<super::liveness::LastAnswer>()
            .map(|l| l.statements),
        AnyConnection::Sqlite(_) => None,
    }
}

/// A tuple of statements SQLite runs one after another.
pub trait RunInOrder {
    /// Executes each part in order; the rows the last one changed.
    fn run_in_order(self, conn: &mut diesel::SqliteConnection) -> QueryResult<usize>;
}

macro_rules! chained_tuple {
    ($($head:ident $i:tt),+ ; $last:ident $li:tt) => {
        impl<$($head,)+ $last> QueryFragment<Pg> for Chained<($($head,)+ $last)>
        where
            $($head: QueryFragment<Pg>,)+
            $last: QueryFragment<Pg>,
        {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                let mut sep = "WITH ";
                $(
                    out.push_sql(sep);
                    out.push_sql(concat!("w", stringify!($i), " AS ("));
                    (self.0).$i.walk_ast(out.reborrow())?;
                    out.push_sql(")");
                    sep = ", ";
                )+
                let _ = sep;
                out.push_sql(" ");
                (self.0).$li.walk_ast(out.reborrow())
            }
        }

        impl<$($head,)+ $last> QueryId for Chained<($($head,)+ $last)>
        where
            $($head: QueryId,)+
            $last: QueryId,
        {
            type QueryId = Chained<($($head::QueryId,)+ $last::QueryId)>;
            const HAS_STATIC_QUERY_ID: bool =
                $($head::HAS_STATIC_QUERY_ID &&)+ $last::HAS_STATIC_QUERY_ID;
        }

        impl<$($head,)+ $last> RunInOrder for ($($head,)+ $last)
        where
            $($head: QueryFragment<Sqlite> + QueryId,)+
            $last: QueryFragment<Sqlite> + QueryId,
        {
            fn run_in_order(self, conn: &mut diesel::SqliteConnection) -> QueryResult<usize> {
                $( ExecuteDsl::execute(self.$i, conn)?; )+
                ExecuteDsl::execute(self.$li, conn)
            }
        }
    };
}

chained_tuple!(A 0; B 1);
chained_tuple!(A 0, B 1; C 2);
chained_tuple!(A 0, B 1, C 2; D 3);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use diesel::debug_query;
    use diesel::prelude::*;

    diesel::table! {
        t (x) {
            x -> BigInt,
        }
    }

    diesel::table! {
        u (y) {
            y -> Text,
        }
    }

    #[test]
    fn postgres_gets_one_statement_with_numbered_binds() {
        let q = Chained((
            diesel::insert_into(t::table).values(t::x.eq(1_i64)),
            diesel::insert_into(u::table).values(u::y.eq("a")),
            diesel::insert_into(t::table).values(t::x.eq(2_i64)),
        ));
        let sql = debug_query::<Pg, _>(&q).to_string();
        assert!(
            sql.starts_with(
                "WITH w0 AS (INSERT INTO \"t\" (\"x\") VALUES ($1)), \
                 w1 AS (INSERT INTO \"u\" (\"y\") VALUES ($2)) \
                 INSERT INTO \"t\" (\"x\") VALUES ($3)"
            ),
            "{sql}"
        );
        assert!(sql.contains("binds: [1, \"a\", 2]"), "{sql}");
    }
}
