#![allow(clippy::unwrap_used)]

use super::read271::basis_points;
use super::*;
use crate::x12::sample::envelope;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/x12/271/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn segs(text: &str) -> Vec<String> {
    text.split('~')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn writes_a_270_for_the_subscriber() {
    let text = write_270(&envelope(7), &sample::inquiry(false)).unwrap();
    let s = segs(&text);
    assert_eq!(s[0].len(), 105);
    assert!(s[1].starts_with("GS*HS*"), "{}", s[1]);
    assert!(s[1].ends_with("*X*005010X279A1"));
    let body: Vec<&str> = s[2..s.len() - 2].iter().map(String::as_str).collect();
    assert_eq!(
        body[..2],
        [
            "ST*270*0001*005010X279A1",
            "BHT*0022*13*ELIGREF*20250314*0930"
        ]
    );
    assert_eq!(
        body[2..],
        [
            "HL*1**20*1",
            "NM1*PR*2*ACME HEALTH*****PI*ACME01",
            "HL*2*1*21*1",
            "NM1*1P*2*MAIN STREET CLINIC*****XX*1234567893",
            "HL*3*2*22*0",
            "TRN*1*TRACE0001*9MEDBILL00",
            "NM1*IL*1*DOE*JANE****MI*W123456789",
            "REF*6P*GRP100",
            "DMG*D8*19800115*F",
            "DTP*291*D8*20261201",
            "EQ*30",
            "EQ*98",
            "SE*15*0001",
        ]
    );
    assert_eq!(s[s.len() - 2], "GE*1*7");
    assert_eq!(s[s.len() - 1], "IEA*1*000000007");
}

#[test]
fn writes_a_270_for_a_dependent() {
    let text = write_270(&envelope(7), &sample::inquiry(true)).unwrap();
    let s = segs(&text);
    let from = s.iter().position(|x| x == "HL*3*2*22*1").unwrap();
    assert_eq!(
        s[from..from + 12],
        [
            "HL*3*2*22*1",
            "NM1*IL*1*DOE*JANE****MI*W123456789",
            "REF*6P*GRP100",
            "DMG*D8*19800115*F",
            "HL*4*3*23*0",
            "TRN*1*TRACE0001*9MEDBILL00",
            "NM1*03*1*DOE*LILY",
            "DMG*D8*20150302*F",
            "INS*N*19",
            "DTP*291*D8*20261201",
            "EQ*30",
            "EQ*98",
        ]
    );
}

#[test]
fn refuses_bad_identifiers() {
    let mut q = sample::inquiry(false);
    q.subscriber.member_id = Some("W12*3".into());
    let e = write_270(&envelope(1), &q).unwrap_err();
    assert_eq!(e.field, "subscriber.member_id");
    let mut q = sample::inquiry(false);
    q.subscriber.member_id = None;
    assert_eq!(
        write_270(&envelope(1), &q).unwrap_err().field,
        "subscriber.member_id"
    );
    let mut q = sample::inquiry(false);
    q.service_types = vec!["ABC".into()];
    assert_eq!(
        write_270(&envelope(1), &q).unwrap_err().field,
        "service_types"
    );
    let mut q = sample::inquiry(false);
    q.provider.npi = "12345".into();
    assert_eq!(
        write_270(&envelope(1), &q).unwrap_err().field,
        "provider.npi"
    );
}

#[test]
fn reads_an_active_271_with_cost_sharing() {
    let e = read_271(&fixture("active.271")).unwrap();
    assert_eq!(e.trace_number.as_deref(), Some("TRACE0001"));
    assert_eq!(e.source.as_ref().unwrap().id.as_deref(), Some("ACME01"));
    assert_eq!(
        e.receiver.as_ref().unwrap().id.as_deref(),
        Some("1234567893")
    );
    assert!(e.rejections.is_empty() && e.warnings.is_empty(), "{e:?}");
    let m = e.subscriber.as_ref().unwrap();
    assert_eq!(m.entity.id.as_deref(), Some("W123456789"));
    assert_eq!(m.entity.address.len(), 2);
    assert_eq!(m.birth_date, chrono::NaiveDate::from_ymd_opt(1980, 1, 15));
    assert_eq!(m.references[0].value, "GRP100");
    assert_eq!(m.dates[0].qualifier.meaning, "plan begin");
    assert_eq!(m.benefits.len(), 20);
    let active = &m.benefits[0];
    assert_eq!(active.info.meaning, "active coverage");
    assert_eq!(active.service_types.len(), 11);
    assert_eq!(active.plan.as_deref(), Some("GOLD PPO"));
    let copay = &m.benefits[1];
    assert_eq!(copay.info.code, "B");
    assert_eq!(copay.amount_cents, Some(2500));
    assert_eq!(copay.in_network.as_deref(), Some("Y"));
    assert_eq!(copay.time_period.as_ref().unwrap().meaning, "visit");
    assert_eq!(copay.messages.len(), 1);
    let remaining = m
        .benefits
        .iter()
        .find(|b| {
            b.info.code == "C"
                && b.time_period.as_ref().is_some_and(|t| t.code == "29")
                && b.coverage_level.as_ref().is_some_and(|c| c.code == "FAM")
        })
        .unwrap();
    assert_eq!(remaining.amount_cents, Some(215_050));
    assert!(remaining.dates.is_empty());
    let ind_remaining = &m.benefits[5];
    assert_eq!(ind_remaining.amount_cents, Some(80_000));
    assert_eq!(
        ind_remaining.dates[0].to,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 31)
    );
    let coins: Vec<_> = m.benefits.iter().filter(|b| b.info.code == "A").collect();
    assert_eq!(coins[0].percent_basis_points, Some(2000));
    assert_eq!(coins[1].in_network.as_deref(), Some("N"));
    let mh = m.benefits.iter().find(|b| b.info.code == "CB").unwrap();
    assert_eq!(mh.authorization_required, Some(true));
    let pcp = m.benefits.iter().find(|b| b.info.code == "L").unwrap();
    assert_eq!(pcp.entities[0].role.meaning, "primary care provider");
    assert_eq!(pcp.entities[0].contacts, ["TE:2175550100"]);
}

#[test]
fn reads_inactive_and_rejections() {
    let e = read_271(&fixture("inactive.271")).unwrap();
    let m = e.subscriber.as_ref().unwrap();
    assert_eq!(m.benefits[0].info.code, "6");
    assert_eq!(m.benefits[0].messages.len(), 1);

    let e = read_271(&fixture("invalid_member_id.271")).unwrap();
    let r: Vec<_> = e.all_rejections().collect();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].level, "subscriber");
    assert_eq!(r[0].reason.code, "72");
    assert_eq!(r[0].follow_up.meaning, "please correct and resubmit");

    let e = read_271(&fixture("patient_not_found.271")).unwrap();
    assert_eq!(
        e.all_rejections().next().unwrap().reason.meaning,
        "subscriber/insured not found"
    );

    let e = read_271(&fixture("provider_not_eligible.271")).unwrap();
    assert!(e.subscriber.is_none());
    assert_eq!(e.rejections[0].level, "receiver");
    assert_eq!(e.rejections[0].reason.code, "50");
}

#[test]
fn reads_a_dependent_and_a_correction() {
    let e = read_271(&fixture("dependent.271")).unwrap();
    let d = e.dependent.as_ref().unwrap();
    assert_eq!(d.entity.first_name.as_deref(), Some("LILY"));
    assert_eq!(d.relationship.as_deref(), Some("19"));
    assert!(!d.corrected);
    assert_eq!(e.patient().unwrap().benefits.len(), 6);
    assert!(e.subscriber.as_ref().unwrap().benefits.is_empty());

    let e = read_271(&fixture("corrected.271")).unwrap();
    let m = e.subscriber.as_ref().unwrap();
    assert!(m.corrected);
    assert_eq!(m.entity.id.as_deref(), Some("W123456790"));
    assert_eq!(m.entity.first_name.as_deref(), Some("JANET"));
}

#[test]
fn reads_iii_quantity_and_refuses_bad_amounts() {
    let base = fixture("inactive.271");
    let text = base.replace(
        "EB*6*IND*30**GOLD PPO~",
        "EB*CB*IND*MH*PR*****VS*20*Y~\nIII*ZZ*11~",
    );
    let text = text.replace("SE*17*", "SE*18*");
    let e = read_271(&text).unwrap();
    let b = &e.subscriber.as_ref().unwrap().benefits[0];
    assert_eq!(b.quantity_qualifier.as_deref(), Some("VS"));
    assert_eq!(b.quantity.as_deref(), Some("20"));
    assert_eq!(b.additional, ["ZZ:11"]);

    let bad = base.replace("EB*6*IND*30**GOLD PPO~", "EB*B*IND*98*PR**27*1O~");
    let err = read_271(&bad).unwrap_err().to_string();
    assert!(err.contains("EB07"), "{err}");
    assert!(read_271("ISA*nonsense").is_err());
    let not_271 = base.replace("ST*271*", "ST*270*");
    assert!(read_271(&not_271).is_err());
}

#[test]
fn percents_become_basis_points() {
    assert_eq!(basis_points("0.2"), Some(2000));
    assert_eq!(basis_points(".15"), Some(1500));
    assert_eq!(basis_points("1"), Some(10_000));
    assert_eq!(basis_points("0.125"), Some(1250));
    assert_eq!(basis_points("0.12345"), None);
    assert_eq!(basis_points("x"), None);
    assert_eq!(basis_points(""), None);
}
