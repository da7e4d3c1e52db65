//! The 835 import over HTTP against a real database: matching by REF*6R and by fallback,
//! posting through the ledger, the unmatched queue and matching by hand, idempotent re-import,
//! out-of-balance payments stored and not posted, refusals, roles and audit. The ledger
//! invariant is checked in SQL after every import.
#![allow(clippy::unwrap_used)]

use actix_web::test::TestRequest;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

use crate::claims_fx::{
    address_billing, another_visit, assert_ledger_balances, built, claim_field, post_with,
    signed_off, sql,
};
use crate::common::fixtures::{fixture, Fx};
use crate::common::{Resp, TestApp};

/// A submitted two-line claim: 99213-25 at 12,500 cents and 93000 at 5,000; returns its id.
pub(crate) async fn submitted_claim(app: &TestApp, fx: &Fx) -> String {
    let mut body = another_visit(fx);
    body["lines"] = json!([
        {"code": "99213", "modifiers": ["25"], "charge_cents": 12500, "diagnosis_pointers": [1]},
        {"code": "93000", "charge_cents": 5000, "diagnosis_pointers": [1]}
    ]);
    let enc = signed_off(app, &body).await;
    let id = built(app, &enc).await;
    sql(
        app,
        &format!("UPDATE claims SET status = 'submitted' WHERE id = '{id}'"),
    );
    id
}

pub(crate) fn pcn(app: &TestApp, id: &str) -> String {
    claim_field(app, id, "patient_control_number")
        .as_str()
        .unwrap()
        .to_string()
}

/// An 835 interchange around `claims` (2100/2110 segments), with BPR02 `paid` dollars.
pub(crate) fn era(isa13: u32, trace: &str, paid: &str, claims: &str) -> String {
    let body: Vec<&str> = claims
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut segs = vec![
        "ST*835*0001".to_string(),
        format!("BPR*I*{paid}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*011000028*DA*987654321*20260401"),
        format!("TRN*1*{trace}*1512345678"),
        "N1*PR*AETNA".into(),
        "N3*1 PAYER WAY".into(),
        "N4*HARTFORD*CT*06101".into(),
        "PER*BL*EDI*TE*8005551212".into(),
        "N1*PE*MAPLE STREET FAMILY PRACTICE*XX*1234567893".into(),
        "LX*1".into(),
    ];
    segs.extend(body.iter().map(|s| s.to_string()));
    segs.push(format!("SE*{}*0001", segs.len() + 1));
    let mut out = vec![
        format!("ISA*00*          *00*          *ZZ*AETNA          *ZZ*MEDBILLSUB     *260401*0900*^*00501*{isa13:09}*0*T*:"),
        format!("GS*HP*AETNA*MEDBILLSUB*20260401*0900*{isa13}*X*005010X221A1"),
    ];
    out.extend(segs);
    out.push(format!("GE*1*{isa13}"));
    out.push(format!("IEA*1*{isa13:09}"));
    out.join("~\n") + "~\n"
}

pub(crate) async fn import(app: &TestApp, text: &str, role: Role) -> Resp {
    let req = TestRequest::post()
        .uri("/v1/remittances")
        .insert_header(("authorization", format!("Bearer {}", app.token(role))))
        .insert_header(("content-type", "application/edi-x12"))
        .set_payload(text.to_string());
    app.send(req).await
}

fn payments(app: &TestApp) -> i64 {
    app.count("ledger_entries WHERE kind = 'payment'")
}

async fn import_match_queue_and_hand_match(app: TestApp) {
    let fx = fixture(&app, "R1").await;
    address_billing(&app, &fx).await;
    let a = submitted_claim(&app, &fx).await;
    let b = submitted_claim(&app, &fx).await;
    let (pa, pb) = (pcn(&app, &a), pcn(&app, &b));
    // Claim A: line 1 by REF*6R, line 2 without it (fallback). An unknown claim. Claim B whose
    // lines carry a code and control numbers that fit nothing.
    let text = era(
        501,
        "EFT501",
        "100",
        &format!(
            "CLP*{pa}*1*175*80*20*12*PAYERA*11*1
            NM1*QC*1*DOE*JANE****MI*M1
            SVC*HC:99213:25*125*80**1
            CAS*CO*45*25
            CAS*PR*2*20
            REF*6R*1
            SVC*HC:93000*50*0**1
            CAS*CO*97*50
            CLP*NOSUCHPCN*1*10*10**12*PAYERX*11*1
            NM1*QC*1*DOE*JOHN****MI*M2
            CLP*{pb}*1*175*10**12*PAYERB*11*1
            NM1*QC*1*DOE*JANE****MI*M1
            SVC*HC:99999*125*10**1
            CAS*CO*45*115
            REF*6R*7
            SVC*HC:99998*50*0**1
            CAS*CO*45*50
            REF*6R*8"
        ),
    );
    let r = import(&app, &text, Role::FrontDesk).await;
    assert_eq!(r.status, 403);
    let before = payments(&app);
    let r = import(&app, &text, Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["payments"][0];
    assert_eq!(p["status"], "partially_unmatched", "{p}");
    assert_eq!(
        (p["claims_posted"].as_i64(), p["claims_unmatched"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(p["duplicate"], false);
    assert!(payments(&app) > before);
    assert_ledger_balances(&app);
    assert_ne!(claim_field(&app, &a, "status"), "submitted");
    let rid = p["remittance_id"].as_str().unwrap().to_string();

    // The same file again: reported duplicate, nothing posted.
    let n = app.count("ledger_entries");
    let r = import(&app, &text, Role::Billing).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["payments"][0]["duplicate"], true);
    assert_eq!(r.body["payments"][0]["remittance_id"], rid.as_str());
    assert_eq!(app.count("ledger_entries"), n);
    assert_eq!(app.count("remittances"), 1);

    // The stored payment says how each line was matched.
    let r = app
        .get(&format!("/v1/remittances/{rid}"), Role::Billing)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["trace_number"], "EFT501");
    assert_eq!(r.body["payment_cents"], 10_000);
    assert_eq!(r.body["balance"]["balanced"], true);
    let posting = &r.body["postings"][0];
    assert_eq!(posting["outcome"], "posted");
    assert_eq!(
        posting["lines_matched_by"],
        json!(["control_number", "fallback"])
    );
    assert_eq!(r.body["postings"][1]["outcome"], "queued");
    let r = app
        .get("/v1/remittances?status=partially_unmatched", Role::Billing)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app.get("/v1/remittances?status=nope", Role::Billing).await;
    assert_eq!(r.status, 422);

    // The queue: the unknown claim and claim B.
    let r = app.get("/v1/remittances/unmatched", Role::FrontDesk).await;
    assert_eq!(r.status, 403);
    let r = app.get("/v1/remittances/unmatched", Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body.as_array().unwrap();
    let reasons: Vec<&str> = items
        .iter()
        .map(|i| i["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, vec!["unknown_claim", "unmatched_lines"]);
    let item_b = items[1].clone();
    assert_eq!(item_b["candidate_claim_id"], b.as_str());
    let path = format!(
        "/v1/remittances/unmatched/{}/match",
        item_b["id"].as_str().unwrap()
    );

    // Automatic line matching cannot pair B's lines: 422 naming them; a bad pairing: 422.
    let r = app
        .post(&path, Role::Billing, &json!({"claim_id": b}))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .post(
            &path,
            Role::Billing,
            &json!({"claim_id": b, "lines": [{"remit_line": 0, "line_number": 1}]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = post_with(
        &app,
        &path,
        Role::Billing,
        Some(&json!({"claim_id": b, "lines": [
            {"remit_line": 0, "line_number": 1}, {"remit_line": 1, "line_number": 2}]})),
        &[("if-match", "\"9\"")],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.body);
    let before = payments(&app);
    let body = json!({"claim_id": b, "lines": [
        {"remit_line": 0, "line_number": 1}, {"remit_line": 1, "line_number": 2}]});
    let r = app.post(&path, Role::Billing, &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["item"]["status"], "matched");
    assert_eq!(r.body["posting"]["duplicate"], false);
    assert!(payments(&app) > before);
    assert_ledger_balances(&app);
    let r = app.post(&path, Role::Billing, &body).await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = app
        .get(&format!("/v1/remittances/{rid}"), Role::Billing)
        .await;
    assert_eq!(r.body["claims_unmatched"], 1);
    let r = app.get("/v1/remittances/unmatched", Role::Billing).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);

    // Audited: the import, the reads, the hand match.
    let audited = app.count("audit_log WHERE resource_type = 'remittance'");
    assert!(audited >= 4, "{audited}");
}

async fn out_of_balance_and_refusals(app: TestApp) {
    let fx = fixture(&app, "R2").await;
    address_billing(&app, &fx).await;
    let a = submitted_claim(&app, &fx).await;
    let pa = pcn(&app, &a);
    // CLP charge − paid (175 − 80) differs from its adjustments (25): not posted.
    let text = era(
        601,
        "EFT601",
        "80",
        &format!(
            "CLP*{pa}*1*175*80**12*PAYERA*11*1
            NM1*QC*1*DOE*JANE****MI*M1
            CAS*CO*45*25"
        ),
    );
    let before = payments(&app);
    let r = import(&app, &text, Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["payments"][0];
    assert_eq!(
        (p["status"].as_str(), p["balanced"].as_bool()),
        (Some("out_of_balance"), Some(false))
    );
    assert_eq!(payments(&app), before);
    assert_eq!(claim_field(&app, &a, "status"), "submitted");
    let rid = p["remittance_id"].as_str().unwrap();
    let r = app
        .get(&format!("/v1/remittances/{rid}"), Role::Admin)
        .await;
    let rules: Vec<&str> = r.body["balance"]["imbalances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["claim charge - paid = adjustments"]);

    // Unreadable money: 422 naming the segment, nothing stored.
    let bad = text.replace("*175*80*", "*175*8O*");
    let r = import(&app, &bad, Role::Billing).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("CLP04"));
    let r = import(&app, "hello", Role::Billing).await;
    assert_eq!(r.status, 422);
    let req = TestRequest::post()
        .uri("/v1/remittances")
        .insert_header((
            "authorization",
            format!("Bearer {}", app.token(Role::Billing)),
        ))
        .insert_header(("content-type", "application/json"))
        .set_payload("{}");
    assert_eq!(app.send(req).await.status, 415);
    assert_eq!(app.count("remittances"), 1);
    let _: Value = json!(null);
}

on_both_backends!(
    import_match_queue_and_hand_match,
    out_of_balance_and_refusals
);
