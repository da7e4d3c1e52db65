//! The submission queue: queue -> worker -> file in the outbox -> submitted; interchanges per
//! payer with control numbers never reused; failures back off and dead-letter, and the API
//! retries them; an expired lease (a worker that died, before or after the hand-off) returns
//! the job without a second file.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{
    claim_field, clm01s, isa13, outbox_files, post_with, queued_claims, ready, sql, temp_dir,
};
use common::fixtures::{coded, days_ago, id_of};
use common::TestApp;
use medbill::auth::roles::Role;
use medbill::claims::clearinghouse::{Clearinghouse, FileDrop, Outgoing};
use medbill::claims::queue::RetryPolicy;
use medbill::claims::worker::{self, WorkerConfig};
use medbill::claims::{interchange, queue};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn config(batch: i64) -> WorkerConfig {
    WorkerConfig {
        batch_size: batch,
        ..WorkerConfig::default()
    }
}

struct Failing(AtomicUsize);

impl Clearinghouse for Failing {
    fn name(&self) -> &'static str {
        "failing"
    }
    fn send(&self, _: &Outgoing<'_>) -> Result<(), String> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err("clearinghouse down".into())
    }
}

async fn queue_to_outbox(app: TestApp) {
    let (fx, _) = ready(&app, "S1").await;
    let a = queued_claims(&app, &fx, 2).await;
    // A second payer: its claim goes into its own interchange.
    let payer = json!({"name": "Cigna", "edi_payer_id": "62308", "claim_filing_indicator": "CI",
        "timely_filing_days": 365});
    let payer = id_of(&app.post("/v1/payers", Role::Billing, &payer).await);
    let cov = json!({"patient_id": fx.patient, "payer_id": payer, "member_id": "C77",
        "relationship_code": "18", "priority": "primary", "effective_from": days_ago(400)});
    let cov = id_of(&app.post("/v1/coverages", Role::FrontDesk, &cov).await);
    let mut body = coded(&fx);
    body["coverage_id"] = json!(cov);
    let enc = claims_fx::signed_off(&app, &body).await;
    let b = claims_fx::built(&app, &enc).await;
    claims_fx::queued(&app, &b).await;

    let out = temp_dir("outbox");
    let t = worker::drain(&app.state.pool, &config(500), &FileDrop::new(&out)).unwrap();
    assert_eq!((t.submitted, t.interchanges, t.failed), (3, 2, 0));
    let files = outbox_files(&out);
    assert_eq!(files.len(), 2);
    let mut all = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let id = f.file_stem().unwrap().to_str().unwrap();
        assert_eq!(
            app.count(&format!(
                "interchanges WHERE id = '{id}' AND status = 'sent'"
            )),
            1
        );
        all.extend(clm01s(&text));
    }
    all.sort();
    let mut want: Vec<String> = a
        .iter()
        .chain([&b])
        .map(|id| {
            claim_field(&app, id, "patient_control_number")
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    want.sort();
    assert_eq!(all, want);
    for id in a.iter().chain([&b]) {
        let r = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
        assert_eq!(r.body["status"], "submitted");
        assert!(r.body["submitted_at"].is_string());
        assert!(r.body["interchange_id"].is_string());
        let h = r.body["history"].as_array().unwrap();
        assert_eq!(h.last().unwrap()["to_status"], "submitted");
        assert_eq!(h.last().unwrap()["actor"], "system:worker");
    }
    assert_eq!(app.count("submission_jobs WHERE status = 'done'"), 3);
    let r = app.get("/v1/claims?status=submitted", Role::Billing).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    let r = app
        .get(
            "/v1/claims?submitted_before=2000-01-01T00:00:00Z",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"], json!([]));
    // Nothing left: a second drain sends nothing.
    let t = worker::drain(&app.state.pool, &config(500), &FileDrop::new(&out)).unwrap();
    assert_eq!(t.leased, 0);
    assert_eq!(outbox_files(&out).len(), 2);
}

async fn control_numbers_never_reused(app: TestApp) {
    let (fx, _) = ready(&app, "S2").await;
    queued_claims(&app, &fx, 3).await;
    let out = temp_dir("outbox");
    let t = worker::drain(&app.state.pool, &config(1), &FileDrop::new(&out)).unwrap();
    assert_eq!(t.interchanges, 3);
    queued_claims(&app, &fx, 2).await;
    worker::drain(&app.state.pool, &config(1), &FileDrop::new(&out)).unwrap();
    let mut numbers: Vec<u64> = outbox_files(&out)
        .iter()
        .map(|f| isa13(&std::fs::read_to_string(f).unwrap()))
        .collect();
    numbers.sort();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
    assert_eq!(
        app.count("control_counters WHERE next_isa = 6 AND next_gs = 6"),
        1
    );
    assert_eq!(app.count("interchanges"), 5);
}

async fn failures_back_off_and_dead_letter(app: TestApp) {
    let (fx, _) = ready(&app, "S3").await;
    let ids = queued_claims(&app, &fx, 1).await;
    let mut cfg = config(10);
    cfg.retry = RetryPolicy {
        base: Duration::from_secs(3600),
        cap: Duration::from_secs(3 * 3600),
        max_attempts: 3,
    };
    let down = Failing(AtomicUsize::new(0));
    let t = worker::tick(&app.state.pool, &cfg, &down).unwrap();
    assert_eq!((t.leased, t.failed, t.submitted), (1, 1, 0));
    let r = app
        .get("/v1/submission-jobs?status=pending", Role::Billing)
        .await;
    let job = r.body["items"][0].clone();
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["last_error"], "clearinghouse down");
    let next =
        chrono::DateTime::parse_from_rfc3339(job["next_attempt_at"].as_str().unwrap()).unwrap();
    let wait = next.signed_duration_since(chrono::Utc::now());
    assert!(wait > chrono::Duration::minutes(59), "{wait}");
    // Not due yet: nothing leased.
    assert_eq!(
        worker::tick(&app.state.pool, &cfg, &down).unwrap().leased,
        0
    );
    sql(
        &app,
        "UPDATE submission_jobs SET next_attempt_at = created_at",
    );
    worker::tick(&app.state.pool, &cfg, &down).unwrap();
    let r = app
        .get("/v1/submission-jobs?status=pending", Role::Billing)
        .await;
    let next = r.body["items"][0]["next_attempt_at"].as_str().unwrap();
    let wait = chrono::DateTime::parse_from_rfc3339(next)
        .unwrap()
        .signed_duration_since(chrono::Utc::now());
    assert!(wait > chrono::Duration::minutes(119), "doubled: {wait}");
    sql(
        &app,
        "UPDATE submission_jobs SET next_attempt_at = created_at",
    );
    worker::tick(&app.state.pool, &cfg, &down).unwrap();
    assert_eq!(down.0.load(Ordering::SeqCst), 3);
    let r = app
        .get("/v1/submission-jobs?status=dead", Role::Billing)
        .await;
    assert_eq!(r.status, 200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["attempts"], 3);
    assert_eq!(items[0]["claim_id"], ids[0].as_str());
    assert_eq!(claim_field(&app, &ids[0], "status"), "queued");
    assert_eq!(
        worker::tick(&app.state.pool, &cfg, &down).unwrap().leased,
        0
    );

    let job = items[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        post_with(
            &app,
            &format!("/v1/submission-jobs/{job}/retry"),
            Role::Lab,
            None,
            &[]
        )
        .await
        .status,
        403
    );
    let r = post_with(
        &app,
        &format!("/v1/submission-jobs/{job}/retry"),
        Role::Billing,
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["attempts"], 0);
    let r = post_with(
        &app,
        &format!("/v1/submission-jobs/{job}/retry"),
        Role::Billing,
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 409);
    let out = temp_dir("outbox");
    let t = worker::drain(&app.state.pool, &cfg, &FileDrop::new(&out)).unwrap();
    assert_eq!(t.submitted, 1);
    assert_eq!(claim_field(&app, &ids[0], "status"), "submitted");
    // Sent in the interchange built at the first attempt: same control number, one file.
    let files = outbox_files(&out);
    assert_eq!(files.len(), 1);
    assert_eq!(isa13(&std::fs::read_to_string(&files[0]).unwrap()), 1);
    assert_eq!(app.count("interchanges"), 1);
}

async fn expired_leases_return_jobs(app: TestApp) {
    let (fx, _) = ready(&app, "S4").await;
    queued_claims(&app, &fx, 3).await;
    let out = temp_dir("outbox");
    let fd = FileDrop::new(&out);
    // A worker leases everything and dies after building the interchange, and another dies
    // after handing its interchange over but before recording it.
    let mut c = app.conn();
    let jobs = queue::lease(&mut c, "died", Duration::from_secs(60), 2).unwrap();
    assert_eq!(jobs.len(), 2);
    let cfg = config(500);
    let built = interchange::build(&mut c, &cfg.submitter, false, jobs[0].payer_id, &jobs[..1]);
    let first = built.map_err(|_| "build").unwrap();
    let sent = interchange::build(&mut c, &cfg.submitter, false, jobs[1].payer_id, &jobs[1..]);
    let second = sent.map_err(|_| "build").unwrap();
    fd.send(&Outgoing {
        id: second.id,
        file_name: &second.file_name,
        content: &second.content,
    })
    .unwrap();
    drop(c);
    // The leases still hold: only the third job is due.
    let t = worker::tick(&app.state.pool, &cfg, &fd).unwrap();
    assert_eq!((t.leased, t.submitted), (1, 1));
    sql(
        &app,
        "UPDATE submission_jobs SET lease_expires_at = created_at WHERE status = 'leased'",
    );
    let t = worker::drain(&app.state.pool, &cfg, &fd).unwrap();
    assert_eq!((t.leased, t.submitted), (2, 2));
    let files = outbox_files(&out);
    assert_eq!(files.len(), 3, "re-sends replace the same files");
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&first.file_name) && names.contains(&second.file_name));
    let mut pcns: Vec<String> = files
        .iter()
        .flat_map(|f| clm01s(&std::fs::read_to_string(f).unwrap()))
        .collect();
    pcns.sort();
    pcns.dedup();
    assert_eq!(pcns.len(), 3);
    assert_eq!(app.count("interchanges"), 3);
    assert_eq!(app.count("claims WHERE status = 'submitted'"), 3);
    assert_eq!(app.count("claim_events WHERE to_status = 'submitted'"), 3);
}

on_both_backends!(
    queue_to_outbox,
    control_numbers_never_reused,
    failures_back_off_and_dead_letter,
    expired_leases_return_jobs,
);
