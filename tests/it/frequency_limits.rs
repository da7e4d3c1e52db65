//! Payer frequency limits over HTTP: the bundled Medicare rules are seeded, rules are edited
//! through `/v1/frequency-rules` (admin, billing), and `frequency.exceeded` checks the patient's
//! billed history at validate and sign-off, at the edge of a 12-month period.
#![allow(clippy::unwrap_used)]

use chrono::{Months, NaiveDate, Utc};

use crate::claims_fx;
use crate::common;

use claims_fx::{address_billing, built, post_with, signed_off};
use common::fixtures::{coded, fixture, id_of};
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

fn flagged(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "frequency.exceeded")
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

async fn encounter_on(app: &TestApp, body: &Value, date: NaiveDate) -> String {
    let mut b = body.clone();
    b["date_of_service"] = json!(date.to_string());
    id_of(&app.post("/v1/encounters", Role::Billing, &b).await)
}

async fn seeded_medicare_rules(app: TestApp) {
    let r = app
        .get("/v1/frequency-rules?code=G0439", Role::FrontDesk)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", r.body);
    assert_eq!(items[0]["claim_filing_indicator"], "MB");
    assert_eq!(items[0]["period_kind"], "calendar_months");
    assert_eq!(items[0]["period_months"], 12);
    assert_eq!(items[0]["seed_key"], "mcr-awv-subsequent");
    let total = app.count("frequency_rules");
    assert!(total >= 20, "{total}");

    // A deactivated seed stays deactivated: seeding again adds nothing.
    let id = items[0]["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/v1/frequency-rules/{id}"), Role::Billing)
            .await
            .status,
        200
    );
    let added = medbill::frequency::seed::ensure(&mut app.conn()).unwrap();
    assert_eq!(added, 0);
    assert_eq!(app.count("frequency_rules"), total);
    let r = app
        .get(&format!("/v1/frequency-rules/{id}"), Role::Billing)
        .await;
    assert_eq!(r.body["active"], false);
}

on_both_backends!(seeded_medicare_rules);

async fn rule_api_refuses_bad_input(app: TestApp) {
    let fx = fixture(&app, "FQ2").await;
    let good = json!({"code": "99213", "payer_id": fx.payer, "max_units": 1,
        "period_kind": "rolling_months", "period_months": 12, "description": "Office visit"});
    let r = app
        .post("/v1/frequency-rules", Role::FrontDesk, &good)
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let mut b = good.clone();
    b.as_object_mut().unwrap().remove("period_months");
    let r = app.post("/v1/frequency-rules", Role::Billing, &b).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("/period_months"), "{}", r.body);
    let mut b = good.clone();
    b["payer_id"] = json!(uuid::Uuid::new_v4());
    let r = app.post("/v1/frequency-rules", Role::Billing, &b).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("/payer_id"), "{}", r.body);
    let mut b = good.clone();
    b["period_kind"] = json!("weekly");
    assert_eq!(
        app.post("/v1/frequency-rules", Role::Billing, &b)
            .await
            .status,
        422
    );
    let before = app.count("frequency_rules");

    let id = id_of(&app.post("/v1/frequency-rules", Role::Billing, &good).await);
    assert_eq!(app.count("frequency_rules"), before + 1);
    // Stale If-Match and a patch that breaks the period are refused and change nothing.
    let path = format!("/v1/frequency-rules/{id}");
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"max_units": 2}),
            Some("\"7\""),
        )
        .await;
    assert_eq!(r.status, 412, "{}", r.body);
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"period_kind": "lifetime"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.get(&path, Role::Billing).await;
    assert_eq!(
        (r.body["version"].clone(), r.body["period_kind"].clone()),
        (json!(1), json!("rolling_months"))
    );
}

on_both_backends!(rule_api_refuses_bad_input);

async fn frequency_exceeded_at_the_period_edge(app: TestApp) {
    let fx = fixture(&app, "FQ1").await;
    address_billing(&app, &fx).await;
    let body = coded(&fx); // 99213 three days ago, billed to the fixture's CI payer
    let first_date = Utc::now().date_naive() - chrono::Duration::days(3);
    let first = signed_off(&app, &body).await;
    built(&app, &first).await;

    // No rule yet: a visit a month earlier is fine.
    let month_before = encounter_on(&app, &body, first_date - chrono::Duration::days(30)).await;
    assert!(flagged(&validate(&app, &month_before).await).is_empty());

    // Once per 12 months for this payer's filing indicator.
    let rule = json!({"code": "99213", "claim_filing_indicator": "CI", "max_units": 1,
        "period_kind": "rolling_months", "period_months": 12, "description": "Office visit (test policy)"});
    let rule_id = id_of(&app.post("/v1/frequency-rules", Role::Billing, &rule).await);
    let report = validate(&app, &month_before).await;
    assert_eq!(flagged(&report), ["/lines/0/code"], "{report}");
    let text = report.to_string();
    assert!(text.contains("once per 12 months"), "{text}");
    assert!(text.contains("CARC 119"), "{text}");
    let r = post_with(
        &app,
        &format!("/v1/encounters/{month_before}/sign-off"),
        Role::Billing,
        None,
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.to_string().contains("frequency.exceeded"),
        "{}",
        r.body
    );

    // The edge: exactly 12 months before the billed visit starts its own period; one day
    // later is inside the billed visit's period.
    let year_before = first_date.checked_sub_months(Months::new(12)).unwrap();
    let edge = encounter_on(&app, &body, year_before).await;
    assert!(flagged(&validate(&app, &edge).await).is_empty());
    let inside = encounter_on(&app, &body, year_before + chrono::Duration::days(1)).await;
    assert_eq!(flagged(&validate(&app, &inside).await), ["/lines/0/code"]);

    // Two per 12 months allows the second visit; deactivating the rule silences it.
    let path = format!("/v1/frequency-rules/{rule_id}");
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"max_units": 2}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(flagged(&validate(&app, &month_before).await).is_empty());
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"max_units": 1}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(flagged(&validate(&app, &month_before).await).len(), 1);
    assert_eq!(app.delete(&path, Role::Admin).await.status, 200);
    assert!(flagged(&validate(&app, &month_before).await).is_empty());

    // A rule for another payer does not apply.
    let other = json!({"name": "Other", "edi_payer_id": "99999", "claim_filing_indicator": "BL", "timely_filing_days": 365});
    let other = id_of(&app.post("/v1/payers", Role::Billing, &other).await);
    let rule = json!({"code": "99213", "payer_id": other, "max_units": 1,
        "period_kind": "lifetime", "description": "Other payer's policy"});
    id_of(&app.post("/v1/frequency-rules", Role::Billing, &rule).await);
    assert!(flagged(&validate(&app, &month_before).await).is_empty());
}

on_both_backends!(frequency_exceeded_at_the_period_edge);
