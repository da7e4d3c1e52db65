//! A replacement (frequency 7) or void (8) closes the open balance of the claim it supersedes,
//! so the payer and the patient are not owed twice: at creation, and again after any later
//! posting to the original (the payer's reversal reopens it). Balances, aging and the denials
//! queue show only the new claim; the ledger invariant holds throughout (checked in SQL).
#![allow(clippy::unwrap_used)]

use medbill::auth::roles::Role;
use serde_json::{json, Value};

use crate::claims_fx::{address_billing, assert_ledger_balances, post_with, sql};
use crate::common::fixtures::fixture;
use crate::common::TestApp;
use crate::remittance::submitted_claim;

#[derive(diesel::QueryableByName, Debug)]
struct Sum {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cents: i64,
}

fn sum(app: &TestApp, q: &str) -> i64 {
    use diesel::RunQueryDsl;
    let mut c = app.conn();
    let rows: Vec<Sum> = diesel::sql_query(q).load(&mut *c).unwrap();
    rows[0].cents
}

/// The claim's open balance (all buckets) summed from the ledger.
fn open(app: &TestApp, id: &str) -> i64 {
    sum(
        app,
        &format!(
            "SELECT CAST(COALESCE(SUM(payer_cents + patient_cents + next_payer_cents), 0) AS bigint) \
             AS cents FROM ledger_entries WHERE claim_id = '{id}'"
        ),
    )
}

fn closed(app: &TestApp, id: &str, reason: &str) -> i64 {
    sum(
        app,
        &format!(
            "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS bigint) AS cents FROM ledger_entries \
             WHERE claim_id = '{id}' AND kind = 'write_off' AND reason_code = '{reason}'"
        ),
    )
}

fn adj(group: &str, reason: &str, cents: i64) -> Value {
    json!({"group": group, "reason": reason, "amount_cents": cents})
}

async fn pay(app: &TestApp, id: &str, body: &Value) -> Value {
    let r = app
        .post(&format!("/v1/claims/{id}/payments"), Role::Billing, body)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn supersede(app: &TestApp, id: &str, what: &str) -> String {
    let r = post_with(
        app,
        &format!("/v1/claims/{id}/{what}"),
        Role::Billing,
        Some(&json!({"payer_claim_number": "PAYER77", "reason": "corrected"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

async fn balance(app: &TestApp, id: &str) -> Value {
    let claim = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    let patient = claim.body["patient_id"].as_str().unwrap().to_string();
    let r = app
        .get(&format!("/v1/patients/{patient}/balance"), Role::Billing)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["totals"].clone()
}

async fn denied_claim_replaced_is_not_owed_twice(app: TestApp) {
    let fx = fixture(&app, "RB1").await;
    address_billing(&app, &fx).await;
    let id = submitted_claim(&app, &fx).await;
    let out = pay(
        &app,
        &id,
        &json!({"status_code": "4", "payment_ref": "EFT1", "lines": [
            {"line_number": 1, "paid_cents": 0, "adjustments": [adj("CO", "16", 12500)]},
            {"line_number": 2, "paid_cents": 0, "adjustments": [adj("CO", "16", 5000)]}
        ]}),
    )
    .await;
    assert_eq!(out["status"], "denied");
    assert_eq!(open(&app, &id), 17500);
    let r = app.get("/v1/denials", Role::Billing).await;
    assert_eq!(r.body[0]["open_cents"], 17500, "{}", r.body);

    let rep = supersede(&app, &id, "replace").await;
    // The original is closed, the replacement owes its own charge: 175.00 once, not twice.
    assert_eq!(open(&app, &id), 0);
    assert_eq!(closed(&app, &id, "replaced"), 17500);
    assert_eq!(open(&app, &rep), 17500);
    let totals = balance(&app, &id).await;
    assert_eq!(totals["payer_cents"], 17500, "{totals}");
    assert_eq!(totals["patient_cents"], 0);
    let r = app.get("/v1/reports/aging", Role::Billing).await;
    assert_eq!(r.body["totals"]["payer"]["total"], 17500, "{}", r.body);
    let r = app.get("/v1/denials", Role::Billing).await;
    assert_eq!(r.body, json!([]), "the denial is worked by the replacement");
    let r = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    let last = r.body["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let reason = last["reason"].as_str().unwrap();
    assert!(
        reason.contains(&rep) && reason.contains("17500 cents"),
        "{reason}"
    );
    assert_ledger_balances(&app);

    // The payer reverses its denial of the original: nothing reopens.
    let out = pay(
        &app,
        &id,
        &json!({"status_code": "22", "payment_ref": "EFT2"}),
    )
    .await;
    assert_eq!(out["status"], "reversed");
    assert_eq!(open(&app, &id), 0);
    assert_ledger_balances(&app);
    // A second replacement of the same claim is still refused.
    let r = post_with(
        &app,
        &format!("/v1/claims/{id}/replace"),
        Role::Billing,
        Some(&json!({"payer_claim_number": "PAYER77"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
}

async fn paid_claim_replaced_then_reversed_stays_closed(app: TestApp) {
    let fx = fixture(&app, "RB2").await;
    address_billing(&app, &fx).await;
    let id = submitted_claim(&app, &fx).await;
    // Paid with a 20.00 coinsurance the patient owes.
    let out = pay(
        &app,
        &id,
        &json!({"status_code": "1", "payment_ref": "EFT10", "lines": [
            {"line_number": 1, "paid_cents": 8000, "adjustments": [adj("CO", "45", 2500), adj("PR", "2", 2000)]},
            {"line_number": 2, "paid_cents": 5000}
        ]}),
    )
    .await;
    assert_eq!(out["status"], "paid");
    assert_eq!(balance(&app, &id).await["patient_cents"], 2000);

    let rep = supersede(&app, &id, "replace").await;
    // The patient's share of the original is closed: the payer answers the replacement afresh.
    assert_eq!(open(&app, &id), 0);
    assert_eq!(closed(&app, &id, "replaced"), 2000);
    assert_ledger_balances(&app);

    // The payer takes back its payment of the original (CLP02 22): what it reopens is closed.
    let out = pay(
        &app,
        &id,
        &json!({"status_code": "22", "payment_ref": "EFT11"}),
    )
    .await;
    assert_eq!(out["status"], "reversed");
    assert_eq!(open(&app, &id), 0);
    assert_eq!(closed(&app, &id, "replaced"), 17500);
    assert_ledger_balances(&app);

    // The replacement is paid: the patient owes its coinsurance once.
    sql(
        &app,
        &format!("UPDATE claims SET status = 'submitted' WHERE id = '{rep}'"),
    );
    let out = pay(
        &app,
        &rep,
        &json!({"status_code": "1", "payment_ref": "EFT12", "lines": [
            {"line_number": 1, "paid_cents": 8000, "adjustments": [adj("CO", "45", 2500), adj("PR", "2", 2000)]},
            {"line_number": 2, "paid_cents": 5000}
        ]}),
    )
    .await;
    assert_eq!(out["status"], "paid");
    let totals = balance(&app, &id).await;
    assert_eq!(totals["patient_cents"], 2000, "{totals}");
    assert_eq!(totals["payer_cents"], 0);
    assert_ledger_balances(&app);
}

async fn void_closes_the_original(app: TestApp) {
    let fx = fixture(&app, "RB3").await;
    address_billing(&app, &fx).await;
    let id = submitted_claim(&app, &fx).await;
    let void = supersede(&app, &id, "void").await;
    assert_eq!(open(&app, &id), 0);
    assert_eq!(closed(&app, &id, "voided"), 17500);
    // A void charges nothing.
    assert_eq!(open(&app, &void), 0);
    assert_eq!(balance(&app, &id).await["payer_cents"], 0);
    assert_ledger_balances(&app);
}

/// With no 277CA number and none given, a replacement names the payer's claim number its
/// remittance reported; without any, it is refused naming the field.
async fn replacement_takes_the_remittance_claim_number(app: TestApp) {
    let fx = fixture(&app, "RB4").await;
    address_billing(&app, &fx).await;
    let unpaid = submitted_claim(&app, &fx).await;
    let r = post_with(
        &app,
        &format!("/v1/claims/{unpaid}/replace"),
        Role::Billing,
        Some(&json!({"reason": "corrected"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["pointer"], "/payer_claim_number");

    let mut body = json!({"status_code": "1", "payment_ref": "EFT20", "payer_claim_number": "ICN4455",
        "lines": [{"line_number": 1, "paid_cents": 10000}, {"line_number": 2, "paid_cents": 5000}]});
    let paid = crate::remittance::submitted_claim(&app, &fx).await;
    pay(&app, &paid, &body).await;
    body["payment_ref"] = json!("EFT21");
    body["payer_claim_number"] = json!("ICN4456");
    pay(&app, &unpaid, &body).await;
    for (id, number) in [(&paid, "ICN4455"), (&unpaid, "ICN4456")] {
        let r = post_with(
            &app,
            &format!("/v1/claims/{id}/replace"),
            Role::Billing,
            Some(&json!({"reason": "corrected"})),
            &[],
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["payer_claim_number"], number, "{}", r.body);
    }
}

on_both_backends!(
    replacement_takes_the_remittance_claim_number,
    denied_claim_replaced_is_not_owed_twice,
    paid_claim_replaced_then_reversed_stays_closed,
    void_closes_the_original
);
