//! What an earlier payer's 835 said about a claim beyond what posting keeps in the ledger,
//! read back from the stored remittance (its parsed payment and how each CLP was posted):
//! the claim-level remark codes (MOA/MIA), which the next payer's 2320 MOA carries and which
//! may say the payer crossed the claim over (MA18/N89), and the procedure each line was
//! adjudicated as when the payer changed the billed code (SVC06 present: SVC01 is the
//! payer's code), which 2430 SVD reports.

use std::collections::HashMap;

use crate::claims::model::ClaimId;
use crate::remits::import::ClaimPosting;
use crate::remits::matching::{match_lines, OurLine};
use crate::x12::era::{ClaimPayment, Payment};

/// One stored remittance as [`facts`] reads it.
pub struct StoredRemit {
    /// The parsed payment.
    pub payment: Payment,
    /// How each of its CLPs was handled.
    pub postings: Vec<ClaimPosting>,
}

impl StoredRemit {
    /// Reads the stored JSON columns; `None` when either does not parse (nothing is added).
    pub fn parse(parsed: &str, postings: &str) -> Option<Self> {
        Some(StoredRemit {
            payment: serde_json::from_str(parsed).ok()?,
            postings: serde_json::from_str(postings).ok()?,
        })
    }

    /// The claim payment posted to `claim` (by the import's record, else by CLP01 = `pcn`).
    fn claim_payment(&self, claim: ClaimId, pcn: &str) -> Option<&ClaimPayment> {
        let by_record = self
            .postings
            .iter()
            .find(|p| p.claim_id == Some(claim) && p.outcome == "posted")
            .and_then(|p| self.payment.claims.get(p.claim_index));
        by_record.or_else(|| {
            self.payment
                .claims
                .iter()
                .find(|c| c.patient_control_number == pcn)
        })
    }
}

/// What the 835 adds for one claim.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RemitFacts {
    /// MOA/MIA remark codes, in file order.
    pub claim_remarks: Vec<String>,
    /// Per our line number, the procedure (code, modifiers) as the payer adjudicated it, when
    /// it changed the billed one.
    pub changed_codes: HashMap<i32, (String, Vec<String>)>,
}

/// The facts of `remit` about claim `claim` (CLM01 `pcn`, lines `ours`).
pub fn facts(remit: &StoredRemit, claim: ClaimId, pcn: &str, ours: &[OurLine]) -> RemitFacts {
    let Some(cp) = remit.claim_payment(claim, pcn) else {
        return RemitFacts::default();
    };
    let claim_remarks = cp
        .remarks
        .iter()
        .filter(|r| r.qualifier == "MOA" || r.qualifier == "MIA")
        .map(|r| r.code.clone())
        .collect();
    let changed_codes = match_lines(cp, ours)
        .paired
        .iter()
        .filter_map(|m| {
            let l = cp.lines.get(m.remit_line)?;
            l.original_procedure.as_ref()?;
            Some((
                m.line_number,
                (l.procedure.code.clone(), l.procedure.modifiers.clone()),
            ))
        })
        .collect();
    RemitFacts {
        claim_remarks,
        changed_codes,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::x12::era::read_835;

    #[test]
    fn claim_remarks_and_changed_codes_are_read_back() {
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/x12/835/changed_procedure_code.835"
        ));
        let payment = read_835(text).unwrap().payments.remove(0);
        let cp = payment.claims[0].clone();
        let ours: Vec<OurLine> = cp
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let billed = l.original_procedure.as_ref().unwrap_or(&l.procedure);
                OurLine {
                    line_number: i32::try_from(i + 1).unwrap(),
                    code: billed.code.clone(),
                    modifiers: billed.modifiers.clone(),
                    date: l.service_date().unwrap_or_default(),
                    charge_cents: l.charge_cents,
                }
            })
            .collect();
        let remit = StoredRemit {
            payment,
            postings: Vec::new(),
        };
        let f = facts(&remit, ClaimId::new(), &cp.patient_control_number, &ours);
        let changed: Vec<&i32> = f.changed_codes.keys().collect();
        assert_eq!(changed.len(), 1, "{f:?}");
        let line = cp
            .lines
            .iter()
            .position(|l| l.original_procedure.is_some())
            .unwrap();
        let (code, _) = &f.changed_codes[&i32::try_from(line + 1).unwrap()];
        assert_eq!(code, &cp.lines[line].procedure.code);
        assert_ne!(
            code,
            &cp.lines[line].original_procedure.as_ref().unwrap().code
        );
        // Another claim number names nothing.
        let none = facts(&remit, ClaimId::new(), "NOSUCH", &ours);
        assert_eq!(none, RemitFacts::default());

        // MOA remarks; the import's record of which claim a CLP posted to comes first.
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/x12/835/crossover_primary.835"
        ));
        let payment = read_835(text).unwrap().payments.remove(0);
        let claim = ClaimId::new();
        let posted = |i: usize, id: Option<ClaimId>| ClaimPosting {
            claim_index: i,
            patient_control_number: payment.claims[i].patient_control_number.clone(),
            status_code: payment.claims[i].status_code.clone(),
            claim_id: id,
            outcome: "posted".into(),
            claim_status: None,
            lines_matched_by: Vec::new(),
            notes: Vec::new(),
        };
        let postings = vec![posted(0, Some(ClaimId::new())), posted(1, Some(claim))];
        let remit = StoredRemit { payment, postings };
        let f = facts(&remit, claim, "XOVER0000000001", &[]);
        assert!(f.claim_remarks.is_empty(), "CLP 2 has no MOA: {f:?}");
        let f = facts(&remit, ClaimId::new(), "XOVER0000000001", &[]);
        assert_eq!(f.claim_remarks, vec!["MA18"]);
    }
}
