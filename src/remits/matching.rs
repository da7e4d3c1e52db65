//! Matching an 835 claim payment to one of our claims' lines, pure (no I/O).
//!
//! The claim is found by CLP01 = our CLM01 (the caller looks it up; patient control numbers
//! are unique, a replacement claim gets a new one). Lines: first by REF*6R, our line item
//! control number (the line's 1-based position in the claim snapshot); a remitted line
//! without a usable REF*6R falls back to procedure code (SVC06 when the payer changed the code,
//! else SVC01) + modifiers + date of service + charge, taking the first free line in order
//! when several fit (and saying so). Every matched line records how.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::adjudication::LineMatch;
use crate::x12::era::{ClaimPayment, LinePayment, Party};

/// One line of our claim, as billed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OurLine {
    /// 1-based position in the claim snapshot's lines (what REF*6R carries).
    pub line_number: i32,
    /// CPT/HCPCS code.
    pub code: String,
    /// Modifiers, in order.
    pub modifiers: Vec<String>,
    /// Date of service.
    pub date: NaiveDate,
    /// Charge, cents.
    pub charge_cents: i64,
}

/// How one remitted line was tied to one of our lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePairing {
    /// 0-based index of the line in the claim payment (SVC order).
    pub remit_line: usize,
    /// Our line number.
    pub line_number: i32,
    /// By control number, fallback, or by hand.
    pub matched_by: LineMatch,
    /// Why a fallback chose this line when several fit.
    pub note: Option<String>,
}

/// The result of matching the lines of one claim payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineMatching {
    /// The lines tied, in remitted order.
    pub paired: Vec<LinePairing>,
    /// 0-based indexes of the remitted lines that fit none of ours.
    pub unmatched: Vec<usize>,
}

impl LineMatching {
    /// True when every remitted line found one of ours.
    pub fn complete(&self) -> bool {
        self.unmatched.is_empty()
    }
}

fn fits(l: &LinePayment, ours: &OurLine) -> bool {
    // The code as billed: SVC06 when the payer changed it, else SVC01.
    let billed = l.original_procedure.as_ref().unwrap_or(&l.procedure);
    let date_ok = l.service_date().is_none_or(|d| d == ours.date);
    // A reversal repeats the original line with negated amounts.
    billed.code.eq_ignore_ascii_case(&ours.code)
        && billed.modifiers.len() == ours.modifiers.len()
        && billed
            .modifiers
            .iter()
            .zip(&ours.modifiers)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
        && date_ok
        && l.charge_cents.abs() == ours.charge_cents
}

/// Ties the remitted lines of `cp` to `ours`. Each of our lines is used at most once.
pub fn match_lines(cp: &ClaimPayment, ours: &[OurLine]) -> LineMatching {
    let mut used = vec![false; ours.len()];
    let mut slots: Vec<Option<LinePairing>> = vec![None; cp.lines.len()];
    for (i, l) in cp.lines.iter().enumerate() {
        let n = l
            .line_item_control_number
            .as_deref()
            .and_then(|v| v.trim().parse::<i32>().ok());
        if let Some(pos) = n.and_then(|n| ours.iter().position(|o| o.line_number == n)) {
            if !used[pos] {
                used[pos] = true;
                slots[i] = Some(LinePairing {
                    remit_line: i,
                    line_number: ours[pos].line_number,
                    matched_by: LineMatch::ControlNumber,
                    note: None,
                });
            }
        }
    }
    for (i, l) in cp.lines.iter().enumerate() {
        if slots[i].is_some() {
            continue;
        }
        let candidates: Vec<usize> = (0..ours.len())
            .filter(|&k| !used[k] && fits(l, &ours[k]))
            .collect();
        if let Some(&k) = candidates.first() {
            used[k] = true;
            let note = (candidates.len() > 1).then(|| {
                format!(
                    "{} of our lines fit (code, modifiers, date, charge); took the first free one in order",
                    candidates.len()
                )
            });
            slots[i] = Some(LinePairing {
                remit_line: i,
                line_number: ours[k].line_number,
                matched_by: LineMatch::Fallback,
                note,
            });
        }
    }
    let unmatched = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| i)
        .collect();
    LineMatching {
        paired: slots.into_iter().flatten().collect(),
        unmatched,
    }
}

/// The payer check: true when the 835's payer (N1*PR N104 or REF*2U) names `edi_payer_id`, or
/// when the 835 gives no payer id to compare (then nothing can be said).
pub fn payer_agrees(payer: &Party, edi_payer_id: &str) -> bool {
    let mut ids = payer
        .id
        .iter()
        .chain(
            payer
                .references
                .iter()
                .filter(|r| r.qualifier == "2U")
                .map(|r| &r.value),
        )
        .peekable();
    ids.peek().is_none() || ids.any(|id| id.trim().eq_ignore_ascii_case(edi_payer_id.trim()))
}

/// True when the 835's payer (N1*PR N104 or REF*2U) explicitly names `edi_payer_id`. Unlike
/// [`payer_agrees`], an 835 without a payer id names nobody: a remittance is only moved to a
/// crossed-over claim's next payer when it says it comes from that payer.
pub fn payer_named(payer: &Party, edi_payer_id: &str) -> bool {
    let mut ids = payer.id.iter().chain(
        payer
            .references
            .iter()
            .filter(|r| r.qualifier == "2U")
            .map(|r| &r.value),
    );
    ids.any(|id| id.trim().eq_ignore_ascii_case(edi_payer_id.trim()))
}

/// Crossover: true when a claim payment for our claim billed to `claim_edi` comes from
/// another payer that names itself `next_edi` (the payer the claim's payer forwarded it to,
/// CLP02 19-21 or MA18/N89). Such a remittance posts to the crossed-over claim's next-payer
/// claim, not to the claim its CLP01 names.
pub fn from_next_payer(payer: &Party, claim_edi: &str, next_edi: &str) -> bool {
    !payer_agrees(payer, claim_edi) && payer_named(payer, next_edi)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::x12::era::read_835;

    fn ours() -> Vec<OurLine> {
        let d = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        vec![
            OurLine {
                line_number: 1,
                code: "99213".into(),
                modifiers: vec![],
                date: d,
                charge_cents: 10_000,
            },
            OurLine {
                line_number: 2,
                code: "36415".into(),
                modifiers: vec![],
                date: d,
                charge_cents: 5_000,
            },
        ]
    }

    fn full_payment() -> ClaimPayment {
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/x12/835/full_payment.835"
        ));
        read_835(text).unwrap().payments.remove(0).claims.remove(0)
    }

    #[test]
    fn control_numbers_match_first() {
        let m = match_lines(&full_payment(), &ours());
        assert!(m.complete());
        let got: Vec<_> = m
            .paired
            .iter()
            .map(|p| (p.line_number, p.matched_by))
            .collect();
        assert_eq!(
            got,
            vec![(1, LineMatch::ControlNumber), (2, LineMatch::ControlNumber)]
        );
    }

    #[test]
    fn without_ref_6r_lines_fall_back_and_ties_go_in_order() {
        let mut cp = full_payment();
        for l in &mut cp.lines {
            l.line_item_control_number = None;
        }
        cp.lines.swap(0, 1);
        let m = match_lines(&cp, &ours());
        let got: Vec<_> = m
            .paired
            .iter()
            .map(|p| (p.line_number, p.matched_by))
            .collect();
        assert_eq!(
            got,
            vec![(2, LineMatch::Fallback), (1, LineMatch::Fallback)]
        );

        // Two identical lines of ours: the first remitted takes line 1, the next line 2.
        let mut twins = ours();
        twins[1] = OurLine {
            line_number: 2,
            ..twins[0].clone()
        };
        let mut cp = full_payment();
        cp.lines[1] = cp.lines[0].clone();
        for l in &mut cp.lines {
            l.line_item_control_number = None;
        }
        let m = match_lines(&cp, &twins);
        assert_eq!(
            m.paired.iter().map(|p| p.line_number).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(m.paired[0]
            .note
            .as_deref()
            .unwrap()
            .contains("2 of our lines fit"));
        assert!(m.paired[1].note.is_none());
    }

    #[test]
    fn a_changed_code_matches_on_svc06_and_a_stranger_stays_unmatched() {
        let mut cp = full_payment();
        cp.lines[0].line_item_control_number = None;
        cp.lines[0].original_procedure = Some(cp.lines[0].procedure.clone());
        cp.lines[0].procedure.code = "99212".into();
        cp.lines[1].line_item_control_number = Some("9".into());
        cp.lines[1].charge_cents = 4_900;
        let m = match_lines(&cp, &ours());
        assert_eq!(m.paired.len(), 1);
        assert_eq!(m.paired[0].line_number, 1);
        assert_eq!(m.unmatched, vec![1]);
        assert!(!m.complete());
    }

    #[test]
    fn payer_check_uses_n104_or_ref_2u() {
        let cp_payer = read_835(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/x12/835/full_payment.835"
        )))
        .unwrap()
        .payments
        .remove(0)
        .payer;
        assert!(payer_agrees(&cp_payer, "ACME1"));
        assert!(!payer_agrees(&cp_payer, "OTHER"));
        assert!(payer_agrees(&Party::default(), "ANY"));
    }

    #[test]
    fn a_crossover_remittance_must_name_the_next_payer() {
        let mut secondary = Party {
            id: Some("BCN22".into()),
            ..Party::default()
        };
        assert!(from_next_payer(&secondary, "ACME1", "BCN22"));
        assert!(!from_next_payer(&secondary, "BCN22", "BCN22"));
        assert!(!from_next_payer(&secondary, "ACME1", "OTHER"));
        // An 835 without a payer id agrees with every claim and names no next payer.
        assert!(!from_next_payer(&Party::default(), "ACME1", "BCN22"));
        secondary.id = None;
        secondary.references.push(crate::x12::era::Reference {
            qualifier: "2U".into(),
            value: "bcn22".into(),
        });
        assert!(from_next_payer(&secondary, "ACME1", "BCN22"));
    }
}
