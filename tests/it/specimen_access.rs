//! Specimens: roles (front desk creates but does not receive or result; billing reads only;
//! the lab cannot read encounters), bad input with nothing stored, audited reads, and
//! concurrent accessioning giving distinct numbers.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::specimen_support;

use common::fixtures::id_of;
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::json;
use specimen_support::{audited, body, create, move_to, records, walk};

async fn roles(app: TestApp) {
    let fx = records(&app, "S6").await;
    let visit = common::fixtures::visit(&fx);
    let enc = id_of(&app.post("/v1/encounters", Role::FrontDesk, &visit).await);
    // Billing reads but does not write.
    assert_eq!(
        app.post("/v1/specimens", Role::Billing, &body(&fx))
            .await
            .status,
        403
    );
    let id = id_of(&create(&app, Role::FrontDesk, &body(&fx)).await);
    assert_eq!(
        app.get(&format!("/v1/specimens/{id}"), Role::Billing)
            .await
            .status,
        200
    );
    assert_eq!(app.get("/v1/specimens", Role::Billing).await.status, 200);
    assert_eq!(
        move_to(&app, &id, Role::Billing, 1, json!({"to": "in_transit"}))
            .await
            .status,
        403
    );
    let custody = format!("/v1/specimens/{id}/custody");
    assert_eq!(
        app.post(
            &custody,
            Role::Billing,
            &json!({"action": "handoff", "to_location": "x"})
        )
        .await
        .status,
        403
    );
    // Front desk creates but cannot receive or result.
    assert_eq!(
        move_to(&app, &id, Role::FrontDesk, 1, json!({"to": "received"}))
            .await
            .status,
        403
    );
    walk(&app, &id, 1, &["received"]).await;
    assert_eq!(
        move_to(&app, &id, Role::FrontDesk, 2, json!({"to": "in_process"}))
            .await
            .status,
        403
    );
    assert_eq!(
        move_to(
            &app,
            &id,
            Role::FrontDesk,
            2,
            json!({"to": "cancelled", "note": "x"})
        )
        .await
        .status,
        403
    );
    // The lab cannot read encounters.
    assert_eq!(
        app.get(&format!("/v1/encounters/{enc}"), Role::Lab)
            .await
            .status,
        403
    );
    // No token: 401.
    let r = app
        .send(actix_web::test::TestRequest::get().uri(&format!("/v1/specimens/{id}")))
        .await;
    assert_eq!(r.status, 401);
}

async fn bad_input_stores_nothing(app: TestApp) {
    let fx = records(&app, "S7").await;
    let mut b = body(&fx);
    b["specimen_type"] = json!("XYZ");
    b["collected_at"] = json!((chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339());
    b["volume"] = json!(-2.5);
    b["priority"] = json!("urgent");
    b["tests"] = json!([{"code": "8005"}, {"code": "Z9999"}, {"code": "85025", "loinc": "abc"}, {"code": "85025"}]);
    let r = app.post("/v1/specimens", Role::Lab, &b).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.header("content-type").unwrap(),
        "application/problem+json"
    );
    let pointers: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for p in [
        "/specimen_type",
        "/collected_at",
        "/volume",
        "/priority",
        "/tests/0/code",
        "/tests/1/code",
        "/tests/2/loinc",
        "/tests/3/code",
    ] {
        assert!(pointers.contains(&p), "{p} missing from {pointers:?}");
    }
    // Unknown references.
    let mut b = body(&fx);
    b["patient_id"] = json!(uuid::Uuid::now_v7());
    b["ordering_provider_id"] = json!(uuid::Uuid::now_v7());
    b["encounter_id"] = json!(uuid::Uuid::now_v7());
    let r = app.post("/v1/specimens", Role::Lab, &b).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3);
    // Unknown fields, no tests, volume without unit.
    let mut b = body(&fx);
    b["colour"] = json!("red");
    assert_eq!(app.post("/v1/specimens", Role::Lab, &b).await.status, 422);
    let mut b = body(&fx);
    b["tests"] = json!([]);
    b["volume_unit"] = json!(null);
    let r = app.post("/v1/specimens", Role::Lab, &b).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2, "{}", r.body);
    assert_eq!(app.count("specimens"), 0);
    assert_eq!(app.count("specimen_events"), 0);
    assert_eq!(app.count("audit_log WHERE resource_type = 'specimen'"), 0);
    // The accession counter was not advanced by the failures: the first number is 1.
    let r = create(&app, Role::Lab, &body(&fx)).await;
    assert_eq!(
        &r.body["accession_number"].as_str().unwrap()[2..9],
        "0000001"
    );
}

async fn reads_are_audited(app: TestApp) {
    let fx = records(&app, "S8").await;
    let r = create(&app, Role::Lab, &body(&fx)).await;
    let id = r.body["id"].as_str().unwrap();
    let acc = r.body["accession_number"].as_str().unwrap();
    assert_eq!(audited(&app, "create"), 1);
    assert_eq!(audited(&app, "read"), 0);
    app.get(&format!("/v1/specimens/{id}"), Role::Billing).await;
    app.get(&format!("/v1/specimens/by-accession/{acc}"), Role::Lab)
        .await;
    assert_eq!(audited(&app, "read"), 2);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE resource_type = 'specimen' AND resource_id = '{id}'"
        )),
        3
    );
}

async fn concurrent_accessioning(app: TestApp) {
    let fx = records(&app, "C1").await;
    let b = body(&fx);
    let sends = (0..24).map(|_| app.post("/v1/specimens", Role::Lab, &b));
    let answers = futures_util::future::join_all(sends).await;
    let mut numbers: Vec<String> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["accession_number"].as_str().unwrap().to_string()
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 24);
    assert!(numbers
        .iter()
        .all(|n| medbill::specimens::accession::parse(n).is_ok()));
}

on_both_backends!(
    roles,
    bad_input_stores_nothing,
    reads_are_audited,
    concurrent_accessioning,
);
