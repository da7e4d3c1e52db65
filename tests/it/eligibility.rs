//! Eligibility checks over the real app with a fake clearinghouse on loopback: real-time
//! 270/271 over HTTP (active, inactive, rejections, dependents, corrections), timeouts and
//! 5xx stored as failed checks, the file queue (202, then the 271 handed in), the scrubber's
//! eligibility rules, roles and PHI read audits. On SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::test::TestRequest;
use actix_web::web;
use medbill::auth::roles::Role;
use medbill::auth::tokens::TokenKeys;
use medbill::eligibility::transport::{Channel, HttpTransport};
use medbill::state::AppState;
use serde_json::{json, Value};

use crate::common::fixtures::{coded, days_ago, fixture, id_of, post_if};
use crate::common::{TestApp, SECRET};

/// What the fake clearinghouse answers with.
#[derive(Clone)]
pub(crate) enum Answer {
    /// This 271 fixture, its trace number replaced by the 270's.
    Fixture(&'static str),
    /// HTTP 503.
    ServerError,
    /// Nothing for this long.
    Stall(Duration),
}

/// A clearinghouse on 127.0.0.1: answers each 270 per the current `Answer`, keeps the 270s.
pub(crate) struct FakeClearinghouse {
    url: String,
    answer: Arc<Mutex<Answer>>,
    received: Arc<Mutex<Vec<String>>>,
}

pub(crate) fn fixture_271(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/x12/271/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// The TRN02 of a 270.
pub(crate) fn trace_of(x12: &str) -> String {
    let trn = x12
        .split('~')
        .find(|s| s.trim().starts_with("TRN*1*"))
        .unwrap();
    trn.trim().split('*').nth(2).unwrap().to_string()
}

impl FakeClearinghouse {
    pub(crate) fn start() -> FakeClearinghouse {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/eligibility", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new(Answer::Fixture("active.271")));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (a, r) = (answer.clone(), received.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0u8; len];
                reader.read_exact(&mut body).unwrap();
                let x12 = String::from_utf8(body).unwrap();
                r.lock().unwrap().push(x12.clone());
                let answer = a.lock().unwrap().clone();
                let (status, text) = match answer {
                    Answer::Fixture(name) => (
                        "200 OK",
                        fixture_271(name).replace("TRACE0001", &trace_of(&x12)),
                    ),
                    Answer::ServerError => ("503 Service Unavailable", "down".to_string()),
                    Answer::Stall(d) => {
                        std::thread::sleep(d);
                        continue;
                    }
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/edi-x12\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        FakeClearinghouse {
            url,
            answer,
            received,
        }
    }

    pub(crate) fn answer(&self, a: Answer) {
        *self.answer.lock().unwrap() = a;
    }

    /// How many 270s arrived.
    pub(crate) fn received_count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    pub(crate) fn last_270(&self) -> String {
        self.received.lock().unwrap().last().unwrap().clone()
    }
}

/// `app` with its eligibility channel set.
pub(crate) fn with_channel(mut app: TestApp, channel: Channel) -> TestApp {
    let s = &app.state;
    app.state = web::Data::new(AppState {
        audit_anchor: s.audit_anchor.clone(),
        eligibility: Some(channel),
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

pub(crate) fn realtime(app: TestApp, timeout_ms: u64) -> (TestApp, FakeClearinghouse) {
    let fake = FakeClearinghouse::start();
    let t = HttpTransport::new(
        &fake.url,
        Some("Bearer t0k".into()),
        Duration::from_millis(timeout_ms),
    )
    .unwrap();
    (with_channel(app, Channel::Http(t)), fake)
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE resource_type = 'eligibility_check' AND action = '{action}'"
    ))
}

async fn check(app: &TestApp, coverage: &str, body: Value, role: Role) -> crate::common::Resp {
    app.post(
        &format!("/v1/coverages/{coverage}/eligibility"),
        role,
        &body,
    )
    .await
}

async fn realtime_active_coverage(app: TestApp) {
    let (app, fake) = realtime(app, 5000);
    let fx = fixture(&app, "EL-1").await;
    let body =
        json!({"date": days_ago(0), "service_types": ["30", "98"], "provider_id": fx.billing});
    let r = check(&app, &fx.coverage, body.clone(), Role::FrontDesk).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = &r.body["summary"];
    assert_eq!(s["active"], true);
    assert_eq!(s["plan"], "GOLD PPO");
    assert_eq!(s["office_visit_copay_cents"], 2500);
    assert_eq!(s["deductible_remaining_cents"], 80_000);
    assert_eq!(s["coinsurance_basis_points"], 2000);
    assert_eq!(s["referral_or_authorization_required"], false);
    assert_eq!(s["messages"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["status"], "complete");
    assert_eq!(r.body["channel"], "http");
    let eb = &r.body["response"]["subscriber"]["benefits"];
    assert_eq!(eb.as_array().unwrap().len(), 20);
    // The 270 sent: the coverage's member, the provider's NPI, the date and service types.
    let sent = fake.last_270();
    assert!(sent.contains("NM1*IL*1*LEE*ANN****MI*W123~"), "{sent}");
    assert!(
        sent.contains("NM1*1P*1*HOUSE*GREG****XX*1245319599~"),
        "{sent}"
    );
    assert!(sent.contains(&format!("DTP*291*D8*{}~", days_ago(0).replace('-', ""))));
    assert!(sent.contains("EQ*30~EQ*98~"));
    assert!(!sent.contains("HL*4*"));

    let id = r.body["id"].as_str().unwrap().to_string();
    let reads = audit_count(&app, "read");
    assert!(reads >= 1);
    let g = app
        .get(&format!("/v1/eligibility/{id}"), Role::Billing)
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body["summary"], *s);
    assert_eq!(audit_count(&app, "read"), reads + 1);
    let l = app
        .get(
            &format!("/v1/coverages/{}/eligibility", fx.coverage),
            Role::FrontDesk,
        )
        .await;
    assert_eq!(l.status, 200);
    assert_eq!(l.body.as_array().unwrap().len(), 1);
    assert!(l.body[0]["response"].is_null());
    assert_eq!(audit_count(&app, "search"), 1);
    assert_eq!(audit_count(&app, "create"), 1);

    // Lab users cannot check or read checks; bad input is per-field problem+json.
    let lab = check(&app, &fx.coverage, body.clone(), Role::Lab).await;
    assert_eq!(lab.status, 403);
    assert_eq!(
        app.get(&format!("/v1/eligibility/{id}"), Role::Lab)
            .await
            .status,
        403
    );
    let bad = check(
        &app,
        &fx.coverage,
        json!({"date": days_ago(0), "service_types": ["30", "ABC"]}),
        Role::FrontDesk,
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["pointer"], "/service_types/1");
    let none = check(
        &app,
        &fx.coverage,
        json!({"date": days_ago(0)}),
        Role::FrontDesk,
    )
    .await;
    assert_eq!(none.status, 422, "{}", none.body);
    assert_eq!(none.body["errors"][0]["pointer"], "/provider_id");
    let missing = check(
        &app,
        &uuid::Uuid::new_v4().to_string(),
        body,
        Role::FrontDesk,
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(app.count("eligibility_checks"), 1);
}

async fn inactive_coverage_fails_the_scrubber(app: TestApp) {
    let (app, fake) = realtime(app, 5000);
    let fx = fixture(&app, "EL-2").await;
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let validate = |v: &'static str| {
        let (app, enc) = (&app, enc.clone());
        async move {
            post_if(
                app,
                &format!("/v1/encounters/{enc}/validate"),
                Role::Billing,
                None,
                v,
            )
            .await
        }
    };
    let v = validate("\"1\"").await;
    assert_eq!(v.status, 200, "{}", v.body);
    let rules: Vec<&str> = v.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"coverage.not_verified"), "{rules:?}");
    let errors_before = v.body["errors"].as_i64().unwrap();
    let nothing = app
        .get(&format!("/v1/encounters/{enc}/eligibility"), Role::Billing)
        .await;
    assert_eq!(nothing.status, 404);

    // No provider_id: the encounter's billing provider on that date asks.
    fake.answer(Answer::Fixture("inactive.271"));
    let r = check(
        &app,
        &fx.coverage,
        json!({"date": days_ago(3)}),
        Role::FrontDesk,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["summary"]["active"], false);
    assert!(fake.last_270().contains("XX*1245319599~"));

    let latest = app
        .get(&format!("/v1/encounters/{enc}/eligibility"), Role::Billing)
        .await;
    assert_eq!(latest.status, 200, "{}", latest.body);
    assert_eq!(latest.body["id"], r.body["id"]);
    let version = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await
        .body["version"]
        .to_string();
    let v = post_if(
        &app,
        &format!("/v1/encounters/{enc}/validate"),
        Role::Billing,
        None,
        &version,
    )
    .await;
    assert_eq!(v.status, 200, "{}", v.body);
    let inactive = v.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "coverage.inactive")
        .unwrap()
        .clone();
    assert_eq!(inactive["severity"], "error");
    assert_eq!(inactive["path"], "/coverage_id");
    assert_eq!(v.body["errors"].as_i64().unwrap(), errors_before + 1);

    // An active answer later for the same date clears both rules.
    fake.answer(Answer::Fixture("active.271"));
    let r = check(
        &app,
        &fx.coverage,
        json!({"date": days_ago(3)}),
        Role::Billing,
    )
    .await;
    assert_eq!(r.status, 200);
    let version = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await
        .body["version"]
        .to_string();
    let v = post_if(
        &app,
        &format!("/v1/encounters/{enc}/validate"),
        Role::Billing,
        None,
        &version,
    )
    .await;
    assert!(
        !v.body["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"]
                .as_str()
                .unwrap()
                .starts_with("coverage.not_verified")
                || f["rule"] == "coverage.inactive"),
        "{}",
        v.body
    );
}

async fn rejections_dependents_and_corrections(app: TestApp) {
    let (app, fake) = realtime(app, 5000);
    let fx = fixture(&app, "EL-3").await;
    let body = json!({"date": days_ago(0), "provider_id": fx.billing});
    for (name, code) in [
        ("invalid_member_id.271", "72"),
        ("patient_not_found.271", "75"),
        ("provider_not_eligible.271", "50"),
    ] {
        fake.answer(Answer::Fixture(name));
        let r = check(&app, &fx.coverage, body.clone(), Role::FrontDesk).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["summary"]["active"].is_null(), "{name}");
        let rej = r.body["summary"]["rejections"][0].as_str().unwrap();
        assert!(rej.starts_with(&format!("{code}: ")), "{rej}");
    }

    // The payer corrects the member id and the name: offered, applied with If-Match.
    fake.answer(Answer::Fixture("corrected.271"));
    let r = check(&app, &fx.coverage, body.clone(), Role::FrontDesk).await;
    assert_eq!(r.body["correction"]["member_id"], "W123456790");
    assert_eq!(r.body["correction"]["first_name"], "JANET");
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/eligibility/{id}/apply-correction");
    assert_eq!(
        post_if(&app, &path, Role::FrontDesk, None, "\"7\"")
            .await
            .status,
        412
    );
    let no_match = app.post(&path, Role::FrontDesk, &json!({})).await;
    assert_eq!(no_match.status, 428, "{}", no_match.body);
    assert_eq!(
        post_if(&app, &path, Role::Lab, None, "\"1\"").await.status,
        403
    );
    let ok = post_if(&app, &path, Role::FrontDesk, None, "\"1\"").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["member_id"], "W123456790");
    assert_eq!(ok.body["version"], 2);
    assert_eq!(app.count("audit_log WHERE action = 'apply_correction'"), 1);
    assert_eq!(
        post_if(&app, &path, Role::FrontDesk, None, "\"2\"")
            .await
            .status,
        409
    );
    let g = app
        .get(&format!("/v1/eligibility/{id}"), Role::FrontDesk)
        .await;
    assert!(g.body["correction_applied_at"].is_string());

    // A dependent: the 270 carries the subscriber and the patient in 2000D.
    let cov = json!({"patient_id": fx.patient, "payer_id": fx.payer, "member_id": "W999", "relationship_code": "19",
        "subscriber_first_name": "John", "subscriber_last_name": "Lee", "subscriber_birth_date": "1975-04-01",
        "subscriber_sex": "M", "priority": "secondary", "effective_from": days_ago(30)});
    let dep = id_of(&app.post("/v1/coverages", Role::FrontDesk, &cov).await);
    fake.answer(Answer::Fixture("dependent.271"));
    let r = check(
        &app,
        &dep,
        json!({"date": days_ago(0), "service_types": ["98"], "provider_id": fx.rendering}),
        Role::FrontDesk,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["summary"]["office_visit_copay_cents"], 1500);
    assert_eq!(
        r.body["summary"]["referral_or_authorization_required"],
        true
    );
    assert_eq!(
        r.body["response"]["dependent"]["entity"]["first_name"],
        "LILY"
    );
    let sent = fake.last_270();
    assert!(
        sent.contains("HL*3*2*22*1~NM1*IL*1*LEE*JOHN****MI*W999~DMG*D8*19750401*M~HL*4*3*23*0~"),
        "{sent}"
    );
    assert!(
        sent.contains("NM1*03*1*LEE*ANN~DMG*D8*19800203*F~INS*N*19~"),
        "{sent}"
    );
}

async fn timeouts_and_errors_are_stored_as_failed(app: TestApp) {
    let (app, fake) = realtime(app, 700);
    let fx = fixture(&app, "EL-4").await;
    let body = json!({"date": days_ago(0), "provider_id": fx.billing});
    fake.answer(Answer::ServerError);
    let r = check(&app, &fx.coverage, body.clone(), Role::FrontDesk).await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    assert!(r.body["detail"].as_str().unwrap().contains("HTTP 503"));
    let id = r.body["check_id"].as_str().unwrap().to_string();
    let g = app
        .get(&format!("/v1/eligibility/{id}"), Role::FrontDesk)
        .await;
    assert_eq!(g.body["status"], "failed");
    assert!(g.body["error"].as_str().unwrap().contains("503"));

    fake.answer(Answer::Stall(Duration::from_millis(2000)));
    let r = check(&app, &fx.coverage, body, Role::FrontDesk).await;
    assert_eq!(r.status, 504, "{}", r.body);
    assert_eq!(
        r.body["type"],
        "https://medbill.dev/problems/clearinghouse-timeout"
    );
    let id = r.body["check_id"].as_str().unwrap();
    let g = app
        .get(&format!("/v1/eligibility/{id}"), Role::FrontDesk)
        .await;
    assert_eq!(g.body["status"], "failed");
    assert_eq!(app.count("eligibility_checks WHERE status = 'failed'"), 2);
}

async fn file_queue_answers_202_then_the_271(app: TestApp) {
    let outbox = std::env::temp_dir().join(format!("medbill-elig-{}", uuid::Uuid::new_v4()));
    let app = with_channel(app, Channel::FileQueue(outbox.clone()));
    let fx = fixture(&app, "EL-5").await;
    let r = check(
        &app,
        &fx.coverage,
        json!({"date": days_ago(0), "provider_id": fx.billing}),
        Role::FrontDesk,
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["status"], "queued");
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.header("location"), Some(format!("/v1/eligibility/{id}")));
    let sent = std::fs::read_to_string(outbox.join(format!("{id}.270"))).unwrap();
    let poll = app
        .get(&format!("/v1/eligibility/{id}"), Role::FrontDesk)
        .await;
    assert_eq!(poll.body["status"], "queued");

    let import = |text: String| {
        let app = &app;
        async move {
            app.send(
                TestRequest::post()
                    .uri("/v1/eligibility/responses")
                    .insert_header((
                        "authorization",
                        format!("Bearer {}", app.token(Role::Billing)),
                    ))
                    .insert_header(("content-type", "application/edi-x12"))
                    .set_payload(text),
            )
            .await
        }
    };
    let stray = import(fixture_271("active.271").replace("TRACE0001", "NOSUCHTRACE")).await;
    assert_eq!(stray.status, 404, "{}", stray.body);
    let junk = import("hello".into()).await;
    assert_eq!(junk.status, 422);
    let answer = fixture_271("active.271").replace("TRACE0001", &trace_of(&sent));
    let done = import(answer.clone()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["summary"]["active"], true);
    let poll = app
        .get(&format!("/v1/eligibility/{id}"), Role::FrontDesk)
        .await;
    assert_eq!(poll.body["status"], "complete");
    assert_eq!(import(answer).await.status, 409);
    std::fs::remove_dir_all(&outbox).unwrap();
}

async fn unconfigured_checks_answer_503(app: TestApp) {
    let fx = fixture(&app, "EL-6").await;
    let r = check(
        &app,
        &fx.coverage,
        json!({"date": days_ago(0)}),
        Role::FrontDesk,
    )
    .await;
    assert_eq!(r.status, 503, "{}", r.body);
}

on_both_backends!(
    realtime_active_coverage,
    inactive_coverage_fails_the_scrubber,
    rejections_dependents_and_corrections,
    timeouts_and_errors_are_stored_as_failed,
    file_queue_answers_202_then_the_271,
    unconfigured_checks_answer_503,
);
