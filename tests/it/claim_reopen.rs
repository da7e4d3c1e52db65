//! Correcting a claim the payer's front end rejected: reopen its encounter (reason, If-Match,
//! billing/admin), the rejected claim kept as history and marked superseded, then a new
//! original claim from the corrected coding; an accepted claim stays and is replaced from the
//! reopened encounter's corrected coding; a voided claim's encounter can be billed again.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{build, built, post_with, queued, ready, sql};
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

/// Reopens encounter `enc` as `role` with If-Match of its current version.
async fn reopen(app: &TestApp, enc: &str, role: Role, body: &Value) -> common::Resp {
    let v = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await
        .header("etag")
        .unwrap();
    post_with(
        app,
        &format!("/v1/encounters/{enc}/reopen"),
        role,
        Some(body),
        &[("if-match", v.as_str())],
    )
    .await
}

/// Recodes encounter `enc` with diagnosis E11.9 and signs it off again.
async fn recode_and_sign_off(app: &TestApp, enc: &str) {
    let path = format!("/v1/encounters/{enc}");
    let v = app.get(&path, Role::Billing).await.header("etag").unwrap();
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"diagnoses": ["E11.9"]}),
            Some(&v),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.header("etag").unwrap();
    let r = post_with(
        app,
        &format!("{path}/sign-off"),
        Role::Billing,
        None,
        &[("if-match", v.as_str())],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

fn set_status(app: &TestApp, id: &str, status: &str, number: Option<&str>) {
    let n = number.map_or("NULL".to_string(), |n| format!("'{n}'"));
    sql(
        app,
        &format!(
            "UPDATE claims SET status = '{status}', payer_claim_number = {n} WHERE id = '{id}'"
        ),
    );
}

async fn rejected_claim_gets_a_new_original(app: TestApp) {
    let (_, enc) = ready(&app, "R1").await;
    let id = built(&app, &enc).await;
    queued(&app, &id).await;
    // A 277CA rejected it at the front end: no payer claim number.
    set_status(&app, &id, "rejected", None);

    // Reopen needs a reason, If-Match, and the billing or admin role.
    let r = reopen(&app, &enc, Role::Billing, &json!({"reason": ""})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["pointer"], "/reason");
    let r = post_with(
        &app,
        &format!("/v1/encounters/{enc}/reopen"),
        Role::Billing,
        Some(&json!({"reason": "wrong diagnosis"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 428, "{}", r.body);
    let r = reopen(&app, &enc, Role::Lab, &json!({"reason": "wrong diagnosis"})).await;
    assert_eq!(r.status, 403, "{}", r.body);

    let r = reopen(
        &app,
        &enc,
        Role::Billing,
        &json!({"reason": "wrong diagnosis"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "open");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE resource_type = 'encounter' AND action = 'reopen' AND resource_id = '{enc}'"
        )),
        1
    );
    let old = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    assert_eq!(old.body["status"], "superseded");
    assert_eq!(old.body["allowed_next"], json!([]));
    let last = old.body["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["from_status"], "rejected");
    assert_eq!(last["to_status"], "superseded");
    assert!(last["reason"].as_str().unwrap().contains("wrong diagnosis"));
    // Reopened once: a second reopen finds an open encounter.
    let r = reopen(&app, &enc, Role::Billing, &json!({"reason": "again"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["status"], 409);
    assert_eq!(r.body["current_status"], "open");

    recode_and_sign_off(&app, &enc).await;
    let r = build(&app, &enc).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["frequency"], "1");
    assert!(r.body["replaces_claim_id"].is_null());
    assert_eq!(r.body["snapshot"]["diagnoses"], json!(["E11.9"]));
    let new_id = r.body["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, id);

    // The work queue of rejected claims no longer shows the corrected one.
    let r = app.get("/v1/claims?status=rejected", Role::Billing).await;
    assert_eq!(r.body["items"], json!([]));
    let r = app.get("/v1/claims?status=superseded", Role::Billing).await;
    assert_eq!(r.body["items"][0]["id"], id.as_str());
    // The new claim waits on an answer: the encounter cannot be reopened now.
    let r = reopen(&app, &enc, Role::Admin, &json!({"reason": "x"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["current_status"], "validated");
    assert_eq!(r.body["claim_id"], new_id.as_str());
}

async fn accepted_claim_is_replaced_from_corrected_coding(app: TestApp) {
    let (_, enc) = ready(&app, "R2").await;
    let id = built(&app, &enc).await;
    queued(&app, &id).await;
    set_status(&app, &id, "accepted", Some("PAYER42"));
    let r = reopen(
        &app,
        &enc,
        Role::Billing,
        &json!({"reason": "add diabetes"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    assert_eq!(c.body["status"], "accepted");
    let path = format!("/v1/claims/{id}/replace");
    let empty = json!({});
    let replace = || post_with(&app, &path, Role::Billing, Some(&empty), &[]);
    // Not signed off yet: the replacement would carry half-done coding.
    let r = replace().await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["current_status"], "open");
    recode_and_sign_off(&app, &enc).await;
    // The accepted claim stands: a new original would bill the visit twice.
    let r = build(&app, &enc).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["claim_id"], id.as_str());
    let r = replace().await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["frequency"], "7");
    assert_eq!(r.body["payer_claim_number"], "PAYER42");
    assert_eq!(r.body["snapshot"]["diagnoses"], json!(["E11.9"]));
    let e = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await;
    assert_eq!(e.body["status"], "billed");
}

async fn voided_claim_encounter_bills_again(app: TestApp) {
    let (_, enc) = ready(&app, "R3").await;
    let id = built(&app, &enc).await;
    queued(&app, &id).await;
    set_status(&app, &id, "accepted", Some("PAYER7"));
    let r = post_with(
        &app,
        &format!("/v1/claims/{id}/void"),
        Role::Billing,
        Some(&json!({})),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let void = r.body["id"].as_str().unwrap().to_string();
    // The void has not been answered yet.
    let r = reopen(
        &app,
        &enc,
        Role::Billing,
        &json!({"reason": "wrong patient"}),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["claim_id"], void.as_str());
    set_status(&app, &void, "accepted", Some("PAYER7"));
    let r = reopen(
        &app,
        &enc,
        Role::Billing,
        &json!({"reason": "wrong patient"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    recode_and_sign_off(&app, &enc).await;
    let r = build(&app, &enc).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["frequency"], "1");
}

on_both_backends!(
    rejected_claim_gets_a_new_original,
    accepted_claim_is_replaced_from_corrected_coding,
    voided_claim_encounter_bills_again,
);
