//! The billing link: a received specimen adds its tests (and venipuncture 36415 for a blood
//! draw) to its encounter once, priced from the fee schedule, pointing at diagnosis 1 and at
//! the specimen; a rejected specimen holds those lines and the encounter reports
//! `specimen.rejected`; an encounter that is not open gets nothing and the event says so.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::specimen_support;

use common::fixtures::{coded, id_of};
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::{json, Value};
use specimen_support::{body, create, move_to, post_if, records, walk};

async fn encounter(app: &TestApp, path: &str) -> Value {
    let r = app.get(path, Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn lines_added_once_and_held_on_rejection(app: TestApp) {
    let fx = records(&app, "B1").await;
    let fee = json!({"code": "80053", "charge_cents": 4200, "effective_from": "2020-01-01"});
    assert_eq!(
        app.post("/v1/fee-schedules", Role::Billing, &fee)
            .await
            .status,
        201
    );
    let fee = json!({"code": "36415", "charge_cents": 1500, "effective_from": "2020-01-01"});
    assert_eq!(
        app.post("/v1/fee-schedules", Role::Billing, &fee)
            .await
            .status,
        201
    );
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let enc_path = format!("/v1/encounters/{enc}");

    let mut b = body(&fx);
    b["encounter_id"] = json!(enc);
    let sp = id_of(&create(&app, Role::FrontDesk, &b).await);
    // Nothing is added before receipt.
    assert_eq!(
        encounter(&app, &enc_path).await["lines"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    walk(&app, &sp, 1, &["in_transit"]).await;
    let r = walk(&app, &sp, 2, &["received"]).await;
    assert_eq!(r.body["billed_lines_added"], true);
    let note = r.body["events"][2]["note"].as_str().unwrap();
    assert!(
        note.contains("billing: added 80053, 85025, 36415"),
        "{note}"
    );
    assert!(note.contains("no fee schedule prices 85025"), "{note}");

    let doc = encounter(&app, &enc_path).await;
    let lines = doc["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 4, "{doc}");
    let codes: Vec<&str> = lines.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["99213", "80053", "85025", "36415"]);
    for l in &lines[1..] {
        assert_eq!(l["specimen_id"], sp.as_str());
        assert_eq!(l["diagnosis_pointers"], json!([1]));
        assert_eq!(l["units"], 1);
        assert_eq!(l["on_hold"], false);
    }
    assert_eq!(lines[1]["charge_cents"], 4200);
    assert_eq!(lines[1]["charge_source"], "fee_schedule");
    assert_eq!(lines[2]["charge_cents"], 0);
    assert_eq!(lines[3]["charge_cents"], 1500);
    assert_eq!(doc["version"], 2);

    // Once: later transitions add nothing.
    walk(&app, &sp, 3, &["in_process"]).await;
    assert_eq!(
        encounter(&app, &enc_path).await["lines"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // A second blood specimen on the same encounter: its test, but no second venipuncture.
    let mut b2 = body(&fx);
    b2["encounter_id"] = json!(enc);
    b2["tests"] = json!([{"code": "83036"}]);
    let sp2 = id_of(&create(&app, Role::Lab, &b2).await);
    walk(&app, &sp2, 1, &["received"]).await;
    let doc = encounter(&app, &enc_path).await;
    let codes: Vec<&str> = doc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["99213", "80053", "85025", "36415", "83036"]);

    // Rejection holds the lines of that specimen and the encounter says why.
    let r = move_to(
        &app,
        &sp2,
        Role::Lab,
        2,
        json!({"to": "rejected", "reject_reason": "RC", "note": "clotted tube"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let last = r.body["events"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["note"].as_str().unwrap().contains("put on hold"),
        "{last}"
    );
    let doc = encounter(&app, &enc_path).await;
    let lines = doc["lines"].as_array().unwrap();
    assert_eq!(lines[4]["on_hold"], true);
    assert!(lines[..4].iter().all(|l| l["on_hold"] == false));
    let v = post_if(
        &app,
        &format!("{enc_path}/validate"),
        Role::Billing,
        &json!({}),
        &format!("\"{}\"", doc["version"]),
    )
    .await;
    assert_eq!(v.status, 200, "{}", v.body);
    let finding = v.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "specimen.rejected")
        .unwrap_or_else(|| panic!("no specimen.rejected finding: {}", v.body))
        .clone();
    assert_eq!(finding["path"], "/lines/4");
    assert_eq!(finding["severity"], "error");
    let msg = finding["message"].as_str().unwrap();
    assert!(msg.contains("RC") && msg.contains("clotted tube"), "{msg}");
    assert!(doc["error_count"].as_i64().unwrap() >= 1);
}

async fn not_open_encounter_gets_nothing(app: TestApp) {
    let fx = records(&app, "B2").await;
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let mut b = body(&fx);
    b["encounter_id"] = json!(enc);
    b["specimen_type"] = json!("UR");
    b["tests"] = json!([{"code": "81001"}]);
    let sp = id_of(&create(&app, Role::Lab, &b).await);
    // Void the encounter, then receive the specimen.
    let r = post_if(
        &app,
        &format!("/v1/encounters/{enc}/void"),
        Role::Billing,
        &json!({"reason": "entered in error"}),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = walk(&app, &sp, 1, &["received"]).await;
    assert_eq!(r.body["billed_lines_added"], false);
    let note = r.body["events"][1]["note"].as_str().unwrap();
    assert!(note.contains("encounter is void"), "{note}");
    let doc = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await;
    assert_eq!(doc.body["lines"].as_array().unwrap().len(), 1);

    // A urine specimen on an open encounter: its test, no venipuncture.
    let enc2 = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    b["encounter_id"] = json!(enc2);
    let sp = id_of(&create(&app, Role::Lab, &b).await);
    walk(&app, &sp, 1, &["received"]).await;
    let doc = app
        .get(&format!("/v1/encounters/{enc2}"), Role::Billing)
        .await;
    let codes: Vec<&str> = doc.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["99213", "81001"]);
    // An encounter of another patient cannot be linked.
    let other = id_of(
        &app.post(
            "/v1/patients",
            Role::FrontDesk,
            &common::patient_body("B2X"),
        )
        .await,
    );
    let mut b3 = body(&fx);
    b3["patient_id"] = json!(other);
    b3["encounter_id"] = json!(enc2);
    let r = app.post("/v1/specimens", Role::Lab, &b3).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["code"], "not_patients_encounter");
}

/// The line codes of a new encounter after a serum specimen linked to it is received.
async fn codes_after_receipt(app: &TestApp, fx: &common::fixtures::Fx) -> Vec<String> {
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, &coded(fx)).await);
    let mut b = body(fx);
    b["encounter_id"] = json!(enc);
    let sp = id_of(&create(app, Role::Lab, &b).await);
    walk(app, &sp, 1, &["received"]).await;
    let doc = encounter(app, &format!("/v1/encounters/{enc}")).await;
    doc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap().to_string())
        .collect()
}

/// The settings' "off" paths (`MEDBILL_LAB_BILLING_LINK=off`, `MEDBILL_LAB_ADDS_VENIPUNCTURE=off`),
/// set per test in the app state.
async fn link_and_venipuncture_off(app: TestApp) {
    use medbill::specimens::billing::Settings;
    let app = app.with_settings(|s| {
        s.lab_billing = Settings {
            link: false,
            venipuncture: true,
        }
    });
    let fx = records(&app, "B3").await;
    assert_eq!(codes_after_receipt(&app, &fx).await, vec!["99213"]);
    let app = app.with_settings(|s| {
        s.lab_billing = Settings {
            link: true,
            venipuncture: false,
        }
    });
    assert_eq!(
        codes_after_receipt(&app, &fx).await,
        vec!["99213", "80053", "85025"]
    );
}

on_both_backends!(
    lines_added_once_and_held_on_rejection,
    not_open_encounter_gets_nothing,
    link_and_venipuncture_off,
);
