//! Encounters over HTTP, the document: create, read, update with If-Match, coding lists and
//! line routes, concurrent edits, fee schedule pricing, and field errors with pointers.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::fixtures::{coded, days_ago, delete_if, fixture, id_of, post_if, visit};
use common::{patient_body, Resp, TestApp};
use medbill::auth::roles::Role;
use serde_json::{json, Value};

async fn create_read_update(app: TestApp) {
    let fx = fixture(&app, "E1").await;
    let r = app
        .post("/v1/encounters", Role::FrontDesk, &visit(&fx))
        .await;
    let id = id_of(&r);
    let path = format!("/v1/encounters/{id}");
    assert_eq!(r.header("location").unwrap(), path);
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["payer_id"], fx.payer.as_str());
    assert_eq!(r.body["diagnoses"], json!([]));
    // Not coded yet: the scrubber counts errors (no diagnoses, no lines).
    assert!(r.body["error_count"].as_i64().unwrap() >= 2);

    let r = app.get(&path, Role::FrontDesk).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["notes"], "walk-in");
    assert_eq!(r.header("etag").unwrap(), "\"1\"");

    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"notes": "late", "place_of_service": "22"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["place_of_service"], "22");
    assert_eq!(r.header("etag").unwrap(), "\"2\"");
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"notes": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.body["current_version"], 2);
    assert_eq!(
        app.patch(&path, Role::FrontDesk, &json!({"notes": null}), None)
            .await
            .status,
        428
    );
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"patient_id": fx.patient}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422, "the patient cannot change");
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"notes": null}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["notes"].is_null());
    assert_eq!(
        app.get(
            "/v1/encounters/00000000-0000-7000-8000-000000000000",
            Role::Billing
        )
        .await
        .status,
        404
    );
}
on_both_backends!(create_read_update);

async fn coding_lists_and_line_routes(app: TestApp) {
    let fx = fixture(&app, "E2").await;
    let id = id_of(
        &app.post("/v1/encounters", Role::FrontDesk, &visit(&fx))
            .await,
    );
    let path = format!("/v1/encounters/{id}");
    let body = json!({
        "diagnoses": [" e11.9", "I10", "z0000"],
        "lines": [
            {"code": "99213", "modifiers": ["25"], "charge_cents": 12500, "diagnosis_pointers": [1, 2]},
            {"code": "j1100", "units": 2, "charge_cents": 800, "diagnosis_pointers": [1],
             "ndc": "0009-0047-01", "ndc_quantity": 4, "ndc_unit": "ml"}
        ]
    });
    let r = app.patch(&path, Role::Billing, &body, Some("\"1\"")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["diagnoses"], json!(["E11.9", "I10", "Z00.00"]));
    let lines = r.body["lines"].as_array().unwrap();
    assert_eq!(lines[0]["code_system"], "cpt");
    assert_eq!(lines[1]["code"], "J1100");
    assert_eq!(lines[1]["code_system"], "hcpcs");
    assert_eq!(lines[1]["ndc"], "00009004701");
    assert_eq!(lines[1]["ndc_unit"], "ML");
    let (first, second) = (lines[0]["id"].clone(), lines[1]["id"].clone());

    // Reorder the lines and drop a diagnosis: the ids stay with their lines.
    let mut l0 = lines[0].clone();
    let mut l1 = lines[1].clone();
    for l in [&mut l0, &mut l1] {
        let o = l.as_object_mut().unwrap();
        o.remove("charge_source");
        o.remove("specimen_id");
        o.remove("on_hold");
    }
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"diagnoses": ["E11.9", "I10"], "lines": [l1, l0]}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 3);
    assert_eq!(r.body["lines"][0]["id"], second);
    assert_eq!(r.body["lines"][1]["id"], first);
    assert_eq!(r.body["diagnoses"], json!(["E11.9", "I10"]));

    // Line routes: add, edit, remove; each bumps the encounter version.
    let add = json!({"code": "36415", "charge_cents": 1000, "diagnosis_pointers": [1]});
    let r = post_if(
        &app,
        &format!("{path}/lines"),
        Role::Billing,
        Some(&add),
        "\"3\"",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["version"], 4);
    let new_line = r.body["lines"][2]["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location").unwrap(),
        format!("{path}/lines/{new_line}")
    );
    let line_path = format!("{path}/lines/{new_line}");
    let r = app
        .patch(
            &line_path,
            Role::Billing,
            &json!({"units": 2, "modifiers": ["91"]}),
            Some("\"4\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 5);
    assert_eq!(r.body["lines"][2]["units"], 2);
    assert_eq!(r.body["lines"][2]["charge_cents"], 1000);
    let r = app
        .patch(
            &line_path,
            Role::Billing,
            &json!({"units": 0}),
            Some("\"5\""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/units");
    let r = delete_if(&app, &line_path, "\"4\"").await;
    assert_eq!(r.status, 412);
    let r = delete_if(&app, &line_path, "\"5\"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 6);
    assert_eq!(r.body["lines"].as_array().unwrap().len(), 2);
    assert_eq!(delete_if(&app, &line_path, "\"6\"").await.status, 404);

    // Removing everything is allowed; the stored document matches.
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"lines": [], "diagnoses": []}),
            Some("\"6\""),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.count("encounter_lines"), 0);
    assert_eq!(app.count("encounter_diagnoses"), 0);
    let read = app.get(&path, Role::Billing).await;
    assert_eq!(read.body["version"], 7);
}
on_both_backends!(coding_lists_and_line_routes);

async fn concurrent_edits_lose_nothing(app: TestApp) {
    let fx = fixture(&app, "E3").await;
    let id = id_of(
        &app.post("/v1/encounters", Role::FrontDesk, &visit(&fx))
            .await,
    );
    let path = format!("/v1/encounters/{id}");
    let a = json!({"diagnoses": ["I10"]});
    let b = json!({"notes": "second writer"});
    let (ra, rb) = futures_util::future::join(
        app.patch(&path, Role::Billing, &a, Some("\"1\"")),
        app.patch(&path, Role::FrontDesk, &b, Some("\"1\"")),
    )
    .await;
    let mut statuses = [ra.status, rb.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{} / {}", ra.body, rb.body);
    let loser = if ra.status == 412 { &ra } else { &rb };
    assert_eq!(loser.body["current_version"], 2);
    // The loser re-reads and re-applies; both changes are kept.
    let retry = if ra.status == 412 {
        (&a, Role::Billing)
    } else {
        (&b, Role::FrontDesk)
    };
    let r = app.patch(&path, retry.1, retry.0, Some("\"2\"")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let doc = app.get(&path, Role::Billing).await.body;
    assert_eq!(doc["version"], 3);
    assert_eq!(doc["diagnoses"], json!(["I10"]));
    assert_eq!(doc["notes"], "second writer");
}
on_both_backends!(concurrent_edits_lose_nothing);

async fn fee_schedule_fills_charges(app: TestApp) {
    let fx = fixture(&app, "E4").await;
    let from = days_ago(30);
    let fee = |payer: Value, modifier: Value, cents: i64| json!({"payer_id": payer, "code": "99213", "modifier": modifier, "charge_cents": cents, "effective_from": from});
    for body in [
        fee(Value::Null, Value::Null, 10000),
        fee(json!(fx.payer), Value::Null, 11000),
        fee(json!(fx.payer), json!("25"), 11500),
    ] {
        let r = app.post("/v1/fee-schedules", Role::Billing, &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let old = json!({"code": "36415", "charge_cents": 900, "effective_from": days_ago(90), "effective_to": days_ago(60)});
    assert_eq!(
        app.post("/v1/fee-schedules", Role::Billing, &old)
            .await
            .status,
        201
    );

    let mut body = visit(&fx);
    body["diagnoses"] = json!(["I10"]);
    body["lines"] = json!([
        {"code": "99213", "diagnosis_pointers": [1]},
        {"code": "99213", "modifiers": ["25"], "units": 2, "diagnosis_pointers": [1]},
        {"code": "99213", "charge_cents": 5, "diagnosis_pointers": [1]}
    ]);
    let r = app.post("/v1/encounters", Role::Billing, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let lines = &r.body["lines"];
    assert_eq!(
        lines[0]["charge_cents"], 11000,
        "the payer's price before the default"
    );
    assert_eq!(lines[0]["charge_source"], "fee_schedule");
    assert_eq!(
        lines[1]["charge_cents"], 23000,
        "the modifier's price, times the units"
    );
    assert_eq!(lines[2]["charge_cents"], 5);
    assert_eq!(lines[2]["charge_source"], "entered");

    // Without the coverage only the default applies; an expired price is not used.
    let mut body = visit(&fx);
    body["coverage_id"] = Value::Null;
    body["lines"] = json!([{"code": "99213", "diagnosis_pointers": [1]}, {"code": "36415", "diagnosis_pointers": [1]}]);
    let r = app.post("/v1/encounters", Role::Billing, &body).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["pointer"], "/lines/1/charge_cents");
    assert_eq!(r.body["errors"][0]["code"], "no_fee_schedule");
    assert_eq!(app.count("encounters"), 1);
    body["lines"] = json!([{"code": "99213", "diagnosis_pointers": [1]}]);
    let r = app.post("/v1/encounters", Role::Billing, &body).await;
    assert_eq!(r.body["lines"][0]["charge_cents"], 10000);
    assert!(r.body["payer_id"].is_null());
}
on_both_backends!(fee_schedule_fills_charges);

fn pointers(r: &Resp) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap().to_string())
        .collect()
}

async fn bad_input_is_422_with_pointers(app: TestApp) {
    let fx = fixture(&app, "E5").await;
    let mut body = visit(&fx);
    body["diagnoses"] = json!(["E11.9", "E1", "e119"]);
    body["lines"] = json!([
        {"code": "9921X", "charge_cents": 100, "diagnosis_pointers": [1]},
        {"code": "99213", "modifiers": ["25", "5", "59", "XU", "76"], "units": 0, "charge_cents": -1,
         "diagnosis_pointers": [1, 1, 2, 3, 4]},
        {"code": "J1100", "charge_cents": 100, "diagnosis_pointers": [], "ndc": "12345", "ndc_unit": "XX"},
        {"code": "99213", "code_system": "icd10cm", "charge_cents": 100, "diagnosis_pointers": [0]}
    ]);
    let r = app.post("/v1/encounters", Role::Billing, &body).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let p = pointers(&r);
    for expected in [
        "/diagnoses/1",
        "/diagnoses/2",
        "/lines/0/code",
        "/lines/1/modifiers",
        "/lines/1/modifiers/1",
        "/lines/1/units",
        "/lines/1/charge_cents",
        "/lines/1/diagnosis_pointers",
        "/lines/1/diagnosis_pointers/1",
        "/lines/2/diagnosis_pointers",
        "/lines/2/ndc",
        "/lines/2/ndc_quantity",
        "/lines/2/ndc_unit",
        "/lines/3/code_system",
        "/lines/3/diagnosis_pointers/0",
    ] {
        assert!(
            p.contains(&expected.to_string()),
            "missing {expected} in {p:?}"
        );
    }
    assert_eq!(app.count("encounters"), 0);
    assert_eq!(app.count("encounter_lines"), 0);

    // Reference and date rules.
    let mut body = visit(&fx);
    body["billing_provider_id"] = json!(fx.rendering);
    body["date_of_service_to"] = json!(days_ago(5));
    let r = app.post("/v1/encounters", Role::FrontDesk, &body).await;
    assert_eq!(r.status, 422);
    assert_eq!(pointers(&r), ["/date_of_service_to"]);
    body["date_of_service_to"] = Value::Null;
    let r = app.post("/v1/encounters", Role::FrontDesk, &body).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/billing_provider_id");
    assert_eq!(r.body["errors"][0]["code"], "wrong_role");
    let other = id_of(
        &app.post("/v1/patients", Role::FrontDesk, &patient_body("E5B"))
            .await,
    );
    let mut body = visit(&fx);
    body["patient_id"] = json!(other);
    let r = app.post("/v1/encounters", Role::FrontDesk, &body).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["code"], "not_patients_coverage");
    let mut body = visit(&fx);
    body["lines"] = json!([{"code": "99213", "charge_cents": 1, "diagnosis_pointers": [1], "date_of_service": days_ago(1)}]);
    let r = app.post("/v1/encounters", Role::Billing, &body).await;
    assert_eq!(pointers(&r), ["/lines/0/date_of_service"]);
    assert_eq!(app.count("encounters"), 0);

    // A stored encounter is unchanged by a rejected edit.
    let id = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let path = format!("/v1/encounters/{id}");
    let r = app
        .patch(&path, Role::Billing, &json!({"lines": [{"id": id, "code": "99213", "charge_cents": 1, "diagnosis_pointers": [1]}]}), Some("\"1\""))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/lines/0/id");
    let doc = app.get(&path, Role::Billing).await.body;
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["lines"][0]["code"], "99213");
}
on_both_backends!(bad_input_is_422_with_pointers);
