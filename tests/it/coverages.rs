//! Coverage over HTTP: create, read, update with If-Match, deactivate, filters and pages,
//! reference and subscriber rules, roles, and every read audited (PHI).
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;
use common::{patient_body, TestApp};
use medbill::auth::roles::Role;
use serde_json::{json, Value};

/// Registers a patient (Ann Lee, 1980-02-03, F) and a payer; returns their ids.
async fn patient_and_payer(app: &TestApp, mrn: &str) -> (String, String) {
    let p = app
        .post("/v1/patients", Role::FrontDesk, &patient_body(mrn))
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    let payer = json!({"name": "Aetna", "edi_payer_id": "60054", "claim_filing_indicator": "CI", "timely_filing_days": 365});
    let y = app.post("/v1/payers", Role::Billing, &payer).await;
    assert_eq!(y.status, 201, "{}", y.body);
    (
        p.body["id"].as_str().unwrap().to_string(),
        y.body["id"].as_str().unwrap().to_string(),
    )
}

fn members(r: &common::Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["member_id"].as_str().unwrap().to_string())
        .collect()
}

fn coverage_body(patient: &str, payer: &str) -> Value {
    json!({
        "patient_id": patient,
        "payer_id": payer,
        "member_id": "W123-456",
        "group_number": "GRP 9",
        "relationship_code": "18",
        "priority": "primary",
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31"
    })
}

fn spouse(mut b: Value) -> Value {
    b["relationship_code"] = json!("01");
    b["subscriber_first_name"] = json!("Bob");
    b["subscriber_last_name"] = json!("Lee");
    b["subscriber_birth_date"] = json!("1978-07-08");
    b["subscriber_sex"] = json!("M");
    b
}

async fn create_read_update_deactivate(app: TestApp) {
    let (patient, payer) = patient_and_payer(&app, "C1").await;
    // Self with matching subscriber fields is accepted; the copy is not stored.
    let mut body = coverage_body(&patient, &payer);
    body["subscriber_last_name"] = json!("LEE");
    body["subscriber_birth_date"] = json!("1980-02-03");
    let r = app.post("/v1/coverages", Role::FrontDesk, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/coverages/{id}");
    assert_eq!(r.header("location").unwrap(), path);
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert!(r.body["subscriber_last_name"].is_null());

    let r = app.get(&path, Role::Billing).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["member_id"], "W123-456");
    assert_eq!(r.header("etag").unwrap(), "\"1\"");

    // Switching to a spouse's plan needs the subscriber; then it is kept.
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"relationship_code": "01"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 422);
    let to_spouse = json!({"relationship_code": "01", "subscriber_first_name": "Bob", "subscriber_last_name": "Lee",
        "subscriber_birth_date": "1978-07-08", "subscriber_sex": "M", "effective_to": null});
    let r = app
        .patch(&path, Role::FrontDesk, &to_spouse, Some("\"1\""))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["subscriber_first_name"], "Bob");
    assert!(r.body["effective_to"].is_null());
    assert_eq!(r.header("etag").unwrap(), "\"2\"");

    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"priority": "secondary"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.body["current_version"], 2);
    assert_eq!(
        app.patch(
            &path,
            Role::FrontDesk,
            &json!({"priority": "secondary"}),
            None
        )
        .await
        .status,
        428
    );
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"payer_id": payer}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422, "the payer cannot change");
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"effective_from": "2027-01-01", "effective_to": "2026-06-30"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/effective_to");

    // Back to self: the stored subscriber is cleared.
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"relationship_code": "18"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["subscriber_first_name"].is_null());

    let r = app.delete(&path, Role::FrontDesk).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["version"], 4);
}
on_both_backends!(create_read_update_deactivate);

async fn bad_input_is_rejected_and_nothing_stored(app: TestApp) {
    let (patient, payer) = patient_and_payer(&app, "C2").await;
    let audit_before = app.count("audit_log");
    let with = |field: &str, value: Value| {
        let mut b = spouse(coverage_body(&patient, &payer));
        if value.is_null() {
            b.as_object_mut().unwrap().remove(field);
        } else {
            b[field] = value;
        }
        b
    };
    let unknown = uuid::Uuid::new_v4().to_string();
    let cases = [
        (
            with("patient_id", json!(unknown)),
            "/patient_id",
            "unknown_patient",
        ),
        (
            with("payer_id", json!(unknown)),
            "/payer_id",
            "unknown_payer",
        ),
        (
            with("patient_id", json!("nope")),
            "/patient_id",
            "invalid_value",
        ),
        (
            with("subscriber_first_name", Value::Null),
            "/subscriber_first_name",
            "required",
        ),
        (
            with("subscriber_birth_date", Value::Null),
            "/subscriber_birth_date",
            "required",
        ),
        (
            with("effective_to", json!("2025-12-31")),
            "/effective_to",
            "before_effective_from",
        ),
        (
            with("relationship_code", json!("02")),
            "/relationship_code",
            "invalid_relationship_code",
        ),
        (
            with("priority", json!("first")),
            "/priority",
            "invalid_priority",
        ),
        (
            with("member_id", json!("W1 23")),
            "/member_id",
            "invalid_member_id",
        ),
        (with("member_id", json!("")), "/member_id", "length"),
        (
            with("subscriber_sex", json!("X")),
            "/subscriber_sex",
            "invalid_sex",
        ),
        (with("copay", json!(20)), "/copay", "unknown_field"),
    ];
    for (body, pointer, code) in cases {
        let r = app.post("/v1/coverages", Role::FrontDesk, &body).await;
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
    // Self with a subscriber who is not the patient.
    let mut body = coverage_body(&patient, &payer);
    body["subscriber_first_name"] = json!("Bob");
    let r = app.post("/v1/coverages", Role::FrontDesk, &body).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/subscriber_first_name");
    assert_eq!(r.body["errors"][0]["code"], "not_patient");

    // A deactivated payer cannot take new coverage.
    app.delete(&format!("/v1/payers/{payer}"), Role::Billing)
        .await;
    let r = app
        .post(
            "/v1/coverages",
            Role::FrontDesk,
            &coverage_body(&patient, &payer),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/payer_id");
    assert_eq!(r.body["errors"][0]["code"], "inactive");

    assert_eq!(
        app.get(&format!("/v1/coverages/{unknown}"), Role::FrontDesk)
            .await
            .status,
        404
    );
    assert_eq!(app.count("coverages"), 0);
    assert_eq!(
        app.count("audit_log"),
        audit_before + 1,
        "only the payer's deactivation"
    );
}
on_both_backends!(bad_input_is_rejected_and_nothing_stored);

async fn filters_and_pages(app: TestApp) {
    let (ann, payer) = patient_and_payer(&app, "C3").await;
    let (cy, payer2) = patient_and_payer(&app, "C4").await;
    let mut bodies = vec![
        coverage_body(&ann, &payer),
        spouse(coverage_body(&ann, &payer2)),
        coverage_body(&cy, &payer2),
    ];
    bodies[1]["priority"] = json!("secondary");
    bodies[1]["member_id"] = json!("S-2");
    bodies[1]["effective_to"] = Value::Null;
    bodies[2]["member_id"] = json!("C-3");
    bodies[2]["effective_from"] = json!("2027-01-01");
    bodies[2]["effective_to"] = Value::Null;
    for b in &bodies {
        assert_eq!(
            app.post("/v1/coverages", Role::FrontDesk, b).await.status,
            201,
            "{b}"
        );
    }
    let get = |q: String| {
        let app = &app;
        async move { members(&app.get(&format!("/v1/coverages?{q}"), Role::Billing).await) }
    };
    assert_eq!(get(format!("patient_id={ann}")).await, ["W123-456", "S-2"]);
    assert_eq!(get(format!("payer_id={payer2}")).await, ["S-2", "C-3"]);
    assert_eq!(get("priority=secondary".into()).await, ["S-2"]);
    assert_eq!(
        get("active_on=2026-12-31".into()).await,
        ["W123-456", "S-2"]
    );
    assert_eq!(get("active_on=2027-01-01".into()).await, ["S-2", "C-3"]);
    assert_eq!(
        get("active_on=2025-12-31".into()).await,
        Vec::<String>::new()
    );

    let page1 = app.get("/v1/coverages?limit=2", Role::Billing).await;
    assert_eq!(members(&page1), ["W123-456", "S-2"]);
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = app
        .get(
            &format!("/v1/coverages?limit=2&cursor={cursor}"),
            Role::Billing,
        )
        .await;
    assert_eq!(members(&page2), ["C-3"]);
    assert!(page2.body.get("next_cursor").is_none());

    let first = page1.body["items"][0]["id"].as_str().unwrap().to_string();
    app.delete(&format!("/v1/coverages/{first}"), Role::FrontDesk)
        .await;
    assert_eq!(get(format!("patient_id={ann}&active=true")).await, ["S-2"]);
    assert_eq!(get("active=false".into()).await, ["W123-456"]);

    for bad in [
        "priority=first",
        "active_on=2026-02-30",
        "patient_id=nope",
        "limit=0",
        "colour=red",
    ] {
        assert_eq!(
            app.get(&format!("/v1/coverages?{bad}"), Role::Billing)
                .await
                .status,
            422,
            "{bad}"
        );
    }
}
on_both_backends!(filters_and_pages);

async fn roles_are_enforced(app: TestApp) {
    let (patient, payer) = patient_and_payer(&app, "C5").await;
    let body = coverage_body(&patient, &payer);
    assert_eq!(
        app.post("/v1/coverages", Role::Lab, &body).await.status,
        403
    );
    assert_eq!(
        app.send(TestRequest::post().uri("/v1/coverages").set_json(&body))
            .await
            .status,
        401
    );
    assert_eq!(app.count("coverages"), 0);
    let r = app.post("/v1/coverages", Role::FrontDesk, &body).await;
    assert_eq!(r.status, 201);
    let path = format!("/v1/coverages/{}", r.body["id"].as_str().unwrap());
    assert_eq!(app.get(&path, Role::Lab).await.status, 403);
    assert_eq!(app.get("/v1/coverages", Role::Lab).await.status, 403);
    assert_eq!(app.send(TestRequest::get().uri(&path)).await.status, 401);
    assert_eq!(
        app.patch(
            &path,
            Role::Lab,
            &json!({"priority": "secondary"}),
            Some("1")
        )
        .await
        .status,
        403
    );
    assert_eq!(app.delete(&path, Role::Lab).await.status, 403);
    assert_eq!(app.get(&path, Role::Admin).await.body["version"], 1);
}
on_both_backends!(roles_are_enforced);

async fn reads_and_writes_are_audited(app: TestApp) {
    let (patient, payer) = patient_and_payer(&app, "C6").await;
    let r = app
        .post(
            "/v1/coverages",
            Role::FrontDesk,
            &coverage_body(&patient, &payer),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    app.get(&format!("/v1/coverages/{id}"), Role::Billing).await;
    app.get(
        &format!("/v1/coverages?patient_id={patient}"),
        Role::FrontDesk,
    )
    .await;
    app.patch(
        &format!("/v1/coverages/{id}"),
        Role::FrontDesk,
        &json!({"group_number": null}),
        Some("1"),
    )
    .await;
    let log = app
        .get(
            &format!("/v1/audit?resource_type=coverage&resource_id={id}"),
            Role::Admin,
        )
        .await;
    assert_eq!(log.status, 200);
    let rows = log.body["items"].as_array().unwrap();
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["actor_role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("create", "front_desk"),
            ("read", "billing"),
            ("search", "front_desk"),
            ("update", "front_desk")
        ]
    );
    // Only ids in the audit rows: no member id.
    assert!(!log.raw.windows(8).any(|w| w == b"W123-456"));
}
on_both_backends!(reads_and_writes_are_audited);
