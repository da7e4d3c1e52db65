//! Unit tests of the 835 reader over the fixtures in tests/fixtures/x12/835 and hand-made
//! deviations.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/x12/835/",
            $name
        ))
    };
}

fn only_payment(text: &str) -> Payment {
    let r = read_835(text).unwrap();
    assert_eq!(r.payments.len(), 1);
    r.payments.into_iter().next().unwrap()
}

fn cas(adj: &[Adjustment]) -> Vec<(&str, &str, i64)> {
    adj.iter()
        .map(|a| (a.group.as_str(), a.reason.as_str(), a.amount_cents))
        .collect()
}

#[test]
fn full_payment_reads_envelope_parties_claim_and_lines() {
    let r = read_835(fixture!("full_payment.835")).unwrap();
    assert_eq!(r.interchange_control_number, "000000201");
    assert_eq!(r.sender_id, "ACMEPAYER");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let p = &r.payments[0];
    assert_eq!(
        (p.handling_code.as_str(), p.amount_cents, p.method.as_str()),
        ("I", 15_000, "ACH")
    );
    assert_eq!(p.payment_date, NaiveDate::from_ymd_opt(2025, 4, 1));
    assert_eq!(p.trace_number, "EFT0001");
    assert_eq!(p.trace_originator.as_deref(), Some("1512345678"));
    assert_eq!(p.production_date, NaiveDate::from_ymd_opt(2025, 3, 31));
    assert_eq!(p.payer.name, "ACME HEALTH PLAN");
    assert_eq!(p.payer.references[0].value, "ACME1");
    assert_eq!(p.payer.address.as_ref().unwrap().city, "HARTFORD");
    assert_eq!(p.payee.id.as_deref(), Some("1234567893"));
    let c = &p.claims[0];
    assert_eq!(c.patient_control_number, "PCN00000001");
    assert_eq!(
        (c.status_code.as_str(), c.charge_cents, c.paid_cents),
        ("1", 15_000, 15_000)
    );
    assert_eq!(c.header_number.as_deref(), Some("1"));
    assert_eq!(c.payer_claim_number.as_deref(), Some("PAYER0000000001"));
    assert_eq!(c.entities[0].role, "QC");
    assert_eq!(c.dates.len(), 3);
    assert_eq!(c.lines.len(), 2);
    let l = &c.lines[1];
    assert_eq!(
        (l.procedure.code.as_str(), l.charge_cents),
        ("36415", 5_000)
    );
    assert_eq!(l.line_item_control_number.as_deref(), Some("2"));
    assert_eq!(l.service_date(), NaiveDate::from_ymd_opt(2025, 3, 10));
    assert_eq!(l.amounts[0].cents, 5_000);
    assert!(p.balance.balanced);
}

#[test]
fn partial_payment_splits_deductible_coinsurance_copay() {
    let p = only_payment(fixture!("partial_deductible_coinsurance_copay.835"));
    let c = &p.claims[0];
    assert_eq!(c.patient_responsibility_cents, Some(12_900));
    let pr: Vec<_> = c
        .all_adjustments()
        .filter(|a| a.group == "PR")
        .map(|a| (a.reason.as_str(), a.amount_cents))
        .collect();
    assert_eq!(pr, vec![("1", 10_000), ("2", 400), ("3", 2_500)]);
    assert_eq!(p.method, "CHK");
    assert!(p.balance.balanced, "{:?}", p.balance);
}

#[test]
fn denial_reversal_forwarding_and_remarks() {
    let p = only_payment(fixture!("denied.835"));
    let c = &p.claims[0];
    assert_eq!((c.status_code.as_str(), c.paid_cents), ("4", 0));
    assert_eq!(cas(&c.lines[0].adjustments), vec![("CO", "50", 12_000)]);
    let lq: Vec<_> = c.lines[0].remarks.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(lq, vec!["N130", "M127"]);
    assert_eq!(c.remarks[0].code, "MA130");
    assert!(p.balance.balanced);

    let p = only_payment(fixture!("reversal_then_correction.835"));
    assert_eq!(p.claims.len(), 2);
    let (rev, cor) = (&p.claims[0], &p.claims[1]);
    assert_eq!((rev.status_code.as_str(), rev.paid_cents), ("22", -8_000));
    assert_eq!(
        cas(&rev.lines[0].adjustments),
        vec![("CO", "45", -2_000), ("PR", "1", -3_000)]
    );
    assert_eq!((cor.status_code.as_str(), cor.paid_cents), ("1", 12_000));
    assert_eq!(p.balance.computed_payment_cents, 4_000);
    assert!(p.balance.balanced, "{:?}", p.balance);

    let p = only_payment(fixture!("forwarded.835"));
    let statuses: Vec<_> = p.claims.iter().map(|c| c.status_code.as_str()).collect();
    assert_eq!(statuses, vec!["19", "20"]);
    let tt = p.claims[0]
        .entities
        .iter()
        .find(|e| e.role == "TT")
        .unwrap();
    assert_eq!(tt.id.as_deref(), Some("SECOND1"));
    assert!(p.balance.balanced);
}

#[test]
fn line_adjustments_changed_codes_and_plb() {
    let p = only_payment(fixture!("line_adjustments.835"));
    let l = &p.claims[0].lines[0];
    assert_eq!(l.procedure.modifiers, vec!["GP"]);
    assert_eq!(
        cas(&l.adjustments),
        vec![
            ("CO", "45", 3_000),
            ("CO", "151", 6_000),
            ("PR", "2", 3_000)
        ]
    );
    assert_eq!(l.adjustments[1].quantity.as_deref(), Some("1"));
    assert_eq!(
        (l.units_paid.as_deref(), l.original_units.as_deref()),
        (Some("3"), Some("4"))
    );
    assert!(p.balance.balanced);

    let p = only_payment(fixture!("changed_procedure_code.835"));
    let l = &p.claims[0].lines[0];
    assert_eq!(l.procedure.code, "99214");
    assert_eq!(l.original_procedure.as_ref().unwrap().code, "99215");

    let p = only_payment(fixture!("plb_interest_forwarding_levy.835"));
    let plb: Vec<_> = p
        .provider_adjustments
        .iter()
        .map(|a| (a.reason.as_str(), a.reference.as_deref(), a.amount_cents))
        .collect();
    assert_eq!(
        plb,
        vec![
            ("L6", Some("PCN00000009"), -250),
            ("FB", Some("FWD0001"), 1_000),
            ("LE", Some("LEVY0001"), 500)
        ]
    );
    assert_eq!(p.amount_cents, 6_750);
    assert!(p.balance.balanced, "{:?}", p.balance);
}

#[test]
fn several_sets_are_several_payments() {
    let r = read_835(fixture!("several_claims_several_sets.835")).unwrap();
    let shape: Vec<_> = r
        .payments
        .iter()
        .map(|p| (p.trace_number.as_str(), p.claims.len()))
        .collect();
    assert_eq!(shape, vec![("EFT0009", 3), ("CHK0010", 1)]);
    assert_eq!(r.payments[0].claims[2].header_number.as_deref(), Some("2"));
    assert!(r.payments.iter().all(|p| p.balance.balanced));
}

#[test]
fn nonconformant_but_readable_file_reads_with_warnings() {
    let r = read_835(fixture!("nonconformant_readable.835")).unwrap();
    let messages: Vec<_> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("BPR04")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("PER")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("SE01")), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("component separator")),
        "{messages:?}"
    );
    let l = &r.payments[0].claims[0].lines[0];
    assert_eq!(
        (l.procedure.code.as_str(), l.procedure.modifiers.len()),
        ("99213", 1)
    );
    assert!(r.payments[0].balance.balanced);
}

#[test]
fn out_of_balance_is_reported_not_refused() {
    let p = only_payment(fixture!("out_of_balance.835"));
    assert!(!p.balance.balanced);
    let rules: Vec<_> = p
        .balance
        .imbalances
        .iter()
        .map(|i| (i.rule.as_str(), i.line, i.expected_cents, i.found_cents))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("line charge - paid = adjustments", Some(1), 1_000, 500),
            ("claim charge - paid = adjustments", None, 1_000, 500),
        ]
    );
}

fn patched(from: &str, to: &str) -> String {
    let text = fixture!("full_payment.835");
    assert!(text.contains(from));
    text.replacen(from, to, 1)
}

#[test]
fn unreadable_money_codes_and_structure_are_refused_with_the_segment() {
    let e = read_835(&patched(
        "CLP*PCN00000001*1*150*150",
        "CLP*PCN00000001*1*150*15O",
    ))
    .unwrap_err();
    assert_eq!(e.segment_id.as_deref(), Some("CLP"));
    assert!(e.reason.contains("CLP04"), "{e}");
    let e = read_835(&patched("CLP*PCN00000001*1*", "CLP*PCN00000001*9*")).unwrap_err();
    assert!(e.reason.contains("CLP02"), "{e}");
    let e = read_835(&patched("CLP*PCN00000001*", "CLP**")).unwrap_err();
    assert!(e.reason.contains("CLP01"), "{e}");
    let e = read_835(&patched("REF*6R*1~", "REF*6R*1~\nCAS*XX*45*1~")).unwrap_err();
    assert!(e.reason.contains("CAS01"), "{e}");
    let e = read_835(&patched("BPR*I*150*", "BPR*I*abc*")).unwrap_err();
    assert!(e.reason.contains("BPR02"), "{e}");
    let e = read_835(&patched("TRN*1*EFT0001*", "TRN*1**")).unwrap_err();
    assert!(e.reason.contains("TRN02"), "{e}");
    let e = read_835(&patched("SE*", "XX*")).unwrap_err();
    assert!(e.reason.contains("no SE"), "{e}");
    let e = read_835(&fixture!("full_payment.835").replace("ST*835", "ST*837")).unwrap_err();
    assert!(e.reason.contains("expected an 835"), "{e}");
    assert!(read_835("hello").is_err());
}

#[test]
fn a_cas_carries_up_to_six_triplets_and_balances_with_them() {
    let text = patched(
        "SVC*HC:99213*100*100**1",
        "SVC*HC:99213*100*79**1~\nCAS*CO*45*1**253*2*1*45*3**45*4**45*5**45*6",
    );
    let p = read_835(
        &text
            .replacen("CLP*PCN00000001*1*150*150", "CLP*PCN00000001*1*150*129", 1)
            .replacen("BPR*I*150*", "BPR*I*129*", 1),
    )
    .unwrap()
    .payments
    .remove(0);
    let l = &p.claims[0].lines[0];
    assert_eq!(l.adjustments.len(), 6);
    assert_eq!(
        l.adjustments.iter().map(|a| a.amount_cents).sum::<i64>(),
        2_100
    );
    assert!(p.balance.balanced, "{:?}", p.balance);
}

#[test]
fn a_debit_payment_balances_with_its_sign() {
    let text = patched("BPR*I*150*C*", "BPR*I*150*D*");
    let p = read_835(&text).unwrap().payments.remove(0);
    assert!(!p.balance.balanced);
    assert_eq!(p.balance.imbalances[0].found_cents, -15_000);
}
