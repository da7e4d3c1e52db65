//! Acknowledgments: a 277CA moves claims to accepted (with the payer's claim number) or
//! rejected (with status codes and meanings), a rejecting 999 rejects the claims of the
//! interchange; raw files are kept, moved aside, and not applied twice. Also the http adapter
//! against a local server: auth, idempotency key, a failure retried.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{claim_field, outbox_files, post_with, queued_claims, ready, temp_dir};
use common::TestApp;
use medbill::auth::roles::Role;
use medbill::claims::acks::{self, ImportReport};
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::http_adapter::{Auth, HttpPost};
use medbill::claims::queue::RetryPolicy;
use medbill::claims::worker::{self, WorkerConfig};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

const REJECTED_999: &str = "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*MEDBILLSUB     *261126*2151*^*00501*611262151*0*T*:~
GS*FA*CLEARHOUSE*MEDBILLSUB*20261126*215113*822613235*X*005010X231~
ST*999*0001*005010X231~
AK1*HC*GROUP*005010X222A1~
AK2*837*SET*005010X222A1~
IK3*DMG*17**8~
IK4*2*1251*8*19801317~
IK5*R*5~
AK9*R*1*1*0~
SE*8*0001~
GE*1*822613235~
IEA*1*611262151~
";

fn batch(n: i64) -> WorkerConfig {
    WorkerConfig {
        batch_size: n,
        ..WorkerConfig::default()
    }
}

async fn acknowledgments_update_claims(app: TestApp) {
    let (fx, _) = ready(&app, "A1").await;
    let ids = queued_claims(&app, &fx, 2).await;
    let out = temp_dir("outbox");
    worker::drain(&app.state.pool, &batch(10), &FileDrop::new(&out)).unwrap();
    let third = queued_claims(&app, &fx, 1).await;
    worker::drain(&app.state.pool, &batch(10), &FileDrop::new(&out)).unwrap();
    assert_eq!(outbox_files(&out).len(), 2);
    let pcn = |id: &str| {
        claim_field(&app, id, "patient_control_number")
            .as_str()
            .unwrap()
            .to_string()
    };
    let inbox = temp_dir("inbox");
    let ca = include_str!("../fixtures/x12/rejected.277")
        .replace("PCN00000001", &pcn(&ids[0]))
        .replace("PCN00000002", &pcn(&ids[1]))
        .replace("PCN00000003", "NOTOURS1");
    std::fs::write(inbox.join("a.277"), &ca).unwrap();
    // The second interchange (GS06 2, ST02 0002) is rejected by a 999.
    let nine = REJECTED_999
        .replace("AK1*HC*GROUP", "AK1*HC*2")
        .replace("AK2*837*SET", "AK2*837*0002");
    std::fs::write(inbox.join("b.999"), &nine).unwrap();
    std::fs::write(inbox.join("c.txt"), "not x12").unwrap();
    let r = acks::import_dir(&app.state.pool, &inbox).unwrap();
    assert_eq!(r.files, 3);
    assert_eq!((r.accepted, r.rejected), (1, 2), "{r:?}");
    assert!(inbox.join("processed/a.277").exists());
    assert!(inbox.join("processed/b.999").exists());
    assert!(inbox.join("failed/c.txt").exists());
    assert_eq!(app.count("acknowledgments"), 3);
    assert_eq!(app.count("acknowledgments WHERE kind = '277CA'"), 1);
    assert_eq!(app.count("acknowledgments WHERE kind = '999'"), 1);
    assert_eq!(
        app.count("acknowledgments WHERE kind = 'unknown' AND error IS NOT NULL"),
        1
    );

    let r = app
        .get(&format!("/v1/claims/{}", ids[0]), Role::Billing)
        .await;
    assert_eq!(r.body["status"], "rejected");
    let last = r.body["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["actor"], "system:acks");
    let codes = last["codes"].as_array().unwrap();
    assert_eq!(codes[0]["code"], "A7:21");
    assert!(!codes[0]["meaning"].as_str().unwrap().is_empty());
    let r = app
        .get(&format!("/v1/claims/{}", ids[1]), Role::Billing)
        .await;
    assert_eq!(r.body["status"], "accepted");
    assert_eq!(r.body["payer_claim_number"], "PAYER0000000002");
    let r = app
        .get(&format!("/v1/claims/{}", third[0]), Role::Billing)
        .await;
    assert_eq!(r.body["status"], "rejected");
    let last = r.body["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    let codes: Vec<&str> = last["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"IK5:R"), "{codes:?}");
    assert!(codes.iter().any(|c| c.starts_with("IK3:DMG")), "{codes:?}");

    // The rejected-claims work queue.
    let r = app.get("/v1/claims?status=rejected", Role::Billing).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    // The same file again changes nothing.
    let mut c = app.conn();
    let mut again = ImportReport::default();
    assert!(!acks::import_text(&mut c, "a.277", &ca, &mut again).unwrap());
    drop(c);
    assert_eq!(app.count("acknowledgments"), 3);
    // The accepted claim is voided with the payer's number the 277CA reported.
    let r = post_with(
        &app,
        &format!("/v1/claims/{}/void", ids[1]),
        Role::Billing,
        Some(&json!({})),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["payer_claim_number"], "PAYER0000000002");
    // The rejected one is corrected by a replacement (the payer number given by hand).
    let r = post_with(
        &app,
        &format!("/v1/claims/{}/replace", ids[0]),
        Role::Billing,
        Some(&json!({"payer_claim_number": "ORIG1"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["frequency"], "7");
}

/// Answers each connection with the next status, recording the request heads.
fn fake_clearinghouse(statuses: Vec<u16>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/claims", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for status in statuses {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut s = stream;
            write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            seen.push(format!("{head}{}", String::from_utf8(body).unwrap()));
        }
        seen
    });
    (url, handle)
}

async fn http_adapter_posts_interchanges(app: TestApp) {
    let (fx, _) = ready(&app, "A2").await;
    let ids = queued_claims(&app, &fx, 2).await;
    let (url, server) = fake_clearinghouse(vec![503, 200]);
    let adapter = HttpPost::new(&url, Auth::Bearer("tok".into()), Duration::from_secs(5)).unwrap();
    let mut cfg = batch(10);
    cfg.retry = RetryPolicy {
        base: Duration::ZERO,
        cap: Duration::ZERO,
        max_attempts: 5,
    };
    let t = worker::drain(&app.state.pool, &cfg, &adapter).unwrap();
    assert_eq!((t.failed, t.submitted, t.interchanges), (2, 2, 1));
    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 2);
    let ic: String = {
        use diesel::prelude::*;
        use medbill::db::schema_claims::interchanges as ic;
        let mut c = app.conn();
        ic::table
            .select(ic::id)
            .first::<medbill::claims::model::InterchangeId>(&mut *c)
            .map(|u| u.to_string())
            .unwrap()
    };
    for req in &seen {
        assert!(req.starts_with("POST /claims HTTP/1.1\r\n"), "{req}");
        // Header names are case-insensitive (the client sends them in lower case).
        let lower = req.to_ascii_lowercase();
        assert!(lower.contains("authorization: bearer tok\r\n"));
        assert!(
            lower.contains(&format!("idempotency-key: {ic}\r\n")),
            "same key on retry"
        );
        assert!(req.contains("ISA*"));
    }
    assert_eq!(claim_field(&app, &ids[0], "status"), "submitted");
    // Nothing listening: a failure, not a hang.
    let closed = HttpPost::new("http://127.0.0.1:9/x", Auth::None, Duration::from_secs(2)).unwrap();
    let out = medbill::claims::clearinghouse::Outgoing {
        id: medbill::claims::model::InterchangeId::new(),
        file_name: "x.837",
        content: "ISA",
    };
    use medbill::claims::clearinghouse::Clearinghouse;
    assert!(closed.send(&out).is_err());
}

async fn acks_import_command(app: TestApp) {
    let (fx, _) = ready(&app, "A3").await;
    let ids = queued_claims(&app, &fx, 2).await;
    let out = temp_dir("outbox");
    worker::drain(&app.state.pool, &batch(10), &FileDrop::new(&out)).unwrap();
    let inbox = temp_dir("inbox");
    let pcn = |id: &str| {
        claim_field(&app, id, "patient_control_number")
            .as_str()
            .unwrap()
            .to_string()
    };
    let ca = include_str!("../fixtures/x12/accepted.277")
        .replace("PCN00000001", &pcn(&ids[0]))
        .replace("PCN00000002", &pcn(&ids[1]));
    std::fs::write(inbox.join("ack.277"), ca).unwrap();
    let data = temp_dir("data");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args(["acks", "import"])
        .arg(&inbox)
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", &data)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}");
    assert!(
        stdout.contains("imported 1 files: 2 claims accepted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ack.277\tapplied\t277CA: 2 accepted"),
        "{stdout}"
    );
    assert_eq!(claim_field(&app, &ids[0], "status"), "accepted");
    assert!(inbox.join("processed/ack.277").exists());

    // An unreadable file and a 999 for an interchange never sent: one line each, exit 1.
    std::fs::write(inbox.join("bad.txt"), "not x12").unwrap();
    let unknown = REJECTED_999
        .replace("AK1*HC*GROUP", "AK1*HC*4242")
        .replace("AK2*837*SET", "AK2*837*0001");
    std::fs::write(inbox.join("stray.999"), unknown).unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args(["acks", "import"])
        .arg(&inbox)
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", &data)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stdout}");
    assert!(stdout.contains("bad.txt\tunreadable\t"), "{stdout}");
    assert!(
        stdout.contains("stray.999\tunmatched\t999 for an unknown interchange"),
        "{stdout}"
    );
    assert!(
        stderr.contains("2 file(s) could not be applied"),
        "{stderr}"
    );
    assert!(inbox.join("failed/stray.999").exists());
}

on_both_backends!(
    acknowledgments_update_claims,
    http_adapter_posts_interchanges,
    acks_import_command,
);
