//! Generated tests of pure posting: thousands of random adjudications (processed, denied,
//! forwarded, claim-level adjustments, unbalanced lines, reversals) applied in sequence, with
//! the ledger invariant checked after every posting.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::adjudication::{Adjustment, ClaimAdjudication, LineAdjudication, LineMatch};
use super::post::{allocate, apply, post, reverse};
use crate::ledger::model::{Buckets, EntryId, Kind, LineBalance, PlannedEntry};
use crate::payers::model::PayerId;

fn charged(lines: &[i64]) -> Vec<LineBalance> {
    let entries: Vec<PlannedEntry> = lines
        .iter()
        .zip(1..)
        .map(|(c, n)| {
            PlannedEntry::new(
                n,
                Kind::Charge,
                *c,
                Buckets {
                    payer_cents: *c,
                    ..Buckets::default()
                },
            )
        })
        .collect();
    let empty: Vec<LineBalance> = (1..=lines.len() as i32)
        .map(|n| LineBalance {
            line_number: n,
            ..LineBalance::default()
        })
        .collect();
    apply(&empty, &entries)
}

fn adjustment(rng: &mut StdRng, group: &str, amount: i64) -> Adjustment {
    Adjustment {
        group: group.into(),
        reason: ["1", "2", "3", "45", "50", "97", "16"][rng.gen_range(0..7)].into(),
        amount_cents: amount,
        quantity: None,
    }
}

/// A random adjudication of `charges`; mostly balanced lines, sometimes not.
fn generate(rng: &mut StdRng, charges: &[i64]) -> ClaimAdjudication {
    let code = ["1", "1", "2", "4", "19", "20"][rng.gen_range(0..6)];
    let mut lines = Vec::new();
    for (c, n) in charges.iter().zip(1..) {
        if rng.gen_bool(0.15) {
            continue;
        }
        let paid = if code == "4" {
            0
        } else {
            rng.gen_range(0..=*c)
        };
        let mut left = c - paid;
        let mut adjustments = Vec::new();
        for g in ["PR", "CO", "OA"] {
            if left > 0 && rng.gen_bool(0.6) {
                let a = rng.gen_range(1..=left);
                adjustments.push(adjustment(rng, g, a));
                left -= a;
            }
        }
        if left > 0 && rng.gen_bool(0.8) {
            adjustments.push(adjustment(rng, "CO", left));
        }
        lines.push(LineAdjudication {
            line_number: n,
            charge_cents: *c,
            paid_cents: paid,
            adjustments,
            remarks: vec!["N130".into()],
            matched_by: LineMatch::ControlNumber,
        });
    }
    let claim_adjustments = if rng.gen_bool(0.2) {
        let a = rng.gen_range(1..500);
        vec![adjustment(rng, "OA", a)]
    } else {
        Vec::new()
    };
    ClaimAdjudication {
        payer_id: PayerId::default(),
        status_code: code.into(),
        payer_claim_number: None,
        charge_cents: charges.iter().sum(),
        paid_cents: lines.iter().map(|l| l.paid_cents).sum(),
        patient_responsibility_cents: 0,
        claim_adjustments,
        lines,
        remittance_id: None,
        payment_ref: Some("CHK1".into()),
        paid_on: None,
    }
}

fn assert_invariant(b: &[LineBalance], what: &str) {
    for l in b {
        assert!(
            l.balances(),
            "{what}: line {} charge {} != settled {} + open {:?}",
            l.line_number,
            l.charge_cents,
            l.settled_cents,
            l.open
        );
    }
}

#[test]
fn the_ledger_invariant_holds_after_every_generated_posting() {
    let mut rng = StdRng::seed_from_u64(12);
    for case in 0..3000 {
        let charges: Vec<i64> = (0..rng.gen_range(1..5))
            .map(|_| rng.gen_range(1..200_000))
            .collect();
        let mut balances = charged(&charges);
        assert_invariant(&balances, "charged");
        let mut history: Vec<Vec<PlannedEntry>> = Vec::new();
        for step in 0..rng.gen_range(1..4) {
            let adj = generate(&mut rng, &charges);
            let plan = post(&adj, &balances).unwrap_or_else(|e| panic!("case {case}: {e:?}"));
            let before = balances.clone();
            balances = apply(&balances, &plan.entries);
            assert_invariant(&balances, &format!("case {case} step {step}"));
            // Money moves only as the adjudication says: what was paid is what was posted.
            let posted: i64 = plan
                .entries
                .iter()
                .filter(|e| e.kind == Kind::Payment)
                .map(|e| e.amount_cents)
                .sum();
            assert_eq!(posted, adj.paid_cents, "case {case}");
            // PR moves balance to the patient and never changes a line's total.
            for (a, b) in before.iter().zip(&balances) {
                assert_eq!(a.charge_cents, b.charge_cents);
            }
            history.push(plan.entries);
        }
        // Reversing every posting, newest first, puts the lines back to their charges.
        for entries in history.iter().rev() {
            let prior: Vec<(EntryId, PlannedEntry)> = entries
                .iter()
                .map(|e| (EntryId::new(), e.clone()))
                .collect();
            let undo = reverse(&prior);
            balances = apply(&balances, &undo);
            assert_invariant(&balances, &format!("case {case} reversal"));
        }
        assert_eq!(balances, charged(&charges), "case {case}");
    }
}

#[test]
fn a_balanced_processed_claim_leaves_the_payer_owing_nothing() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..1000 {
        let charges: Vec<i64> = (0..3).map(|_| rng.gen_range(100..50_000)).collect();
        let balances = charged(&charges);
        let mut adj = generate(&mut rng, &charges);
        adj.status_code = "1".into();
        adj.claim_adjustments.clear();
        // Make every line present and balanced, and paid something (not a denial).
        adj.lines = charges
            .iter()
            .zip(1..)
            .map(|(c, n)| {
                let paid = rng.gen_range(1..=*c);
                let pr = rng.gen_range(0..=c - paid);
                LineAdjudication {
                    line_number: n,
                    charge_cents: *c,
                    paid_cents: paid,
                    adjustments: vec![
                        adjustment(&mut rng, "PR", pr),
                        adjustment(&mut rng, "CO", c - paid - pr),
                    ],
                    remarks: Vec::new(),
                    matched_by: LineMatch::Fallback,
                }
            })
            .collect();
        let plan = post(&adj, &balances).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let after = apply(&balances, &plan.entries);
        for (l, b) in adj.lines.iter().zip(&after) {
            let pr: i64 = l.adjustments[0].amount_cents;
            assert_eq!(b.open.payer_cents, 0);
            assert_eq!(b.open.patient_cents, pr);
            assert_eq!(b.open.next_payer_cents, 0);
        }
    }
}

#[test]
fn a_denial_keeps_the_balance_open_and_records_the_reasons() {
    let balances = charged(&[10_000, 5_000]);
    let mut rng = StdRng::seed_from_u64(1);
    let mut adj = generate(&mut rng, &[10_000, 5_000]);
    adj.status_code = "4".into();
    adj.claim_adjustments.clear();
    adj.lines = vec![LineAdjudication {
        line_number: 2,
        charge_cents: 5_000,
        paid_cents: 0,
        adjustments: vec![adjustment(&mut rng, "CO", 5_000)],
        remarks: vec!["M51".into()],
        matched_by: LineMatch::Manual,
    }];
    let plan = post(&adj, &balances).unwrap_or_else(|e| panic!("{e:?}"));
    let after = apply(&balances, &plan.entries);
    assert_eq!(after[1].open.payer_cents, 5_000);
    assert_eq!(plan.denials.len(), 1);
    assert_eq!(plan.denials[0].line_number, 2);
    assert_eq!(plan.denials[0].remarks, vec!["M51".to_string()]);
}

#[test]
fn a_forwarded_claim_moves_what_is_left_to_the_next_payer() {
    let balances = charged(&[10_000]);
    let adj = ClaimAdjudication {
        payer_id: PayerId::default(),
        status_code: "19".into(),
        payer_claim_number: None,
        charge_cents: 10_000,
        paid_cents: 6_000,
        patient_responsibility_cents: 0,
        claim_adjustments: Vec::new(),
        lines: vec![LineAdjudication {
            line_number: 1,
            charge_cents: 10_000,
            paid_cents: 6_000,
            adjustments: vec![Adjustment {
                group: "CO".into(),
                reason: "45".into(),
                amount_cents: 1_000,
                quantity: None,
            }],
            remarks: Vec::new(),
            matched_by: LineMatch::ControlNumber,
        }],
        remittance_id: None,
        payment_ref: None,
        paid_on: None,
    };
    let plan = post(&adj, &balances).unwrap_or_else(|e| panic!("{e:?}"));
    let after = apply(&balances, &plan.entries);
    assert_eq!(after[0].open.payer_cents, 0);
    assert_eq!(after[0].open.next_payer_cents, 3_000);
    assert!(after[0].balances());
}

#[test]
fn bad_adjudications_name_the_field() {
    let balances = charged(&[10_000]);
    let mut rng = StdRng::seed_from_u64(3);
    let mut adj = generate(&mut rng, &[10_000]);
    adj.status_code = "7".into();
    assert_eq!(
        post(&adj, &balances).map_err(|e| e.pointer),
        Err("/status_code".into())
    );
    adj.status_code = "1".into();
    adj.lines = vec![LineAdjudication {
        line_number: 9,
        charge_cents: 1,
        paid_cents: 1,
        adjustments: Vec::new(),
        remarks: Vec::new(),
        matched_by: LineMatch::Manual,
    }];
    assert_eq!(
        post(&adj, &balances).map_err(|e| e.pointer),
        Err("/lines/0/line_number".into())
    );
}

#[test]
fn allocation_always_sums_to_the_amount() {
    let mut rng = StdRng::seed_from_u64(5);
    for _ in 0..5000 {
        let caps: Vec<i64> = (0..rng.gen_range(1..6))
            .map(|_| rng.gen_range(-100..1000))
            .collect();
        let amount = rng.gen_range(-500..3000);
        let shares = allocate(amount, &caps);
        assert_eq!(shares.iter().sum::<i64>(), amount);
    }
}
