//! PLB provider-level adjustments posted to the ledger (provider level, tied to the remittance
//! and the payer, never to a claim line), once per payment, shown on the remittance and in the
//! deposit reconciliation report (deposit = Σ claim payments − Σ PLB); and 835 uploads over
//! HTTP larger than the server-wide 1 MiB body limit, up to the route's own limit.
//!
//! The 835 is tests/fixtures/x12/835/plb_recovery_interest_return.835 (WO recovery, L6 interest,
//! 72 authorized return, CS adjustment), which x12valid and x12sdk check with every fixture
//! (x12_validation.rs, remittance_fixtures.rs); only its CLP01 is set to the test's claim.
#![allow(clippy::unwrap_used)]

use actix_web::test::TestRequest;
use diesel::prelude::*;
use medbill::auth::roles::Role;
use serde_json::json;

use crate::claims_fx::{
    address_billing, another_visit, assert_ledger_balances, built, claim_field, signed_off, sql,
};
use crate::common::fixtures::fixture;
use crate::common::TestApp;
use crate::remittance::{era, import, pcn, submitted_claim};

fn plb_fixture(pcn: &str) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/x12/835/plb_recovery_interest_return.835"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .replace("PCN00000010", pcn)
}

#[derive(diesel::QueryableByName, Debug)]
struct Sum {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cents: i64,
}

fn sum(app: &TestApp, q: &str) -> i64 {
    let mut c = app.conn();
    let rows: Vec<Sum> = diesel::sql_query(q).load(&mut *c).unwrap();
    rows[0].cents
}

/// Σ CLP04 posted − Σ PLB posted, per remittance, equals its BPR02 (for the posted ones).
fn assert_payments_balance_in_ledger(app: &TestApp) {
    let bad = sum(
        app,
        "SELECT CAST(COUNT(*) AS bigint) AS cents FROM remittances r WHERE r.status = 'posted' \
         AND r.payment_cents <> \
           COALESCE((SELECT SUM(p.paid_cents) FROM ledger_postings p WHERE p.remittance_id = r.id), 0) \
         - COALESCE((SELECT SUM(a.amount_cents) FROM ledger_provider_adjustments a \
                     WHERE a.remittance_id = r.id), 0)",
    );
    assert_eq!(bad, 0, "a posted remittance does not balance in the ledger");
}

async fn plb_posted_once_shown_and_reconciled(app: TestApp) {
    let fx = fixture(&app, "PLB1").await;
    address_billing(&app, &fx).await;
    let mut body = another_visit(&fx);
    body["lines"] = json!([{"code": "99213", "charge_cents": 20000, "diagnosis_pointers": [1]}]);
    let enc = signed_off(&app, &body).await;
    let id = built(&app, &enc).await;
    sql(
        &app,
        &format!("UPDATE claims SET status = 'submitted' WHERE id = '{id}'"),
    );
    let text = plb_fixture(&pcn(&app, &id));

    let r = import(&app, &text, Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["payments"][0];
    assert_eq!(p["status"], "posted", "{}", r.body);
    assert_eq!(p["provider_adjustments_posted"], 4);
    let rid = p["remittance_id"].as_str().unwrap().to_string();
    assert_eq!(claim_field(&app, &id, "status"), "paid");
    // Provider level: four rows tied to the remittance and the claim's payer, none to a claim
    // line; the claim's lines still balance and the payment balances in the ledger.
    assert_eq!(app.count("ledger_provider_adjustments"), 4);
    assert_eq!(
        sum(
            &app,
            "SELECT CAST(SUM(amount_cents) AS bigint) AS cents FROM ledger_provider_adjustments"
        ),
        2500 - 350 - 1000 + 750
    );
    assert_eq!(
        app.count(&format!(
            "ledger_provider_adjustments WHERE remittance_id = '{rid}' AND payer_id = '{}'",
            fx.payer
        )),
        4
    );
    assert_eq!(
        app.count("ledger_entries WHERE kind NOT IN ('charge', 'payment', 'adjustment')"),
        0
    );
    assert_ledger_balances(&app);
    assert_payments_balance_in_ledger(&app);
    assert_eq!(
        app.count(
            "events WHERE event_type = 'remittance.posted' \
             AND payload LIKE '%\"provider_adjustments_cents\":1900%'"
        ),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'provider_adjustment' AND action = 'post'"),
        1
    );

    // The remittance shows what was posted, with meanings, and its reconciliation.
    let r = app
        .get(&format!("/v1/remittances/{rid}"), Role::Billing)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let posted = r.body["provider_adjustments_posted"].as_array().unwrap();
    let got: Vec<(&str, i64, &str)> = posted
        .iter()
        .map(|a| {
            (
                a["reason_code"].as_str().unwrap(),
                a["amount_cents"].as_i64().unwrap(),
                a["effect"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("WO", 2500, "withheld"),
            ("L6", -350, "added"),
            ("72", -1000, "added"),
            ("CS", 750, "withheld")
        ]
    );
    assert_eq!(posted[0]["reference"], "PCN00000007");
    assert!(posted[0]["meaning"]
        .as_str()
        .unwrap()
        .contains("overpayment"));
    let rec = &r.body["reconciliation"];
    assert_eq!(rec["deposit_cents"], 13100);
    assert_eq!(rec["claim_payments_cents"], 15000);
    assert_eq!(rec["provider_adjustments_cents"], 1900);
    assert_eq!(rec["expected_deposit_cents"], 13100);
    assert_eq!(rec["difference_cents"], 0);
    assert_eq!(rec["posted_claim_payments_cents"], 15000);
    assert_eq!(rec["posted_provider_adjustments_cents"], 1900);
    assert_eq!(rec["unposted_cents"], 0);

    // The same file again: a duplicate, nothing posted. The same payment in another file
    // (another interchange number): the claim posting and the PLB are found posted.
    let r = import(&app, &text, Role::Billing).await;
    assert_eq!(r.body["payments"][0]["duplicate"], true, "{}", r.body);
    let again = text.replace("000000209", "000000309");
    let r = import(&app, &again, Role::Billing).await;
    let p = &r.body["payments"][0];
    assert_eq!(p["duplicate"], false, "{}", r.body);
    assert_eq!(p["provider_adjustments_posted"], 0);
    let rid2 = p["remittance_id"].as_str().unwrap().to_string();
    assert_eq!(app.count("ledger_provider_adjustments"), 4);
    assert_eq!(app.count("ledger_postings"), 1);
    let r = app
        .get(&format!("/v1/remittances/{rid2}"), Role::Billing)
        .await;
    assert!(
        r.body["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains(&rid)),
        "{}",
        r.body
    );
    // Its PLB shows as posted with the first remittance.
    assert_eq!(
        r.body["provider_adjustments_posted"][0]["remittance_id"],
        rid.as_str()
    );
    assert_ledger_balances(&app);

    // The table is append-only.
    let mut c = app.conn();
    let upd = diesel::sql_query("UPDATE ledger_provider_adjustments SET amount_cents = 0")
        .execute(&mut *c);
    assert!(upd.is_err(), "PLB rows must not be updated");
    let del = diesel::sql_query("DELETE FROM ledger_provider_adjustments").execute(&mut *c);
    assert!(del.is_err(), "PLB rows must not be deleted");
    drop(c);

    // The deposit report: the bank shows 131.00 on 2025-04-15.
    let r = app
        .get(
            "/v1/reports/deposits?from=2025-04-01&to=2025-04-30",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let deposits = r.body["deposits"].as_array().unwrap();
    let first = deposits
        .iter()
        .find(|d| d["remittance_id"] == rid.as_str())
        .unwrap();
    assert_eq!(first["date"], "2025-04-15");
    assert_eq!(first["trace_number"], "EFT0009");
    assert_eq!(first["deposit_cents"], 13100);
    assert_eq!(first["unposted_cents"], 0);
    assert_eq!(first["provider_adjustments"].as_array().unwrap().len(), 4);
    // The second file's copy posted nothing under its own id: it shows as not in the ledger.
    let second = deposits
        .iter()
        .find(|d| d["remittance_id"] == rid2.as_str())
        .unwrap();
    assert_eq!(second["posted_provider_adjustments_cents"], 0);
    assert_eq!(r.body["totals"]["deposit_cents"], 26200);
    let csv = TestRequest::get()
        .uri("/v1/reports/deposits?from=2025-04-01&to=2025-04-30")
        .insert_header((
            "authorization",
            format!("Bearer {}", app.token(Role::Billing)),
        ))
        .insert_header(("accept", "text/csv"));
    let csv = String::from_utf8(app.send(csv).await.raw).unwrap();
    assert!(csv.starts_with("date,trace_number,payer,"), "{csv}");
    assert!(
        csv.contains(
            "2025-04-15,EFT0009,ACME HEALTH PLAN,ACH,posted,13100,15000,1900,13100,0,15000,1900,0"
        ),
        "{csv}"
    );
    assert!(csv.lines().last().unwrap().starts_with("total,,,"), "{csv}");
    // Outside the range: nothing. Bad ranges and roles are refused.
    let r = app
        .get(
            "/v1/reports/deposits?from=2025-05-01&to=2025-05-31",
            Role::Billing,
        )
        .await;
    assert_eq!(r.body["deposits"], json!([]));
    let r = app
        .get(
            "/v1/reports/deposits?from=2025-05-01&to=2025-04-01",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .get(
            "/v1/reports/deposits?from=2020-01-01&to=2025-04-01",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.get("/v1/reports/deposits", Role::Lab).await;
    assert_eq!(r.status, 403);
}

async fn out_of_balance_plb_is_not_posted(app: TestApp) {
    let fx = fixture(&app, "PLB2").await;
    address_billing(&app, &fx).await;
    let a = submitted_claim(&app, &fx).await;
    // BPR02 says 100.00 but the claim paid 175.00 and the PLB takes 50.00 (125.00 expected).
    let text = era(
        701,
        "EFT701",
        "100",
        &format!(
            "CLP*{}*1*175*175**12*PAYERA*11*1
            NM1*QC*1*DOE*JANE****MI*M1
            PLB*1234567893*20261231*WO:OLD1*50",
            pcn(&app, &a)
        ),
    );
    let r = import(&app, &text, Role::Billing).await;
    let p = &r.body["payments"][0];
    assert_eq!(p["status"], "out_of_balance", "{}", r.body);
    assert_eq!(p["provider_adjustments_posted"], 0);
    assert_eq!(app.count("ledger_provider_adjustments"), 0);
    let rid = p["remittance_id"].as_str().unwrap();
    let r = app
        .get(&format!("/v1/remittances/{rid}"), Role::Billing)
        .await;
    assert_eq!(r.body["provider_adjustments_posted"], json!([]));
    let rec = &r.body["reconciliation"];
    assert_eq!(rec["expected_deposit_cents"], 12500);
    assert_eq!(rec["difference_cents"], -2500);
    assert_eq!(rec["unposted_cents"], 12500);
}

/// An 835 of about 2 KiB per claim: one CLP of 50 lines for each of `claims` unknown claims
/// (each goes to the unmatched queue), all paid in full.
fn large_era(claims: usize) -> String {
    let mut body = String::new();
    for i in 0..claims {
        body.push_str(&format!(
            "CLP*UNKNOWN{i:05}*1*500*500**12*P{i:05}*11*1\nNM1*QC*1*DOE*JANE****MI*M1\n"
        ));
        for _ in 0..50 {
            body.push_str("SVC*HC:99213*10*10**1\nDTM*472*20260310\n");
        }
    }
    era(801, "EFT801", &format!("{}", 500 * claims), &body)
}

async fn large_835_over_http(app: TestApp) {
    let text = large_era(600);
    assert!(text.len() > 1024 * 1024 + 100_000, "{}", text.len());
    let r = import(&app, &text, Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = &r.body["payments"][0];
    assert_eq!(p["claims_total"], 600);
    assert_eq!(p["status"], "unmatched");
    // Above the route's limit (16 MiB by default): a 413 problem naming the limit, nothing
    // stored.
    let big = "A".repeat(16 * 1024 * 1024 + 1);
    let r = import(&app, &big, Role::Billing).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.body["status"], 413);
    assert_eq!(r.body["max_bytes"], 16 * 1024 * 1024);
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("MEDBILL_REMIT_MAX_BYTES"));
    assert_eq!(app.count("remittances"), 1);
    // Other routes keep the server-wide limit.
    let req = TestRequest::post()
        .uri("/v1/patients")
        .insert_header((
            "authorization",
            format!("Bearer {}", app.token(Role::Billing)),
        ))
        .insert_header(("content-type", "application/json"))
        .set_payload(format!("{{\"x\": \"{}\"}}", "A".repeat(2 * 1024 * 1024)));
    assert_eq!(app.send(req).await.status, 413);
}

/// The route's limit is a setting of the state (`MEDBILL_REMIT_MAX_BYTES` at start-up): a
/// smaller one refuses what the default would take, and names itself.
async fn remit_limit_is_a_setting(app: TestApp) {
    let limit = 1024 * 1024;
    let app = app.with_settings(|s| s.remit_max_bytes = limit);
    let text = large_era(600);
    assert!(text.len() > limit, "{}", text.len());
    let r = import(&app, &text, Role::Billing).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.body["max_bytes"], limit);
    assert_eq!(app.count("remittances"), 0);
}

on_both_backends!(
    plb_posted_once_shown_and_reconciled,
    out_of_balance_plb_is_not_posted,
    large_835_over_http,
    remit_limit_is_a_setting
);
