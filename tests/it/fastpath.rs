//! Issue 17, the request path: audited reads run by the audit writer (one hand-off) still
//! audit every read before answering, under concurrency, with each response's request id;
//! a cached token still meets the session check; repeated searches answer identically.
#![allow(clippy::unwrap_used)]

use actix_web::test::TestRequest;
use diesel::prelude::*;
use medbill::auth::roles::Role;

use crate::common::{self, TestApp};

#[derive(QueryableByName)]
struct Rid {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    request_id: Option<String>,
}

fn read_request_ids(app: &TestApp, resource: &str, id: &str) -> Vec<String> {
    let mut ids: Vec<String> = diesel::sql_query(format!(
        "SELECT request_id FROM audit_log WHERE action = 'read' AND resource_type = '{resource}' \
         AND resource_id = '{id}'"
    ))
    .load::<Rid>(&mut *app.conn())
    .unwrap()
    .into_iter()
    .filter_map(|r| r.request_id)
    .collect();
    ids.sort();
    ids
}

async fn concurrent_audited_reads_each_wait_for_their_row(app: TestApp) {
    let created = app
        .post(
            "/v1/patients",
            Role::FrontDesk,
            &common::patient_body("FAST-1"),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    // One token for every request, as a client sends it (the verified-token cache serves it).
    let token = app.token(Role::Billing);
    let get = |path: String| {
        app.send(
            TestRequest::get()
                .uri(&path)
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
    };
    let answers =
        futures_util::future::join_all((0..40).map(|_| get(format!("/v1/patients/{id}")))).await;
    let mut seen: Vec<String> = answers
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.body["id"], id.as_str());
            r.header("x-request-id").unwrap()
        })
        .collect();
    seen.sort();
    // Every answer's row was stored before the answer: all 40, under their request ids.
    assert_eq!(read_request_ids(&app, "patient", &id), seen);

    // Not found: 404 and no audit row.
    let before = app.count("audit_log WHERE action = 'read'");
    let missing = get(format!("/v1/patients/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(app.count("audit_log WHERE action = 'read'"), before);
}

async fn a_cached_token_still_meets_the_session_check(app: TestApp) {
    let token = app.token(Role::Billing);
    let get = || {
        app.send(
            TestRequest::get()
                .uri("/v1/payers")
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
    };
    assert_eq!(get().await.status, 200);
    assert_eq!(get().await.status, 200);
    // A forged variant of a cached token (other signature) is verified, and refused.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let r = app
        .send(
            TestRequest::get()
                .uri("/v1/payers")
                .insert_header(("authorization", format!("Bearer {forged}"))),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    // The token's user changes (a password change bumps the version): the token stops working
    // within the session cache's lifetime, although the token itself stays cached.
    let sub = {
        use base64::Engine;
        let payload = token.split('.').nth(1).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        claims["sub"].as_str().unwrap().to_string()
    };
    diesel::sql_query(format!(
        "UPDATE users SET version = version + 1 WHERE id = '{sub}'"
    ))
    .execute(&mut *app.conn())
    .unwrap();
    let deadline = std::time::Instant::now()
        + medbill::auth::sessions::SESSION_CACHE_TTL
        + std::time::Duration::from_secs(2);
    loop {
        let status = get().await.status;
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            std::time::Instant::now() < deadline,
            "the changed user's token still works"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

async fn repeated_searches_answer_identically(app: TestApp) {
    let token = app.token(Role::Billing);
    let search = |q: &str| {
        app.send(
            TestRequest::get()
                .uri(&format!("/v1/codesets/icd10cm/search?{q}"))
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
    };
    let first = search("q=diab%20mel%20typ%202&limit=20").await;
    let second = search("q=diab%20mel%20typ%202&limit=20").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.raw, second.raw);
    assert_eq!(
        second.header("content-type").as_deref(),
        Some("application/json")
    );
    let items = first.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .any(|i| i["code"].as_str().unwrap().starts_with("E11")));
    // The limit is part of what was asked.
    let three = search("q=diab%20mel%20typ%202&limit=3").await;
    assert_eq!(three.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(three.body["items"][0], items[0]);
    // Bad input is still refused, not answered from memory.
    assert_eq!(search("q=diab&limit=0").await.status, 422);
}

on_both_backends!(
    concurrent_audited_reads_each_wait_for_their_row,
    a_cached_token_still_meets_the_session_check,
    repeated_searches_answer_identically,
);
