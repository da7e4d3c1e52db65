//! Claim test helpers: a signed-off encounter ready to bill, and requests with headers.
#![allow(dead_code, clippy::unwrap_used)]

use actix_web::test::TestRequest;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

use crate::common::fixtures::{coded, fixture, id_of, Fx};
use crate::common::{Resp, TestApp};

/// POST with an optional JSON body and extra headers.
pub async fn post_with(
    app: &TestApp,
    path: &str,
    role: Role,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = TestRequest::post()
        .uri(path)
        .insert_header(("authorization", format!("Bearer {}", app.token(role))));
    for (k, v) in headers {
        req = req.insert_header((k.to_string(), v.to_string()));
    }
    if let Some(b) = body {
        req = req.set_json(b);
    }
    app.send(req).await
}

/// Gives the billing provider the street address and 9-digit ZIP an 837P needs.
pub async fn address_billing(app: &TestApp, fx: &Fx) {
    let r = app
        .patch(
            &format!("/v1/providers/{}", fx.billing),
            Role::Billing,
            &json!({"address_line1": "100 Maple St", "city": "Springfield", "state": "IL",
                "postal_code": "62701-1234"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// An encounter opened with `body`, signed off as coded; returns its id.
pub async fn signed_off(app: &TestApp, body: &Value) -> String {
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, body).await);
    let r = post_with(
        app,
        &format!("/v1/encounters/{enc}/sign-off"),
        Role::Billing,
        None,
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    enc
}

/// The registry records (billing provider with an address) and one signed-off encounter.
pub async fn ready(app: &TestApp, mrn: &str) -> (Fx, String) {
    let fx = fixture(app, mrn).await;
    address_billing(app, &fx).await;
    let enc = signed_off(app, &coded(&fx)).await;
    (fx, enc)
}

/// Builds a claim from encounter `enc`.
pub async fn build(app: &TestApp, enc: &str) -> Resp {
    app.post(
        &format!("/v1/encounters/{enc}/claims"),
        Role::Billing,
        &json!({}),
    )
    .await
}

/// Builds a claim and returns its id (asserting 201).
pub async fn built(app: &TestApp, enc: &str) -> String {
    id_of(&build(app, enc).await)
}

/// Queues claim `id` (asserting 200).
pub async fn queued(app: &TestApp, id: &str) {
    let r = post_with(
        app,
        &format!("/v1/claims/{id}/queue"),
        Role::Billing,
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Runs SQL on the test database (to put a claim where a test needs it).
pub fn sql(app: &TestApp, q: &str) {
    use diesel::connection::SimpleConnection;
    let mut c = app.conn();
    c.batch_execute(q).unwrap();
}
