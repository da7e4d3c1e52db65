//! Batch eligibility runs (issue 16) over the real app and the real worker: one check per
//! scheduled coverage queued in one transaction (void encounters and coverages already checked
//! skipped, unsendable ones listed), Idempotency-Key replays, the worker exchanging them with
//! the fake clearinghouse or writing the 270s into the outbox, and 271 files picked from the
//! inbox (unreadable and unmatched ones moved to `failed/`). On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use medbill::auth::roles::Role;
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::worker::{self, WorkerConfig};
use medbill::eligibility::transport::Channel;
use serde_json::{json, Value};

use crate::claims_fx::post_with;
use crate::common::fixtures::{days_ago, fixture, id_of, post_if, visit, Fx};
use crate::common::TestApp;
use crate::eligibility::{fixture_271, realtime, trace_of, with_channel};

fn temp_dir(what: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("medbill-elig-{what}-{}", uuid::Uuid::new_v4()))
}

/// Drains the worker with `channel` for eligibility and `inbox` for answers.
fn drain(app: &TestApp, channel: &Channel, inbox: Option<std::path::PathBuf>) {
    let cfg = WorkerConfig {
        eligibility: Some(channel.clone()),
        inbox,
        ..WorkerConfig::default()
    };
    let claims_out = temp_dir("claims");
    worker::drain(&app.state.pool, &cfg, &FileDrop::new(&claims_out)).unwrap();
    let _ = std::fs::remove_dir_all(claims_out);
}

/// Another patient with a coverage at `fx`'s payer; returns (patient, coverage).
async fn other_member(app: &TestApp, fx: &Fx, mrn: &str) -> (String, String) {
    let patient = json!({"mrn": mrn, "first_name": "Bo", "last_name": "Ray",
        "birth_date": "1980-02-03", "sex": "M"});
    let patient = id_of(&app.post("/v1/patients", Role::FrontDesk, &patient).await);
    let coverage = json!({"patient_id": patient, "payer_id": fx.payer, "member_id": format!("M{mrn}"),
        "relationship_code": "18", "priority": "primary", "effective_from": days_ago(400)});
    let coverage = id_of(&app.post("/v1/coverages", Role::FrontDesk, &coverage).await);
    (patient, coverage)
}

async fn encounter(app: &TestApp, fx: &Fx, patient: &str, coverage: &str, billing: bool) -> String {
    let mut b = visit(fx);
    b["patient_id"] = json!(patient);
    b["coverage_id"] = json!(coverage);
    if !billing {
        b.as_object_mut().unwrap().remove("billing_provider_id");
    }
    id_of(&app.post("/v1/encounters", Role::FrontDesk, &b).await)
}

async fn run(app: &TestApp, query: &str, key: Option<&str>) -> crate::common::Resp {
    run_as(app, &app.token(Role::FrontDesk), query, key).await
}

/// The run request with `token` (idempotency keys are per caller).
async fn run_as(app: &TestApp, token: &str, query: &str, key: Option<&str>) -> crate::common::Resp {
    let mut req = actix_web::test::TestRequest::post()
        .uri(&format!("/v1/eligibility/run?{query}"))
        .insert_header(("authorization", format!("Bearer {token}")));
    if let Some(k) = key {
        req = req.insert_header(("idempotency-key", k.to_string()));
    }
    app.send(req).await
}

async fn get_run(app: &TestApp, id: &str) -> Value {
    let r = app
        .get(&format!("/v1/eligibility/runs/{id}"), Role::Billing)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn realtime_run_checks_the_schedule(app: TestApp) {
    let (app, fake) = realtime(app, 5000);
    let fx = fixture(&app, "EB-1").await;
    let date = days_ago(3); // the date of `visit`
                            // Two encounters of one coverage: one check.
    encounter(&app, &fx, &fx.patient, &fx.coverage, true).await;
    encounter(&app, &fx, &fx.patient, &fx.coverage, true).await;
    let (p2, c2) = other_member(&app, &fx, "EB-2").await;
    encounter(&app, &fx, &p2, &c2, true).await;
    // No billing provider: no 270 can say who asks.
    let (p3, c3) = other_member(&app, &fx, "EB-3").await;
    encounter(&app, &fx, &p3, &c3, false).await;
    // A void encounter is not on the schedule.
    let (p4, c4) = other_member(&app, &fx, "EB-4").await;
    let void = encounter(&app, &fx, &p4, &c4, true).await;
    let r = post_if(
        &app,
        &format!("/v1/encounters/{void}/void"),
        Role::Billing,
        Some(&json!({"reason": "no show"})),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let desk = app.token(Role::FrontDesk);
    let r = run_as(&app, &desk, &format!("date={date}"), Some("run-1")).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/eligibility/runs/{id}"))
    );
    assert_eq!(r.body["coverages"], 3);
    assert_eq!(r.body["queued"], 2);
    assert_eq!(r.body["already_checked"], 0);
    assert_eq!(r.body["not_sendable"][0]["coverage_id"], c3.as_str());
    assert_eq!(r.body["progress"]["pending"], 2);
    assert_eq!(r.body["sent_all"], false);
    assert_eq!(fake.received_count(), 0, "the request only queues");
    // A retry under the same key answers the same run and queues nothing more.
    let again = run_as(&app, &desk, &format!("date={date}"), Some("run-1")).await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body["id"], id.as_str());
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.count("eligibility_checks"), 2);
    let reused = run_as(&app, &desk, "date=2020-01-01", Some("run-1")).await;
    assert_eq!(reused.status, 422, "{}", reused.body);

    drain(&app, app.state.eligibility.as_ref().unwrap(), None);
    assert_eq!(fake.received_count(), 2);
    let body = get_run(&app, &id).await;
    assert_eq!(body["progress"]["complete"], 2, "{body}");
    assert_eq!(body["progress"]["active"], 2);
    assert_eq!(body["sent_all"], true);
    let checks = body["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    for c in checks {
        assert_eq!(c["status"], "complete");
        assert_eq!(c["summary"]["active"], true);
    }
    assert_eq!(
        app.count("events WHERE event_type = 'eligibility.checked'"),
        2
    );
    let audits = |what: &str| app.count(&format!("audit_log WHERE {what}"));
    assert_eq!(
        audits("resource_type = 'eligibility_run' AND action = 'create'"),
        1
    );
    assert_eq!(
        audits("resource_type = 'eligibility_run' AND action = 'read'"),
        1
    );
    assert_eq!(
        audits("resource_type = 'eligibility_check' AND action = 'create'"),
        2
    );
    assert_eq!(
        audits("resource_type = 'eligibility_check' AND action = 'update'"),
        2
    );
    assert_eq!(
        audits("resource_type = 'eligibility_check' AND action = 'search'"),
        2
    );

    // Checked already: skipped, unless forced.
    let r = run(&app, &format!("date={date}"), None).await;
    assert_eq!(
        (
            r.body["queued"].as_i64(),
            r.body["already_checked"].as_i64()
        ),
        (Some(0), Some(2))
    );
    let r = run(&app, &format!("date={date}&force=true"), None).await;
    assert_eq!(r.body["queued"], 2, "{}", r.body);
    // Roles and bad input.
    let lab = post_with(
        &app,
        &format!("/v1/eligibility/run?date={date}"),
        Role::Lab,
        None,
        &[],
    )
    .await;
    assert_eq!(lab.status, 403);
    let bad = run(&app, "date=tomorrow", None).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["pointer"], "?date");
    let missing = app
        .get(
            &format!("/v1/eligibility/runs/{}", uuid::Uuid::new_v4()),
            Role::Billing,
        )
        .await;
    assert_eq!(missing.status, 404);
}

async fn file_run_and_271s_from_the_inbox(app: TestApp) {
    let (outbox, inbox) = (temp_dir("outbox"), temp_dir("inbox"));
    let channel = Channel::FileQueue(outbox.clone());
    let app = with_channel(app, channel.clone());
    let fx = fixture(&app, "EB-5").await;
    encounter(&app, &fx, &fx.patient, &fx.coverage, true).await;
    let r = run(&app, &format!("date={}", days_ago(3)), None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert!(
        !outbox.exists(),
        "the worker writes the 270s, not the request"
    );

    drain(&app, &channel, Some(inbox.clone()));
    let body = get_run(&app, &id).await;
    let check = body["checks"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(body["checks"][0]["status"], "queued");
    assert_eq!(body["sent_all"], true);
    let sent = std::fs::read_to_string(outbox.join(format!("{check}.270"))).unwrap();
    assert!(sent.contains("ST*270*"));

    std::fs::create_dir_all(&inbox).unwrap();
    let answer = fixture_271("active.271").replace("TRACE0001", &trace_of(&sent));
    std::fs::write(inbox.join("a-answer.271"), &answer).unwrap();
    std::fs::write(inbox.join("b-junk.271"), "hello").unwrap();
    let stray = fixture_271("active.271").replace("TRACE0001", "NOSUCHTRACE");
    std::fs::write(inbox.join("c-stray.x12"), stray).unwrap();
    drain(&app, &channel, Some(inbox.clone()));
    assert!(inbox.join("processed/a-answer.271").exists());
    assert!(inbox.join("failed/b-junk.271").exists());
    assert!(
        inbox.join("failed/c-stray.x12").exists(),
        "a 271 found by its content"
    );
    let body = get_run(&app, &id).await;
    assert_eq!(body["progress"]["complete"], 1, "{body}");
    assert_eq!(body["checks"][0]["summary"]["active"], true);
    let g = app
        .get(&format!("/v1/eligibility/{check}"), Role::FrontDesk)
        .await;
    assert_eq!(g.body["status"], "complete");
    assert_eq!(
        app.count("audit_log WHERE actor = 'system:eligibility' AND action = 'update'"),
        2,
        "written to the outbox, then answered"
    );
    // The same answer again: its check is not waiting any more.
    std::fs::write(inbox.join("d-again.271"), &answer).unwrap();
    drain(&app, &channel, Some(inbox.clone()));
    assert!(inbox.join("failed/d-again.271").exists());
    std::fs::remove_dir_all(&outbox).unwrap();
    std::fs::remove_dir_all(&inbox).unwrap();
}

on_both_backends!(
    realtime_run_checks_the_schedule,
    file_run_and_271s_from_the_inbox
);
