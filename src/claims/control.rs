//! X12 control numbers (ISA13, GS06, ST02), unique per sender and never reused: one counter
//! row per sender, advanced in the same transaction that stores the interchange using them
//! (a rolled-back interchange gives its numbers back unused; a committed one keeps them).

use diesel::prelude::*;

use crate::db::schema_claims::control_counters as cc;
use crate::db::AnyConnection;

/// The largest control number X12 allows (9 digits).
pub const MAX_CONTROL: i64 = 999_999_999;

/// The control numbers of one interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controls {
    /// ISA13.
    pub isa: i64,
    /// GS06.
    pub gs: i64,
    /// ST02.
    pub st: i64,
}

fn advance(conn: &mut AnyConnection, sender: &str) -> QueryResult<usize> {
    diesel::update(cc::table.find(sender))
        .set((
            cc::next_isa.eq(cc::next_isa + 1),
            cc::next_gs.eq(cc::next_gs + 1),
            cc::next_st.eq(cc::next_st + 1),
        ))
        .execute(conn)
}

/// Takes the next control numbers of `sender` (inside the caller's transaction; on PostgreSQL
/// the counter row stays locked until it commits, so concurrent workers queue here). `None`
/// once the 9-digit range is used up: numbers are never wrapped around.
pub fn take(conn: &mut AnyConnection, sender: &str) -> QueryResult<Option<Controls>> {
    if advance(conn, sender)? == 0 {
        // The sender's first interchange. A concurrent first insert wins the race: then the
        // savepoint is rolled back and the counter advanced as usual.
        let inserted = conn.transaction(|c| {
            diesel::insert_into(cc::table)
                .values((
                    cc::sender.eq(sender),
                    cc::next_isa.eq(2_i64),
                    cc::next_gs.eq(2_i64),
                    cc::next_st.eq(2_i64),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => {
                return Ok(Some(Controls {
                    isa: 1,
                    gs: 1,
                    st: 1,
                }))
            }
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                advance(conn, sender)?;
            }
            Err(e) => return Err(e),
        }
    }
    let (isa, gs, st): (i64, i64, i64) = cc::table
        .find(sender)
        .select((cc::next_isa, cc::next_gs, cc::next_st))
        .first(conn)?;
    let taken = Controls {
        isa: isa - 1,
        gs: gs - 1,
        st: st - 1,
    };
    if taken.isa > MAX_CONTROL || taken.gs > MAX_CONTROL || taken.st > MAX_CONTROL {
        return Ok(None);
    }
    Ok(Some(taken))
}
