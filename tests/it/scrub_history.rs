//! The scrubber's history checks over HTTP: `claim.duplicate_service` at validate, sign-off and
//! claim creation, against the patient's other active claims (a void or a superseded claim no
//! longer counts; a repeat modifier makes the line distinct).
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{address_billing, build, built, post_with, signed_off, sql};
use common::fixtures::{coded, fixture, id_of};
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

fn duplicates(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "claim.duplicate_service")
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

async fn validate(app: &TestApp, enc: &str) -> Value {
    let r = app
        .post(
            &format!("/v1/encounters/{enc}/validate"),
            Role::Billing,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn duplicate_service_across_claims(app: TestApp) {
    let fx = fixture(&app, "H1").await;
    address_billing(&app, &fx).await;
    let body = coded(&fx); // 99213 three days ago
                           // Two encounters signed off before either is billed: the second claim is refused.
    let first = signed_off(&app, &body).await;
    let second = signed_off(&app, &body).await;
    let claim = built(&app, &first).await;
    let r = build(&app, &second).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.to_string().contains("claim.duplicate_service"),
        "{}",
        r.body
    );
    assert_eq!(
        app.count("claims"),
        1,
        "nothing stored for the refused claim"
    );
    assert_eq!(
        app.count("claim_services"),
        1,
        "one line of the first claim"
    );

    // A third encounter with the same service: validate reports it, sign-off refuses it.
    let third = id_of(&app.post("/v1/encounters", Role::Billing, &body).await);
    assert_eq!(duplicates(&validate(&app, &third).await), ["/lines/0/code"]);
    let r = post_with(
        &app,
        &format!("/v1/encounters/{third}/sign-off"),
        Role::Billing,
        None,
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("claim.duplicate_service"));

    // Near misses: modifier 76 (a repeat), another date, another code.
    for (field, value) in [
        ("modifiers", json!(["76"])),
        ("date_of_service", json!(common::fixtures::days_ago(4))),
        ("code", json!("99214")),
    ] {
        let mut b = body.clone();
        if field == "date_of_service" {
            b["date_of_service"] = value;
        } else {
            b["lines"][0][field] = value;
        }
        let enc = id_of(&app.post("/v1/encounters", Role::Billing, &b).await);
        assert!(
            duplicates(&validate(&app, &enc).await).is_empty(),
            "{field} differs"
        );
    }
    // The encounter's own claim is not a duplicate of itself.
    assert!(duplicates(&validate(&app, &first).await).is_empty());

    // Once the first claim is voided it no longer counts, and the second can be billed.
    sql(
        &app,
        &format!(
            "UPDATE claims SET status = 'accepted', payer_claim_number = 'P1' WHERE id = '{claim}'"
        ),
    );
    let r = post_with(
        &app,
        &format!("/v1/claims/{claim}/void"),
        Role::Billing,
        Some(&json!({"reason": "billed twice"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(duplicates(&validate(&app, &second).await).is_empty());
    assert_eq!(build(&app, &second).await.status, 201);
}

/// Issue 20: a claim from before `claim_services` existed (its rows deleted to simulate it) is
/// invisible to the duplicate rule until the start-up backfill fills its history; a second
/// backfill changes nothing.
async fn backfill_restores_old_claims_history(app: TestApp) {
    let fx = fixture(&app, "H2").await;
    address_billing(&app, &fx).await;
    let mut body = coded(&fx);
    body["lines"][0]["modifiers"] = json!(["25"]);
    let first = signed_off(&app, &body).await;
    let claim = built(&app, &first).await;
    let before: Vec<(i32, String, String, i32)> = history_rows(&app, &claim);
    assert_eq!(before.len(), 1);
    sql(
        &app,
        &format!("DELETE FROM claim_services WHERE claim_id = '{claim}'"),
    );
    let other = id_of(&app.post("/v1/encounters", Role::Billing, &body).await);
    assert!(
        duplicates(&validate(&app, &other).await).is_empty(),
        "an old claim has no history yet"
    );

    let filled = medbill::claims::service_history::backfill(&mut app.conn()).unwrap();
    assert_eq!(filled, 1);
    assert_eq!(
        history_rows(&app, &claim),
        before,
        "the same rows as at creation"
    );
    assert_eq!(duplicates(&validate(&app, &other).await), ["/lines/0/code"]);
    assert_eq!(
        medbill::claims::service_history::backfill(&mut app.conn()).unwrap(),
        0,
        "idempotent"
    );
    assert_eq!(app.count("claim_services"), 1);
}

fn history_rows(app: &TestApp, claim: &str) -> Vec<(i32, String, String, i32)> {
    use diesel::prelude::*;
    use medbill::db::schema_scrub::claim_services as cs;
    let id: medbill::claims::model::ClaimId = serde_json::from_value(json!(claim)).unwrap();
    cs::table
        .filter(cs::claim_id.eq(id))
        .order(cs::line_no)
        .select((cs::line_no, cs::code, cs::modifiers, cs::units))
        .load(&mut app.conn())
        .unwrap()
}

on_both_backends!(
    duplicate_service_across_claims,
    backfill_restores_old_claims_history
);
