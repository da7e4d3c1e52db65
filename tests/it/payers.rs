//! Payer registry over HTTP: create, read, update with If-Match, deactivate, filters and
//! pages, roles, and bad input getting a clear 4xx with nothing stored.
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

fn payer_body(name: &str, edi: &str, cfi: &str) -> Value {
    json!({
        "name": name,
        "edi_payer_id": edi,
        "claim_filing_indicator": cfi,
        "timely_filing_days": 365,
        "address_line1": "PO Box 100",
        "city": "Hartford",
        "state": "CT",
        "postal_code": "06101"
    })
}

async fn create_read_update_deactivate(app: TestApp) {
    let r = app
        .post(
            "/v1/payers",
            Role::Billing,
            &payer_body("Aetna", "60054", "CI"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/payers/{id}");
    assert_eq!(r.header("location").unwrap(), path);
    assert_eq!(r.header("etag").unwrap(), "\"1\"");

    let r = app.get(&path, Role::FrontDesk).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["claim_filing_indicator"], "CI");
    assert_eq!(r.body["timely_filing_days"], 365);

    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"timely_filing_days": 90, "address_line1": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["timely_filing_days"], 90);
    assert!(r.body["address_line1"].is_null());
    assert_eq!(r.header("etag").unwrap(), "\"2\"");

    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"name": "Other"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.body["current_version"], 2);
    assert_eq!(
        app.patch(&path, Role::Billing, &json!({"name": "Other"}), None)
            .await
            .status,
        428
    );
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"claim_filing_indicator": "XX"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(app.get(&path, Role::Billing).await.body["name"], "Aetna");

    let r = app.delete(&path, Role::Billing).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["version"], 3);

    let log = app
        .get(&format!("/v1/audit?resource_id={id}"), Role::Admin)
        .await;
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "deactivate"]);
}
on_both_backends!(create_read_update_deactivate);

async fn bad_input_is_rejected_and_nothing_stored(app: TestApp) {
    let with = |field: &str, value: Value| {
        let mut b = payer_body("Aetna", "60054", "CI");
        b[field] = value;
        b
    };
    let cases = [
        (
            with("claim_filing_indicator", json!("XX")),
            "/claim_filing_indicator",
            "invalid_claim_filing_indicator",
        ),
        (
            with("claim_filing_indicator", json!("ci")),
            "/claim_filing_indicator",
            "invalid_claim_filing_indicator",
        ),
        (
            with("edi_payer_id", json!("6")),
            "/edi_payer_id",
            "invalid_edi_payer_id",
        ),
        (
            with("edi_payer_id", json!("600-54")),
            "/edi_payer_id",
            "invalid_edi_payer_id",
        ),
        (
            with("edi_payer_id", json!("A".repeat(81))),
            "/edi_payer_id",
            "invalid_edi_payer_id",
        ),
        (
            with("timely_filing_days", json!(0)),
            "/timely_filing_days",
            "range",
        ),
        (
            with("timely_filing_days", json!(3651)),
            "/timely_filing_days",
            "range",
        ),
        (with("name", json!("  ")), "/name", "blank"),
        (
            with("postal_code", json!("061")),
            "/postal_code",
            "invalid_postal_code",
        ),
        (with("fax", json!("555")), "/fax", "unknown_field"),
    ];
    for (body, pointer, code) in cases {
        let r = app.post("/v1/payers", Role::Billing, &body).await;
        assert_eq!(r.status, 422, "{body} -> {}", r.body);
        let errors = r.body["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["pointer"] == pointer && e["code"] == code),
            "{body} -> {}",
            r.body
        );
    }
    assert_eq!(
        app.get(
            &format!("/v1/payers/{}", uuid::Uuid::new_v4()),
            Role::Billing
        )
        .await
        .status,
        404
    );
    assert_eq!(app.count("payers"), 0);
    assert_eq!(app.count("audit_log"), 0);
}
on_both_backends!(bad_input_is_rejected_and_nothing_stored);

async fn roles_are_enforced(app: TestApp) {
    let body = payer_body("Aetna", "60054", "CI");
    assert_eq!(
        app.post("/v1/payers", Role::FrontDesk, &body).await.status,
        403
    );
    assert_eq!(app.post("/v1/payers", Role::Lab, &body).await.status, 403);
    assert_eq!(
        app.send(TestRequest::post().uri("/v1/payers").set_json(&body))
            .await
            .status,
        401
    );
    assert_eq!(app.count("payers"), 0);

    let r = app.post("/v1/payers", Role::Admin, &body).await;
    assert_eq!(r.status, 201);
    let path = format!("/v1/payers/{}", r.body["id"].as_str().unwrap());
    assert_eq!(app.get(&path, Role::FrontDesk).await.status, 200);
    assert_eq!(app.get(&path, Role::Lab).await.status, 403);
    assert_eq!(
        app.patch(&path, Role::FrontDesk, &json!({"name": "X"}), Some("1"))
            .await
            .status,
        403
    );
    assert_eq!(app.delete(&path, Role::FrontDesk).await.status, 403);
    assert_eq!(app.get(&path, Role::Billing).await.body["version"], 1);
}
on_both_backends!(roles_are_enforced);

async fn filters_and_pages(app: TestApp) {
    for (name, edi, cfi) in [
        ("Aetna", "60054", "CI"),
        ("Medicare Part B", "MCRB1", "MB"),
        ("Medicaid NY", "MCDNY", "MC"),
        ("Aetna Medicare", "60055", "MB"),
    ] {
        assert_eq!(
            app.post("/v1/payers", Role::Billing, &payer_body(name, edi, cfi))
                .await
                .status,
            201
        );
    }
    assert_eq!(
        app.get("/v1/payers?name=aet", Role::FrontDesk)
            .await
            .item_strings("name"),
        ["Aetna", "Aetna Medicare"]
    );
    assert_eq!(
        app.get("/v1/payers?name=MEDIC", Role::FrontDesk)
            .await
            .item_strings("name"),
        ["Medicare Part B", "Medicaid NY"]
    );
    assert_eq!(
        app.get("/v1/payers?claim_filing_indicator=MB", Role::FrontDesk)
            .await
            .item_strings("name"),
        ["Medicare Part B", "Aetna Medicare"]
    );
    assert_eq!(
        app.get("/v1/payers?edi_payer_id=MCDNY", Role::FrontDesk)
            .await
            .item_strings("name"),
        ["Medicaid NY"]
    );
    assert_eq!(
        app.get("/v1/payers?name=_", Role::FrontDesk)
            .await
            .item_strings("name"),
        Vec::<String>::new()
    );

    let first = app
        .get("/v1/payers?edi_payer_id=60054", Role::Billing)
        .await
        .body["items"][0]["id"]
        .clone();
    app.delete(
        &format!("/v1/payers/{}", first.as_str().unwrap()),
        Role::Billing,
    )
    .await;
    assert_eq!(
        app.get("/v1/payers?active=false", Role::FrontDesk)
            .await
            .item_strings("name"),
        ["Aetna"]
    );
    assert_eq!(
        app.get("/v1/payers?active=true&name=aetna", Role::FrontDesk)
            .await
            .item_strings("name"),
        ["Aetna Medicare"]
    );

    let p1 = app.get("/v1/payers?limit=3", Role::FrontDesk).await;
    assert_eq!(
        p1.item_strings("name"),
        ["Aetna", "Medicare Part B", "Medicaid NY"]
    );
    let cursor = p1.body["next_cursor"].as_str().unwrap();
    let p2 = app
        .get(
            &format!("/v1/payers?limit=3&cursor={cursor}"),
            Role::FrontDesk,
        )
        .await;
    assert_eq!(p2.item_strings("name"), ["Aetna Medicare"]);
    assert!(p2.body.get("next_cursor").is_none());

    assert_eq!(
        app.get("/v1/payers?claim_filing_indicator=QQ", Role::FrontDesk)
            .await
            .status,
        422
    );
    assert_eq!(
        app.get("/v1/payers?active=maybe", Role::FrontDesk)
            .await
            .status,
        422
    );
    assert_eq!(
        app.get("/v1/payers?cursor=zzz", Role::FrontDesk)
            .await
            .status,
        422
    );
}
on_both_backends!(filters_and_pages);
