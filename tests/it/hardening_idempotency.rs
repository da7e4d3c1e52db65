//! Issue 10 item 1: concurrent retries with one Idempotency-Key, on every create route, get
//! the first response replayed (or 409 "request in progress" with Retry-After), never a domain
//! error caused by their own first attempt, and exactly one record is stored.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::{address_billing, signed_off};
use crate::common;
use crate::specimen_support;

use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::App;
use common::fixtures::{coded, fixture, visit};
use common::{patient_body, TestApp};
use futures_util::future::join_all;
use medbill::auth::roles::Role;
use medbill::http::request_id::assign_request_id;
use serde_json::{json, Value};

/// Sends `n` copies of one POST with one key at once; checks the answers and the row count.
async fn race(app: &TestApp, path: &str, role: Role, body: Value, table: &str, n: usize) {
    let before = app.count(table);
    let token = app.token(role);
    let key = format!("k-{}", uuid::Uuid::new_v4());
    // One service for all copies, so they really overlap (building the app per request
    // staggers them by the build time and hides the race).
    let state = app.state.clone();
    let svc = test::init_service(
        App::new()
            .wrap(from_fn(assign_request_id))
            .configure(move |cfg| medbill::configure_app(cfg, state)),
    )
    .await;
    let sends = (0..n).map(|_| {
        let req = TestRequest::post()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("idempotency-key", key.clone()))
            .set_json(&body)
            .to_request();
        let svc = &svc;
        async move {
            let res = test::call_service(svc, req).await;
            let status = res.status().as_u16();
            let retry_after = res.headers().contains_key("retry-after");
            let body: Value =
                serde_json::from_slice(&test::read_body(res).await).unwrap_or(Value::Null);
            (status, retry_after, body)
        }
    });
    let answers = join_all(sends).await;
    let created: Vec<_> = answers.iter().filter(|r| r.0 == 201).collect();
    assert!(!created.is_empty(), "{path}: no 201 among the retries");
    let first_id = &created[0].2["id"];
    for (status, retry_after, body) in &answers {
        match status {
            201 => assert_eq!(&body["id"], first_id, "{path}: a second record"),
            409 => {
                let kind = body["type"].as_str().unwrap().rsplit('/').next();
                assert_eq!(kind, Some("request-in-progress"), "{path}: {body}");
                assert!(retry_after, "{path}: 409 without Retry-After");
            }
            _ => panic!("{path}: a retry answered {status} {body}"),
        }
    }
    assert_eq!(
        app.count(table),
        before + 1,
        "{path}: stored more than once"
    );
}

async fn concurrent_retries_replay(app: TestApp) {
    const N: usize = 8;
    race(
        &app,
        "/v1/patients",
        Role::FrontDesk,
        patient_body("IDEM-1"),
        "patients",
        N,
    )
    .await;
    let provider = json!({"npi": "1555555550", "entity_type": "person", "first_name": "Greg",
        "last_name": "House", "roles": ["rendering"], "tax_id": "12-3456789"});
    race(
        &app,
        "/v1/providers",
        Role::Billing,
        provider,
        "providers",
        N,
    )
    .await;
    let payer = json!({"name": "Cigna", "edi_payer_id": "62308", "claim_filing_indicator": "CI",
        "timely_filing_days": 90});
    race(&app, "/v1/payers", Role::Billing, payer, "payers", N).await;
    let fee = json!({"code": "99214", "charge_cents": 15000, "effective_from": "2026-01-01"});
    race(
        &app,
        "/v1/fee-schedules",
        Role::Billing,
        fee,
        "fee_schedules",
        N,
    )
    .await;

    let fx = fixture(&app, "IDEM-2").await;
    let coverage = json!({"patient_id": fx.patient, "payer_id": fx.payer, "member_id": "W9",
        "relationship_code": "18", "priority": "secondary", "effective_from": "2025-01-01"});
    race(
        &app,
        "/v1/coverages",
        Role::FrontDesk,
        coverage,
        "coverages",
        N,
    )
    .await;
    race(
        &app,
        "/v1/encounters",
        Role::Billing,
        visit(&fx),
        "encounters",
        N,
    )
    .await;
    let specimen = specimen_support::body(&fx);
    race(&app, "/v1/specimens", Role::Lab, specimen, "specimens", N).await;
    address_billing(&app, &fx).await;
    let enc = signed_off(&app, &coded(&fx)).await;
    let path = format!("/v1/encounters/{enc}/claims");
    race(&app, &path, Role::Billing, json!({}), "claims", N).await;
}

on_both_backends!(concurrent_retries_replay);
