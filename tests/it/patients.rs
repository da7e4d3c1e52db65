//! Patient registry over HTTP: create, read, update with If-Match, deactivate, search, and
//! every kind of bad input getting a clear 4xx with nothing stored.
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;
use common::{patient_body, TestApp};
use medbill::auth::roles::Role;
use serde_json::json;

async fn create_read_update_deactivate(app: TestApp) {
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("MRN-1"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.header("location").unwrap(), format!("/v1/patients/{id}"));
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert!(r.header("x-request-id").is_some());

    let r = app.get(&format!("/v1/patients/{id}"), Role::Lab).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["last_name"], "Lee");
    assert_eq!(r.body["birth_date"], "1980-02-03");

    let r = app
        .patch(
            &format!("/v1/patients/{id}"),
            Role::Billing,
            &json!({"last_name": "Smith", "phone": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["last_name"], "Smith");
    assert!(r.body["phone"].is_null());
    assert_eq!(r.header("etag").unwrap(), "\"2\"");

    let r = app
        .delete(&format!("/v1/patients/{id}"), Role::FrontDesk)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["version"], 3);
}
on_both_backends!(create_read_update_deactivate);

async fn stale_and_missing_if_match(app: TestApp) {
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("MRN-2"))
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/patients/{id}");
    let first = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"first_name": "Bea"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(first.status, 200);
    // A second writer that read version 1 loses, and nothing of its change is stored.
    let second = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"first_name": "Cat"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(second.status, 412);
    assert_eq!(second.body["current_version"], 2);
    assert_eq!(
        app.get(&path, Role::FrontDesk).await.body["first_name"],
        "Bea"
    );
    let none = app
        .patch(&path, Role::FrontDesk, &json!({"first_name": "Dan"}), None)
        .await;
    assert_eq!(none.status, 428);
}
on_both_backends!(stale_and_missing_if_match);

async fn concurrent_writers_one_wins(app: TestApp) {
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("MRN-C"))
        .await;
    let path = format!("/v1/patients/{}", r.body["id"].as_str().unwrap());
    let (ann, bob) = (json!({"first_name": "Ann"}), json!({"first_name": "Bob"}));
    let (a, b) = tokio::join!(
        app.patch(&path, Role::FrontDesk, &ann, Some("1")),
        app.patch(&path, Role::FrontDesk, &bob, Some("1")),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    assert_eq!(app.get(&path, Role::FrontDesk).await.body["version"], 2);
}
on_both_backends!(concurrent_writers_one_wins);

async fn bad_input_is_rejected_and_nothing_stored(app: TestApp) {
    let token = app.token(Role::FrontDesk);
    let post = |body: &'static str| {
        TestRequest::post()
            .uri("/v1/patients")
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
    };
    let r = app.send(post("{\"mrn\": ")).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("content-type").unwrap(),
        "application/problem+json"
    );

    let cases = [
        (json!({"mrn": 5}), "/mrn", "invalid_type"),
        (
            json!({"first_name": "A", "last_name": "B", "birth_date": "1990-01-01", "sex": "F"}),
            "/mrn",
            "required",
        ),
        (
            {
                let mut b = patient_body("X1");
                b["nickname"] = json!("Al");
                b
            },
            "/nickname",
            "unknown_field",
        ),
        (
            {
                let mut b = patient_body("X2");
                b["birth_date"] = json!("2999-01-01");
                b
            },
            "/birth_date",
            "in_future",
        ),
        (
            {
                let mut b = patient_body("X3");
                b["sex"] = json!("Q");
                b
            },
            "/sex",
            "invalid_sex",
        ),
        (
            {
                let mut b = patient_body("X4");
                b["birth_date"] = json!("1990-02-30");
                b
            },
            "/birth_date",
            "invalid_value",
        ),
        (
            {
                let mut b = patient_body("X5");
                b["last_name"] = json!("Lee~ISA");
                b
            },
            "/last_name",
            "invalid_characters",
        ),
    ];
    for (body, pointer, code) in cases {
        let r = app.post("/v1/patients", Role::FrontDesk, &body).await;
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

    let big = format!("{{\"mrn\": \"{}\"}}", "x".repeat(1_100_000));
    let r = app
        .send(
            TestRequest::post()
                .uri("/v1/patients")
                .insert_header((
                    "authorization",
                    format!("Bearer {}", app.token(Role::FrontDesk)),
                ))
                .insert_header(("content-type", "application/json"))
                .set_payload(big),
        )
        .await;
    assert_eq!(r.status, 413);

    let r = app.get("/v1/patients/not-a-uuid", Role::FrontDesk).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["errors"][0]["code"], "invalid_uuid");
    let r = app
        .get(
            &format!("/v1/patients/{}", uuid::Uuid::new_v4()),
            Role::FrontDesk,
        )
        .await;
    assert_eq!(r.status, 404);

    assert_eq!(app.count("patients"), 0);
    assert_eq!(app.count("audit_log"), 0);
}
on_both_backends!(bad_input_is_rejected_and_nothing_stored);

async fn duplicate_mrn_is_a_conflict(app: TestApp) {
    assert_eq!(
        app.post("/v1/patients", Role::FrontDesk, &patient_body("DUP"))
            .await
            .status,
        201
    );
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("DUP"))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["errors"][0]["pointer"], "/mrn", "{}", r.body);
    assert_eq!(app.count("patients"), 1);
}
on_both_backends!(duplicate_mrn_is_a_conflict);

async fn search_by_mrn_name_and_birth_date_with_pages(app: TestApp) {
    for (i, (first, last, dob)) in [
        ("Ann", "Lee", "1980-02-03"),
        ("Bob", "Leeds", "1975-05-06"),
        ("Cy", "Young", "1980-02-03"),
    ]
    .iter()
    .enumerate()
    {
        let mut b = patient_body(&format!("S{i}"));
        b["first_name"] = json!(first);
        b["last_name"] = json!(last);
        b["birth_date"] = json!(dob);
        assert_eq!(
            app.post("/v1/patients", Role::FrontDesk, &b).await.status,
            201
        );
    }
    assert_eq!(
        app.get("/v1/patients?name=LEE", Role::Billing)
            .await
            .item_strings("last_name"),
        ["Lee", "Leeds"]
    );
    assert_eq!(
        app.get("/v1/patients?name=lee%20bo", Role::Billing)
            .await
            .item_strings("last_name"),
        ["Leeds"]
    );
    assert_eq!(
        app.get("/v1/patients?mrn=S2", Role::Billing)
            .await
            .item_strings("last_name"),
        ["Young"]
    );
    assert_eq!(
        app.get("/v1/patients?birth_date=1980-02-03", Role::Billing)
            .await
            .item_strings("last_name"),
        ["Lee", "Young"]
    );
    assert_eq!(
        app.get("/v1/patients?name=%25", Role::Billing)
            .await
            .item_strings("last_name"),
        Vec::<String>::new()
    );

    let p1 = app.get("/v1/patients?limit=2", Role::Billing).await;
    assert_eq!(p1.item_strings("last_name"), ["Lee", "Leeds"]);
    let cursor = p1.body["next_cursor"].as_str().unwrap();
    let p2 = app
        .get(
            &format!("/v1/patients?limit=2&cursor={cursor}"),
            Role::Billing,
        )
        .await;
    assert_eq!(p2.item_strings("last_name"), ["Young"]);
    assert!(p2.body.get("next_cursor").is_none());

    assert_eq!(
        app.get("/v1/patients?limit=0", Role::Billing).await.status,
        422
    );
    assert_eq!(
        app.get("/v1/patients?limit=abc", Role::Billing)
            .await
            .status,
        422
    );
    assert_eq!(
        app.get("/v1/patients?cursor=zzz", Role::Billing)
            .await
            .status,
        422
    );
    assert_eq!(
        app.get("/v1/patients?colour=red", Role::Billing)
            .await
            .status,
        422
    );
}
on_both_backends!(search_by_mrn_name_and_birth_date_with_pages);

async fn idempotency_key_replays_and_refuses_reuse(app: TestApp) {
    let token = app.token(Role::FrontDesk);
    let req = |body: serde_json::Value| {
        TestRequest::post()
            .uri("/v1/patients")
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("idempotency-key", "visit-123"))
            .set_json(body)
    };
    let first = app.send(req(patient_body("IK1"))).await;
    assert_eq!(first.status, 201);
    let again = app.send(req(patient_body("IK1"))).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.count("patients"), 1);
    let other = app.send(req(patient_body("IK2"))).await;
    assert_eq!(other.status, 422);
    assert_eq!(other.body["errors"][0]["code"], "key_reused");
    assert_eq!(app.count("patients"), 1);
}
on_both_backends!(idempotency_key_replays_and_refuses_reuse);

async fn phi_reads_and_writes_are_audited(app: TestApp) {
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("AUD"))
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    app.get(&format!("/v1/patients/{id}"), Role::Lab).await;
    app.get("/v1/patients?mrn=AUD", Role::Billing).await;
    let log = app
        .get(&format!("/v1/audit?resource_id={id}"), Role::Admin)
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
            ("read", "lab"),
            ("search", "billing")
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r["request_id"].as_str().is_some_and(|s| !s.is_empty())));
    // No PHI in the audit row itself: only ids.
    assert!(!log.raw.windows(3).any(|w| w == b"Lee"));
}
on_both_backends!(phi_reads_and_writes_are_audited);

/// A read of a missing patient stores no audit row, a found one exactly one, and the row
/// carries the service's MAC (sealed as genuine, none flagged).
async fn reads_audit_only_what_they_find(app: TestApp) {
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("FOUND"))
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let before = app.count("audit_log");
    let missing = uuid::Uuid::new_v4();
    let r = app.get(&format!("/v1/patients/{missing}"), Role::Lab).await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(app.count("audit_log"), before);
    let r = app.get(&format!("/v1/patients/{id}"), Role::Lab).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["mrn"], "FOUND");
    assert_eq!(app.count("audit_log"), before + 1);
    let log = app
        .get(&format!("/v1/audit?resource_id={id}"), Role::Admin)
        .await;
    let last = log.body["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "read");
    assert_eq!(last["resource_type"], "patient");
    assert_eq!(last["actor_role"], "lab");
    assert_eq!(last["outcome"], "success");
    let mut conn = app.conn();
    medbill::audit::chain::seal_pending(&mut conn).unwrap();
    let report = medbill::audit::chain::verify(&mut conn).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.flagged, 0);
    assert_eq!(report.unsealed, 0);
}
on_both_backends!(reads_audit_only_what_they_find);
