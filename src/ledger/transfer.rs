//! Transfers between claims: when a claim goes to the next payer, what is still open on each
//! line of the claim before it (the patient's share, a denied line's payer balance, what a
//! forwarding payer left to the next one) moves to the same line of the next payer's claim.
//! Pure: the secondary-claim batch (`cob::batch`) writes the rows with everything it stages.
//!
//! Two `transfer_to_payer` entries per line, equal and opposite: one closes the open buckets
//! on the earlier claim, one opens the payer bucket on the next claim. Nothing is charged
//! again, so the ledger balances over the chain of claims (charge = settled + open, summed
//! over a primary claim and the claims that followed it).

use super::model::{Buckets, EntryRow, Kind, LineBalance, PlannedEntry};
use super::store;
use crate::claims::model::ClaimRow;
use crate::db::types::Timestamp;

/// The rows moving every open balance of `from`'s lines (`balances`) to the payer bucket of
/// `to`'s lines (same line numbers), and the cents moved (0: nothing open, no rows).
pub fn rows(
    from: &ClaimRow,
    to: &ClaimRow,
    balances: &[LineBalance],
    at: Timestamp,
    by: &str,
) -> (Vec<EntryRow>, i64) {
    let mut rows: Vec<EntryRow> = Vec::new();
    let mut moved = 0;
    for b in balances {
        // Only what is owed moves; a credit (a negative bucket) stays for a refund.
        let owed = Buckets {
            payer_cents: b.open.payer_cents.max(0),
            patient_cents: b.open.patient_cents.max(0),
            next_payer_cents: b.open.next_payer_cents.max(0),
        };
        let amount = owed.total();
        if amount == 0 {
            continue;
        }
        moved += amount;
        let out = PlannedEntry::new(b.line_number, Kind::TransferToPayer, amount, owed.negated());
        let into = PlannedEntry::new(
            b.line_number,
            Kind::TransferToPayer,
            amount,
            Buckets {
                payer_cents: amount,
                ..Buckets::default()
            },
        );
        rows.push(store::row_of(
            from.id,
            None,
            Some(from.payer_id),
            &out,
            Some(format!("to claim {} (next payer)", to.id)),
            at,
            by,
        ));
        rows.push(store::row_of(
            to.id,
            None,
            Some(to.payer_id),
            &into,
            Some(format!("from claim {}", from.id)),
            at,
            by,
        ));
    }
    (rows, moved)
}
