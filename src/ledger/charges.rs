//! Charge entries: written when a claim is built, one per snapshot line, so every claim has
//! balances (and shows in aging) from the start, not only once a payer answers.

use super::model::{Buckets, Kind, PlannedEntry};
use super::store;
use crate::claims::frequency::Frequency;
use crate::claims::model::ClaimRow;
use crate::claims::snapshot::Snapshot;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

/// Writes the charge of every line of `snap` for claim `row` (voids charge nothing).
pub fn write(
    conn: &mut AnyConnection,
    row: &ClaimRow,
    snap: &Snapshot,
    by: &str,
) -> diesel::QueryResult<()> {
    write_many(conn, [(row, snap)], by)
}

/// [`write`] for many claims (a claim batch): their entries go in multi-row statements.
pub fn write_many<'a>(
    conn: &mut AnyConnection,
    claims: impl IntoIterator<Item = (&'a ClaimRow, &'a Snapshot)>,
    by: &str,
) -> diesel::QueryResult<()> {
    let at = Timestamp::now();
    let mut rows = Vec::new();
    // A void (frequency 8) takes nothing to the ledger: its reversal posts from the payer.
    for (row, snap) in claims
        .into_iter()
        .filter(|(r, _)| r.frequency != Frequency::Void)
    {
        rows.extend(snap.lines.iter().zip(1..).map(|(l, n)| {
            let e = PlannedEntry::new(
                n,
                Kind::Charge,
                l.charge_cents,
                Buckets {
                    payer_cents: l.charge_cents,
                    ..Buckets::default()
                },
            );
            store::row_of(row.id, None, Some(row.payer_id), &e, None, at, by)
        }));
    }
    store::insert_entries(conn, &rows)
}
