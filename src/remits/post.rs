//! Pure posting: (one payer's adjudication of a claim, the claim's current line balances) ->
//! the ledger entries and open denials to write. No I/O and no clock, so the ledger invariant
//! can be checked over many generated adjudications.

use super::adjudication::{Adjustment, ClaimAdjudication, LineMatch, DENIED, FORWARDED, PROCESSED};
use crate::ledger::model::{Buckets, Kind, LineBalance, PlannedDenial, PlannedEntry};

/// What posting wants written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Ledger entries, in order.
    pub entries: Vec<PlannedEntry>,
    /// Denied lines whose balance stays open for work.
    pub denials: Vec<PlannedDenial>,
    /// Things a person should look at (charges that differ, lines out of balance).
    pub warnings: Vec<String>,
}

/// Why an adjudication cannot be posted: a JSON pointer into the adjudication and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostError {
    /// Where (`/lines/0/line_number`).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

fn err(pointer: String, message: impl Into<String>) -> PostError {
    PostError {
        pointer,
        message: message.into(),
    }
}

/// The CAS groups posting knows.
pub const GROUPS: [&str; 5] = ["CO", "PR", "OA", "PI", "CR"];

fn check_adjustments(adjs: &[Adjustment], at: &str) -> Result<(), PostError> {
    for (i, a) in adjs.iter().enumerate() {
        if !GROUPS.contains(&a.group.as_str()) {
            return Err(err(
                format!("{at}/{i}/group"),
                "must be one of CO, PR, OA, PI, CR",
            ));
        }
        if a.reason.trim().is_empty() {
            return Err(err(format!("{at}/{i}/reason"), "a CARC reason is required"));
        }
    }
    Ok(())
}

/// Splits `amount` over `caps` in order, each share at most its cap (negative caps count as 0);
/// what is left goes to the last share, so the shares always sum to `amount`.
pub fn allocate(amount: i64, caps: &[i64]) -> Vec<i64> {
    let mut shares = vec![0; caps.len()];
    let mut left = amount;
    for (share, cap) in shares.iter_mut().zip(caps) {
        if left <= 0 {
            break;
        }
        let take = left.min((*cap).max(0));
        *share = take;
        left -= take;
    }
    if let Some(last) = shares.last_mut() {
        *last += left;
    }
    shares
}

/// The entry an adjustment makes on a line that is not denied.
fn adjustment_entry(line: i32, a: &Adjustment) -> PlannedEntry {
    let (kind, effect) = if a.group == "PR" {
        (
            Kind::PatientResponsibility,
            Buckets {
                payer_cents: -a.amount_cents,
                patient_cents: a.amount_cents,
                next_payer_cents: 0,
            },
        )
    } else {
        (
            Kind::Adjustment,
            Buckets {
                payer_cents: -a.amount_cents,
                ..Buckets::default()
            },
        )
    };
    let mut e = PlannedEntry::new(line, kind, a.amount_cents, effect);
    e.group_code = Some(a.group.clone());
    e.reason_code = Some(a.reason.clone());
    e
}

/// One line's share of the adjudication, after claim-level amounts were spread.
struct LineShare {
    line_number: i32,
    paid_cents: i64,
    adjustments: Vec<Adjustment>,
    remarks: Vec<String>,
    matched_by: LineMatch,
    denied: bool,
}

/// Plans the entries for `adj` (not a reversal: see [`reverse`]) against `balances`.
///
/// Payments close payer balance; PR adjustments move it to the patient; other adjustments
/// close it, except on a denied line (CLP02 4, or nothing paid with non-PR adjustments), where
/// the balance stays open and the reasons are recorded as denials for a person to work
/// (appeal, correct or write off). A forwarded claim (CLP02 19-21) moves what the payer still
/// owes to the next payer. Claim-level amounts are spread over the lines in order.
pub fn post(adj: &ClaimAdjudication, balances: &[LineBalance]) -> Result<Plan, PostError> {
    let code = adj.status_code.as_str();
    let denied_claim = code == DENIED;
    let forwarded = FORWARDED.contains(&code);
    if !(PROCESSED.contains(&code) || denied_claim || forwarded) {
        return Err(err(
            "/status_code".into(),
            "must be 1, 2, 3, 4, 19, 20, 21 or 22",
        ));
    }
    if balances.is_empty() {
        return Err(err("/lines".into(), "the claim has no charged lines"));
    }
    check_adjustments(&adj.claim_adjustments, "/claim_adjustments")?;
    let mut plan = Plan::default();
    let mut shares: Vec<LineShare> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, l) in adj.lines.iter().enumerate() {
        let at = format!("/lines/{i}");
        let Some(bal) = balances.iter().find(|b| b.line_number == l.line_number) else {
            return Err(err(
                format!("{at}/line_number"),
                "the claim has no such line",
            ));
        };
        if !seen.insert(l.line_number) {
            return Err(err(format!("{at}/line_number"), "this line is given twice"));
        }
        check_adjustments(&l.adjustments, &format!("{at}/adjustments"))?;
        if l.charge_cents != bal.charge_cents {
            plan.warnings.push(format!(
                "line {}: remitted charge {} differs from the billed {}",
                l.line_number, l.charge_cents, bal.charge_cents
            ));
        }
        let cas: i64 = l.adjustments.iter().map(|a| a.amount_cents).sum();
        if l.charge_cents - l.paid_cents != cas {
            plan.warnings.push(format!(
                "line {}: charge - paid ({}) is not the sum of its adjustments ({cas})",
                l.line_number,
                l.charge_cents - l.paid_cents
            ));
        }
        let denied =
            denied_claim || (l.paid_cents == 0 && l.adjustments.iter().any(|a| a.group != "PR"));
        shares.push(LineShare {
            line_number: l.line_number,
            paid_cents: l.paid_cents,
            adjustments: l.adjustments.clone(),
            remarks: l.remarks.clone(),
            matched_by: l.matched_by,
            denied,
        });
    }
    if shares.is_empty() {
        // No line detail (a claim-level CLP or a short paper EOB): spread the payment over the
        // lines in order, up to what each payer bucket holds.
        let caps: Vec<i64> = balances.iter().map(|b| b.open.payer_cents).collect();
        let paid = allocate(adj.paid_cents, &caps);
        for (b, p) in balances.iter().zip(paid) {
            shares.push(LineShare {
                line_number: b.line_number,
                paid_cents: p,
                adjustments: Vec::new(),
                remarks: Vec::new(),
                matched_by: LineMatch::Manual,
                denied: denied_claim,
            });
        }
    }
    // Claim-level adjustments go to the lines in order, up to what each line's payer still owes.
    let remaining: Vec<i64> = shares
        .iter()
        .map(|s| {
            let bal = balances
                .iter()
                .find(|b| b.line_number == s.line_number)
                .map_or(0, |b| b.open.payer_cents);
            let cas: i64 = s.adjustments.iter().map(|a| a.amount_cents).sum();
            bal - s.paid_cents - cas
        })
        .collect();
    let mut remaining = remaining;
    for a in &adj.claim_adjustments {
        let split = allocate(a.amount_cents, &remaining);
        for ((s, part), rem) in shares.iter_mut().zip(split).zip(remaining.iter_mut()) {
            if part != 0 {
                s.adjustments.push(Adjustment {
                    amount_cents: part,
                    quantity: None,
                    ..a.clone()
                });
                *rem -= part;
            }
        }
    }
    for (s, rem) in shares.iter().zip(&remaining) {
        plan_line(&mut plan, s, forwarded, *rem);
    }
    Ok(plan)
}

/// Appends the entries of one line; `left` is what the payer still owes after it.
fn plan_line(plan: &mut Plan, s: &LineShare, forwarded: bool, left: i64) {
    let line = s.line_number;
    let mut pay = PlannedEntry::new(
        line,
        Kind::Payment,
        s.paid_cents,
        Buckets {
            payer_cents: -s.paid_cents,
            ..Buckets::default()
        },
    );
    pay.remarks = s.remarks.clone();
    pay.matched_by = Some(s.matched_by);
    // A zero payment is still written: it records that the line was adjudicated and how it
    // was matched.
    plan.entries.push(pay);
    let mut denied_back = 0;
    for a in &s.adjustments {
        if s.denied && a.group != "PR" {
            denied_back += a.amount_cents;
            plan.denials.push(PlannedDenial {
                line_number: line,
                group_code: a.group.clone(),
                reason_code: a.reason.clone(),
                amount_cents: a.amount_cents,
                remarks: s.remarks.clone(),
            });
        } else {
            plan.entries.push(adjustment_entry(line, a));
        }
    }
    let left = left + denied_back;
    if forwarded && !s.denied && left > 0 {
        plan.entries.push(PlannedEntry::new(
            line,
            Kind::TransferToPayer,
            left,
            Buckets {
                payer_cents: -left,
                patient_cents: 0,
                next_payer_cents: left,
            },
        ));
    }
}

/// The entries that undo `prior` (a payer's earlier posting): the same kind, the opposite
/// amount and effect, each naming the entry it reverses.
pub fn reverse(prior: &[(crate::ledger::EntryId, PlannedEntry)]) -> Vec<PlannedEntry> {
    prior
        .iter()
        .map(|(id, e)| PlannedEntry {
            amount_cents: -e.amount_cents,
            effect: e.effect.negated(),
            reverses: Some(*id),
            ..e.clone()
        })
        .collect()
}

/// The balances after applying `entries` to `before`.
pub fn apply(before: &[LineBalance], entries: &[PlannedEntry]) -> Vec<LineBalance> {
    let mut after = before.to_vec();
    for e in entries {
        if let Some(b) = after.iter_mut().find(|b| b.line_number == e.line_number) {
            b.apply(e);
        }
    }
    after
}
