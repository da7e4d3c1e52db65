//! An earlier payer's decision, read back from the ledger (pure): the posting in force, its
//! entries and denials, and the claim's snapshot -> what the next payer's 837P reports in
//! 2320/2430. Claim-level CAS was spread over the lines when it was posted, so every
//! adjustment is reported on its line.

use super::model::{SnapAdjustment, SnapLinePayment, SnapOtherPayer};
use super::remit_facts::RemitFacts;
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
/// 20 (or 21), or an MA18/N89 remark on a line or (from its 835, `facts`) on the claim.
pub fn crossed_over(posting: &PostingRow, entries: &[EntryRow], facts: &RemitFacts) -> bool {
    crate::remits::adjudication::FORWARDED.contains(&posting.status_code.as_str())
        || remarks(entries)
            .iter()
            .chain(&facts.claim_remarks)
            .any(|r| CROSSOVER_REMARKS.contains(&r.as_str()))
}

/// What `claim`'s payer decided (posting `posting`, its `entries` and `denials`, and what its
/// 835 adds: claim-level remarks, changed procedure codes), as the next payer's claim reports
/// it. Refused with a message when a line was not adjudicated or its amounts do not balance
/// (charge = paid + adjustments), which the 837P requires.
pub fn decision(
    claim: &ClaimRow,
    snap: &Snapshot,
    posting: &PostingRow,
    entries: &[EntryRow],
    denials: &[DenialRow],
    facts: &RemitFacts,
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
        // SVD reports the procedure as the payer adjudicated it (SVC01 when it changed ours).
        let (code, modifiers) = facts
            .changed_codes
            .get(&n)
            .cloned()
            .unwrap_or_else(|| (l.code.clone(), l.modifiers.clone()));
        lines.push(SnapLinePayment {
            line_number: n,
            paid_cents: paid,
            procedure_code: code,
            modifiers,
            units_paid: l.units.max(1),
            adjustments,
        });
    }
    // The claim's own remarks (MOA/MIA) first, then those of its lines.
    let mut rarc: Vec<String> = Vec::new();
    for r in facts.claim_remarks.iter().chain(&remarks(entries)) {
        if !rarc.contains(r) {
            rarc.push(r.clone());
        }
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::claims::model::ClaimId;
    use crate::db::types::Timestamp;
    use crate::ledger::model::{Buckets, PlannedEntry, PostingId};
    use crate::ledger::store::row_of;
    use crate::payers::model::PayerId;

    fn snapshot(other_payers: bool) -> Snapshot {
        let mut s: Snapshot = serde_json::from_value(serde_json::json!({
            "patient": {"first_name": "Ana", "middle_name": null, "last_name": "Rivera",
                "birth_date": "1980-05-17", "sex": "F", "address": null},
            "subscriber": {"person": {"first_name": "Ana", "middle_name": null,
                "last_name": "Rivera", "birth_date": null, "sex": null, "address": null},
                "member_id": "B1", "group_number": null, "relationship_code": "18",
                "priority": "secondary"},
            "payer": {"name": "Beacon", "edi_payer_id": "BCN22", "claim_filing_indicator": "CI"},
            "billing_provider": {"npi": "1234567893", "entity_type": "organization",
                "first_name": null, "last_name": "Maple", "taxonomy": null, "tax_id": null,
                "address": null},
            "rendering_provider": null, "referring_provider": null,
            "date_of_service": "2025-03-10", "place_of_service": "11", "diagnoses": ["I10"],
            "lines": [{"code": "99213", "modifiers": ["25"], "units": 1, "charge_cents": 10000,
                "diagnosis_pointers": [1], "date_of_service": "2025-03-10",
                "place_of_service": null, "ndc": null, "ndc_quantity": null, "ndc_unit": null}],
            "total_charge_cents": 10000
        }))
        .unwrap();
        if other_payers {
            let earlier = SnapOtherPayer {
                claim_id: ClaimId::new(),
                payer_id: PayerId::new(),
                priority: "primary".into(),
                relationship_code: "18".into(),
                group_number: None,
                claim_filing_indicator: "CI".into(),
                subscriber_first_name: "Ana".into(),
                subscriber_last_name: "Rivera".into(),
                member_id: "A1".into(),
                payer_name: "Acme".into(),
                edi_payer_id: "ACME1".into(),
                payer_claim_number: None,
                paid_cents: 6000,
                remaining_patient_liability_cents: 2000,
                claim_adjustments: Vec::new(),
                remarks: Vec::new(),
                adjudicated_on: chrono::NaiveDate::from_ymd_opt(2025, 4, 2).unwrap(),
                lines: Vec::new(),
            };
            s.other_payers.push(earlier);
        }
        s
    }

    fn claim_row(snap: &Snapshot) -> ClaimRow {
        let now = Timestamp::now();
        ClaimRow {
            id: ClaimId::new(),
            encounter_id: crate::encounters::model::EncounterId::new(),
            patient_id: crate::patients::model::PatientId::new(),
            coverage_id: crate::coverages::model::CoverageId::new(),
            payer_id: PayerId::new(),
            date_of_service: snap.date_of_service,
            status: crate::claims::status::Status::Paid,
            frequency: crate::claims::frequency::Frequency::Original,
            patient_control_number: "PCN1".into(),
            payer_claim_number: Some("C277".into()),
            replaces_claim_id: None,
            total_charge_cents: snap.total_charge_cents,
            snapshot: String::new(),
            submitted_at: None,
            interchange_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn posting(claim: &ClaimRow, code: &str) -> PostingRow {
        PostingRow {
            id: PostingId::new(),
            claim_id: claim.id,
            payer_id: claim.payer_id,
            status_code: code.into(),
            payment_ref: "S1".into(),
            remittance_id: None,
            payer_claim_number: None,
            paid_cents: 1500,
            patient_responsibility_cents: 500,
            paid_on: chrono::NaiveDate::from_ymd_opt(2025, 4, 20),
            reverses_posting_id: None,
            created_at: Timestamp::now(),
            created_by: "t".into(),
        }
    }

    fn entry(claim: &ClaimRow, kind: Kind, amount: i64, group: Option<&str>) -> EntryRow {
        let mut e = PlannedEntry::new(1, kind, amount, Buckets::default());
        e.group_code = group.map(str::to_string);
        e.reason_code = group.map(|_| "2".to_string());
        if kind == Kind::Payment {
            e.remarks = vec!["N130".into(), "MA18".into()];
        }
        row_of(claim.id, None, None, &e, None, Timestamp::now(), "t")
    }

    #[test]
    fn a_next_payers_decision_reports_the_earlier_payers_share_as_carc_23() {
        // The secondary paid 15.00 and left 5.00 to the patient of the 20.00 it was sent; the
        // primary's 80.00 is on the primary claim.
        let snap = snapshot(true);
        let claim = claim_row(&snap);
        let p = posting(&claim, "2");
        let entries = vec![
            entry(&claim, Kind::Payment, 1500, None),
            entry(&claim, Kind::PatientResponsibility, 500, Some("PR")),
        ];
        let d = decision(&claim, &snap, &p, &entries, &[], &RemitFacts::default()).unwrap();
        assert_eq!(d.priority, "secondary");
        assert_eq!(d.paid_cents, 1500);
        assert_eq!(d.remaining_patient_liability_cents, 500);
        assert_eq!(d.payer_claim_number.as_deref(), Some("C277"));
        assert_eq!(d.remarks, vec!["N130", "MA18"]);
        assert_eq!(d.adjudicated_on.to_string(), "2025-04-20");
        let reasons: Vec<(&str, &str, i64)> = d.lines[0]
            .adjustments
            .iter()
            .map(|a| (a.group.as_str(), a.reason.as_str(), a.amount_cents))
            .collect();
        assert_eq!(reasons, vec![("PR", "2", 500), ("OA", "23", 8000)]);
        assert!(crossed_over(&p, &entries, &RemitFacts::default()));
    }

    #[test]
    fn the_835s_claim_remarks_come_first_and_a_changed_code_is_reported() {
        let snap = snapshot(false);
        let claim = claim_row(&snap);
        let p = posting(&claim, "1");
        let entries = vec![
            entry(&claim, Kind::Payment, 8000, None),
            entry(&claim, Kind::Adjustment, 2000, Some("CO")),
        ];
        let facts = RemitFacts {
            claim_remarks: vec!["MA01".into(), "N130".into()],
            changed_codes: [(1, ("99212".to_string(), Vec::new()))].into(),
        };
        assert!(!crossed_over(&p, &[], &facts));
        let d = decision(&claim, &snap, &p, &entries, &[], &facts).unwrap();
        assert_eq!(d.remarks, vec!["MA01", "N130", "MA18"]);
        assert_eq!(d.lines[0].procedure_code, "99212");
        assert!(d.lines[0].modifiers.is_empty());
        let moa = RemitFacts {
            claim_remarks: vec!["MA18".into()],
            ..RemitFacts::default()
        };
        assert!(crossed_over(&p, &[], &moa));
    }

    #[test]
    fn a_first_claim_must_balance_and_every_line_must_be_adjudicated() {
        let snap = snapshot(false);
        let claim = claim_row(&snap);
        let p = posting(&claim, "1");
        let unbalanced = vec![entry(&claim, Kind::Payment, 1500, None)];
        let none = RemitFacts::default();
        let e = decision(&claim, &snap, &p, &unbalanced, &[], &none).unwrap_err();
        assert!(e.contains("must balance"), "{e}");
        let e = decision(&claim, &snap, &p, &[], &[], &none).unwrap_err();
        assert!(e.contains("not adjudicated"), "{e}");
        let denied = vec![DenialRow {
            id: crate::ledger::model::EntryId::new(),
            posting_id: p.id,
            claim_id: claim.id,
            line_number: 1,
            group_code: "CO".into(),
            reason_code: "50".into(),
            amount_cents: 10000,
            remark_codes: None,
        }];
        let zero = vec![entry(&claim, Kind::Payment, 0, None)];
        let d = decision(&claim, &snap, &p, &zero, &denied, &none).unwrap();
        assert_eq!(d.lines[0].adjustments[0].reason, "50");
        assert_eq!(d.paid_cents, 0);
    }
}
