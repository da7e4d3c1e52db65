//! Graceful stop of a real `medbill serve` process: SIGTERM during a burst of creates loses no
//! acknowledged write and cuts no response short; SIGTERM during a worker batch finishes the
//! hand-off, releases the unused leases, and a second worker leases the rest within a second.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::{clm01s, outbox_files, sql, temp_dir};
use crate::common::{patient_body, TestApp, SECRET};
use crate::submission_reliability::many_queued;

use medbill::auth::roles::Role;
use medbill::claims::clearinghouse::{Clearinghouse, FileDrop, Outgoing};
use medbill::claims::worker::{self, WorkerConfig};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What became of one request.
#[derive(Debug)]
enum Outcome {
    /// A whole response: status and body (as long as its Content-Length says).
    Done(u16),
    /// Refused or closed before any byte of a response (not acknowledged).
    NotServed,
    /// Part of a response: cut off mid-way.
    Cut,
}

/// One HTTP/1.1 request on its own connection, read to the end and checked for completeness.
fn http(port: u16, method: &str, path: &str, token: &str, body: &str) -> Outcome {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return Outcome::NotServed;
    };
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if s.write_all(req.as_bytes()).is_err() {
        return Outcome::NotServed;
    }
    let mut buf = Vec::new();
    // A reset keeps what was read before it.
    let _ = s.read_to_end(&mut buf);
    if buf.is_empty() {
        return Outcome::NotServed;
    }
    let text = String::from_utf8_lossy(&buf);
    let Some((head, rest)) = text.split_once("\r\n\r\n") else {
        return Outcome::Cut;
    };
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    match length {
        Some(n) if n == rest.len() => Outcome::Done(status),
        None if serde_json::from_str::<serde_json::Value>(rest).is_ok() => Outcome::Done(status),
        _ => Outcome::Cut,
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn spawn_serve(app: &TestApp, port: u16, data: &Path, extra: &[&str]) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--shutdown-timeout-secs", "20"])
        .args(extra)
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", data)
        .env("MEDBILL_JWT_SECRET", std::str::from_utf8(SECRET).unwrap())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !matches!(
        http(port, "GET", "/health/ready", "", ""),
        Outcome::Done(200)
    ) {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "server started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// Sends SIGTERM and waits (up to 40 s) for a clean exit.
pub(crate) fn terminate(child: &mut Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "clean exit after SIGTERM: {status}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "stopped in time"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

async fn sigterm_during_creates(app: TestApp) {
    let port = free_port();
    let data = temp_dir("stop");
    let mut child = spawn_serve(&app, port, &data, &["--no-worker"]);
    let token = app.token(Role::FrontDesk);
    let answered = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..6)
        .map(|t| {
            let (token, answered) = (token.clone(), answered.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for i in 0.. {
                    let mrn = format!("GS-{t}-{i}");
                    let body = patient_body(&mrn).to_string();
                    let out = http(port, "POST", "/v1/patients", &token, &body);
                    answered.fetch_add(1, Ordering::Relaxed);
                    let stop = matches!(out, Outcome::NotServed);
                    seen.push((mrn, out));
                    if stop {
                        return seen;
                    }
                }
                seen
            })
        })
        .collect();
    while answered.load(Ordering::Relaxed) < 30 {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 50));
    terminate(&mut child);
    let seen: Vec<(String, Outcome)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let cut = seen
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Cut))
        .count();
    assert_eq!(cut, 0, "no response cut off mid-way");
    let statuses: Vec<u16> = seen
        .iter()
        .filter_map(|(_, o)| match o {
            Outcome::Done(s) => Some(*s),
            _ => None,
        })
        .collect();
    assert!(statuses.iter().all(|&s| s == 201), "{statuses:?}");
    let created: Vec<&str> = seen
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Done(201)))
        .map(|(m, _)| m.as_str())
        .collect();
    let list = created
        .iter()
        .map(|m| format!("'{m}'"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        app.count(&format!("patients WHERE mrn IN ({list})")),
        created.len() as i64,
        "every acknowledged create is stored"
    );
    assert_eq!(
        app.count("patients"),
        created.len() as i64,
        "nothing stored that was not acknowledged"
    );
    eprintln!(
        "SIGTERM during creates: {} acknowledged and stored, {} not served, 0 cut off",
        created.len(),
        seen.len() - created.len()
    );
}

async fn sigterm_during_worker_batch(app: TestApp) {
    let n = 2000;
    let pcns = many_queued(&app, "GS2", n).await;
    let port = free_port();
    let data = temp_dir("stop");
    let out = temp_dir("outbox");
    let out_dir = out.to_str().unwrap();
    let mut child = spawn_serve(
        &app,
        port,
        &data,
        &[
            "--batch-size",
            "100",
            "--lease-secs",
            "60",
            "--poll-ms",
            "20",
            "--outbox-dir",
            out_dir,
        ],
    );
    let started = Instant::now();
    while app.count("claims WHERE status = 'submitted'") < 100 {
        assert!(started.elapsed() < Duration::from_secs(120), "worker ran");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 60));
    terminate(&mut child);
    let at_stop = app.count("claims WHERE status = 'submitted'");
    assert!(at_stop < n as i64, "stopped before the end ({at_stop})");
    assert_eq!(
        app.count("submission_jobs WHERE status = 'leased'"),
        0,
        "no lease left behind"
    );
    assert_eq!(
        app.count("interchanges WHERE status = 'built'"),
        0,
        "the hand-off under way finished"
    );
    // A second worker with the same 60 s leases takes the rest on its first poll.
    let cfg = WorkerConfig {
        batch_size: 100,
        lease: Duration::from_secs(60),
        ..WorkerConfig::default()
    };
    let adapter = FileDrop::new(&out);
    let t0 = Instant::now();
    let first = worker::tick(&app.state.pool, &cfg, &adapter).unwrap();
    let relet = t0.elapsed();
    assert!(first.leased > 0, "jobs re-leased");
    assert!(relet < Duration::from_secs(1), "re-leased in {relet:?}");
    worker::drain(&app.state.pool, &cfg, &adapter).unwrap();
    assert_eq!(app.count("claims WHERE status = 'submitted'"), n as i64);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in outbox_files(&out) {
        for p in clm01s(&std::fs::read_to_string(&f).unwrap()) {
            *seen.entry(p).or_insert(0) += 1;
        }
    }
    assert!(seen.values().all(|&k| k == 1), "no claim sent twice");
    assert_eq!(
        seen.into_keys().collect::<std::collections::HashSet<_>>(),
        pcns
    );
    eprintln!(
        "SIGTERM during a worker batch: {at_stop} of {n} submitted at the stop, no lease left, \
         the rest re-leased in {relet:?}"
    );
}

/// Sends through a file drop and raises the stop flag on the first hand-off, as a SIGTERM
/// arriving mid-batch would.
struct StopAfterFirst {
    inner: FileDrop,
    stop: Arc<AtomicBool>,
}

impl Clearinghouse for StopAfterFirst {
    fn name(&self) -> &'static str {
        "stop-after-first"
    }
    fn send(&self, out: &Outgoing<'_>) -> Result<(), String> {
        self.stop.store(true, Ordering::Relaxed);
        self.inner.send(out)
    }
}

async fn stop_mid_batch_releases_the_rest(app: TestApp) {
    // Two payers: one lease of 100 holds two interchanges' worth of jobs.
    let pcns = many_queued(&app, "GA", 100).await;
    let payer = serde_json::json!({"name": "Second Payer", "edi_payer_id": "60055",
        "claim_filing_indicator": "CI", "timely_filing_days": 365});
    assert_eq!(
        app.post("/v1/payers", Role::Billing, &payer).await.status,
        201
    );
    let second = "(SELECT id FROM payers WHERE name = 'Second Payer')";
    sql(
        &app,
        &format!(
            "UPDATE submission_jobs SET payer_id = {second} WHERE claim_id IN \
             (SELECT claim_id FROM submission_jobs ORDER BY claim_id LIMIT 50)"
        ),
    );
    sql(
        &app,
        &format!(
            "UPDATE claims SET payer_id = {second} WHERE id IN \
             (SELECT claim_id FROM submission_jobs WHERE payer_id = {second})"
        ),
    );
    let out = temp_dir("outbox");
    let stop = Arc::new(AtomicBool::new(false));
    let adapter = StopAfterFirst {
        inner: FileDrop::new(&out),
        stop: stop.clone(),
    };
    let cfg = WorkerConfig {
        batch_size: 100,
        lease: Duration::from_secs(60),
        ..WorkerConfig::default()
    };
    let t = worker::tick_until(&app.state.pool, &cfg, &adapter, &stop).unwrap();
    assert_eq!((t.leased, t.interchanges, t.submitted), (100, 1, 50));
    assert_eq!(app.count("submission_jobs WHERE status = 'leased'"), 0);
    assert_eq!(
        app.count("submission_jobs WHERE status = 'pending' AND attempts = 0"),
        50,
        "the unused half is given back, its attempt not counted"
    );
    let other = WorkerConfig {
        owner: "second".into(),
        ..cfg
    };
    let t = worker::tick(&app.state.pool, &other, &FileDrop::new(&out)).unwrap();
    assert_eq!(
        (t.leased, t.submitted),
        (50, 50),
        "taken at once by another worker"
    );
    let mut sent = std::collections::HashSet::new();
    for f in outbox_files(&out) {
        for p in clm01s(&std::fs::read_to_string(&f).unwrap()) {
            assert!(sent.insert(p), "no claim sent twice");
        }
    }
    assert_eq!(sent, pcns);
}

on_both_backends!(
    sigterm_during_creates,
    sigterm_during_worker_batch,
    stop_mid_batch_releases_the_rest
);
