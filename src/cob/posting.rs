//! Posting a next payer's remittance against its own claim (pure).
//!
//! A secondary payer's 835 repeats the whole charge and reports what the earlier payers
//! settled as CARC 23 ("impact of prior payer(s) adjudication"). That money is already in the
//! ledger, on the earlier claim; this claim holds only what was transferred to it. So before
//! the usual posting: CARC 23 adjustments are left out (and taken off the remitted line
//! charge), and the line's "billed" amount is what was transferred in. Everything else posts
//! as on any claim.

use crate::ledger::model::{EntryRow, Kind, LineBalance};
use crate::remits::adjudication::{Adjustment, ClaimAdjudication};

/// CARC 23: the impact of prior payers' adjudication.
pub const PRIOR_PAYER_IMPACT: &str = "23";

fn without_prior_impact(adjs: &[Adjustment]) -> (Vec<Adjustment>, i64) {
    let (prior, own): (Vec<&Adjustment>, Vec<&Adjustment>) = adjs
        .iter()
        .partition(|a| a.reason == PRIOR_PAYER_IMPACT && a.group != "PR");
    (
        own.into_iter().cloned().collect(),
        prior.iter().map(|a| a.amount_cents).sum(),
    )
}

/// On a next payer's claim, sets each line's charge to the snapshot's (the ledger charged it
/// on the first claim only), so a paper EOB entered against it reads like the payer's 835:
/// the whole charge, with CARC 23 for what earlier payers settled.
pub fn billed_charges(claim: &crate::claims::model::ClaimRow, balances: &mut [LineBalance]) {
    let Ok(snap) = serde_json::from_str::<crate::claims::snapshot::Snapshot>(&claim.snapshot)
    else {
        return;
    };
    if snap.other_payers.is_empty() {
        return;
    }
    for b in balances.iter_mut() {
        let line = usize::try_from(b.line_number - 1)
            .ok()
            .and_then(|i| snap.lines.get(i));
        if let Some(l) = line {
            b.charge_cents = l.charge_cents;
        }
    }
}

/// `adj` and `balances` as posting a next payer's claim sees them (see the module docs);
/// `entries` are the claim's ledger entries.
pub fn prepare(
    adj: &ClaimAdjudication,
    balances: &[LineBalance],
    entries: &[EntryRow],
) -> (ClaimAdjudication, Vec<LineBalance>) {
    let mut adj = adj.clone();
    for l in &mut adj.lines {
        let (own, prior) = without_prior_impact(&l.adjustments);
        l.adjustments = own;
        l.charge_cents -= prior;
    }
    let (own, prior) = without_prior_impact(&adj.claim_adjustments);
    adj.claim_adjustments = own;
    adj.charge_cents -= prior;
    let balances = balances
        .iter()
        .map(|b| LineBalance {
            charge_cents: entries
                .iter()
                .filter(|e| {
                    e.line_number == b.line_number
                        && e.kind == Kind::TransferToPayer.as_str()
                        && e.payer_cents > 0
                })
                .map(|e| e.amount_cents)
                .sum(),
            ..*b
        })
        .collect();
    (adj, balances)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ledger::model::{Buckets, PlannedEntry};
    use crate::ledger::store::row_of;
    use crate::remits::adjudication::{LineAdjudication, LineMatch};
    use crate::remits::post;

    fn cas(group: &str, reason: &str, amount: i64) -> Adjustment {
        Adjustment {
            group: group.into(),
            reason: reason.into(),
            amount_cents: amount,
            quantity: None,
        }
    }

    #[test]
    fn the_prior_payers_impact_is_not_posted_again() {
        // 100.00 charged; the primary left 20.00, transferred to this claim's payer bucket.
        let claim = crate::claims::model::ClaimId::new();
        let at = crate::db::types::Timestamp::now();
        let transfer = PlannedEntry::new(
            1,
            Kind::TransferToPayer,
            2_000,
            Buckets {
                payer_cents: 2_000,
                ..Buckets::default()
            },
        );
        let entries = vec![row_of(claim, None, None, &transfer, None, at, "t")];
        let balances = crate::ledger::store::fold(&entries);
        let adj = ClaimAdjudication {
            payer_id: crate::payers::model::PayerId::new(),
            status_code: "2".into(),
            payer_claim_number: None,
            charge_cents: 10_000,
            paid_cents: 1_500,
            patient_responsibility_cents: 500,
            claim_adjustments: Vec::new(),
            lines: vec![LineAdjudication {
                line_number: 1,
                charge_cents: 10_000,
                paid_cents: 1_500,
                adjustments: vec![cas("OA", "23", 8_000), cas("PR", "2", 500)],
                remarks: Vec::new(),
                matched_by: LineMatch::ControlNumber,
            }],
            remittance_id: None,
            payment_ref: Some("S1".into()),
            paid_on: None,
        };
        let (adj, balances) = prepare(&adj, &balances, &entries);
        let plan = post::post(&adj, &balances).unwrap();
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let after = post::apply(&balances, &plan.entries);
        assert_eq!(after[0].open.payer_cents, 0);
        assert_eq!(after[0].open.patient_cents, 500);
        assert_eq!(after[0].settled_cents, 1_500);
    }
}
