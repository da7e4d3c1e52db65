//! Reliability of the submission queue with real worker processes: SIGKILL in the middle of a
//! batch of 2,000 claims and a restart send every claim exactly once (counted by CLM01 and
//! ISA13 in the outbox files), on both backends; two workers on one PostgreSQL over 5,000
//! claims put no claim in two interchanges. Also prints the queue-to-file-drop throughput.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{clm01s, isa13, outbox_files, queued_claims, ready, temp_dir};
use common::TestApp;
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::model::ClaimId;
use medbill::claims::worker::{self, WorkerConfig};
use medbill::claims::{queue, service, store};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `n` queued claims in all: one built over HTTP, the rest copies of it (new ids and CLM01s)
/// written through the store, with their outbox jobs.
pub(crate) async fn many_queued(app: &TestApp, mrn: &str, n: usize) -> HashSet<String> {
    let (fx, _) = ready(app, mrn).await;
    let first = queued_claims(app, &fx, 1).await;
    let mut c = app.conn();
    let id = ClaimId(first[0].parse().unwrap());
    let row = store::find(&mut c, id).unwrap().unwrap();
    let mut pcns: HashSet<String> = HashSet::from([row.patient_control_number.clone()]);
    c.write_transaction(|c| {
        for _ in 1..n {
            let mut r = row.clone();
            r.id = ClaimId::new();
            r.patient_control_number = service::new_pcn();
            pcns.insert(r.patient_control_number.clone());
            store::insert(c, &r)?;
            queue::enqueue(c, r.id, r.payer_id)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
    assert_eq!(pcns.len(), n);
    pcns
}

fn spawn_worker(app: &TestApp, data: &Path, out: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args([
            "worker",
            "--batch-size",
            "100",
            "--lease-secs",
            "2",
            "--poll-ms",
            "20",
        ])
        .args(extra)
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", data)
        .env("MEDBILL_OUTBOX_DIR", out)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every CLM01 of the outbox, with how many times it appears; and the ISA13s are distinct.
fn outbox_census(out: &Path) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    let mut controls = HashSet::new();
    for f in outbox_files(out) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            controls.insert(isa13(&text)),
            "ISA13 reused in {}",
            f.display()
        );
        for p in clm01s(&text) {
            *seen.entry(p).or_insert(0) += 1;
        }
    }
    seen
}

async fn sigkill_mid_batch_then_restart(app: TestApp) {
    let n = 2000;
    let pcns = many_queued(&app, "R1", n).await;
    let data = temp_dir("data");
    let out = temp_dir("outbox");
    let mut child = spawn_worker(&app, &data, &out, &[]);
    let started = Instant::now();
    loop {
        let done = app.count("claims WHERE status = 'submitted'");
        if done >= 100 || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // Then at a point in time no batch boundary lines up with.
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 150 + 20));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = app.count("claims WHERE status = 'submitted'");
    assert!(at_kill < n as i64, "killed before the end ({at_kill})");
    let in_flight = app.count("submission_jobs WHERE status = 'leased'");
    let unsent = app.count("interchanges WHERE status = 'built'");
    // The dead worker's leases run out; a new worker drains the rest.
    std::thread::sleep(Duration::from_millis(2100));
    let status = spawn_worker(&app, &data, &out, &["--once"]).wait().unwrap();
    assert!(status.success());
    assert_eq!(app.count("claims WHERE status = 'submitted'"), n as i64);
    assert_eq!(app.count("submission_jobs WHERE status = 'done'"), n as i64);
    let seen = outbox_census(&out);
    assert_eq!(seen.len(), n, "every claim in the outbox");
    assert!(seen.values().all(|&k| k == 1), "no claim sent twice");
    assert_eq!(seen.keys().cloned().collect::<HashSet<_>>(), pcns);
    assert_eq!(
        app.count("interchanges WHERE status = 'sent'") as usize,
        outbox_files(&out).len()
    );
    eprintln!(
        "killed at {at_kill} of {n} submitted ({in_flight} jobs leased, {unsent} interchanges \
         built and not confirmed); the restart finished the rest exactly once"
    );
}

async fn two_workers_share_postgres(app: TestApp) {
    if !app.url.starts_with("postgres") {
        return; // SQLite is one writer at a time: the scale-out story is PostgreSQL.
    }
    let n = 5000;
    let pcns = many_queued(&app, "R2", n).await;
    let data = temp_dir("data");
    let out = temp_dir("outbox");
    let started = Instant::now();
    let mut a = spawn_worker(&app, &data, &out, &["--once"]);
    let mut b = spawn_worker(&app, &data, &out, &["--once"]);
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(app.count("claims WHERE status = 'submitted'"), n as i64);
    let seen = outbox_census(&out);
    assert_eq!(seen.len(), n);
    assert!(
        seen.values().all(|&k| k == 1),
        "no claim in two interchanges"
    );
    assert_eq!(seen.keys().cloned().collect::<HashSet<_>>(), pcns);
    let owners = app.count("(SELECT DISTINCT sender FROM interchanges) s");
    assert_eq!(owners, 1);
    eprintln!(
        "two workers: {n} claims in {secs:.2} s ({:.0} claims/s, processes included)",
        n as f64 / secs
    );
}

async fn throughput_figure(app: TestApp) {
    let n = 2000;
    many_queued(&app, "R3", n).await;
    let out = temp_dir("outbox");
    let cfg = WorkerConfig {
        batch_size: 500,
        ..WorkerConfig::default()
    };
    let started = Instant::now();
    let t = worker::drain(&app.state.pool, &cfg, &FileDrop::new(&out)).unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(t.submitted, n);
    eprintln!(
        "queue to file drop ({}): {n} claims in {secs:.2} s = {:.0} claims/s",
        if app.url.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        },
        n as f64 / secs
    );
}

on_both_backends!(
    sigkill_mid_batch_then_restart,
    two_workers_share_postgres,
    throughput_figure,
);
