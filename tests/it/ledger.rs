//! The receivables ledger over HTTP: manual posting (paper EOBs) through the posting service,
//! statuses from the ledger, idempotent payments, denials, reversal and correction, forwarded
//! claims, write-offs, patient balances, aging that equals the ledger, append-only tables, and
//! concurrent posting on one claim. The ledger invariant is checked in SQL after every step.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::{
    address_billing, another_visit, assert_ledger_balances, built, post_with, signed_off, sql,
};
use crate::common::fixtures::{coded, days_ago, fixture, Fx};
use crate::common::TestApp;
use actix_web::test::TestRequest;
use diesel::prelude::*;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

/// A submitted two-line claim (12,500 + 5,000 cents); returns the fixture and the claim id.
async fn submitted_claim(app: &TestApp, mrn: &str) -> (Fx, String) {
    let fx = fixture(app, mrn).await;
    address_billing(app, &fx).await;
    let id = claim_from(app, coded(&fx)).await;
    (fx, id)
}

/// Another submitted claim of the same patient, on a date no other claim has used.
async fn another_claim(app: &TestApp, fx: &Fx) -> String {
    claim_from(app, another_visit(fx)).await
}

/// A submitted two-line claim (99213-25 at 12,500 cents, 93000 at 5,000) from the encounter
/// `body` (its date is kept: another claim of the patient must be on another date).
async fn claim_from(app: &TestApp, mut body: serde_json::Value) -> String {
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

fn adj(group: &str, reason: &str, cents: i64) -> Value {
    json!({"group": group, "reason": reason, "amount_cents": cents})
}

async fn pay(app: &TestApp, id: &str, body: &Value) -> crate::common::Resp {
    app.post(&format!("/v1/claims/{id}/payments"), Role::Billing, body)
        .await
}

async fn manual_posting_balances_and_write_off(app: TestApp) {
    let (fx, id) = submitted_claim(&app, "L1").await;
    assert_ledger_balances(&app);
    assert_eq!(app.count("ledger_entries WHERE kind = 'charge'"), 2);
    let eob = json!({"payment_ref": "CHK100", "paid_on": days_ago(1), "lines": [
        {"line_number": 1, "paid_cents": 8000, "adjustments": [adj("CO", "45", 2500), adj("PR", "2", 2000)]},
        {"line_number": 2, "paid_cents": 0, "adjustments": [adj("CO", "97", 5000)], "remarks": ["M15"]}
    ]});
    // Roles and validation first: nothing is written.
    let r = app
        .post(&format!("/v1/claims/{id}/payments"), Role::FrontDesk, &eob)
        .await;
    assert_eq!(r.status, 403);
    let mut bad = eob.clone();
    bad["lines"][1]["line_number"] = json!(9);
    bad["lines"][0]["adjustments"][0]["group"] = json!("XX");
    let r = pay(&app, &id, &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let pointers: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/lines/1/line_number"), "{pointers:?}");
    assert!(
        pointers.contains(&"/lines/0/adjustments/0/group"),
        "{pointers:?}"
    );
    let r = post_with(
        &app,
        &format!("/v1/claims/{id}/payments"),
        Role::Billing,
        Some(&eob),
        &[("if-match", "\"99\"")],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.body);
    assert_eq!(app.count("ledger_postings"), 0);

    let r = pay(&app, &id, &eob).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "partially_paid");
    assert_eq!(r.body["duplicate"], false);
    assert!(r.header("etag").is_some());
    assert_ledger_balances(&app);
    // The same check posted again writes nothing.
    let entries = app.count("ledger_entries");
    let r = pay(&app, &id, &eob).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["duplicate"], true);
    assert_eq!(app.count("ledger_entries"), entries);

    let r = app
        .get("/v1/claims?status=partially_paid", Role::Billing)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = app
        .get(
            &format!("/v1/patients/{}/balance", fx.patient),
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totals"]["payer_cents"], 5000);
    assert_eq!(r.body["totals"]["patient_cents"], 2000);
    assert_eq!(r.body["lines"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'patient_balance'"),
        1
    );

    let r = app.get("/v1/denials", Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let groups = r.body.as_array().unwrap();
    assert_eq!(groups.len(), 1, "{}", r.body);
    assert_eq!(groups[0]["group_code"], "CO");
    assert_eq!(groups[0]["reason_code"], "97");
    assert_eq!(groups[0]["open_cents"], 5000);
    assert_eq!(groups[0]["remarks"], json!(["M15"]));
    assert_eq!(groups[0]["lines"][0]["line_number"], 2);
    assert_eq!(groups[0]["lines"][0]["age_days"], 3);
    let meaning = groups[0]["meaning"].as_str().unwrap();
    assert_eq!(
        meaning,
        medbill::codesets::adjustment_codes::carc_or_unknown("97")
    );
    assert!(meaning.contains("bundled"), "{meaning}");

    let wo = format!("/v1/claims/{id}/write-offs");
    let r = app
        .post(
            &wo,
            Role::Billing,
            &json!({"reason": " ", "line_number": 2}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .post(
            &wo,
            Role::Billing,
            &json!({"reason": "bundled, not worth appealing", "line_number": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["written_off_cents"], 5000);
    assert_eq!(r.body["status"], "paid");
    let r = app
        .post(&wo, Role::Billing, &json!({"reason": "again"}))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_ledger_balances(&app);
    let r = app.get("/v1/denials", Role::Billing).await;
    assert_eq!(r.body, json!([]));
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'claim_posting' AND action = 'write_off'"),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'claim_posting' AND action = 'post'"),
        1
    );
    let r = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    let to: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["validated", "partially_paid", "paid"]);

    // The ledger is append-only.
    let mut c = app.conn();
    use diesel::connection::SimpleConnection;
    assert!(c
        .batch_execute("UPDATE ledger_entries SET amount_cents = 0")
        .is_err());
    assert!(c.batch_execute("DELETE FROM ledger_entries").is_err());
    assert!(c.batch_execute("DELETE FROM ledger_postings").is_err());
}

async fn denial_reversal_and_correction(app: TestApp) {
    let (_, id) = submitted_claim(&app, "L2").await;
    let denied = json!({"status_code": "4", "payment_ref": "EFT1", "lines": [
        {"line_number": 1, "paid_cents": 0, "adjustments": [adj("CO", "16", 12500)], "remarks": ["MA130"]},
        {"line_number": 2, "paid_cents": 0, "adjustments": [adj("CO", "16", 5000)]}
    ]});
    let r = pay(&app, &id, &denied).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "denied");
    let r = app.get("/v1/claims?status=denied", Role::Billing).await;
    assert_eq!(r.body["items"][0]["id"], id.as_str());
    let r = app.get("/v1/denials", Role::Billing).await;
    assert_eq!(r.body[0]["line_count"], 2, "{}", r.body);
    assert_eq!(r.body[0]["open_cents"], 17500);
    // The payer reverses its decision, then sends the corrected one.
    let r = pay(
        &app,
        &id,
        &json!({"status_code": "22", "payment_ref": "EFT1"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "reversed");
    assert_ledger_balances(&app);
    let r = app.get("/v1/denials", Role::Billing).await;
    assert_eq!(r.body, json!([]));
    let corrected = json!({"status_code": "1", "payment_ref": "EFT2", "lines": [
        {"line_number": 1, "paid_cents": 10000, "adjustments": [adj("CO", "45", 2500)]},
        {"line_number": 2, "paid_cents": 4000, "adjustments": [adj("PR", "3", 1000)]}
    ]});
    let r = pay(&app, &id, &corrected).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "paid");
    assert_ledger_balances(&app);
    // A second reversal undoes the correction, not the already-reversed denial.
    let r = pay(
        &app,
        &id,
        &json!({"status_code": "22", "payment_ref": "EFT3"}),
    )
    .await;
    assert_eq!(r.body["status"], "reversed", "{}", r.body);
    let r = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    let to: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["validated", "denied", "reversed", "paid", "reversed"]);
    assert_ledger_balances(&app);
    // Every line is back to its full charge owed by the payer.
    let bal = app
        .get(
            &format!(
                "/v1/patients/{}/balance",
                r.body["patient_id"].as_str().unwrap()
            ),
            Role::Billing,
        )
        .await;
    assert_eq!(bal.body["totals"]["payer_cents"], 17500, "{}", bal.body);
    assert_eq!(bal.body["totals"]["patient_cents"], 0);
    assert_eq!(app.count("audit_log WHERE action = 'reverse'"), 2);
}

async fn forwarded_and_refused_postings(app: TestApp) {
    let fx = fixture(&app, "L3").await;
    address_billing(&app, &fx).await;
    let enc = signed_off(&app, &coded(&fx)).await;
    let id = built(&app, &enc).await;
    let fwd = json!({"status_code": "19", "payment_ref": "C9", "lines": [
        {"line_number": 1, "paid_cents": 6000, "adjustments": [adj("CO", "45", 1000)]}]});
    // Not submitted yet: nothing to post against.
    let r = pay(&app, &id, &fwd).await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = pay(&app, &id, &json!({"status_code": "22", "payment_ref": "X"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    sql(
        &app,
        &format!("UPDATE claims SET status = 'accepted' WHERE id = '{id}'"),
    );
    let r = pay(&app, &id, &json!({"status_code": "22", "payment_ref": "X"})).await;
    assert_eq!(r.status, 409, "nothing to reverse: {}", r.body);
    let r = pay(&app, &id, &fwd).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "forwarded");
    let r = app
        .get(
            &format!("/v1/patients/{}/balance", fx.patient),
            Role::Billing,
        )
        .await;
    assert_eq!(r.body["totals"]["next_payer_cents"], 5500, "{}", r.body);
    assert_eq!(r.body["totals"]["payer_cents"], 0);
    assert_ledger_balances(&app);
}

#[derive(QueryableByName)]
struct Open {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    payer: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    patient: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    next: i64,
}

fn ledger_open(app: &TestApp) -> Open {
    let mut c = app.conn();
    diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(payer_cents), 0) AS bigint) AS payer, \
         CAST(COALESCE(SUM(patient_cents), 0) AS bigint) AS patient, \
         CAST(COALESCE(SUM(next_payer_cents), 0) AS bigint) AS next FROM ledger_entries",
    )
    .get_result(&mut *c)
    .unwrap()
}

async fn aging_equals_the_ledger(app: TestApp) {
    let (fx, a) = submitted_claim(&app, "L4").await;
    let b = another_claim(&app, &fx).await;
    let c = another_claim(&app, &fx).await;
    sql(
        &app,
        &format!(
            "UPDATE claims SET date_of_service = '{}' WHERE id = '{b}'; \
             UPDATE claims SET date_of_service = '{}' WHERE id = '{c}'",
            days_ago(45),
            days_ago(200)
        ),
    );
    let r = pay(
        &app,
        &a,
        &json!({"payment_ref": "P1", "lines": [
        {"line_number": 1, "paid_cents": 9000, "adjustments": [adj("PR", "1", 3500)]}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get("/v1/reports/aging", Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t = &r.body["totals"];
    let open = ledger_open(&app);
    assert_eq!(t["payer"]["total"], open.payer);
    assert_eq!(t["patient"]["total"], open.patient);
    assert_eq!(t["next_payer"]["total"], open.next);
    // a: 12,500 + 5,000 - 9,000 - 3,500 to the patient; b at 45 days; c at 200 days.
    assert_eq!(t["payer"]["days_0_30"], 5000);
    assert_eq!(t["patient"]["days_0_30"], 3500);
    assert_eq!(t["payer"]["days_31_60"], 17500);
    assert_eq!(t["payer"]["over_120"], 17500);
    assert_eq!(r.body["rows"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["rows"][0]["id"], fx.payer.as_str());
    // As of a day before anything was posted, nothing is open.
    let r = app
        .get(
            &format!("/v1/reports/aging?as_of={}", days_ago(400)),
            Role::Billing,
        )
        .await;
    assert_eq!(r.body["totals"]["payer"]["total"], 0, "{}", r.body);
    let r = app
        .get(
            "/v1/reports/aging?group_by=patient&from=submission",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["rows"][0]["id"], fx.patient.as_str());
    assert_eq!(
        r.body["totals"]["payer"]["days_0_30"], open.payer,
        "never submitted: built today"
    );
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'aging_report'"),
        1
    );
    let r = app
        .get("/v1/reports/aging?group_by=clinic", Role::Billing)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.get("/v1/reports/aging", Role::FrontDesk).await;
    assert_eq!(r.status, 403);
    let r = app
        .send(
            TestRequest::get()
                .uri("/v1/reports/aging")
                .insert_header((
                    "authorization",
                    format!("Bearer {}", app.token(Role::Billing)),
                ))
                .insert_header(("accept", "text/csv")),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let text = String::from_utf8(r.raw).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "payer,owes,days_0_30,days_31_60,days_61_90,days_91_120,over_120,total"
    );
    assert_eq!(lines.len(), 7);
    assert_eq!(
        lines[4],
        format!("total,payer,5000,17500,0,0,17500,{}", open.payer)
    );
}

async fn concurrent_manual_and_automatic_posting(app: TestApp) {
    use medbill::claims::model::ClaimId;
    use medbill::http::RequestCtx;
    use medbill::remits::{ClaimAdjudication, LineAdjudication, LineMatch};
    let (fx, id) = submitted_claim(&app, "L5").await;
    let claim = ClaimId(id.parse().unwrap());
    let payer = medbill::payers::model::PayerId(fx.payer.parse().unwrap());
    let auto = |r: String| ClaimAdjudication {
        payer_id: payer,
        status_code: "1".into(),
        payer_claim_number: None,
        charge_cents: 17500,
        paid_cents: 100,
        patient_responsibility_cents: 0,
        claim_adjustments: Vec::new(),
        lines: vec![LineAdjudication {
            line_number: 1,
            charge_cents: 12500,
            paid_cents: 100,
            adjustments: Vec::new(),
            remarks: Vec::new(),
            matched_by: LineMatch::ControlNumber,
        }],
        remittance_id: None,
        payment_ref: Some(r),
        paid_on: None,
    };
    // Eight "835 import" threads post distinct payments and all try the same one ("DUP");
    // meanwhile manual postings run over HTTP.
    let mut threads = Vec::new();
    for i in 0..8 {
        let pool = app.state.pool.clone();
        let a = auto(format!("AUTO{i}"));
        let dup = auto("DUP".into());
        threads.push(std::thread::spawn(move || {
            let ctx = RequestCtx {
                caller: medbill::auth::tokens::Caller {
                    actor: "system:remits".into(),
                    role: Role::Admin,
                    generation: None,
                },
                request_id: String::new(),
            };
            for adj in [a, dup] {
                let mut conn = pool.get().unwrap();
                conn.write_transaction(|c| {
                    medbill::remits::post_adjudication(c, &ctx, &Default::default(), claim, &adj)
                })
                .unwrap();
            }
        }));
    }
    for i in 0..4 {
        let r = pay(
            &app,
            &id,
            &json!({"payment_ref": format!("MAN{i}"), "lines": [
            {"line_number": 2, "paid_cents": 50}]}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(app.count("ledger_postings"), 8 + 1 + 4);
    assert_eq!(app.count("ledger_postings WHERE payment_ref = 'DUP'"), 1);
    #[derive(QueryableByName)]
    struct Paid {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        paid: i64,
    }
    let paid: Paid = diesel::sql_query(
        "SELECT CAST(SUM(amount_cents) AS bigint) AS paid FROM ledger_entries WHERE kind = 'payment'",
    )
    .get_result(&mut *app.conn())
    .unwrap();
    assert_eq!(paid.paid, 9 * 100 + 4 * 50);
    assert_ledger_balances(&app);
    let open = ledger_open(&app);
    assert_eq!(open.payer, 17500 - 9 * 100 - 4 * 50);
    let r = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    assert_eq!(r.body["status"], "partially_paid");
}

on_both_backends!(
    manual_posting_balances_and_write_off,
    denial_reversal_and_correction,
    forwarded_and_refused_postings,
    aging_equals_the_ledger,
    concurrent_manual_and_automatic_posting,
);
