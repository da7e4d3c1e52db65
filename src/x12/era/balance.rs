//! The 835 balancing rules, computed (never assumed):
//! - each line: SVC02 charge − SVC03 paid = Σ of the line's CAS amounts;
//! - each claim: CLP03 charge − CLP04 paid = Σ of the claim's and its lines' CAS amounts, and,
//!   when lines are present, CLP04 = Σ SVC03;
//! - the payment: BPR02 = Σ CLP04 − Σ PLB amounts.
//!
//! A payment that fails any rule is out of balance: it is stored and flagged, never posted.

use serde::{Deserialize, Serialize};

use super::model::{ClaimPayment, Payment};

/// The result of the balancing rules for one payment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BalanceCheck {
    /// True when every rule holds.
    pub balanced: bool,
    /// Σ CLP04 − Σ PLB, in cents: what BPR02 should be.
    pub computed_payment_cents: i64,
    /// Every rule that failed.
    pub imbalances: Vec<Imbalance>,
}

/// One failed balancing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Imbalance {
    /// 0-based index of the claim in the payment, when the rule concerns a claim or a line.
    pub claim: Option<usize>,
    /// 1-based position of the line in its claim, when the rule concerns a line.
    pub line: Option<usize>,
    /// Which rule: `line charge - paid = adjustments`, `claim charge - paid = adjustments`,
    /// `claim paid = sum of line paid`, `BPR02 = sum of CLP04 - sum of PLB`.
    pub rule: String,
    /// The left side, in cents.
    pub expected_cents: i64,
    /// The right side as found, in cents.
    pub found_cents: i64,
}

/// Checks one claim: its lines and its totals.
pub fn check_claim(index: usize, c: &ClaimPayment, out: &mut Vec<Imbalance>) {
    let mut push = |line: Option<usize>, rule: &str, expected: i64, found: i64| {
        if expected != found {
            out.push(Imbalance {
                claim: Some(index),
                line,
                rule: rule.to_string(),
                expected_cents: expected,
                found_cents: found,
            });
        }
    };
    for (i, l) in c.lines.iter().enumerate() {
        let cas: i64 = l.adjustments.iter().map(|a| a.amount_cents).sum();
        push(
            Some(i + 1),
            "line charge - paid = adjustments",
            l.charge_cents - l.paid_cents,
            cas,
        );
    }
    let cas: i64 = c.all_adjustments().map(|a| a.amount_cents).sum();
    push(
        None,
        "claim charge - paid = adjustments",
        c.charge_cents - c.paid_cents,
        cas,
    );
    if !c.lines.is_empty() {
        let paid: i64 = c.lines.iter().map(|l| l.paid_cents).sum();
        push(None, "claim paid = sum of line paid", c.paid_cents, paid);
    }
}

/// Computes the balance check of a payment whose claims and PLBs are read.
pub fn check(p: &Payment) -> BalanceCheck {
    let mut imbalances = Vec::new();
    for (i, c) in p.claims.iter().enumerate() {
        check_claim(i, c, &mut imbalances);
    }
    let clp: i64 = p.claims.iter().map(|c| c.paid_cents).sum();
    let plb: i64 = p.provider_adjustments.iter().map(|a| a.amount_cents).sum();
    let computed = clp - plb;
    // BPR02 is unsigned; BPR03 D (debit) means the provider pays the payer the amount.
    let bpr = if p.credit_debit == "D" {
        -p.amount_cents
    } else {
        p.amount_cents
    };
    if computed != bpr {
        imbalances.push(Imbalance {
            claim: None,
            line: None,
            rule: "BPR02 = sum of CLP04 - sum of PLB".to_string(),
            expected_cents: computed,
            found_cents: bpr,
        });
    }
    BalanceCheck {
        balanced: imbalances.is_empty(),
        computed_payment_cents: computed,
        imbalances,
    }
}
