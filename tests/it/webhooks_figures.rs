//! Issue 15 figures (printed, for docs/performance.md): deliveries per second from one worker
//! to a loopback receiver, and what writing the event adds to a patient create. Test builds
//! are unoptimised (dependencies at opt-level 1), so these are lower bounds of a release build.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use medbill::auth::roles::Role;
use medbill::db::types::Timestamp;
use medbill::events::{self, types};
use medbill::webhooks::deliver::{Deliverer, DeliveryConfig};
use medbill::webhooks::ssrf::UrlPolicy;
use medbill::webhooks::WebhookSettings;
use serde_json::json;

use crate::common::{patient_body, TestApp};
use crate::webhook_receiver::{self as rx, Answer};

const N: usize = 2000;

async fn delivery_throughput(app: TestApp) {
    let receiver = rx::start(|_| Answer::Status(200));
    let r = app
        .post(
            "/v1/webhook-endpoints",
            Role::Admin,
            &json!({"url": "https://203.0.113.9/placeholder", "event_types": ["*"]}),
        )
        .await;
    let ep = r.body["id"].as_str().unwrap().to_string();
    crate::claims_fx::sql(
        &app,
        &format!(
            "UPDATE webhook_endpoints SET url = '{}' WHERE id = '{ep}'",
            receiver.url
        ),
    );
    app.conn()
        .write_transaction(|c| {
            for _ in 0..N {
                let id = uuid::Uuid::now_v7();
                events::record(c, types::PATIENT_UPDATED, id, 2, json!({"patient_id": id}))?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    let d = Deliverer::new(DeliveryConfig {
        owner: "figure".into(),
        batch_size: 500,
        settings: WebhookSettings {
            policy: UrlPolicy {
                allow_loopback_http: true,
                allow_private: false,
            },
            timeout: Duration::from_secs(5),
        },
        ..DeliveryConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let t = d.drain_at(&app.state.pool, Timestamp::now()).unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(t.delivered, N);
    assert_eq!(receiver.received().len(), N);
    eprintln!(
        "FIGURE webhooks {:?}: {N} deliveries (sequencing included) in {secs:.2} s = {:.0}/s, one worker",
        app.state.backend,
        N as f64 / secs
    );
}

async fn event_cost_in_patient_create(app: TestApp) {
    const M: usize = 200;
    // One token for all requests (the harness makes a user per token).
    let token = format!("Bearer {}", app.token(Role::FrontDesk));
    let started = Instant::now();
    for i in 0..M {
        let req = actix_web::test::TestRequest::post()
            .uri("/v1/patients")
            .insert_header(("authorization", token.as_str()))
            .set_json(patient_body(&format!("F{i}")));
        assert_eq!(app.send(req).await.status, 201);
    }
    let create = started.elapsed().as_secs_f64() / M as f64;
    // The event's marginal cost: its insert inside the transaction it shares with the change
    // (the commit is the change's own).
    let mut c = app.conn();
    let started = Instant::now();
    c.write_transaction(|c| {
        for _ in 0..M {
            let id = uuid::Uuid::now_v7();
            events::record(c, types::PATIENT_CREATED, id, 1, json!({"patient_id": id}))?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
    let record = started.elapsed().as_secs_f64() / M as f64;
    eprintln!(
        "FIGURE event cost {:?}: patient create {:.0} us (event included), event insert {:.0} us = {:.1} %",
        app.state.backend,
        create * 1e6,
        record * 1e6,
        100.0 * record / (create - record)
    );
}

crate::on_both_backends!(delivery_throughput, event_cost_in_patient_create);
