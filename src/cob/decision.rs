//! An earlier payer's decision, read back from the ledger (pure): the posting in force, its
//! entries and denials, and the claim's snapshot -> what the next payer's 837P reports in
//! 2320/2430. Claim-level CAS was spread over the lines when it was posted, so every
//! adjustment is reported on its line.

use super::model::{SnapAdjustment, SnapLinePayment, SnapOtherPayer};
use crate::claims::model::ClaimRow;
use crate::claims::snapshot::Snapshot;
use crate::ledger::model::{DenialRow, EntryRow, Kind, PostingRow};

/// Remark codes (RARC) saying the payer forwarded the claim to the next payer itself
/// (MA18: to the supplemental insurer; N89: to the patient's other insurer).
pub const CROSSOVER_REMARKS: [&str; 2] = ["MA18", "N89"];

/// Most remark codes MOA carries.
const MAX_REMARKS: usize = 5;

fn add(list: &mut Vec<SnapAdjustment>, group: &str, reason: &str, amount: i64) {
    match list
        .iter_mut()
        .find(|a| a.group == group && a.reason == reason)
    {
        Some(a) => a.amount_cents += amount,
        None => list.push(SnapAdjustment {
            group: group.to_string(),
            reason: reason.to_string(),
            amount_cents: amount,
        }),
    }
}

/// The remark codes of `entries` (comma-separated on payment entries).
pub fn remarks(entries: &[EntryRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in entries.iter().filter_map(|e| e.remark_codes.as_deref()) {
        for code in r.split(',').filter(|c| !c.is_empty()) {
            if !out.iter().any(|c| c == code) {
                out.push(code.to_string());
            }
        }
    }
    out
}

/// True when the posting says the payer crossed the claim over to the next payer: CLP02 19,
/// 20 (or 21), or an MA18/N89 remark.
pub fn crossed_over(posting: &PostingRow, entries: &[EntryRow]) -> bool {
    crate::remits::adjudication::FORWARDED.contains(&posting.status_code.as_str())
        || remarks(entries)
            .iter()
            .any(|r| CROSSOVER_REMARKS.contains(&r.as_str()))
}

/// What `claim`'s payer decided (posting `posting`, its `entries` and `denials`), as the next
/// payer's claim reports it. Refused with a message when a line was not adjudicated or its
/// amounts do not balance (charge = paid + adjustments), which the 837P requires.
pub fn decision(
    claim: &ClaimRow,
    snap: &Snapshot,
    posting: &PostingRow,
    entries: &[EntryRow],
    denials: &[DenialRow],
) -> Result<SnapOtherPayer, String> {
    let mut lines = Vec::with_capacity(snap.lines.len());
    let mut patient = 0;
    for (l, n) in snap.lines.iter().zip(1..) {
        let of_line: Vec<&EntryRow> = entries.iter().filter(|e| e.line_number == n).collect();
        if !of_line.iter().any(|e| e.kind == Kind::Payment.as_str()) {
            return Err(format!("line {n} was not adjudicated by the payer"));
        }
        let mut paid = 0;
        let mut adjustments = Vec::new();
        for e in &of_line {
            match Kind::parse(&e.kind) {
                Some(Kind::Payment) => paid += e.amount_cents,
                Some(Kind::Adjustment | Kind::PatientResponsibility) => {
                    let group = e.group_code.as_deref().unwrap_or("CO");
                    if group == "PR" {
                        patient += e.amount_cents;
                    }
                    add(
                        &mut adjustments,
                        group,
                        e.reason_code.as_deref().unwrap_or(""),
                        e.amount_cents,
                    );
                }
                _ => {}
            }
        }
        for d in denials.iter().filter(|d| d.line_number == n) {
            add(
                &mut adjustments,
                &d.group_code,
                &d.reason_code,
                d.amount_cents,
            );
        }
        // On a claim that was itself a next payer's, what the earlier payers settled is on the
        // earlier claims: report it as CARC 23 (impact of prior payers), as the payer did.
        let own: i64 = adjustments.iter().map(|a| a.amount_cents).sum();
        let prior = l.charge_cents - paid - own;
        if !snap.other_payers.is_empty() && prior > 0 {
            add(&mut adjustments, "OA", "23", prior);
        }
        adjustments.retain(|a| a.amount_cents != 0);
        let cas: i64 = adjustments.iter().map(|a| a.amount_cents).sum();
        if l.charge_cents != paid + cas {
            return Err(format!(
                "line {n}: the charge {} is not paid {paid} + adjustments {cas}; the next \
                 payer's claim must balance (correct the posting first)",
                l.charge_cents
            ));
        }
        lines.push(SnapLinePayment {
            line_number: n,
            paid_cents: paid,
            procedure_code: l.code.clone(),
            modifiers: l.modifiers.clone(),
            units_paid: l.units.max(1),
            adjustments,
        });
    }
    let mut rarc = remarks(entries);
    rarc.truncate(MAX_REMARKS);
    let sub = &snap.subscriber;
    Ok(SnapOtherPayer {
        claim_id: claim.id,
        payer_id: claim.payer_id,
        priority: sub.priority.clone(),
        relationship_code: sub.relationship_code.clone(),
        group_number: sub.group_number.clone(),
        claim_filing_indicator: snap.payer.claim_filing_indicator.clone(),
        subscriber_first_name: sub.person.first_name.clone(),
        subscriber_last_name: sub.person.last_name.clone(),
        member_id: sub.member_id.clone(),
        payer_name: snap.payer.name.clone(),
        edi_payer_id: snap.payer.edi_payer_id.clone(),
        payer_claim_number: posting
            .payer_claim_number
            .clone()
            .or_else(|| claim.payer_claim_number.clone()),
        paid_cents: lines.iter().map(|l| l.paid_cents).sum(),
        remaining_patient_liability_cents: patient,
        claim_adjustments: Vec::new(),
        remarks: rarc,
        adjudicated_on: posting
            .paid_on
            .unwrap_or_else(|| posting.created_at.0.date_naive()),
        lines,
    })
}
