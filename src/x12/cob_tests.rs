//! Unit tests of the COB loops (2320/2330A/2330B/2430).

#![allow(clippy::unwrap_used)]

use super::sample::{
    envelope, secondary_after_denial, secondary_after_partial, snapshot, tertiary, transaction,
    with_dependent, with_size,
};
use super::*;

fn write(claims: Vec<ClaimSnapshot>) -> Result<String, X12Error> {
    write_837p(
        &envelope(1),
        &[transaction(1, claims)],
        WriteOptions::default(),
    )
}

fn segs(text: &str) -> Vec<String> {
    text.split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn pos(segs: &[String], seg: &str) -> usize {
    segs.iter()
        .position(|s| s == seg)
        .unwrap_or_else(|| panic!("{seg} not in {segs:#?}"))
}

#[test]
fn secondary_after_a_partial_primary_carries_its_adjudication() {
    let s = segs(&write(vec![secondary_after_partial(with_size(snapshot(1), 1, 2))]).unwrap());
    // 2000B is the secondary payer now.
    assert!(s.contains(&"SBR*S*18*BG77******CI".to_string()));
    assert!(s.contains(&"NM1*PR*2*BEACON MUTUAL*****PI*BCN22".to_string()));
    // 2320 after HI, before the first line; 2330A and 2330B follow it.
    let hi = s.iter().position(|x| x.starts_with("HI*")).unwrap();
    let sbr = pos(&s, "SBR*P*18*GRP1001******CI");
    let lx = pos(&s, "LX*1");
    assert!(hi < sbr && sbr < lx);
    let lines = [10_000i64, 10_100];
    let paid: i64 = lines.iter().map(|c| c * 6 / 10).sum();
    let pr: i64 = lines.iter().map(|c| c - c * 6 / 10 - c / 5).sum();
    assert_eq!(s[sbr + 1], format!("AMT*D*{}", paid as f64 / 100.0));
    assert_eq!(s[sbr + 2], format!("AMT*EAF*{}", pr as f64 / 100.0));
    assert_eq!(s[sbr + 3], "OI***Y***Y");
    assert_eq!(s[sbr + 4], "NM1*IL*1*RIVERA*ANA*M***MI*MBR0000001");
    assert_eq!(s[sbr + 5], "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1");
    assert_eq!(s[sbr + 6], "REF*F8*ACME2025031400017");
    // 2430 after each line's REF*6R: SVD, CAS per group, DTP*573.
    let svd = pos(&s, "SVD*ACME1*60*HC:99213**1");
    assert!(svd > lx && s[svd - 1] == "REF*6R*1");
    assert_eq!(s[svd + 1], "CAS*CO*45*20");
    assert_eq!(s[svd + 2], "CAS*PR*1*20");
    assert_eq!(s[svd + 3], "DTP*573*D8*20250402");
    assert_eq!(s[svd + 4], "LX*2");
    assert!(s.contains(&"SVD*ACME1*60.6*HC:36415**1".to_string()));
}

#[test]
fn secondary_after_a_denial_carries_claim_level_cas_moa_and_the_date() {
    let s = segs(&write(vec![secondary_after_denial(snapshot(1))]).unwrap());
    let sbr = pos(&s, "SBR*P*18*GRP1001******CI");
    assert_eq!(s[sbr + 1], "CAS*CO*27*100");
    assert_eq!(s[sbr + 2], "AMT*D*0");
    assert_eq!(s[sbr + 3], "AMT*EAF*0");
    assert_eq!(s[sbr + 4], "OI***Y***Y");
    assert_eq!(s[sbr + 5], "MOA***MA130");
    assert_eq!(s[sbr + 7], "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1");
    assert_eq!(s[sbr + 8], "DTP*573*D8*20250402");
    assert!(!s.iter().any(|x| x.starts_with("SVD")));
}

#[test]
fn tertiary_lists_both_earlier_payers_in_order() {
    let s = segs(&write(vec![tertiary(with_size(snapshot(1), 1, 2))]).unwrap());
    assert!(s.contains(&"SBR*T*18*BG77******CI".to_string()));
    let p = pos(&s, "SBR*P*18*GRP1001******CI");
    let q = pos(&s, "SBR*S*18*BG77******CI");
    assert!(p < q);
    assert_eq!(s[q + 4], "NM1*PR*2*BEACON MUTUAL*****PI*BCN22");
    // Line 1: primary's SVD then secondary's.
    let a = pos(&s, "SVD*ACME1*60*HC:99213**1");
    let b = pos(&s, "SVD*BCN22*10*HC:99213**1");
    assert!(a < b && b < pos(&s, "LX*2"));
    assert_eq!(s[b + 1], "CAS*OA*23*80");
    assert_eq!(s[b + 2], "CAS*PR*2*10");
    assert_eq!(s[b + 3], "DTP*573*D8*20250420");
}

#[test]
fn a_dependent_patient_is_not_self_on_the_other_subscriber() {
    let s = segs(&write(vec![secondary_after_partial(with_dependent(snapshot(1)))]).unwrap());
    assert!(s.contains(&"SBR*P*19*GRP1001******CI".to_string()));
    assert!(s.contains(&"SBR*S**BG77******CI".to_string()));
    assert!(s.contains(&"PAT*19".to_string()));
}

#[test]
fn unbalanced_amounts_are_refused_with_the_field() {
    let mut c = secondary_after_partial(snapshot(1));
    c.claim.other_payers[0].lines[0].paid_cents += 1;
    let e = write(vec![c]).unwrap_err();
    assert_eq!(e.field, "other_payers.lines.adjustments");

    let mut c = secondary_after_partial(snapshot(1));
    c.claim.other_payers[0].paid_cents += 1;
    assert_eq!(write(vec![c]).unwrap_err().field, "other_payers.paid_cents");

    let mut c = secondary_after_denial(snapshot(1));
    c.claim.other_payers[0].claim_adjustments[0].amount_cents -= 1;
    assert_eq!(
        write(vec![c]).unwrap_err().field,
        "other_payers.claim_adjustments"
    );

    let mut c = secondary_after_partial(snapshot(1));
    c.claim.other_payers[0].lines[0].line_number = 2;
    assert_eq!(
        write(vec![c]).unwrap_err().field,
        "other_payers.lines.line_number"
    );
}

#[test]
fn bad_codes_are_refused() {
    let mut c = secondary_after_partial(snapshot(1));
    c.claim.other_payers[0].lines[0].adjustments[0].group = "XX".into();
    assert_eq!(
        write(vec![c]).unwrap_err().field,
        "other_payers.lines.adjustments"
    );
    let mut c = secondary_after_partial(snapshot(1));
    c.claim.other_payers[0].relationship_code = "99".into();
    assert_eq!(
        write(vec![c]).unwrap_err().field,
        "other_payers.relationship_code"
    );
    let mut c = secondary_after_denial(snapshot(1));
    c.claim.other_payers[0].remarks = vec!["MA*1".into()];
    assert!(write(vec![c]).is_err());
}

#[test]
fn many_reasons_in_one_group_share_a_segment_up_to_six() {
    let mut c = secondary_after_denial(snapshot(1));
    let total = c.claim.total_charge_cents;
    c.claim.other_payers[0].claim_adjustments = (0..6)
        .map(|i| CasAdjustment {
            group: "CO".into(),
            reason: format!("{}", 45 + i),
            amount_cents: if i == 0 { total - 5 } else { 1 },
        })
        .collect();
    let s = segs(&write(vec![c.clone()]).unwrap());
    assert!(s.contains(&"CAS*CO*45*99.95**46*0.01**47*0.01**48*0.01**49*0.01**50*0.01".to_string()));
    c.claim.other_payers[0]
        .claim_adjustments
        .push(CasAdjustment {
            group: "CO".into(),
            reason: "51".into(),
            amount_cents: 0,
        });
    assert!(write(vec![c]).is_err());
}
