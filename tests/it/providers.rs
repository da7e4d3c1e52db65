//! Provider registry over HTTP: create, read, update with If-Match, deactivate, filters and
//! pages, and bad input getting a clear 4xx with nothing stored.
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

/// Valid NPIs (Luhn over "80840" + the first nine digits).
const NPI_A: &str = "1234567893";
const NPI_B: &str = "1245319599";
const NPI_C: &str = "1003000126";

fn provider_body(npi: &str) -> Value {
    json!({
        "npi": npi,
        "entity_type": "person",
        "first_name": "Greg",
        "last_name": "House",
        "taxonomy": "207Q00000X",
        "roles": ["rendering", "billing"],
        "tax_id": "12-3456789",
        "address_line1": "1 Clinic Way",
        "city": "Princeton",
        "state": "NJ",
        "postal_code": "08540",
        "phone": "(609) 555-0100"
    })
}

async fn create_read_update_deactivate(app: TestApp) {
    let r = app
        .post("/v1/providers", Role::Billing, &provider_body(NPI_A))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/providers/{id}");
    assert_eq!(r.header("location").unwrap(), path);
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert_eq!(r.body["tax_id"], "123456789", "stored as 9 digits");
    assert_eq!(r.body["roles"], json!(["rendering", "billing"]));

    let r = app.get(&path, Role::Lab).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["npi"], NPI_A);
    assert_eq!(r.header("etag").unwrap(), "\"1\"");

    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"roles": ["referring"], "tax_id": null, "phone": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["roles"], json!(["referring"]));
    assert!(r.body["tax_id"].is_null());
    assert_eq!(r.header("etag").unwrap(), "\"2\"");

    // A stale writer loses and nothing of its change is stored.
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"last_name": "Wilson"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.body["current_version"], 2);
    assert_eq!(
        app.patch(&path, Role::Billing, &json!({"last_name": "Wilson"}), None)
            .await
            .status,
        428
    );
    assert_eq!(
        app.get(&path, Role::Billing).await.body["last_name"],
        "House"
    );

    // A patch that breaks a cross-field rule is refused.
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"roles": ["billing"]}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/tax_id");

    let r = app.delete(&path, Role::Admin).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["version"], 3);

    let actions = app
        .get(&format!("/v1/audit?resource_id={id}"), Role::Admin)
        .await;
    let actions: Vec<&str> = actions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "update", "deactivate"],
        "writes audited, reads not"
    );
}
on_both_backends!(create_read_update_deactivate);

async fn bad_input_is_rejected_and_nothing_stored(app: TestApp) {
    let with = |field: &str, value: Value| {
        let mut b = provider_body(NPI_A);
        if value.is_null() {
            b.as_object_mut().unwrap().remove(field);
        } else {
            b[field] = value;
        }
        b
    };
    let cases = [
        (with("npi", json!("1234567890")), "/npi", "invalid_npi"),
        (with("npi", json!("12345")), "/npi", "invalid_npi"),
        (with("tax_id", Value::Null), "/tax_id", "required"),
        (with("tax_id", json!("12-345")), "/tax_id", "invalid_tax_id"),
        (with("first_name", Value::Null), "/first_name", "required"),
        (
            with("entity_type", json!("robot")),
            "/entity_type",
            "invalid_entity_type",
        ),
        (
            with("taxonomy", json!("207Q00000")),
            "/taxonomy",
            "invalid_taxonomy",
        ),
        (with("roles", json!([])), "/roles", "required"),
        (
            with("roles", json!(["billing", "billing"])),
            "/roles",
            "duplicate_role",
        ),
        (
            with("roles", json!(["attending"])),
            "/roles",
            "invalid_role",
        ),
        (with("state", json!("nj")), "/state", "invalid_state"),
        (with("nickname", json!("Doc")), "/nickname", "unknown_field"),
    ];
    for (body, pointer, code) in cases {
        let r = app.post("/v1/providers", Role::Billing, &body).await;
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
    // An organization has no first name; a rendering-only organization needs no tax id.
    let org = json!({"npi": NPI_B, "entity_type": "organization", "first_name": "X", "last_name": "Acme Lab", "roles": ["rendering"]});
    let r = app.post("/v1/providers", Role::Billing, &org).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["code"], "not_allowed");
    assert_eq!(
        app.get(
            &format!("/v1/providers/{}", uuid::Uuid::new_v4()),
            Role::Lab
        )
        .await
        .status,
        404
    );
    assert_eq!(app.count("providers"), 0);
    assert_eq!(app.count("audit_log"), 0);
}
on_both_backends!(bad_input_is_rejected_and_nothing_stored);

async fn duplicate_npi_is_a_conflict(app: TestApp) {
    assert_eq!(
        app.post("/v1/providers", Role::Billing, &provider_body(NPI_A))
            .await
            .status,
        201
    );
    let r = app
        .post("/v1/providers", Role::Billing, &provider_body(NPI_A))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["errors"][0]["pointer"], "/npi");
    assert_eq!(app.count("providers"), 1);

    // Changing another provider to a used NPI is a conflict too.
    let r = app
        .post("/v1/providers", Role::Billing, &provider_body(NPI_B))
        .await;
    let path = format!("/v1/providers/{}", r.body["id"].as_str().unwrap());
    let r = app
        .patch(&path, Role::Billing, &json!({"npi": NPI_A}), Some("1"))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(app.get(&path, Role::Billing).await.body["npi"], NPI_B);
}
on_both_backends!(duplicate_npi_is_a_conflict);

async fn filters_and_pages(app: TestApp) {
    let make = |npi: &str, last: &str, roles: Value| {
        let mut b = provider_body(npi);
        b["last_name"] = json!(last);
        b["roles"] = roles;
        b
    };
    for body in [
        make(NPI_A, "House", json!(["rendering", "billing"])),
        make(NPI_B, "Houston", json!(["referring"])),
        make(NPI_C, "Cuddy", json!(["billing"])),
    ] {
        assert_eq!(
            app.post("/v1/providers", Role::Billing, &body).await.status,
            201
        );
    }
    assert_eq!(
        app.get("/v1/providers?name=HOU", Role::Lab)
            .await
            .item_strings("last_name"),
        ["House", "Houston"]
    );
    assert_eq!(
        app.get("/v1/providers?role=billing", Role::Lab)
            .await
            .item_strings("last_name"),
        ["House", "Cuddy"]
    );
    assert_eq!(
        app.get("/v1/providers?role=referring", Role::Lab)
            .await
            .item_strings("last_name"),
        ["Houston"]
    );
    assert_eq!(
        app.get(&format!("/v1/providers?npi={NPI_C}"), Role::Lab)
            .await
            .item_strings("last_name"),
        ["Cuddy"]
    );
    assert_eq!(
        app.get("/v1/providers?name=%25", Role::Lab)
            .await
            .item_strings("last_name"),
        Vec::<String>::new()
    );

    let cuddy = app
        .get(&format!("/v1/providers?npi={NPI_C}"), Role::Lab)
        .await
        .body["items"][0]["id"]
        .clone();
    app.delete(
        &format!("/v1/providers/{}", cuddy.as_str().unwrap()),
        Role::Billing,
    )
    .await;
    assert_eq!(
        app.get("/v1/providers?active=true", Role::Lab)
            .await
            .item_strings("last_name"),
        ["House", "Houston"]
    );
    assert_eq!(
        app.get("/v1/providers?active=false", Role::Lab)
            .await
            .item_strings("last_name"),
        ["Cuddy"]
    );

    let p1 = app.get("/v1/providers?limit=2", Role::Lab).await;
    assert_eq!(p1.item_strings("last_name"), ["House", "Houston"]);
    let cursor = p1.body["next_cursor"].as_str().unwrap();
    let p2 = app
        .get(&format!("/v1/providers?limit=2&cursor={cursor}"), Role::Lab)
        .await;
    assert_eq!(p2.item_strings("last_name"), ["Cuddy"]);
    assert!(p2.body.get("next_cursor").is_none());

    assert_eq!(
        app.get("/v1/providers?role=attending", Role::Lab)
            .await
            .status,
        422
    );
    assert_eq!(
        app.get("/v1/providers?limit=501", Role::Lab).await.status,
        422
    );
    assert_eq!(
        app.get("/v1/providers?cursor=zzz", Role::Lab).await.status,
        422
    );
    assert_eq!(
        app.get("/v1/providers?colour=red", Role::Lab).await.status,
        422
    );
}
on_both_backends!(filters_and_pages);

async fn roles_and_idempotency(app: TestApp) {
    let r = app
        .post("/v1/providers", Role::FrontDesk, &provider_body(NPI_A))
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post("/v1/providers", Role::Lab, &provider_body(NPI_A))
        .await;
    assert_eq!(r.status, 403);
    let r = app.send(TestRequest::get().uri("/v1/providers")).await;
    assert_eq!(r.status, 401);
    assert_eq!(app.count("providers"), 0);

    let token = app.token(Role::Billing);
    let req = || {
        TestRequest::post()
            .uri("/v1/providers")
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("idempotency-key", "prov-1"))
            .set_json(provider_body(NPI_A))
    };
    let first = app.send(req()).await;
    assert_eq!(first.status, 201);
    let again = app.send(req()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.count("providers"), 1);
}
on_both_backends!(roles_and_idempotency);
