//! Unit tests of the 837P writer.

#![allow(clippy::unwrap_used)]

use super::sample::{envelope, snapshot, transaction, with_dependent, with_providers, with_size};
use super::*;

fn write(claims: Vec<ClaimSnapshot>) -> Result<String, X12Error> {
    write_837p(
        &envelope(1),
        &[transaction(1, claims)],
        WriteOptions::default(),
    )
}

fn segs(text: &str) -> Vec<Vec<&str>> {
    text.split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.split('*').collect())
        .collect()
}

fn find<'a>(segs: &'a [Vec<&'a str>], id: &str) -> Vec<&'a Vec<&'a str>> {
    segs.iter().filter(|s| s[0] == id).collect()
}

#[test]
fn envelope_and_segment_counts() {
    let text = write_837p(
        &envelope(42),
        &[
            transaction(7, vec![snapshot(1), snapshot(2)]),
            transaction(8, vec![with_dependent(snapshot(3))]),
        ],
        WriteOptions::default(),
    )
    .unwrap();
    assert_eq!(
        text.find('~'),
        Some(105),
        "ISA is 106 characters with its terminator"
    );
    assert!(text.starts_with("ISA*00*          *00*          *ZZ*MEDBILLSUB     *ZZ*CLEARHOUSE     *250314*0930*^*00501*000000042*0*T*:~"));
    let s = segs(&text);
    assert_eq!(
        s[1],
        vec![
            "GS",
            "HC",
            "MEDBILLSUB",
            "CLEARHOUSE",
            "20250314",
            "0930",
            "42",
            "X",
            "005010X222A1"
        ]
    );
    // Each SE01 counts ST..SE of its own set.
    let mut start = None;
    let mut sets = 0;
    for (i, seg) in s.iter().enumerate() {
        match seg[0] {
            "ST" => start = Some(i),
            "SE" => {
                let n = i - start.unwrap() + 1;
                assert_eq!(seg[1], n.to_string());
                assert_eq!(seg[2], s[start.unwrap()][2]);
                sets += 1;
            }
            _ => {}
        }
    }
    assert_eq!(sets, 2);
    assert_eq!(find(&s, "ST")[0][2], "0007");
    assert_eq!(s[s.len() - 2], vec!["GE", "2", "42"]);
    assert_eq!(s[s.len() - 1], vec!["IEA", "1", "000000042"]);
}

#[test]
fn hl_hierarchy_groups_claims() {
    // Two claims of one subscriber-patient, one of a dependent, one of another subscriber.
    let mut other = snapshot(9);
    other.subscriber.member_id = "OTHER".into();
    let same = |n| {
        let mut s = snapshot(n);
        s.subscriber.member_id = "MBR0000001".into();
        s
    };
    let mut dep = with_dependent(snapshot(5));
    dep.subscriber.member_id = "MBR0000001".into();
    let text = write(vec![same(1), dep, other, same(2)]).unwrap();
    let s = segs(&text);
    let hls: Vec<Vec<&str>> = find(&s, "HL")
        .into_iter()
        .map(|h| h[1..].to_vec())
        .collect();
    assert_eq!(
        hls,
        vec![
            vec!["1", "", "20", "1"],
            vec!["2", "1", "22", "0"],
            vec!["3", "1", "22", "1"],
            vec!["4", "3", "23", "0"],
            vec!["5", "1", "22", "0"],
        ]
    );
    let clms: Vec<&str> = find(&s, "CLM").into_iter().map(|c| c[1]).collect();
    assert_eq!(
        clms,
        vec!["PCN00000001", "PCN00000002", "PCN00000005", "PCN00000009"]
    );
    let sbr = find(&s, "SBR");
    assert_eq!(sbr[0][2], "18");
    assert_eq!(
        sbr[1][2], "",
        "SBR02 is empty when the patient is someone else"
    );
    assert_eq!(
        find(&s, "DMG").len(),
        3,
        "subscriber-patients and the dependent"
    );
    assert_eq!(find(&s, "PAT")[0], &vec!["PAT", "19"]);
}

#[test]
fn two_billing_providers_get_two_top_hls() {
    let mut b = snapshot(2);
    b.billing_provider.npi = "1444444446".into();
    let text = write(vec![snapshot(1), b, snapshot(3)]).unwrap();
    let s = segs(&text);
    let hls: Vec<(&str, &str)> = find(&s, "HL").into_iter().map(|h| (h[1], h[2])).collect();
    assert_eq!(
        hls,
        vec![("1", ""), ("2", "1"), ("3", "1"), ("4", ""), ("5", "4")]
    );
}

#[test]
fn hi_has_abk_then_abf_without_dots() {
    let text = write(vec![with_size(snapshot(1), 12, 2)]).unwrap();
    let s = segs(&text).into_iter().find(|s| s[0] == "HI").unwrap();
    assert_eq!(s.len(), 13);
    assert_eq!(s[1], "ABK:E119");
    assert!(s[2..]
        .iter()
        .all(|e| e.starts_with("ABF:") && !e.contains('.')));
    assert_eq!(s[12], "ABF:J45909");
    let err = write(
        vec![with_size(snapshot(1), 12, 1)]
            .into_iter()
            .map(|mut c| {
                c.claim.diagnoses.push("Z23".into());
                c
            })
            .collect(),
    )
    .unwrap_err();
    assert_eq!(
        err.problem,
        Problem::Count {
            min: 1,
            max: 12,
            found: 13
        }
    );
}

#[test]
fn service_lines_with_modifiers_pos_pointers_and_ndc() {
    let mut c = with_size(snapshot(1), 3, 2);
    c.claim.lines[0].modifiers = vec!["25".into(), "gt".into()];
    c.claim.lines[0].units = 2;
    c.claim.lines[1].place_of_service = Some("02".into());
    c.claim.lines[1].drug = Some(Drug {
        ndc: "00002143380".into(),
        quantity_thousandths: 2500,
        unit: "ML".into(),
    });
    c.claim.lines[1].charge_cents = 4_999;
    c.claim.total_charge_cents = 14_999;
    let text = write(vec![c]).unwrap();
    let s = segs(&text);
    let sv1 = find(&s, "SV1");
    assert_eq!(
        sv1[0],
        &vec!["SV1", "HC:99213:25:GT", "100", "UN", "2", "", "", "1:2:3"]
    );
    assert_eq!(
        sv1[1],
        &vec!["SV1", "HC:36415", "49.99", "UN", "1", "02", "", "2:3:1"]
    );
    assert_eq!(find(&s, "CLM")[0][2], "149.99");
    assert_eq!(
        find(&s, "LX").iter().map(|l| l[1]).collect::<Vec<_>>(),
        vec!["1", "2"]
    );
    assert_eq!(find(&s, "DTP")[0], &vec!["DTP", "472", "D8", "20250310"]);
    // Every line carries its line item control number (its position), right after its DTP.
    let refs: Vec<_> = s
        .windows(2)
        .filter(|w| w[0][0] == "DTP" && w[0][1] == "472")
        .map(|w| w[1].clone())
        .collect();
    assert_eq!(refs, vec![vec!["REF", "6R", "1"], vec!["REF", "6R", "2"]]);
    assert_eq!(find(&s, "LIN")[0], &vec!["LIN", "", "N4", "00002143380"]);
    assert_eq!(find(&s, "CTP")[0], &vec!["CTP", "", "", "", "2.5", "ML"]);
}

#[test]
fn replacement_and_void_carry_ref_f8() {
    for (freq, code) in [
        (
            Frequency::Replacement {
                payer_claim_number: "PAYER123".into(),
            },
            "7",
        ),
        (
            Frequency::Void {
                payer_claim_number: "PAYER123".into(),
            },
            "8",
        ),
    ] {
        let mut c = snapshot(1);
        c.claim.frequency = freq;
        let text = write(vec![c]).unwrap();
        let s = segs(&text);
        let clm = find(&s, "CLM")[0];
        assert_eq!(clm[5], format!("11:B:{code}"));
        let i = s.iter().position(|x| x[0] == "CLM").unwrap();
        assert_eq!(s[i + 1], vec!["REF", "F8", "PAYER123"]);
    }
    let text = write(vec![snapshot(1)]).unwrap();
    let s = segs(&text);
    assert!(find(&s, "REF").iter().all(|r| r[1] != "F8"));
    assert_eq!(
        find(&s, "CLM")[0],
        &vec![
            "CLM",
            "PCN00000001",
            "100",
            "",
            "",
            "11:B:1",
            "Y",
            "A",
            "Y",
            "Y"
        ]
    );
}

#[test]
fn referring_and_rendering_providers() {
    let text = write(vec![with_providers(snapshot(1))]).unwrap();
    let s = segs(&text);
    let nm1: Vec<_> = find(&s, "NM1")
        .into_iter()
        .filter(|n| n[1] == "DN" || n[1] == "82")
        .collect();
    assert_eq!(
        nm1[0],
        &vec![
            "NM1",
            "DN",
            "1",
            "OKAFOR",
            "NGOZI",
            "",
            "",
            "",
            "XX",
            "1112223338"
        ]
    );
    assert_eq!(
        nm1[1],
        &vec![
            "NM1",
            "82",
            "1",
            "CHEN",
            "WEI",
            "",
            "",
            "",
            "XX",
            "9876543213"
        ]
    );
    assert!(find(&s, "PRV")
        .iter()
        .any(|p| p[1..] == ["PE", "PXC", "207Q00000X"]));
    let mut bad = with_providers(snapshot(1));
    if let Some(p) = bad.claim.rendering_provider.as_mut() {
        p.npi = "9876543210".into();
    }
    let err = write(vec![bad]).unwrap_err();
    assert_eq!((err.field, err.claim), ("rendering_provider.npi", Some(0)));
}

#[test]
fn delimiters_in_identifiers_are_rejected_with_the_field() {
    for (d, apply) in [
        (
            '*',
            Box::new(|c: &mut ClaimSnapshot| c.claim.patient_control_number = "PCN*1".into())
                as Box<dyn Fn(&mut ClaimSnapshot)>,
        ),
        (
            '~',
            Box::new(|c: &mut ClaimSnapshot| c.subscriber.member_id = "M~1".into()),
        ),
        (
            ':',
            Box::new(|c: &mut ClaimSnapshot| c.claim.lines[0].procedure_code = "992:13".into()),
        ),
        (
            '^',
            Box::new(|c: &mut ClaimSnapshot| c.payer.payer_id = "AC^ME".into()),
        ),
    ] {
        let mut c = snapshot(1);
        apply(&mut c);
        let err = write(vec![snapshot(0), c]).unwrap_err();
        assert_eq!(err.problem, Problem::Delimiter(d));
        assert_eq!(err.claim, Some(1));
        assert_eq!(err.transaction, Some(0));
    }
    let mut c = snapshot(1);
    c.claim.lines[0].procedure_code = "992:13".into();
    let err = write(vec![c]).unwrap_err();
    assert_eq!((err.field, err.line), ("lines.procedure_code", Some(0)));
    assert_eq!(
        err.to_string(),
        "transaction 0: claim 0: line 0: lines.procedure_code contains the X12 delimiter ':'"
    );
}

#[test]
fn delimiters_in_free_text_are_sanitised() {
    let mut c = snapshot(1);
    c.subscriber.name = Name::Person {
        last: "O'Neil*Smith~".into(),
        first: "Zoë".into(),
        middle: None,
        suffix: None,
    };
    c.payer.name = "Acme: Health^Plan".into();
    let text = write(vec![c]).unwrap();
    let s = segs(&text);
    let il = find(&s, "NM1").into_iter().find(|n| n[1] == "IL").unwrap();
    assert_eq!((il[3], il[4]), ("O'NEIL SMITH", "ZOE"));
    let pr = find(&s, "NM1").into_iter().find(|n| n[1] == "PR").unwrap();
    assert_eq!(pr[3], "ACME HEALTH PLAN");
}

#[test]
fn inconsistent_claims_are_refused() {
    let mut c = snapshot(1);
    c.claim.total_charge_cents += 1;
    assert!(matches!(
        write(vec![c]).unwrap_err().problem,
        Problem::TotalMismatch { .. }
    ));
    let mut c = snapshot(1);
    c.claim.lines[0].diagnosis_pointers = vec![2];
    assert_eq!(
        write(vec![c]).unwrap_err().field,
        "lines.diagnosis_pointers"
    );
    let c = with_size(snapshot(1), 1, 51);
    assert_eq!(
        write(vec![c]).unwrap_err().problem,
        Problem::Count {
            min: 1,
            max: 50,
            found: 51
        }
    );
    let mut c = snapshot(1);
    c.billing_provider.address.postal_code = "97201".into();
    assert_eq!(
        write(vec![c]).unwrap_err().field,
        "billing_provider.address.postal_code"
    );
    let mut c = snapshot(1);
    c.subscriber.demographics = None;
    assert_eq!(write(vec![c]).unwrap_err().field, "subscriber.demographics");
    let mut e = envelope(0);
    e.interchange_control_number = 0;
    let err = write_837p(
        &e,
        &[transaction(1, vec![snapshot(1)])],
        WriteOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.field, "envelope.interchange_control_number");
    assert!(write(vec![]).is_err());
}

#[test]
fn line_breaks_are_optional() {
    let with = write_837p(
        &envelope(1),
        &[transaction(1, vec![snapshot(1)])],
        WriteOptions { line_breaks: true },
    )
    .unwrap();
    let without = write(vec![snapshot(1)]).unwrap();
    assert_eq!(with.replace('\n', ""), without);
    assert!(!without.contains('\n'));
    // Every segment on its own line, and nothing after IEA's terminator.
    assert!(with.ends_with('~'), "{with}");
    assert!(with.split('~').rev().skip(1).all(|s| !s.trim().is_empty()));
}
