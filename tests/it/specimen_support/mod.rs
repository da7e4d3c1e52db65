//! Helpers shared by the specimen test files: the records a specimen points to, a valid body,
//! and requests with If-Match.
#![allow(dead_code, clippy::unwrap_used)]

use actix_web::test::TestRequest;
use chrono::{Duration, Utc};
use medbill::auth::roles::Role;
use serde_json::{json, Value};

use crate::common::fixtures::{fixture, Fx};
use crate::common::{Resp, TestApp};

/// A time `mins` minutes ago, RFC 3339.
pub fn minutes_ago(mins: i64) -> String {
    (Utc::now() - Duration::minutes(mins)).to_rfc3339()
}

/// The records of a specimen: patient, providers, payer and coverage.
pub async fn records(app: &TestApp, mrn: &str) -> Fx {
    fixture(app, mrn).await
}

/// A valid serum specimen for the fixture's patient (two lab tests), without encounter.
pub fn body(fx: &Fx) -> Value {
    json!({
        "patient_id": fx.patient,
        "ordering_provider_id": fx.rendering,
        "specimen_type": "ser",
        "source_site": "left arm",
        "container": "SST 5 mL",
        "volume": 5.0,
        "volume_unit": "ml",
        "collected_at": minutes_ago(30),
        "collected_by": "J. Phleb",
        "tests": [{"code": "80053", "loinc": "24323-8"}, {"code": "85025"}],
        "notes": "fasting"
    })
}

/// Creates a specimen as `role`; returns the response (asserting 201).
pub async fn create(app: &TestApp, role: Role, b: &Value) -> Resp {
    let r = app.post("/v1/specimens", role, b).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r
}

/// POST JSON with If-Match.
pub async fn post_if(app: &TestApp, path: &str, role: Role, body: &Value, if_match: &str) -> Resp {
    app.send(
        TestRequest::post()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {}", app.token(role))))
            .insert_header(("if-match", if_match.to_string()))
            .set_json(body),
    )
    .await
}

/// Moves specimen `id` (at `version`) as `role`.
pub async fn move_to(app: &TestApp, id: &str, role: Role, version: i64, body: Value) -> Resp {
    post_if(
        app,
        &format!("/v1/specimens/{id}/transitions"),
        role,
        &body,
        &format!("\"{version}\""),
    )
    .await
}

/// Moves specimen `id` along `steps` as the lab, asserting each succeeds; returns the last.
pub async fn walk(app: &TestApp, id: &str, mut version: i64, steps: &[&str]) -> Resp {
    let mut last = None;
    for s in steps {
        let r = move_to(app, id, Role::Lab, version, json!({"to": s})).await;
        assert_eq!(r.status, 200, "{s}: {}", r.body);
        version = r.body["version"].as_i64().unwrap();
        last = Some(r);
    }
    last.unwrap()
}

/// Counts audit rows of specimens with `action`.
pub fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE resource_type = 'specimen' AND action = '{action}'"
    ))
}
