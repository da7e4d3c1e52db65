//! Issue 15: a real `medbill worker` process SIGKILLed in the middle of webhook deliveries,
//! then restarted, delivers every event at least once (duplicates carry the same webhook-id),
//! on both backends.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use medbill::auth::roles::Role;
use medbill::events::{self, types};
use serde_json::json;

use crate::claims_fx::temp_dir;
use crate::common::TestApp;
use crate::webhook_receiver::{self as rx, Answer};

const EVENTS: usize = 300;

fn spawn_worker(app: &TestApp) -> Child {
    let data = temp_dir("webhook-worker");
    Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args(["worker", "--lease-secs", "2", "--poll-ms", "20"])
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", &data)
        .env("MEDBILL_OUTBOX_DIR", data.join("outbox"))
        .env("MEDBILL_WEBHOOKS_ALLOW_LOOPBACK_HTTP", "1")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn done(app: &TestApp) -> i64 {
    app.count("webhook_deliveries WHERE status = 'done'")
}

async fn sigkill_mid_delivery_then_restart(app: TestApp) {
    // A receiver slow enough that the kill lands mid-batch.
    let receiver = rx::start(|_| Answer::Delayed(200, 3));
    let r = app
        .post(
            "/v1/webhook-endpoints",
            Role::Admin,
            &json!({"url": "https://203.0.113.9/placeholder", "event_types": ["*"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Point it at the loopback receiver (the API refuses loopback under the strict rules this
    // test app has; the worker process runs with loopback allowed).
    let ep = r.body["id"].as_str().unwrap().to_string();
    crate::claims_fx::sql(
        &app,
        &format!(
            "UPDATE webhook_endpoints SET url = '{}' WHERE id = '{ep}'",
            receiver.url
        ),
    );
    let mut ids = HashSet::new();
    app.conn()
        .write_transaction(|c| {
            for _ in 0..EVENTS {
                let id = uuid::Uuid::now_v7();
                let e =
                    events::record(c, types::PATIENT_UPDATED, id, 2, json!({"patient_id": id}))?;
                ids.insert(e.to_string());
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    let mut child = spawn_worker(&app);
    let start = Instant::now();
    while receiver.received().len() < 40 {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the worker delivers nothing"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = done(&app);
    assert!(at_kill < EVENTS as i64, "killed before the end ({at_kill})");
    let mut child = spawn_worker(&app);
    let start = Instant::now();
    while done(&app) < EVENTS as i64 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "not all delivered: {}",
            done(&app)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let got = receiver.received();
    let seen: HashSet<String> = got
        .iter()
        .map(|r| r.header("webhook-id").to_string())
        .collect();
    assert_eq!(seen, ids, "every event delivered, under its own id");
    for r in &got {
        assert_eq!(r.json()["id"], r.header("webhook-id"));
    }
    eprintln!(
        "sigkill: {} of {EVENTS} done at the kill, {} requests for {EVENTS} events",
        at_kill,
        got.len()
    );
}

crate::on_both_backends!(sigkill_mid_delivery_then_restart);
