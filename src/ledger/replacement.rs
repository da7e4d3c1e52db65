//! A claim replaced (frequency 7) or voided (8) owes nothing any more: the replacement is
//! charged on its own and the payer adjudicates it afresh (and reverses its payment of the
//! original), so the original's open balance would otherwise be owed twice, by the payer and by
//! the patient. Its positive buckets are closed by `write_off` entries with the reason code
//! [`REPLACED`] (or [`VOIDED`]) when the replacement is built, and kept closed after every later
//! posting to the original (the payer's reversal reopens what it had paid).
//!
//! The closure is computed, not accumulated: per line and bucket, the balance without closure
//! entries is `raw`, and the closure entries in force must sum to `−max(raw, 0)`; each call
//! writes the difference. So a reversal that reopens a bucket is closed again, money that
//! arrives after the closure gives back what the closure took, and a credit (a patient who paid
//! a share the reversal took away) is never closed: it stays on the original, where the
//! patient's balance and a refund can see it.

use std::collections::BTreeMap;

use super::model::{Buckets, EntryRow, Kind, PlannedEntry};
use super::store;
use crate::claims::frequency::Frequency;
use crate::claims::model::{ClaimId, ClaimRow};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;

/// Reason code of the entries closing a replaced claim.
pub const REPLACED: &str = "replaced";
/// Reason code of the entries closing a voided claim.
pub const VOIDED: &str = "voided";

/// Whether a stored entry is a closure of a replaced or voided claim.
pub fn is_closure(e: &EntryRow) -> bool {
    e.kind == Kind::WriteOff.as_str()
        && matches!(e.reason_code.as_deref(), Some(REPLACED) | Some(VOIDED))
}

/// The closure reason for a superseding claim's frequency code.
pub fn reason_for(frequency: Frequency) -> &'static str {
    if frequency == Frequency::Void {
        VOIDED
    } else {
        REPLACED
    }
}

/// The entries that bring the closure of a superseded claim's lines to what its other entries
/// leave open (pure; empty when nothing changes).
pub fn closing(entries: &[EntryRow], reason: &str) -> Vec<PlannedEntry> {
    // Per line: (open without closures, closures in force).
    let mut lines: BTreeMap<i32, (Buckets, Buckets)> = BTreeMap::new();
    for e in entries {
        let slot = lines.entry(e.line_number).or_default();
        if is_closure(e) {
            slot.1.add(&e.effect());
        } else {
            slot.0.add(&e.effect());
        }
    }
    let gap = |raw: i64, closed: i64| -raw.max(0) - closed;
    lines
        .into_iter()
        .filter_map(|(line, (raw, closed))| {
            let effect = Buckets {
                payer_cents: gap(raw.payer_cents, closed.payer_cents),
                patient_cents: gap(raw.patient_cents, closed.patient_cents),
                next_payer_cents: gap(raw.next_payer_cents, closed.next_payer_cents),
            };
            (effect != Buckets::default()).then(|| {
                // A write-off settles what it takes off the buckets (negative: gives it back).
                let mut e = PlannedEntry::new(line, Kind::WriteOff, -effect.total(), effect);
                e.reason_code = Some(reason.to_string());
                e
            })
        })
        .collect()
}

/// The rows closing `claim`'s open balance because claim `by` supersedes it, given its entries.
pub fn closing_rows(
    claim: &ClaimRow,
    entries: &[EntryRow],
    by: ClaimId,
    reason: &str,
    at: Timestamp,
    actor: &str,
) -> Vec<EntryRow> {
    let verb = if reason == VOIDED {
        "voided"
    } else {
        "replaced"
    };
    closing(entries, reason)
        .iter()
        .map(|e| {
            store::row_of(
                claim.id,
                None,
                Some(claim.payer_id),
                e,
                Some(format!("{verb} by claim {by}")),
                at,
                actor,
            )
        })
        .collect()
}

/// Closes the open balance of `original` now that claim `by` (frequency `frequency`) replaces
/// or voids it. In the caller's transaction; answers the cents closed.
pub fn close_original(
    conn: &mut AnyConnection,
    original: &ClaimRow,
    by: ClaimId,
    frequency: Frequency,
    actor: &str,
) -> diesel::QueryResult<i64> {
    let entries = store::entries(conn, original.id)?;
    let rows = closing_rows(
        original,
        &entries,
        by,
        reason_for(frequency),
        Timestamp::now(),
        actor,
    );
    store::insert_entries(conn, &rows)?;
    Ok(rows.iter().map(|r| r.amount_cents).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::model::LineBalance;

    fn row(line: i32, kind: Kind, amount: i64, effect: Buckets, reason: Option<&str>) -> EntryRow {
        let mut e = PlannedEntry::new(line, kind, amount, effect);
        e.reason_code = reason.map(str::to_string);
        store::row_of(ClaimId::new(), None, None, &e, None, Timestamp::now(), "t")
    }

    fn b(payer: i64, patient: i64) -> Buckets {
        Buckets {
            payer_cents: payer,
            patient_cents: patient,
            next_payer_cents: 0,
        }
    }

    /// Applies the closure like the callers do and checks the invariant and the buckets.
    fn close(entries: &mut Vec<EntryRow>) -> LineBalance {
        let planned = closing(entries, REPLACED);
        entries.extend(planned.iter().map(|e| {
            row(
                e.line_number,
                e.kind,
                e.amount_cents,
                e.effect,
                Some(REPLACED),
            )
        }));
        // Closing twice changes nothing.
        assert!(closing(entries, REPLACED).is_empty());
        let bal = store::fold(entries);
        assert!(bal.iter().all(LineBalance::balances), "{bal:?}");
        bal[0]
    }

    #[test]
    fn unpaid_claim_closes_whole_and_reopens_for_late_money() {
        let mut e = vec![row(1, Kind::Charge, 10000, b(10000, 0), None)];
        let bal = close(&mut e);
        assert_eq!(bal.open, Buckets::default());
        assert_eq!(bal.settled_cents, 10000);
        // The payer pays the original after all: 60 paid, 20 CO, 20 PR. The closure gives back
        // what the payment settled; the patient's share is closed too.
        e.push(row(1, Kind::Payment, 6000, b(-6000, 0), None));
        e.push(row(1, Kind::Adjustment, 2000, b(-2000, 0), None));
        e.push(row(
            1,
            Kind::PatientResponsibility,
            2000,
            b(-2000, 2000),
            None,
        ));
        let bal = close(&mut e);
        assert_eq!(bal.open, Buckets::default());
        let closed: i64 = e
            .iter()
            .filter(|r| is_closure(r))
            .map(|r| r.amount_cents)
            .sum();
        assert_eq!(closed, 2000);
    }

    #[test]
    fn reversal_is_closed_again_and_a_patient_credit_stays() {
        let mut e = vec![
            row(1, Kind::Charge, 10000, b(10000, 0), None),
            row(1, Kind::Payment, 6000, b(-6000, 0), None),
            row(1, Kind::Adjustment, 2000, b(-2000, 0), None),
            row(1, Kind::PatientResponsibility, 2000, b(-2000, 2000), None),
            row(1, Kind::PatientPayment, 2000, b(0, -2000), None),
        ];
        // Nothing is open when the replacement is built.
        assert!(closing(&e, REPLACED).is_empty());
        // The payer reverses its payment of the original.
        e.push(row(1, Kind::Payment, -6000, b(6000, 0), None));
        e.push(row(1, Kind::Adjustment, -2000, b(2000, 0), None));
        e.push(row(
            1,
            Kind::PatientResponsibility,
            -2000,
            b(2000, -2000),
            None,
        ));
        let bal = close(&mut e);
        assert_eq!(
            bal.open,
            b(0, -2000),
            "the patient's payment stays a credit"
        );
    }

    #[test]
    fn manual_write_offs_are_not_closures() {
        let e = vec![
            row(1, Kind::Charge, 5000, b(5000, 0), None),
            row(1, Kind::WriteOff, 5000, b(-5000, 0), None),
            row(2, Kind::Charge, 3000, b(3000, 0), None),
        ];
        let planned = closing(&e, VOIDED);
        assert_eq!(planned.len(), 1);
        assert_eq!((planned[0].line_number, planned[0].amount_cents), (2, 3000));
        assert_eq!(planned[0].reason_code.as_deref(), Some(VOIDED));
    }
}
