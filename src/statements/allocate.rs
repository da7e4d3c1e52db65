//! Applying a patient payment to lines (pure): the oldest open patient balances first, or
//! exactly the lines the caller names. What is left over is the payment's unapplied credit.

use serde::{Deserialize, Serialize};

use crate::claims::model::ClaimId;
use crate::error::{DomainError, DomainResult, FieldError};

/// A claim line as the allocation sees it: what the patient owes on it (negative: a credit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenPatientLine {
    /// The claim.
    pub claim_id: ClaimId,
    /// The line.
    pub line_number: i32,
    /// The patient bucket.
    pub patient_cents: i64,
}

/// An amount on one claim line: in a request, a line named by the caller; in an answer, what
/// was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    /// The claim.
    #[schema(value_type = uuid::Uuid)]
    pub claim_id: ClaimId,
    /// The line (1-based).
    #[schema(minimum = 1, maximum = 50)]
    pub line_number: i32,
    /// Cents.
    #[schema(minimum = 1)]
    pub amount_cents: i64,
}

/// Splits `amount` over `open` (oldest first, as given) or over `named`. Named lines must each
/// have an open patient balance at least their amount, appear once, and add up to at most
/// `amount`.
pub fn allocate(
    open: &[OpenPatientLine],
    amount: i64,
    named: Option<&[Allocation]>,
) -> DomainResult<Vec<Allocation>> {
    let Some(named) = named else {
        let mut rest = amount;
        let mut out = Vec::new();
        for l in open.iter().filter(|l| l.patient_cents > 0) {
            if rest == 0 {
                break;
            }
            let x = rest.min(l.patient_cents);
            out.push(Allocation {
                claim_id: l.claim_id,
                line_number: l.line_number,
                amount_cents: x,
            });
            rest -= x;
        }
        return Ok(out);
    };
    let mut errors = Vec::new();
    for (i, n) in named.iter().enumerate() {
        let owed = open
            .iter()
            .find(|l| l.claim_id == n.claim_id && l.line_number == n.line_number)
            .map_or(0, |l| l.patient_cents);
        if named[..i]
            .iter()
            .any(|o| o.claim_id == n.claim_id && o.line_number == n.line_number)
        {
            errors.push(FieldError::new(
                format!("/lines/{i}"),
                "duplicate",
                "this line is named twice",
            ));
        } else if owed <= 0 {
            errors.push(FieldError::new(
                format!("/lines/{i}/line_number"),
                "no_patient_balance",
                "the patient owes nothing on this claim line",
            ));
        } else if n.amount_cents < 1 || n.amount_cents > owed {
            errors.push(FieldError::new(
                format!("/lines/{i}/amount_cents"),
                "out_of_range",
                format!("between 1 and {owed} cents (what the patient owes on the line)"),
            ));
        }
    }
    let total: i64 = named.iter().map(|n| n.amount_cents.max(0)).sum();
    if total > amount {
        errors.push(FieldError::new(
            "/lines",
            "exceeds_payment",
            format!("the lines add up to {total} cents, more than the payment's {amount}"),
        ));
    }
    if errors.is_empty() {
        Ok(named.to_vec())
    } else {
        Err(DomainError::validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(claim: ClaimId, n: i32, owed: i64) -> OpenPatientLine {
        OpenPatientLine {
            claim_id: claim,
            line_number: n,
            patient_cents: owed,
        }
    }

    #[test]
    fn oldest_first_skips_credits_and_leaves_the_rest_unapplied() {
        let (a, b) = (ClaimId::new(), ClaimId::new());
        let open = [line(a, 1, 1000), line(a, 2, -300), line(b, 1, 2500)];
        let out = allocate(&open, 1800, None).unwrap_or_default();
        assert_eq!(
            out.iter()
                .map(|x| (x.claim_id, x.line_number, x.amount_cents))
                .collect::<Vec<_>>(),
            vec![(a, 1, 1000), (b, 1, 800)]
        );
        let out = allocate(&open, 5000, None).unwrap_or_default();
        assert_eq!(out.iter().map(|x| x.amount_cents).sum::<i64>(), 3500);
    }

    #[test]
    fn named_lines_are_checked_each_with_a_pointer() {
        let a = ClaimId::new();
        let open = [line(a, 1, 1000), line(a, 2, 0)];
        let named = |n: i32, c: i64| Allocation {
            claim_id: a,
            line_number: n,
            amount_cents: c,
        };
        assert!(allocate(&open, 500, Some(&[named(1, 400)])).is_ok());
        let Err(e) = allocate(
            &open,
            500,
            Some(&[named(1, 1200), named(2, 10), named(1, 5)]),
        ) else {
            panic!("must refuse");
        };
        let pointers: Vec<_> = e.errors.iter().map(|f| f.pointer.clone()).collect();
        assert_eq!(
            pointers,
            vec![
                "/lines/0/amount_cents",
                "/lines/1/line_number",
                "/lines/2",
                "/lines"
            ]
        );
    }
}
