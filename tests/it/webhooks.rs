//! Issue 15, webhooks: endpoint management with the SSRF rules, Standard Webhooks signatures
//! checked by the reference library, the retry schedule under a test clock, disabling, hanging
//! receivers, and HTTPS with a test CA (also for the clearinghouse adapter).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use actix_web::web;
use medbill::auth::roles::Role;
use medbill::auth::tokens::TokenKeys;
use medbill::claims::queue::RetryPolicy;
use medbill::db::types::Timestamp;
use medbill::state::AppState;
use medbill::webhooks::deliver::{Deliverer, DeliveryConfig};
use medbill::webhooks::queue::{default_policy, plus};
use medbill::webhooks::ssrf::UrlPolicy;
use medbill::webhooks::WebhookSettings;
use serde_json::{json, Value};

use crate::common::{patient_body, TestApp, SECRET};
use crate::events::all_events;
use crate::webhook_receiver::{self as rx, Answer};

/// The app with loopback URLs allowed (`MEDBILL_WEBHOOKS_ALLOW_LOOPBACK_HTTP=1`).
fn loopback(mut app: TestApp) -> TestApp {
    let s = &app.state;
    app.state = web::Data::new(AppState {
        audit_anchor: s.audit_anchor.clone(),
        webhooks: WebhookSettings {
            policy: UrlPolicy {
                allow_loopback_http: true,
                allow_private: false,
            },
            timeout: Duration::from_secs(1),
        },
        ..AppState::new(
            s.pool.clone(),
            s.backend,
            TokenKeys::new(SECRET, 900, None).unwrap(),
            s.audit.clone(),
            medbill::ops::code_reload::LiveCodes::new(s.codes(), 0),
        )
    });
    app
}

fn deliverer(app: &TestApp, retry: RetryPolicy, ca_file: Option<std::path::PathBuf>) -> Deliverer {
    Deliverer::new(DeliveryConfig {
        owner: "test-worker".into(),
        retry,
        settings: app.state.webhooks,
        ca_file,
        ..DeliveryConfig::default()
    })
    .unwrap()
}

async fn endpoint(app: &TestApp, url: &str, types: Value) -> (String, String) {
    let r = app
        .post(
            "/v1/webhook-endpoints",
            Role::Admin,
            &json!({"url": url, "event_types": types}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    (id, r.body["secret"].as_str().unwrap().to_string())
}

fn field_error(body: &Value) -> String {
    body["errors"][0]["pointer"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

async fn endpoints_are_managed_safely(app: TestApp) {
    // Strict rules (the default): https only, public addresses only.
    for (url, pointer) in [
        ("http://hooks.example.com/x", "/url"),
        ("http://127.0.0.1:9/x", "/url"),
        ("https://10.1.2.3/x", "/url"),
        ("https://169.254.169.254/latest", "/url"),
        ("https://[::1]/x", "/url"),
        ("https://u:p@hooks.example.com/x", "/url"),
    ] {
        let r = app
            .post(
                "/v1/webhook-endpoints",
                Role::Admin,
                &json!({"url": url, "event_types": ["*"]}),
            )
            .await;
        assert_eq!(
            (r.status, field_error(&r.body)),
            (422, pointer.into()),
            "{url}: {}",
            r.body
        );
    }
    let r = app
        .post(
            "/v1/webhook-endpoints",
            Role::Admin,
            &json!({"url": "https://203.0.113.9/x", "event_types": ["claim.nope"]}),
        )
        .await;
    assert_eq!(
        (r.status, field_error(&r.body)),
        (422, "/event_types/0".into())
    );
    let r = app
        .post(
            "/v1/webhook-endpoints",
            Role::Billing,
            &json!({"url": "https://203.0.113.9/x", "event_types": ["*"]}),
        )
        .await;
    assert_eq!(r.status, 403);
    // A public address literal is accepted; the secret is shown once.
    let (id, secret) = endpoint(&app, "https://203.0.113.9/hooks", json!(["claim.*"])).await;
    assert!(secret.starts_with("whsec_"));
    let path = format!("/v1/webhook-endpoints/{id}");
    let got = app.get(&path, Role::Admin).await;
    assert_eq!(got.status, 200);
    assert!(got.body.get("secret").is_none());
    assert_eq!(got.body["event_types"], json!(["claim.*"]));
    let list = app.get("/v1/webhook-endpoints", Role::Admin).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let r = app
        .patch(&path, Role::Admin, &json!({"enabled": false}), None)
        .await;
    assert_eq!(r.status, 428);
    let r = app
        .patch(
            &path,
            Role::Admin,
            &json!({"enabled": false, "description": "lab"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["enabled"], r.body["version"].as_i64()),
        (200, &json!(false), Some(2))
    );
    assert_eq!(r.body["disabled_reason"], "disabled by an administrator");
    let r = app
        .patch(
            &path,
            Role::Admin,
            &json!({"url": "http://203.0.113.9/x"}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 422);
    let rotated = app
        .post(&format!("{path}/rotate-secret"), Role::Admin, &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_ne!(rotated.body["secret"], secret.as_str());
    assert!(rotated.body["previous_secret_valid_until"].is_string());
    assert_eq!(app.delete(&path, Role::Admin).await.status, 204);
    assert_eq!(app.get(&path, Role::Admin).await.status, 404);
}

async fn deliveries_are_signed_for_receivers(app: TestApp) {
    let app = loopback(app);
    let receiver = rx::start(|_| Answer::Status(200));
    let (ep, secret) = endpoint(&app, &receiver.url, json!(["patient.*"])).await;
    app.post("/v1/patients", Role::FrontDesk, &patient_body("W1"))
        .await;
    // Not subscribed: coverage and payer events are not delivered.
    crate::common::fixtures::fixture(&app, "W2").await;
    let d = deliverer(&app, default_policy(), None);
    let t = d.drain_at(&app.state.pool, Timestamp::now()).unwrap();
    assert_eq!((t.delivered, t.failed), (2, 0), "{t:?}");
    let got = receiver.received();
    let feed = all_events(&app, "&types=patient.created").await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("webhook-id"), feed[0]["id"].as_str().unwrap());
    assert_eq!(got[0].json()["type"], "patient.created");
    assert_eq!(got[0].json(), feed[0]);
    assert_eq!(got[0].header("content-type"), "application/json");
    let ts: i64 = got[0].header("webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    let mine =
        medbill::webhooks::signing::sign(&secret, got[0].header("webhook-id"), ts, &got[0].body)
            .unwrap();
    assert_eq!(got[0].header("webhook-signature"), mine);
    if let Some(ok) = rx::verify_with_reference(&secret, &got[0]) {
        assert!(ok, "the standardwebhooks library rejected our signature");
        let mut forged = got[0].clone();
        forged.body.push(b' ');
        assert_eq!(rx::verify_with_reference(&secret, &forged), Some(false));
    }
    // Every attempt is kept.
    let attempts = app
        .get(&format!("/v1/webhook-endpoints/{ep}/attempts"), Role::Admin)
        .await;
    let items = attempts.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["status_code"].as_i64(), &items[0]["succeeded"]),
        (Some(200), &json!(true))
    );
    assert_eq!(items[0]["response_excerpt"], "answered");
    // After a rotation both secrets sign for a day; the reference library accepts either.
    let r = app
        .post(
            &format!("/v1/webhook-endpoints/{ep}/rotate-secret"),
            Role::Admin,
            &json!({}),
        )
        .await;
    let new_secret = r.body["secret"].as_str().unwrap().to_string();
    app.post("/v1/patients", Role::FrontDesk, &patient_body("W3"))
        .await;
    d.drain_at(&app.state.pool, Timestamp::now()).unwrap();
    let third = receiver.received()[2].clone();
    assert_eq!(third.header("webhook-signature").split(' ').count(), 2);
    for s in [&secret, &new_secret] {
        if let Some(ok) = rx::verify_with_reference(s, &third) {
            assert!(ok);
        }
    }
    // Redelivery: the same webhook-id again.
    let first_id = feed[0]["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/v1/events/{first_id}/redeliver"),
            Role::Admin,
            &json!({}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["queued"]),
        (202, &json!(1)),
        "{}",
        r.body
    );
    assert_eq!(
        app.post(
            &format!("/v1/events/{first_id}/redeliver"),
            Role::Billing,
            &json!({})
        )
        .await
        .status,
        403
    );
    d.drain_at(&app.state.pool, Timestamp::now()).unwrap();
    assert_eq!(receiver.received()[3].header("webhook-id"), first_id);
}

async fn retries_follow_the_schedule(app: TestApp) {
    let app = loopback(app);
    // Fails twice, then recovers.
    let receiver = rx::start(|n| Answer::Status(if n < 2 { 500 } else { 204 }));
    endpoint(&app, &receiver.url, json!(["*"])).await;
    app.post("/v1/patients", Role::FrontDesk, &patient_body("R1"))
        .await;
    let d = deliverer(&app, default_policy(), None);
    let t0 = Timestamp::now();
    let next_due = || -> Timestamp {
        use diesel::prelude::*;
        use medbill::db::schema_events::webhook_deliveries as wd;
        wd::table
            .select(wd::next_attempt_at)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(d.drain_at(&app.state.pool, t0).unwrap().failed, 1);
    let wait = (next_due().0 - t0.0).num_milliseconds();
    assert!(
        (48_000..=72_000).contains(&wait),
        "first retry after {wait} ms (60 s ± 20 %)"
    );
    // Not before it is due.
    assert_eq!(
        d.drain_at(&app.state.pool, plus(t0, Duration::from_secs(40)))
            .unwrap()
            .leased,
        0
    );
    let t1 = plus(t0, Duration::from_secs(73));
    assert_eq!(d.drain_at(&app.state.pool, t1).unwrap().failed, 1);
    let wait = (next_due().0 - t1.0).num_milliseconds();
    assert!(
        (96_000..=144_000).contains(&wait),
        "second retry after {wait} ms (120 s ± 20 %)"
    );
    let t2 = plus(t1, Duration::from_secs(145));
    assert_eq!(d.drain_at(&app.state.pool, t2).unwrap().delivered, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert!(got
        .iter()
        .all(|r| r.header("webhook-id") == got[0].header("webhook-id")));
}

async fn failing_endpoints_are_disabled(app: TestApp) {
    let app = loopback(app);
    let down = rx::start(|_| Answer::Status(503));
    let (ep, _) = endpoint(&app, &down.url, json!(["patient.created"])).await;
    let healthy = rx::start(|_| Answer::Status(200));
    endpoint(&app, &healthy.url, json!(["patient.created"])).await;
    app.post("/v1/patients", Role::FrontDesk, &patient_body("D1"))
        .await;
    let policy = RetryPolicy {
        base: Duration::from_secs(60),
        cap: Duration::from_secs(3600),
        max_attempts: 3,
    };
    let d = deliverer(&app, policy, None);
    let mut now = Timestamp::now();
    for _ in 0..4 {
        d.drain_at(&app.state.pool, now).unwrap();
        now = plus(now, Duration::from_secs(7200));
    }
    assert_eq!(down.received().len(), 3, "three attempts, then dead");
    let r = app
        .get(&format!("/v1/webhook-endpoints/{ep}"), Role::Admin)
        .await;
    assert_eq!(r.body["enabled"], false);
    assert!(
        r.body["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("HTTP 503"),
        "{}",
        r.body
    );
    let disabled = all_events(&app, "&types=webhook_endpoint.disabled").await;
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0]["resource"]["id"], ep.as_str());
    // A disabled endpoint receives nothing more; the healthy one goes on.
    app.post("/v1/patients", Role::FrontDesk, &patient_body("D2"))
        .await;
    d.drain_at(&app.state.pool, now).unwrap();
    assert_eq!(down.received().len(), 3);
    assert_eq!(healthy.received().len(), 2);
}

async fn hanging_receivers_time_out(app: TestApp) {
    let app = loopback(app);
    let hang = rx::start(|_| Answer::Hang);
    let (ep, _) = endpoint(&app, &hang.url, json!(["*"])).await;
    app.post("/v1/patients", Role::FrontDesk, &patient_body("H1"))
        .await;
    let d = deliverer(&app, default_policy(), None);
    let started = Instant::now();
    let t = d.drain_at(&app.state.pool, Timestamp::now()).unwrap();
    assert_eq!(t.failed, 1);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let a = app
        .get(&format!("/v1/webhook-endpoints/{ep}/attempts"), Role::Admin)
        .await;
    let a = &a.body["items"][0];
    assert_eq!(
        (&a["status_code"], &a["succeeded"]),
        (&Value::Null, &json!(false))
    );
    assert!(a["latency_ms"].as_i64().unwrap() >= 900, "{a}");
    assert!(
        a["response_excerpt"].as_str().unwrap().contains("timeout"),
        "{a}"
    );
}

async fn https_with_a_test_ca(app: TestApp) {
    let app = loopback(app);
    let ca = rx::test_ca();
    let ca_file =
        std::env::temp_dir().join(format!("medbill-test-ca-{}.pem", uuid::Uuid::new_v4()));
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let receiver = rx::start_tls(&ca, |_| Answer::Status(200));
    let (ep, secret) = endpoint(&app, &receiver.url, json!(["*"])).await;
    app.post("/v1/patients", Role::FrontDesk, &patient_body("S1"))
        .await;
    // Verification is on: the Mozilla roots do not know the test CA.
    let untrusting = deliverer(&app, default_policy(), None);
    assert_eq!(
        untrusting
            .drain_at(&app.state.pool, Timestamp::now())
            .unwrap()
            .failed,
        1
    );
    assert!(receiver.received().is_empty());
    let a = app
        .get(&format!("/v1/webhook-endpoints/{ep}/attempts"), Role::Admin)
        .await;
    let why = a.body["items"][0]["response_excerpt"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(
        why.contains("certificate") || why.contains("tls") || why.contains("issuer"),
        "{why}"
    );
    // Trusting the test CA (MEDBILL_HTTP_CA_FILE), the retry goes through.
    let trusting = deliverer(&app, default_policy(), Some(ca_file.clone()));
    let later = plus(Timestamp::now(), Duration::from_secs(3600));
    assert_eq!(
        trusting.drain_at(&app.state.pool, later).unwrap().delivered,
        1
    );
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    if let Some(ok) = rx::verify_with_reference(&secret, &got[0]) {
        assert!(ok);
    }
    // The clearinghouse adapter goes through the same client.
    use medbill::claims::clearinghouse::{Clearinghouse, Outgoing};
    use medbill::claims::http_adapter::{Auth, HttpPost};
    let settings = medbill::net::client::ClientSettings {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        ca_file: Some(ca_file.clone()),
    };
    let adapter =
        HttpPost::with_settings(&receiver.url, Auth::Bearer("tok".into()), &settings).unwrap();
    let out = Outgoing {
        id: medbill::claims::model::InterchangeId::new(),
        file_name: "x.837",
        content: "ISA*00~",
    };
    adapter.send(&out).unwrap();
    let seen = receiver.received();
    assert_eq!(seen[1].header("authorization"), "Bearer tok");
    assert_eq!(seen[1].header("idempotency-key"), out.id.to_string());
    assert_eq!(seen[1].body, b"ISA*00~");
    // The file adds to the trusted roots; verification stays on: a server whose certificate
    // comes from another unknown CA is still refused with the file set.
    let stranger = rx::start_tls(&rx::test_ca(), |_| Answer::Status(200));
    let agent = medbill::net::client::agent(&settings).unwrap();
    let err = agent.get(&stranger.url).call().unwrap_err().to_string();
    assert!(
        err.to_lowercase().contains("certificate") || err.to_lowercase().contains("issuer"),
        "{err}"
    );
    assert!(stranger.received().is_empty());
    // And the file's CA is trusted by a plain agent too (eligibility uses one).
    assert_eq!(agent.get(&receiver.url).call().unwrap().status(), 200);
    std::fs::remove_file(ca_file).unwrap();
}

on_both_backends!(
    endpoints_are_managed_safely,
    deliveries_are_signed_for_receivers,
    retries_follow_the_schedule,
    failing_endpoints_are_disabled,
    hanging_receivers_time_out,
    https_with_a_test_ca,
);
