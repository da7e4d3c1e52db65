//! The sftp clearinghouse adapter against a real OpenSSH server (tests/it/sftp_fx): uploads
//! under the final name only once complete, a re-send after a crash between upload and confirm
//! adds no file, responses are collected, applied once and removed (or not, and still applied
//! once), a changed host key is refused, a dropped connection mid-batch is retried, the
//! `clearinghouse check` command, and the SIGKILL test of a worker process on both backends.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::{clm01s, isa13, outbox_files, queued_claims, ready, temp_dir};
use crate::common::TestApp;
use crate::sftp_fx::{keygen, Proxy, SshServer};
use crate::submission_reliability::many_queued;
use diesel::prelude::*;
use medbill::claims::clearinghouse::{Clearinghouse, Outgoing};
use medbill::claims::model::InterchangeId;
use medbill::claims::queue::RetryPolicy;
use medbill::claims::sftp::settings::SftpAuth;
use medbill::claims::sftp::settings::{AfterDownload, KnownHost};
use medbill::claims::sftp::{Collected, Sftp};
use medbill::claims::worker::{self, WorkerConfig};
use medbill::db::schema_claims::interchanges as ic;
use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const REJECTING_999: &str = "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*MEDBILLSUB     *261126*2151*^*00501*611262151*0*T*:~
GS*FA*CLEARHOUSE*MEDBILLSUB*20261126*215113*822613235*X*005010X231~
ST*999*0001*005010X231~
AK1*HC*GSCTL*005010X222A1~
AK2*837*STCTL*005010X222A1~
IK3*DMG*17**8~
IK4*2*1251*8*19801317~
IK5*R*5~
AK9*R*1*1*0~
SE*8*0001~
GE*1*822613235~
IEA*1*611262151~
";

fn all_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

/// The (id, file name, content, GS06, ST02) of every interchange.
fn interchanges(app: &TestApp) -> Vec<(InterchangeId, String, String, i64, i64)> {
    ic::table
        .select((
            ic::id,
            ic::file_name,
            ic::content,
            ic::gs_control,
            ic::st_control,
        ))
        .load(&mut *app.conn())
        .unwrap()
}

async fn uploads_and_resends_after_a_crash(app: TestApp) {
    let server = SshServer::start();
    let (fx, _) = ready(&app, "S1").await;
    queued_claims(&app, &fx, 2).await;
    let sftp = Sftp::new(server.settings());
    let t = worker::drain(&app.state.pool, &WorkerConfig::default(), &sftp).unwrap();
    assert_eq!((t.submitted, t.interchanges), (2, 1));
    let ics = interchanges(&app);
    let (id, name, content, ..) = &ics[0];
    assert_eq!(SshServer::files(&server.inbound), vec![name.clone()]);
    assert_eq!(all_entries(&server.inbound), 1, "no temporary file left");
    assert_eq!(
        &std::fs::read_to_string(server.inbound.join(name)).unwrap(),
        content
    );
    // A crash after the upload and before the database update: the worker sends the same
    // interchange again. The file there has the same size and hash, so that counts as sent.
    let again = Outgoing {
        id: *id,
        file_name: name,
        content,
    };
    sftp.send(&again).unwrap();
    assert_eq!(all_entries(&server.inbound), 1, "not duplicated");
    // Other bytes under the same name are never overwritten.
    let other = Outgoing {
        content: "ISA*something else~",
        ..again
    };
    let err = sftp.send(&other).unwrap_err();
    assert!(err.contains("different file"), "{err}");
    assert_eq!(
        &std::fs::read_to_string(server.inbound.join(name)).unwrap(),
        content
    );

    // The same through the worker: an upload whose confirmation is lost (the adapter errs
    // after the file is there) is retried, finds its file, and the claims are submitted once.
    queued_claims(&app, &fx, 1).await;
    let lossy = LosesFirstConfirmation {
        inner: Sftp::new(server.settings()),
        lost: AtomicBool::new(false),
    };
    let cfg = WorkerConfig {
        retry: RetryPolicy {
            base: Duration::ZERO,
            ..RetryPolicy::default()
        },
        ..WorkerConfig::default()
    };
    let t = worker::drain(&app.state.pool, &cfg, &lossy).unwrap();
    assert_eq!((t.failed, t.submitted, t.interchanges), (1, 1, 1));
    assert!(lossy.lost.load(Ordering::Relaxed));
    assert_eq!(app.count("claims WHERE status = 'submitted'"), 3);
    assert_eq!(app.count("interchanges"), 2);
    assert_eq!(SshServer::files(&server.inbound).len(), 2, "not duplicated");
    assert_eq!(all_entries(&server.inbound), 2);
}

/// Uploads, then reports a failure the first time: a crash between upload and confirm.
struct LosesFirstConfirmation {
    inner: Sftp,
    lost: AtomicBool,
}

impl Clearinghouse for LosesFirstConfirmation {
    fn name(&self) -> &'static str {
        "lossy"
    }

    fn send(&self, out: &Outgoing<'_>) -> Result<(), String> {
        self.inner.send(out)?;
        if self.lost.swap(true, Ordering::Relaxed) {
            Ok(())
        } else {
            Err("confirmation lost".into())
        }
    }
}

async fn collects_and_applies_once(app: TestApp) {
    let server = SshServer::start();
    let (fx, _) = ready(&app, "S2").await;
    queued_claims(&app, &fx, 1).await;
    let mut settings = server.settings();
    // A move into a folder that does not exist: the remote clean-up fails.
    let missing = server.dir.join("no-such-folder").display().to_string();
    settings.after_download = AfterDownload::Move(missing);
    let sftp = Arc::new(Sftp::new(settings));
    let inbox = temp_dir("inbox");
    let cfg = WorkerConfig {
        inbox: Some(inbox.clone()),
        sftp_collect: Some(sftp.clone()),
        ..WorkerConfig::default()
    };
    worker::drain(&app.state.pool, &cfg, sftp.as_ref()).unwrap();
    assert_eq!(app.count("claims WHERE status = 'submitted'"), 1);
    let (_, _, _, gs, st) = interchanges(&app)[0].clone();
    let nine = REJECTING_999
        .replace("GSCTL", &gs.to_string())
        .replace("STCTL", &format!("{st:04}"));
    std::fs::write(server.outbound.join("r1.999"), &nine).unwrap();
    std::fs::write(server.outbound.join(".partial.999"), "hidden: never read").unwrap();

    worker::drain(&app.state.pool, &cfg, sftp.as_ref()).unwrap();
    assert_eq!(app.count("claims WHERE status = 'rejected'"), 1);
    assert_eq!(app.count("acknowledgments WHERE kind = '999'"), 1);
    assert_eq!(app.count("sftp_downloads WHERE file_name = 'r1.999'"), 1);
    assert!(inbox.join("processed/r1.999").exists());
    assert!(server.outbound.join("r1.999").exists(), "the move failed");

    // Seen again: recorded, so neither stored nor applied a second time.
    let c = sftp.collect(&app.state.pool, &inbox).unwrap();
    let expect = Collected {
        stored: 0,
        seen_before: 1,
        cleanup_failed: 1,
    };
    assert_eq!(c, expect);
    worker::drain(&app.state.pool, &cfg, sftp.as_ref()).unwrap();
    assert_eq!(app.count("acknowledgments"), 1);
    assert_eq!(SshServer::files(&inbox), Vec::<String>::new());

    // With `delete`, the file is removed remotely (still not applied again).
    let deleting = Sftp::new(server.settings());
    let c = deleting.collect(&app.state.pool, &inbox).unwrap();
    assert_eq!((c.stored, c.seen_before, c.cleanup_failed), (0, 1, 0));
    assert_eq!(SshServer::files(&server.outbound), Vec::<String>::new());
    assert!(server.outbound.join(".partial.999").exists());

    // `move` into a folder that exists.
    let done = server.dir.join("done");
    std::fs::create_dir_all(&done).unwrap();
    let mut settings = server.settings();
    settings.after_download = AfterDownload::Move(done.display().to_string());
    std::fs::write(server.outbound.join("r2.txt"), "not x12").unwrap();
    let c = Sftp::new(settings)
        .collect(&app.state.pool, &inbox)
        .unwrap();
    assert_eq!((c.stored, c.seen_before, c.cleanup_failed), (1, 0, 0));
    assert!(done.join("r2.txt").exists());
    assert!(inbox.join("r2.txt").exists());
    assert_eq!(app.count("sftp_downloads"), 2);

    // A running worker collects on its schedule: a file that arrives later is applied.
    let cfg = WorkerConfig {
        inbox: Some(inbox.clone()),
        sftp_collect: Some(Arc::new(Sftp::new(server.settings()))),
        poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let adapter = cfg.sftp_collect.clone().unwrap();
    let running = worker::spawn(app.state.pool.clone(), cfg, adapter).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(server.outbound.join("r3.999"), &nine).unwrap();
    let started = Instant::now();
    while app.count("acknowledgments WHERE file_name = 'r3.999'") == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "not collected");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(running);
    assert_eq!(SshServer::files(&server.outbound), Vec::<String>::new());
    assert!(inbox.join("processed/r3.999").exists());
}

#[test]
fn key_passphrase_and_timeouts() {
    let server = SshServer::start();
    let key = server.dir.join("locked_key");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "open sesame", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    let authorized = server.dir.join("authorized_keys");
    let mut keys = std::fs::read_to_string(&authorized).unwrap();
    keys.push_str(&std::fs::read_to_string(key.with_extension("pub")).unwrap());
    std::fs::write(&authorized, keys).unwrap();
    let out = Outgoing {
        id: InterchangeId::new(),
        file_name: "p.837",
        content: "ISA*p~",
    };
    let with = |passphrase: &str| {
        let mut s = server.settings();
        s.auth = SftpAuth::Key {
            file: key.clone(),
            passphrase: Some(passphrase.into()),
        };
        Sftp::new(s).send(&out)
    };
    let err = with("wrong").unwrap_err();
    assert!(err.starts_with("authenticate:"), "{err}");
    with("open sesame").unwrap();
    assert_eq!(SshServer::files(&server.inbound), vec!["p.837"]);

    // A server that accepts the connection and never answers: the timeout ends the wait.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut s = server.settings();
    s.port = silent.local_addr().unwrap().port();
    s.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = Sftp::new(s).send(&out).unwrap_err();
    assert!(err.starts_with("host key: SSH handshake"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

fn run_check(server: &SshServer, known_host: &str) -> (bool, String) {
    let data = temp_dir("data");
    let out = Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args(["clearinghouse", "check"])
        .envs(server.env())
        .env("MEDBILL_SFTP_KNOWN_HOST", known_host)
        .env("MEDBILL_DATA_DIR", &data)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    (out.status.success(), text)
}

#[test]
fn a_changed_host_key_is_refused() {
    let server = SshServer::start();
    let other = temp_dir("keys").join("other");
    keygen(&other);
    let other_line = format!(
        "[127.0.0.1]:{} {}",
        server.port,
        std::fs::read_to_string(other.with_extension("pub"))
            .unwrap()
            .trim()
    );
    let mut settings = server.settings();
    settings.known_host = KnownHost::parse(&other_line).unwrap();
    let out = Outgoing {
        id: InterchangeId::new(),
        file_name: "x.837",
        content: "ISA~",
    };
    let err = Sftp::new(settings).send(&out).unwrap_err();
    assert!(err.contains("does not match the pinned key"), "{err}");
    assert_eq!(all_entries(&server.inbound), 0);

    let (ok, text) = run_check(&server, &other_line);
    assert!(!ok, "{text}");
    assert!(text.contains("connect: ok"), "{text}");
    assert!(text.contains("host key: FAILED"), "{text}");
    assert!(text.contains("authenticate: not tried"), "{text}");

    let (ok, text) = run_check(&server, &server.known_host);
    assert!(ok, "{text}");
    for step in [
        "host key: ok",
        "authenticate: ok",
        "list inbound: ok",
        "list outbound: ok",
        "write and remove a test file: ok",
    ] {
        assert!(text.contains(step), "{step}: {text}");
    }
    assert_eq!(all_entries(&server.inbound), 0, "the test file is removed");
}

#[test]
fn a_dropped_connection_mid_batch_is_retried() {
    let server = SshServer::start();
    let proxy = Proxy::start(server.port);
    let sftp = Sftp::new(server.settings_via(proxy.port));
    let send = |name: &str| {
        let out = Outgoing {
            id: InterchangeId::new(),
            file_name: name,
            content: "ISA*test~",
        };
        sftp.send(&out)
    };
    send("a.837").unwrap();
    send("b.837").unwrap();
    assert_eq!(
        *proxy.accepted.lock().unwrap(),
        1,
        "one connection per batch"
    );
    proxy.drop_all();
    send("c.837").unwrap();
    assert_eq!(*proxy.accepted.lock().unwrap(), 2, "reconnected once");
    sftp.end_batch();
    send("d.837").unwrap();
    assert_eq!(
        *proxy.accepted.lock().unwrap(),
        3,
        "the next batch connects anew"
    );
    assert_eq!(
        SshServer::files(&server.inbound),
        vec!["a.837", "b.837", "c.837", "d.837"]
    );
    assert_eq!(all_entries(&server.inbound), 4);
}

fn spawn_worker(app: &TestApp, server: &SshServer, data: &Path, once: bool) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medbill"));
    cmd.args([
        "worker",
        "--batch-size",
        "50",
        "--lease-secs",
        "2",
        "--poll-ms",
        "20",
    ]);
    if once {
        cmd.arg("--once");
    }
    cmd.envs(server.env())
        .env("MEDBILL_SFTP_POLL_SECS", "1")
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", data)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn sigkill_mid_batch_with_sftp(app: TestApp) {
    let n = 1000;
    let pcns = many_queued(&app, "S3", n).await;
    let server = SshServer::start();
    let data = temp_dir("data");
    let mut child = spawn_worker(&app, &server, &data, false);
    let started = Instant::now();
    while app.count("claims WHERE status = 'submitted'") < 100 {
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    // An interchange takes a few hundred ms here (SSH set-up dominates): kill somewhere in
    // the next one, in its build, upload or confirmation.
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 400 + 20));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = app.count("claims WHERE status = 'submitted'");
    let in_flight = app.count("submission_jobs WHERE status = 'leased'");
    let unsent = app.count("interchanges WHERE status = 'built'");
    assert!(at_kill < n as i64, "killed before the end ({at_kill})");
    std::thread::sleep(Duration::from_millis(2100));
    let status = spawn_worker(&app, &server, &data, true).wait().unwrap();
    assert!(status.success());
    assert_eq!(app.count("claims WHERE status = 'submitted'"), n as i64);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut controls = HashSet::new();
    let files = outbox_files(&server.inbound);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(controls.insert(isa13(&text)), "ISA13 reused");
        for p in clm01s(&text) {
            *seen.entry(p).or_insert(0) += 1;
        }
    }
    assert_eq!(seen.len(), n, "every claim uploaded");
    assert!(seen.values().all(|&k| k == 1), "no claim sent twice");
    assert_eq!(seen.keys().cloned().collect::<HashSet<_>>(), pcns);
    assert_eq!(
        app.count("interchanges WHERE status = 'sent'") as usize,
        files.len()
    );
    eprintln!(
        "sftp: killed at {at_kill} of {n} submitted ({in_flight} jobs leased, {unsent} \
         interchanges built and not confirmed); the restart sent the rest exactly once"
    );
}

async fn throughput_figure(app: TestApp) {
    let n = 1000;
    many_queued(&app, "S4", n).await;
    let server = SshServer::start();
    let sftp = Sftp::new(server.settings());
    let cfg = WorkerConfig {
        batch_size: 100,
        ..WorkerConfig::default()
    };
    let started = Instant::now();
    let t = worker::drain(&app.state.pool, &cfg, &sftp).unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!((t.submitted, t.interchanges), (n, 10));
    assert_eq!(SshServer::files(&server.inbound).len(), 10);
    eprintln!(
        "queue to sftp ({}): {n} claims in 10 interchanges in {secs:.2} s = {:.0} claims/s, \
         {:.0} ms per interchange (connection, upload, rename, database)",
        if app.url.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        },
        n as f64 / secs,
        secs * 100.0
    );
}

on_both_backends!(
    uploads_and_resends_after_a_crash,
    collects_and_applies_once,
    sigkill_mid_batch_with_sftp,
    throughput_figure,
);
