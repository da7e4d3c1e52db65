//! Fee schedules over HTTP: create, read, update with If-Match, overlapping dates refused,
//! list filters and pages, field errors, and roles.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Resp, TestApp};
use medbill::auth::roles::Role;
use serde_json::{json, Value};

async fn payer(app: &TestApp) -> String {
    let body = json!({"name": "Aetna", "edi_payer_id": "60054", "claim_filing_indicator": "CI", "timely_filing_days": 365});
    let r = app.post("/v1/payers", Role::Billing, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

fn codes(r: &Resp) -> Vec<(String, i64)> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["charge_cents"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn create_read_update(app: TestApp) {
    let body = json!({"code": " 99213 ", "charge_cents": 10000, "effective_from": "2026-01-01", "effective_to": "2026-06-30"});
    let r = app.post("/v1/fee-schedules", Role::Billing, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["code"], "99213");
    assert!(r.body["payer_id"].is_null());
    let path = r.header("location").unwrap();
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    let r = app.get(&path, Role::FrontDesk).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["charge_cents"], 10000);

    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"charge_cents": 10500, "effective_to": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert!(r.body["effective_to"].is_null());
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"charge_cents": 1}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(
        app.patch(&path, Role::Billing, &json!({"charge_cents": 1}), None)
            .await
            .status,
        428
    );
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"code": "99214"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422, "the code cannot change");
    let r = app
        .patch(
            &path,
            Role::Billing,
            &json!({"effective_to": "2025-01-01"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/effective_to");
}
on_both_backends!(create_read_update);

async fn overlapping_dates_are_refused(app: TestApp) {
    let payer = payer(&app).await;
    let first = json!({"code": "99213", "charge_cents": 100, "effective_from": "2026-01-01", "effective_to": "2026-06-30"});
    let r = app.post("/v1/fee-schedules", Role::Billing, &first).await;
    assert_eq!(r.status, 201);
    let first_path = r.header("location").unwrap();
    let overlapping = json!({"code": "99213", "charge_cents": 200, "effective_from": "2026-06-30"});
    let r = app
        .post("/v1/fee-schedules", Role::Billing, &overlapping)
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    // Not an overlap: a later period, another payer, or another modifier.
    for body in [
        json!({"code": "99213", "charge_cents": 200, "effective_from": "2026-07-01"}),
        json!({"payer_id": payer, "code": "99213", "charge_cents": 300, "effective_from": "2026-01-01"}),
        json!({"code": "99213", "modifier": "25", "charge_cents": 400, "effective_from": "2026-01-01"}),
    ] {
        let r = app.post("/v1/fee-schedules", Role::Billing, &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // Extending the first period into the second is refused too.
    let r = app
        .patch(
            &first_path,
            Role::Billing,
            &json!({"effective_to": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(app.count("fee_schedules"), 4);
}
on_both_backends!(overlapping_dates_are_refused);

async fn list_filters(app: TestApp) {
    let payer = payer(&app).await;
    for body in [
        json!({"code": "99213", "charge_cents": 100, "effective_from": "2026-01-01", "effective_to": "2026-03-31"}),
        json!({"code": "G0008", "charge_cents": 200, "effective_from": "2026-01-01"}),
        json!({"payer_id": payer, "code": "99213", "charge_cents": 300, "effective_from": "2026-01-01"}),
    ] {
        let r = app.post("/v1/fee-schedules", Role::Billing, &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let list = |q: &str| format!("/v1/fee-schedules?{q}");
    let all = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
        v.iter().map(|(c, n)| (c.to_string(), *n)).collect()
    };
    assert_eq!(
        codes(
            &app.get(&list(&format!("payer_id={payer}")), Role::FrontDesk)
                .await
        ),
        all(&[("99213", 300)])
    );
    assert_eq!(
        codes(&app.get(&list("default=true"), Role::Billing).await),
        all(&[("99213", 100), ("G0008", 200)])
    );
    assert_eq!(
        codes(&app.get(&list("code=g0008"), Role::Billing).await),
        all(&[("G0008", 200)])
    );
    assert_eq!(
        codes(&app.get(&list("active_on=2026-05-01"), Role::Billing).await),
        all(&[("G0008", 200), ("99213", 300)])
    );
    let page = app.get(&list("limit=2"), Role::Billing).await;
    assert_eq!(codes(&page).len(), 2);
    let next = page.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        codes(
            &app.get(&list(&format!("limit=2&cursor={next}")), Role::Billing)
                .await
        )
        .len(),
        1
    );
    assert_eq!(app.get(&list("code=9"), Role::Billing).await.status, 422);
    assert_eq!(
        app.get(&list("colour=red"), Role::Billing).await.status,
        422
    );
}
on_both_backends!(list_filters);

async fn bad_input_is_refused(app: TestApp) {
    let bad: [(Value, &str); 5] = [
        (
            json!({"code": "9921X", "charge_cents": 1, "effective_from": "2026-01-01"}),
            "/code",
        ),
        (
            json!({"code": "99213", "code_system": "icd10cm", "charge_cents": 1, "effective_from": "2026-01-01"}),
            "/code_system",
        ),
        (
            json!({"code": "99213", "charge_cents": -1, "effective_from": "2026-01-01"}),
            "/charge_cents",
        ),
        (
            json!({"code": "99213", "modifier": "2", "charge_cents": 1, "effective_from": "2026-01-01"}),
            "/modifier",
        ),
        (
            json!({"payer_id": "00000000-0000-7000-8000-000000000000", "code": "99213", "charge_cents": 1, "effective_from": "2026-01-01"}),
            "/payer_id",
        ),
    ];
    for (body, pointer) in bad {
        let r = app.post("/v1/fee-schedules", Role::Billing, &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.body["errors"][0]["pointer"], pointer, "{}", r.body);
    }
    assert_eq!(app.count("fee_schedules"), 0);
    let ok = json!({"code": "99213", "charge_cents": 1, "effective_from": "2026-01-01"});
    for role in [Role::Lab, Role::FrontDesk] {
        assert_eq!(app.post("/v1/fee-schedules", role, &ok).await.status, 403);
    }
    assert_eq!(app.get("/v1/fee-schedules", Role::Lab).await.status, 403);
}
on_both_backends!(bad_input_is_refused);
