//! Encounters over HTTP, the workflow: roles, the status machine, validate / sign-off /
//! overrides, the work queue, audited reads and idempotent creates.
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;
use common::fixtures::{coded, days_ago, fixture, id_of, post_if, visit};
use common::{Resp, TestApp};
use medbill::auth::roles::Role;
use serde_json::{json, Value};

async fn roles_are_enforced(app: TestApp) {
    let fx = fixture(&app, "E6").await;
    assert_eq!(
        app.post("/v1/encounters", Role::Lab, &visit(&fx))
            .await
            .status,
        403
    );
    assert_eq!(
        app.post("/v1/encounters", Role::FrontDesk, &coded(&fx))
            .await
            .status,
        403
    );
    let id = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let path = format!("/v1/encounters/{id}");
    assert_eq!(app.get(&path, Role::Lab).await.status, 403);
    assert_eq!(app.get("/v1/encounters", Role::Lab).await.status, 403);
    assert_eq!(app.get(&path, Role::FrontDesk).await.status, 200);
    let r = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"diagnoses": ["I10"]}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 403);
    let add = json!({"code": "36415", "charge_cents": 1000, "diagnosis_pointers": [1]});
    assert_eq!(
        post_if(
            &app,
            &format!("{path}/lines"),
            Role::FrontDesk,
            Some(&add),
            "\"1\""
        )
        .await
        .status,
        403
    );
    assert_eq!(
        post_if(
            &app,
            &format!("{path}/validate"),
            Role::FrontDesk,
            None,
            "\"1\""
        )
        .await
        .status,
        403
    );
    for role in [Role::FrontDesk, Role::Lab] {
        assert_eq!(
            post_if(&app, &format!("{path}/sign-off"), role, None, "\"1\"")
                .await
                .status,
            403
        );
    }
    let ov = json!({"rule": "coverage.missing", "path": "/coverage_id", "reason": "self-pay visit, billed to the patient"});
    assert_eq!(
        post_if(
            &app,
            &format!("{path}/overrides"),
            Role::Billing,
            Some(&ov),
            "\"1\""
        )
        .await
        .status,
        403
    );
    assert_eq!(app.get("/v1/fee-schedules", Role::Lab).await.status, 403);
    let fee = json!({"code": "99213", "charge_cents": 1, "effective_from": "2026-01-01"});
    assert_eq!(
        app.post("/v1/fee-schedules", Role::FrontDesk, &fee)
            .await
            .status,
        403
    );
    assert_eq!(app.get(&path, Role::Billing).await.body["version"], 1);
}
on_both_backends!(roles_are_enforced);

async fn status_machine(app: TestApp) {
    let fx = fixture(&app, "E7").await;
    let id = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let path = format!("/v1/encounters/{id}");
    let r = post_if(
        &app,
        &format!("{path}/release"),
        Role::Billing,
        None,
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["allowed_next"], json!(["coded", "on_hold", "void"]));
    let r = post_if(
        &app,
        &format!("{path}/hold"),
        Role::Billing,
        Some(&json!({"reason": " "})),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 422);
    let r = post_if(
        &app,
        &format!("{path}/hold"),
        Role::Billing,
        Some(&json!({"reason": "ask Dr House"})),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "on_hold");
    assert_eq!(r.body["hold_reason"], "ask Dr House");
    // On hold: still editable, but not ready for sign-off.
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"notes": "asked"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = post_if(
        &app,
        &format!("{path}/sign-off"),
        Role::Billing,
        None,
        "\"3\"",
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["allowed_next"], json!(["open", "void"]));
    let r = post_if(
        &app,
        &format!("{path}/release"),
        Role::Billing,
        None,
        "\"3\"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body["hold_reason"].is_null());
    let r = post_if(
        &app,
        &format!("{path}/sign-off"),
        Role::Billing,
        None,
        "\"4\"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "coded");
    assert!(r.body["signed_off_by"]
        .as_str()
        .unwrap()
        .starts_with("user:"));
    // Coded: no more edits.
    let r = app
        .patch(&path, Role::Billing, &json!({"notes": "x"}), Some("\"5\""))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["allowed_next"], json!(["billed", "void"]));
    let add = json!({"code": "36415", "charge_cents": 1000, "diagnosis_pointers": [1]});
    assert_eq!(
        post_if(
            &app,
            &format!("{path}/lines"),
            Role::Billing,
            Some(&add),
            "\"5\""
        )
        .await
        .status,
        409
    );
    let r = post_if(
        &app,
        &format!("{path}/void"),
        Role::Billing,
        Some(&json!({"reason": "duplicate visit"})),
        "\"5\"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "void");
    assert_eq!(r.body["void_reason"], "duplicate visit");
    let r = post_if(
        &app,
        &format!("{path}/hold"),
        Role::Billing,
        Some(&json!({"reason": "x"})),
        "\"6\"",
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["allowed_next"], json!([]));
}
on_both_backends!(status_machine);

async fn validate_sign_off_and_override(app: TestApp) {
    let fx = fixture(&app, "E8").await;
    let mut body = coded(&fx);
    body["diagnoses"] = json!(["E11", "I10"]);
    let r = app.post("/v1/encounters", Role::Billing, &body).await;
    let id = id_of(&r);
    assert_eq!(r.body["error_count"], 1, "{}", r.body);
    let path = format!("/v1/encounters/{id}");

    let v = post_if(
        &app,
        &format!("{path}/validate"),
        Role::Billing,
        None,
        "\"1\"",
    )
    .await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.body["errors"], 1);
    let header = v.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["severity"] == "error")
        .unwrap()
        .clone();
    assert_eq!(header["rule"], "icd.not_billable");
    assert_eq!(header["path"], "/diagnoses/0");
    assert!(header["suggestion"].as_str().unwrap().contains("E11.9"));
    assert_eq!(
        app.get(&path, Role::Billing).await.body["version"],
        1,
        "validate changes nothing"
    );

    let r = post_if(
        &app,
        &format!("{path}/sign-off"),
        Role::Billing,
        None,
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.body["type"],
        "https://medbill.dev/problems/blocking-findings"
    );
    assert_eq!(r.body["findings"][0]["rule"], "icd.not_billable");
    assert_eq!(r.body["errors"][0]["pointer"], "/diagnoses/0");
    assert_eq!(app.get(&path, Role::Billing).await.body["status"], "open");

    // The override needs a real reason and a current error.
    let short = json!({"rule": "icd.not_billable", "path": "/diagnoses/0", "reason": "ok"});
    let r = post_if(
        &app,
        &format!("{path}/overrides"),
        Role::Admin,
        Some(&short),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 422);
    let wrong = json!({"rule": "icd.not_billable", "path": "/diagnoses/1", "reason": "payer contract allows it"});
    let r = post_if(
        &app,
        &format!("{path}/overrides"),
        Role::Admin,
        Some(&wrong),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 422);
    let ov = json!({"rule": "icd.not_billable", "path": "/diagnoses/0", "reason": "payer contract allows the category code"});
    let r = post_if(
        &app,
        &format!("{path}/overrides"),
        Role::Admin,
        Some(&ov),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["error_count"], 0);
    assert_eq!(
        r.body["overrides"][0]["reason"],
        "payer contract allows the category code"
    );
    assert_eq!(
        post_if(
            &app,
            &format!("{path}/overrides"),
            Role::Admin,
            Some(&ov),
            "\"2\""
        )
        .await
        .status,
        409
    );

    let v = post_if(
        &app,
        &format!("{path}/validate"),
        Role::Billing,
        None,
        "\"2\"",
    )
    .await;
    assert_eq!(v.body["errors"], 0);
    assert_eq!(v.body["overridden"], 1);
    let f = v.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "icd.not_billable")
        .unwrap()
        .clone();
    assert_eq!(
        f["override"]["reason"],
        "payer contract allows the category code"
    );

    let r = post_if(
        &app,
        &format!("{path}/sign-off"),
        Role::Billing,
        None,
        "\"2\"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "coded");

    let log = app
        .get(&format!("/v1/audit?resource_id={id}"), Role::Admin)
        .await;
    let actions: Vec<(String, String)> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().into(),
                r["actor_role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("override".into(), "admin".into())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("sign_off".into(), "billing".into())),
        "{actions:?}"
    );
}
on_both_backends!(validate_sign_off_and_override);

fn ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

async fn work_queue_filters(app: TestApp) {
    let fx = fixture(&app, "E9").await;
    let clean = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let mut body = visit(&fx);
    body["date_of_service"] = json!(days_ago(20));
    body["coverage_id"] = Value::Null;
    let uncoded = id_of(&app.post("/v1/encounters", Role::FrontDesk, &body).await);
    let q = |s: &str| format!("/v1/encounters?{s}");
    assert_eq!(
        ids(&app.get(&q("has_errors=true"), Role::Billing).await),
        [uncoded.as_str()]
    );
    assert_eq!(
        ids(&app.get(&q("has_errors=false"), Role::Billing).await),
        [clean.as_str()]
    );
    assert_eq!(
        ids(&app
            .get(&q(&format!("payer_id={}", fx.payer)), Role::Billing)
            .await),
        [clean.as_str()]
    );
    assert_eq!(
        ids(&app
            .get(&q(&format!("from={}", days_ago(10))), Role::Billing)
            .await),
        [clean.as_str()]
    );
    assert_eq!(
        ids(&app
            .get(&q(&format!("to={}", days_ago(10))), Role::Billing)
            .await),
        [uncoded.as_str()]
    );
    assert_eq!(
        ids(&app
            .get(&q(&format!("provider_id={}", fx.billing)), Role::Billing)
            .await)
        .len(),
        2
    );
    assert_eq!(
        ids(&app
            .get(
                &q(&format!("patient_id={}&status=open", fx.patient)),
                Role::Billing
            )
            .await)
        .len(),
        2
    );
    assert!(ids(&app.get(&q("status=coded"), Role::Billing).await).is_empty());
    let page = app.get(&q("limit=1"), Role::Billing).await;
    assert_eq!(ids(&page), [clean.as_str()]);
    let next = page.body["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(
        ids(&app
            .get(&q(&format!("limit=1&cursor={next}")), Role::Billing)
            .await),
        [uncoded.as_str()]
    );
    assert_eq!(app.get(&q("status=done"), Role::Billing).await.status, 422);
    assert_eq!(app.get(&q("colour=red"), Role::Billing).await.status, 422);

    // Coding the uncoded encounter clears it from the has_errors queue.
    let mut fix = coded(&fx);
    fix.as_object_mut().unwrap().remove("patient_id");
    let r = app
        .patch(
            &format!("/v1/encounters/{uncoded}"),
            Role::Billing,
            &fix,
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(ids(&app.get(&q("has_errors=true"), Role::Billing).await).is_empty());
}
on_both_backends!(work_queue_filters);

async fn reads_and_writes_are_audited(app: TestApp) {
    let fx = fixture(&app, "E10").await;
    let id = id_of(
        &app.post("/v1/encounters", Role::FrontDesk, &visit(&fx))
            .await,
    );
    app.get(&format!("/v1/encounters/{id}"), Role::Billing)
        .await;
    app.get("/v1/encounters", Role::FrontDesk).await;
    post_if(
        &app,
        &format!("/v1/encounters/{id}/validate"),
        Role::Billing,
        None,
        "\"1\"",
    )
    .await;
    let log = app
        .get(&format!("/v1/audit?resource_id={id}"), Role::Admin)
        .await;
    let actions: Vec<(&str, &str)> = log.body["items"]
        .as_array()
        .unwrap()
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
            ("validate", "billing")
        ]
    );
}
on_both_backends!(reads_and_writes_are_audited);

async fn idempotent_create(app: TestApp) {
    let fx = fixture(&app, "E11").await;
    let token = app.token(Role::FrontDesk);
    let req = || {
        TestRequest::post()
            .uri("/v1/encounters")
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("idempotency-key", "checkin-1"))
            .set_json(visit(&fx))
    };
    let a = app.send(req()).await;
    let b = app.send(req()).await;
    assert_eq!(a.status, 201);
    assert_eq!(b.status, 201);
    assert_eq!(b.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(app.count("encounters"), 1);
}
on_both_backends!(idempotent_create);
