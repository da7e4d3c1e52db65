//! Unit tests of the 999 and 277CA readers, on acknowledgments pyx12 wrote (999) or
//! validated (277CA fixtures, also checked by tests/it/x12_validation.rs).

#![allow(clippy::unwrap_used)]

use super::*;

/// What pyx12's x12valid wrote for an 837 from the writer with DMG02 and DMG03 broken.
const REJECTED_999: &str = "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*MEDBILLSUB     *261126*2151*^*00501*611262151*0*T*:~
GS*FA*CLEARHOUSE*MEDBILLSUB*20261126*215113*822613235*X*005010X231~
ST*999*0001*005010X231~
AK1*HC*1*005010X222A1~
AK2*837*0001*005010X222A1~
IK3*DMG*17**8~
IK4*2*1251*8*19801317~
IK4*3*1068*7*X~
IK5*R*5~
AK9*R*1*1*0~
SE*9*0001~
GE*1*822613235~
IEA*1*611262151~
";

/// What pyx12's x12valid wrote for a valid 837 from the writer.
const ACCEPTED_999: &str = "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*MEDBILLSUB     *261126*2149*^*00501*611262149*0*T*:~GS*FA*CLEARHOUSE*MEDBILLSUB*20261126*214946*635732777*X*005010X231~ST*999*0001*005010X231~AK1*HC*1*005010X222A1~AK2*837*0001*005010X222A1~IK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*635732777~IEA*1*611262149~";

#[test]
fn reads_an_accepted_999() {
    let ack = read_999(ACCEPTED_999).unwrap();
    assert_eq!(ack.interchange_control_number, "611262149");
    assert_eq!(ack.functional_id, "HC");
    assert_eq!(ack.group_control_number, "1");
    assert_eq!(ack.version.as_deref(), Some("005010X222A1"));
    assert_eq!(ack.group_status.code, "A");
    assert_eq!(ack.group_status.meaning, "accepted");
    assert_eq!(
        (ack.sets_included, ack.sets_received, ack.sets_accepted),
        (1, 1, 1)
    );
    let set = ack.set(1).unwrap();
    assert!(set.accepted());
    assert!(set.segment_errors.is_empty() && set.set_errors.is_empty());
}

#[test]
fn reads_a_rejected_999_with_segment_and_element_errors() {
    let ack = read_999(REJECTED_999).unwrap();
    assert_eq!(ack.group_status.code, "R");
    assert_eq!(ack.sets_accepted, 0);
    let set = &ack.transaction_sets[0];
    assert!(!set.accepted());
    assert_eq!(set.control_number, "0001");
    assert_eq!(
        set.set_errors,
        vec![Coded {
            code: "5".into(),
            meaning: "one or more segments in error"
        }]
    );
    let seg = &set.segment_errors[0];
    assert_eq!(
        (
            seg.segment_id.as_str(),
            seg.position,
            seg.loop_id.as_deref()
        ),
        ("DMG", 17, None)
    );
    assert_eq!(seg.error.code, "8");
    assert_eq!(seg.element_errors.len(), 2);
    let e = &seg.element_errors[0];
    assert_eq!(
        (e.position, e.component, e.element_reference.as_deref()),
        (2, None, Some("1251"))
    );
    assert_eq!(e.error.meaning, "invalid date");
    assert_eq!(e.bad_value.as_deref(), Some("19801317"));
    assert_eq!(seg.element_errors[1].error.meaning, "invalid code value");
}

#[test]
fn the_999_reader_refuses_other_files() {
    let a277 = include_str!("../../tests/fixtures/x12/accepted.277");
    assert!(matches!(
        read_999(a277),
        Err(ReadError::WrongTransaction {
            expected: "999",
            ..
        })
    ));
    assert!(matches!(
        read_277ca(ACCEPTED_999),
        Err(ReadError::WrongTransaction {
            expected: "277",
            ..
        })
    ));
    assert_eq!(read_999("not x12"), Err(ReadError::NoIsa));
    let no_ak9 = ACCEPTED_999.replace("AK9*A*1*1*1~", "");
    assert!(matches!(read_999(&no_ak9), Err(ReadError::Structure(_))));
}

#[test]
fn reads_an_accepted_277ca() {
    let ack = read_277ca(include_str!("../../tests/fixtures/x12/accepted.277")).unwrap();
    assert_eq!(ack.reference, "ACK277A");
    assert_eq!(ack.batch_statuses[0].category.code, "A1");
    assert_eq!(ack.provider_statuses[0].0, "1234567893");
    assert_eq!(ack.claims.len(), 2);
    let c = ack.claim("PCN00000002").unwrap();
    assert_eq!(c.outcome, Outcome::Accepted);
    assert_eq!(c.payer_claim_number.as_deref(), Some("PAYER0000000002"));
    assert_eq!(c.clearinghouse_trace.as_deref(), Some("CH0000002"));
    assert_eq!(c.member_id.as_deref(), Some("MBR0000002"));
    assert_eq!(c.billing_provider_id.as_deref(), Some("1234567893"));
    let s = &c.statuses[0];
    assert_eq!(
        (s.category.code.as_str(), s.status.code.as_str()),
        ("A2", "20")
    );
    assert_eq!(
        s.category.meaning,
        "acknowledged: accepted into adjudication"
    );
    assert_eq!(s.status.meaning, "accepted for processing");
    assert_eq!(
        (s.action.as_deref(), s.amount_cents),
        (Some("WQ"), Some(10_000))
    );
}

#[test]
fn reads_a_277ca_with_rejections() {
    let ack = read_277ca(include_str!("../../tests/fixtures/x12/rejected.277")).unwrap();
    let outcomes: Vec<_> = ack
        .claims
        .iter()
        .map(|c| (c.patient_control_number.as_str(), c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("PCN00000001", Outcome::Rejected),
            ("PCN00000002", Outcome::Accepted),
            ("PCN00000003", Outcome::Rejected),
        ]
    );
    let c1 = ack.claim("PCN00000001").unwrap();
    assert_eq!(c1.statuses.len(), 2, "STC01 and STC10");
    assert_eq!(c1.statuses[0].entity.as_deref(), Some("IL"));
    assert_eq!(
        c1.statuses[0].category.meaning,
        "rejected: information invalid"
    );
    assert_eq!(c1.statuses[1].status.code, "562");
    assert_eq!(c1.statuses[0].amount_cents, Some(30_300));
    assert_eq!(c1.payer_claim_number, None);
    assert_eq!(c1.lines.len(), 1);
    assert_eq!(c1.lines[0].procedure_code, "99213");
    assert_eq!(c1.lines[0].charge_cents, Some(10_000));
    assert_eq!(c1.lines[0].line_item_control.as_deref(), Some("1"));
    assert_eq!(c1.lines[0].statuses[0].action.as_deref(), Some("U"));
    let c3 = ack.claim("PCN00000003").unwrap();
    assert_eq!(
        c3.statuses[0].category.meaning,
        "rejected: information missing"
    );
    assert_eq!(c3.statuses[0].entity.as_deref(), Some("82"));
}

#[test]
fn money_parses_back() {
    use super::ack277::parse_money;
    assert_eq!(parse_money("123.45"), Some(12345));
    assert_eq!(parse_money("100"), Some(10000));
    assert_eq!(parse_money("1.5"), Some(150));
    assert_eq!(parse_money(".5"), Some(50));
    assert_eq!(parse_money("-2"), Some(-200));
    assert_eq!(parse_money("1.234"), None);
    assert_eq!(parse_money("x"), None);
    assert_eq!(parse_money(""), None);
}

#[test]
fn code_tables_cover_the_a_categories() {
    for c in ["A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"] {
        assert!(codes::status_category(c).is_some(), "{c}");
    }
    assert_eq!(codes::category_outcome("A1"), Outcome::Pending);
    assert_eq!(codes::category_outcome("A4"), Outcome::Rejected);
    assert_eq!(
        Coded::new("Z9", codes::status_category).meaning,
        "unknown code"
    );
}
