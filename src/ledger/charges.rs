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
    if row.frequency == Frequency::Void {
        return Ok(());
    }
    let at = Timestamp::now();
    let rows: Vec<_> = snap
        .lines
        .iter()
        .zip(1..)
        .map(|(l, n)| {
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
        })
        .collect();
    store::insert_entries(conn, &rows)
}
