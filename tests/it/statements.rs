//! Patient statements and patient payments over HTTP, on both backends: a statement made from
//! a visit insurance is done with (JSON snapshot, PDF checked with pdftotext and as a rendered
//! PNG), the run, payments at the desk and by mail (oldest first, named lines, no card
//! numbers, idempotent), refunds of a credit (unapplied money and line credits after a payer
//! reversal), roles and audited reads. The ledger invariant is checked after every money step.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use crate::claims_fx::{
    address_billing, another_visit, assert_ledger_balances, built, signed_off, sql, temp_dir,
};
use crate::common::fixtures::{coded, days_ago, fixture, id_of, Fx};
use crate::common::{patient_body, Resp, TestApp};
use actix_web::test::TestRequest;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

fn adj(group: &str, reason: &str, cents: i64) -> Value {
    json!({"group": group, "reason": reason, "amount_cents": cents})
}

/// A submitted two-line claim (12,500 + 5,000 cents) from encounter `body`.
async fn claim_from(app: &TestApp, mut body: Value) -> String {
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

/// The primary's EOB: pays both lines and leaves the patient 2,000 + 1,000 cents.
fn eob() -> Value {
    json!({"payment_ref": "CHK100", "paid_on": days_ago(1), "lines": [
        {"line_number": 1, "paid_cents": 8000, "adjustments": [adj("CO", "45", 2500), adj("PR", "2", 2000)]},
        {"line_number": 2, "paid_cents": 3000, "adjustments": [adj("CO", "45", 1000), adj("PR", "3", 1000)]}
    ]})
}

/// The registry (billing provider with an address) and a first patient.
async fn registry(app: &TestApp, mrn: &str) -> Fx {
    let fx = fixture(app, mrn).await;
    address_billing(app, &fx).await;
    fx
}

/// Another patient with primary coverage at the fixture's payer.
async fn another_patient(app: &TestApp, fx: &Fx, mrn: &str) -> Fx {
    let patient = id_of(
        &app.post("/v1/patients", Role::FrontDesk, &patient_body(mrn))
            .await,
    );
    let coverage = json!({"patient_id": patient, "payer_id": fx.payer, "member_id": "W456",
        "relationship_code": "18", "priority": "primary", "effective_from": days_ago(400)});
    let coverage = id_of(&app.post("/v1/coverages", Role::FrontDesk, &coverage).await);
    Fx {
        patient,
        payer: fx.payer.clone(),
        coverage,
        rendering: fx.rendering.clone(),
        billing: fx.billing.clone(),
    }
}

/// Gives `fx`'s patient one visit insurance is done with (patient owes 3,000) and one still
/// with the payer (17,500); returns the two claim ids.
async fn owing(app: &TestApp, fx: &Fx) -> (String, String) {
    let done = claim_from(app, coded(fx)).await;
    let r = app
        .post(
            &format!("/v1/claims/{done}/payments"),
            Role::Billing,
            &eob(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let waiting = claim_from(app, another_visit(fx)).await;
    assert_ledger_balances(app);
    (done, waiting)
}

async fn patient_owing(app: &TestApp, mrn: &str) -> (Fx, String, String) {
    let fx = registry(app, mrn).await;
    let (done, waiting) = owing(app, &fx).await;
    (fx, done, waiting)
}

async fn pay(app: &TestApp, fx: &Fx, role: Role, body: &Value) -> Resp {
    app.post(&format!("/v1/patients/{}/payments", fx.patient), role, body)
        .await
}

fn pointers(r: &Resp) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["pointer"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Text of a PDF by pdftotext, and its first page as a grey PNG at 50 dpi by pdftoppm:
/// (width, height, pixels).
fn pdf_text_and_page(pdf: &[u8]) -> (String, u32, u32, Vec<u8>) {
    let dir = temp_dir("statement");
    let file = dir.join("s.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", file.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let png = dir.join("p1");
    let st = Command::new("pdftoppm")
        .args([
            "-gray",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(&file)
        .arg(&png)
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(dir.join("p1.png")).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    // pdftoppm may write grey as RGB: keep one channel per pixel.
    let px = match info.color_type {
        png::ColorType::Grayscale => buf,
        png::ColorType::Rgb => buf.chunks(3).map(|p| p[0].min(p[1]).min(p[2])).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    assert_eq!(px.len(), (info.width * info.height) as usize);
    let _ = std::fs::remove_dir_all(&dir);
    (text, info.width, info.height, px)
}

/// Dark pixels in the rectangle (pixel rows y0..y1, columns x0..x1).
fn ink(px: &[u8], width: u32, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (y * width + x) as usize))
        .filter(|&i| px[i] < 128)
        .count()
}

async fn statement_snapshot_json_and_pdf(app: TestApp) {
    let (fx, done, _) = patient_owing(&app, "ST1").await;
    let body = json!({"patient_id": fx.patient});
    let r = app.post("/v1/statements", Role::FrontDesk, &body).await;
    assert_eq!(r.status, 403);
    let r = app
        .post(
            "/v1/statements",
            Role::Billing,
            &json!({"patient_id": fx.patient, "due_in_days": 500}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(pointers(&r), vec!["/due_in_days"]);
    let r = app
        .post(
            "/v1/statements",
            Role::Billing,
            &json!({"patient_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(app.count("statements"), 0);

    let r = app.post("/v1/statements", Role::Billing, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let s = r.body.clone();
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["amount_due_cents"], 3000);
    // One `statement.created` event, ids only, in the statement's transaction.
    let ev = crate::events::all_events(&app, "&types=statement.created").await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["resource"]["id"], id.as_str());
    assert_eq!(ev[0]["data"]["patient_id"], fx.patient.as_str());
    assert_eq!(
        s["awaiting_insurance_cents"], 17500,
        "the other visit waits"
    );
    assert_eq!(s["visits"].as_array().unwrap().len(), 1);
    let visit = &s["visits"][0];
    assert_eq!(visit["claim_id"], done.as_str());
    assert_eq!(visit["payer_name"], "Aetna");
    assert_eq!(visit["lines"][0]["code"], "99213");
    assert_eq!(visit["lines"][0]["modifiers"], json!(["25"]));
    let t = &s["totals"];
    assert_eq!(
        (
            t["charge_cents"].as_i64(),
            t["insurance_paid_cents"].as_i64(),
            t["adjusted_cents"].as_i64(),
            t["patient_paid_cents"].as_i64(),
            t["patient_owes_cents"].as_i64()
        ),
        (Some(17500), Some(11000), Some(3500), Some(0), Some(3000))
    );
    for l in visit["lines"].as_array().unwrap() {
        let n = |k: &str| l[k].as_i64().unwrap();
        assert_eq!(
            n("charge_cents"),
            n("insurance_paid_cents")
                + n("adjusted_cents")
                + n("patient_paid_cents")
                + n("patient_owes_cents")
        );
    }
    assert_eq!(s["aging"]["current_cents"], 3000);
    assert_eq!(s["bill_to"]["name"], "Ann Lee");
    assert_eq!(s["bill_to"]["account_number"], "ST1");
    assert_eq!(s["practice"]["name"], "Greg House");
    assert_eq!(
        s["practice"]["address_lines"],
        json!(["100 Maple St", "Springfield, IL 62701-1234"])
    );

    // Reads: front desk may read; lab may not; each read is audited.
    let r = app.get(&format!("/v1/statements/{id}"), Role::Lab).await;
    assert_eq!(r.status, 403);
    let r = app
        .get(&format!("/v1/statements/{id}"), Role::FrontDesk)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, s);
    let r = app
        .get(
            &format!("/v1/statements/{}", uuid::Uuid::new_v4()),
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .get(&format!("/v1/statements/{id}.pdf"), Role::Billing)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type").as_deref(), Some("application/pdf"));
    assert!(r.raw.starts_with(b"%PDF-"));
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'statement' AND action = 'read'"),
        2
    );
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'statement' AND action = 'create'"),
        1
    );

    let (text, w, h, px) = pdf_text_and_page(&r.raw);
    for needle in [
        "STATEMENT",
        "Greg House",
        "100 Maple St",
        "Ann Lee",
        "1 Main St",
        "Springfield, IL 62701",
        "99213-25",
        "93000",
        "$125.00",
        "$30.00",
        "$175.00",
        "Amount due",
        "REMITTANCE SLIP",
        "Amount enclosed",
        "ST1",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    // US Letter at 50 dpi.
    assert_eq!((w, h), (425, 550));
    // Ink where the header, the address block, the table and the slip are; none in the margins.
    assert!(ink(&px, w, (30, 30, 200, 60)) > 50, "practice header");
    assert!(ink(&px, w, (270, 30, 395, 110)) > 50, "statement facts");
    assert!(ink(&px, w, (45, 115, 200, 140)) > 30, "address block");
    assert!(ink(&px, w, (35, 180, 390, 240)) > 100, "visits table");
    assert!(ink(&px, w, (35, 410, 390, 500)) > 100, "remittance slip");
    assert_eq!(ink(&px, w, (0, 0, 25, 550)), 0, "left margin");
    assert_eq!(ink(&px, w, (400, 0, 425, 550)), 0, "right margin");
    assert_eq!(ink(&px, w, (0, 0, 425, 20)), 0, "top margin");

    // A payment afterwards does not change the statement: it is a snapshot.
    let r = pay(
        &app,
        &fx,
        Role::FrontDesk,
        &json!({"amount_cents": 3000, "method": "cash"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .get(&format!("/v1/statements/{id}"), Role::Billing)
        .await;
    assert_eq!(r.body["amount_due_cents"], 3000);
    // Nothing is owed on visits insurance is done with any more.
    let r = app.post("/v1/statements", Role::Billing, &body).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_ledger_balances(&app);
}

async fn statement_run(app: TestApp) {
    let a = registry(&app, "RUN1").await;
    owing(&app, &a).await;
    let b = another_patient(&app, &a, "RUN2").await;
    owing(&app, &b).await;
    // b pays most of it: under the minimum.
    let r = pay(
        &app,
        &b,
        Role::Billing,
        &json!({"amount_cents": 2800, "method": "cash"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            "/v1/statements/run",
            Role::Billing,
            &json!({"min_balance_cents": 0}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(pointers(&r), vec!["/min_balance_cents"]);
    let r = app
        .post("/v1/statements/run", Role::FrontDesk, &json!({}))
        .await;
    assert_eq!(r.status, 403);
    // `run` is not an id: GET is a 405 naming POST.
    let r = app.get("/v1/statements/run", Role::Billing).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow").as_deref(), Some("POST"));
    let r = app
        .post(
            "/v1/statements/run",
            Role::Billing,
            &json!({"min_balance_cents": 500}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let created = r.body["created"].as_array().unwrap();
    assert_eq!(created.len(), 1, "{}", r.body);
    assert_eq!(created[0]["patient_id"], a.patient.as_str());
    assert_eq!(created[0]["amount_due_cents"], 3000);
    assert_eq!(r.body["skipped_below_minimum"], 1);
    // Again: a has had one within 30 days.
    let r = app
        .post("/v1/statements/run", Role::Billing, &json!({}))
        .await;
    assert_eq!(r.body["created"], json!([]));
    assert_eq!(r.body["skipped_recent"], 1);
    assert_eq!(app.count("statements"), 1);
    let r = app
        .post(
            "/v1/statements/run",
            Role::Billing,
            &json!({"min_days_between": 0}),
        )
        .await;
    assert_eq!(r.body["created"].as_array().unwrap().len(), 1, "{}", r.body);
    let newest = r.body["created"][0]["statement_id"].clone();

    // Each patient's statements, newest first; every one listed is an audited read.
    let reads = app.count("audit_log WHERE resource_type = 'statement' AND action = 'read'");
    let r = app
        .get(
            &format!("/v1/patients/{}/statements", a.patient),
            Role::FrontDesk,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", r.body);
    assert_eq!(items[0]["id"], newest, "{}", r.body);
    assert_eq!(items[1]["amount_due_cents"], 3000);
    assert!(items[0]["due_date"].is_string() && items[0]["created_by"].is_string());
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'statement' AND action = 'read'"),
        reads + 2
    );
    let r = app
        .get(
            &format!("/v1/patients/{}/statements", b.patient),
            Role::Billing,
        )
        .await;
    assert_eq!(r.body["items"], json!([]), "{}", r.body);
    let r = app
        .get(
            &format!("/v1/patients/{}/statements", uuid::Uuid::new_v4()),
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app
        .get(&format!("/v1/patients/{}/statements", a.patient), Role::Lab)
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}

async fn payments_oldest_first_named_lines_and_refunds(app: TestApp) {
    let (fx, done, _) = patient_owing(&app, "PAY1").await;
    let cash = json!({"amount_cents": 2500, "method": "cash"});
    let r = pay(&app, &fx, Role::Lab, &cash).await;
    assert_eq!(r.status, 403);
    let r = pay(
        &app,
        &fx,
        Role::FrontDesk,
        &json!({"amount_cents": 0, "method": "card", "reference": "4111 1111 1111 1111", "channel": "phone"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        pointers(&r),
        vec!["/amount_cents", "/channel", "/reference"]
    );
    let r = pay(
        &app,
        &fx,
        Role::FrontDesk,
        &json!({"amount_cents": 100, "method": "card", "card_number": "4111111111111111"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(app.count("patient_payments"), 0);

    // Cash at the desk: the oldest lines first (line 1 owes 2,000, line 2 owes 1,000). Sent
    // twice with one Idempotency-Key by one caller (a retry): posted once.
    let token = app.token(Role::FrontDesk);
    let desk = || {
        TestRequest::post()
            .uri(&format!("/v1/patients/{}/payments", fx.patient))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("idempotency-key", "desk-1"))
            .set_json(&cash)
    };
    let r = app.send(desk()).await;
    let applied: Vec<(i64, i64)> = r.body["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["line_number"].as_i64().unwrap(),
                a["amount_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(applied, vec![(1, 2000), (2, 500)]);
    assert_eq!(r.body["unapplied_cents"], 0);
    assert_eq!(r.body["patient_balance_cents"], 500);
    assert_ledger_balances(&app);
    let r = app.send(desk()).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.count("patient_payments"), 1);

    // A check by mail naming a line that is paid already: refused, nothing written.
    let named = |line: i64, cents: i64| {
        json!({"amount_cents": 1000, "method": "check", "reference": "1042", "channel": "mail",
            "lines": [{"claim_id": done, "line_number": line, "amount_cents": cents}]})
    };
    let r = pay(&app, &fx, Role::FrontDesk, &named(1, 500)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(pointers(&r), vec!["/lines/0/line_number"]);
    let r = pay(&app, &fx, Role::FrontDesk, &named(2, 600)).await;
    assert_eq!(pointers(&r), vec!["/lines/0/amount_cents"]);
    // Named line 2 for 500: the other 500 is a credit.
    let r = pay(&app, &fx, Role::FrontDesk, &named(2, 500)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["applied"][0]["amount_cents"], 500);
    assert_eq!(r.body["unapplied_cents"], 500);
    assert_eq!(r.body["credit"]["total_cents"], 500);
    assert_eq!(r.body["patient_balance_cents"], 0);
    assert_eq!(r.body["payment"]["reference"], "1042");
    assert_eq!(r.body["payment"]["channel"], "mail");
    assert_ledger_balances(&app);

    // The payer reverses and pays in full: what the patient paid on the claim is now a line
    // credit (2,500), on top of the 500 unapplied.
    let r = app
        .post(
            &format!("/v1/claims/{done}/payments"),
            Role::Billing,
            &json!({"status_code": "22", "payment_ref": "CHK100"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let full = json!({"payment_ref": "CHK200", "lines": [
        {"line_number": 1, "paid_cents": 10000, "adjustments": [adj("CO", "45", 2500)]},
        {"line_number": 2, "paid_cents": 4000, "adjustments": [adj("CO", "45", 1000)]}
    ]});
    let r = app
        .post(&format!("/v1/claims/{done}/payments"), Role::Billing, &full)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_ledger_balances(&app);
    let r = app
        .get(
            &format!("/v1/patients/{}/payments", fx.patient),
            Role::FrontDesk,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["credit"]["line_credit_cents"], 3000);
    assert_eq!(r.body["credit"]["unapplied_cents"], 500);

    // Refunds: billing and admin only, never more than the credit.
    let refund = |cents: i64| {
        json!({"amount_cents": cents, "method": "check", "reference": "R-77",
            "reason": "payer paid in full after the patient paid"})
    };
    let path = format!("/v1/patients/{}/refunds", fx.patient);
    let r = app.post(&path, Role::FrontDesk, &refund(100)).await;
    assert_eq!(r.status, 403);
    let r = app.post(&path, Role::Billing, &refund(3600)).await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = app
        .post(
            &path,
            Role::Billing,
            &json!({"amount_cents": 100, "method": "cash", "reason": " "}),
        )
        .await;
    assert_eq!(pointers(&r), vec!["/reason"]);
    // Line credits go first (ledger refund entries), then unapplied money.
    let r = app.post(&path, Role::Billing, &refund(3200)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let refunded: i64 = r.body["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["amount_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(refunded, 3000);
    assert_eq!(r.body["unapplied_cents"], 200);
    assert_eq!(r.body["credit"]["total_cents"], 300);
    assert_eq!(r.body["patient_balance_cents"], 0);
    assert_eq!(app.count("ledger_entries WHERE kind = 'refund'"), 2);
    assert_ledger_balances(&app);
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'patient_payment'"),
        4,
        "two payments, one refund, one read"
    );
    // No card number anywhere.
    assert_eq!(
        app.count("patient_payments WHERE reference LIKE '%4111%' OR note LIKE '%4111%'"),
        0
    );
}

on_both_backends!(
    statement_snapshot_json_and_pdf,
    statement_run,
    payments_oldest_first_named_lines_and_refunds,
);

/// The figure for docs/performance.md: 1,000 statements (four visits of three lines each)
/// rendered as PDF, time per statement. Pure rendering, no database.
#[test]
fn render_1000_statements() {
    use medbill::statements::model::*;
    let line = |n: i32| StatementLine {
        line_number: n,
        date_of_service: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        code: "99213".into(),
        modifiers: vec!["25".into()],
        units: 1,
        money: LineMoney {
            charge_cents: 12500,
            insurance_paid_cents: 8000,
            adjusted_cents: 2500,
            patient_paid_cents: 0,
            patient_owes_cents: 2000,
        },
    };
    let mut statements = Vec::with_capacity(1000);
    for i in 0..1000 {
        let visits: Vec<Visit> = (0..4)
            .map(|v| Visit {
                claim_id: medbill::claims::model::ClaimId::new(),
                date_of_service: chrono::NaiveDate::from_ymd_opt(2026, 7 + v, 1).unwrap(),
                payer_name: "Aetna".into(),
                lines: (1..=3).map(line).collect(),
                totals: LineMoney::default(),
            })
            .collect();
        statements.push(Statement {
            id: StatementId::new(),
            patient_id: medbill::patients::model::PatientId::new(),
            statement_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            due_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 30).unwrap(),
            practice: Practice {
                name: "Springfield Family Practice".into(),
                address_lines: vec!["100 Maple St".into(), "Springfield, IL 62701-1234".into()],
                phone: Some("(217) 555-0199".into()),
                npi: "1234567893".into(),
            },
            bill_to: BillTo {
                name: format!("Patient {i}"),
                address_lines: vec!["1 Main St".into(), "Springfield, IL 62701".into()],
                account_number: format!("MRN-{i:06}"),
            },
            visits,
            totals: LineMoney::default(),
            unapplied_credit_cents: 0,
            awaiting_insurance_cents: 0,
            amount_due_cents: 24000,
            aging: Aging::default(),
            created_at: medbill::db::types::Timestamp::now(),
            created_by: "bench".into(),
        });
    }
    let start = std::time::Instant::now();
    let bytes: usize = statements
        .iter()
        .map(|s| medbill::statements::pdf::render(s).len())
        .sum();
    let per = start.elapsed().as_secs_f64() * 1000.0 / 1000.0;
    println!("rendered 1000 statements ({bytes} bytes): {per:.3} ms per statement");
    assert!(bytes > 1000 * 2000);
    // Generous bound for a debug build on a shared machine; the figure is what is reported.
    assert!(per < 50.0, "{per} ms per statement");
}
