//! Code-table imports without a restart: two real servers on one database notice a new CPT
//! import through the version row they poll and switch to it, every request answering from
//! either the old or the new tables whole.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::temp_dir;
use crate::common::TestApp;
use crate::graceful_stop::{free_port, spawn_serve, terminate};

use medbill::auth::roles::Role;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PATH: &str = "/v1/codesets/cpt/codes/99213?date=2026-06-01";
const NEW_TITLE: &str = "Live reload test descriptor";

/// GET `PATH` on one connection: the status and the `title` of the answer.
fn title_on(port: u16, token: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let req = format!(
        "GET {PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    (
        status,
        json["title"].as_str().unwrap_or_default().to_string(),
    )
}

async fn two_servers_pick_up_an_import(app: TestApp) {
    let dir = temp_dir("reload");
    let ports = [free_port(), free_port()];
    let args = ["--no-worker", "--codeset-poll-secs", "1"];
    let mut servers: Vec<_> = ports
        .iter()
        .map(|&p| spawn_serve(&app, p, &temp_dir("reload-data"), &args))
        .collect();
    let token = app.token(Role::Billing);
    let (status, old_title) = title_on(ports[0], &token);
    assert_eq!(status, 200);
    assert_ne!(old_title, NEW_TITLE);
    assert_eq!(title_on(ports[1], &token), (200, old_title.clone()));

    // Readers on both servers all through the import and the switch.
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = ports
        .iter()
        .map(|&p| {
            let (stop, token) = (stop.clone(), token.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    seen.push(title_on(p, &token));
                }
                seen
            })
        })
        .collect();

    let file = dir.join("cpt.txt");
    // A made-up descriptor: real CPT descriptors are the AMA's.
    std::fs::write(&file, format!("code\tdescriptor\n99213\t{NEW_TITLE}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args(["codesets", "import", "cpt", file.to_str().unwrap()])
        .args(["--effective-from", "2026-01-01", "--label", "CPT live"])
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", &dir)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let imported = Instant::now();
    for &p in &ports {
        while title_on(p, &token).1 != NEW_TITLE {
            assert!(
                imported.elapsed() < Duration::from_secs(60),
                "server {p} switched"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let switched = imported.elapsed();
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        let seen = r.join().unwrap();
        assert!(!seen.is_empty());
        let mut new_from = None;
        for (i, (status, title)) in seen.iter().enumerate() {
            assert_eq!(*status, 200, "every request answered");
            assert!(title == &old_title || title == NEW_TITLE, "{title}");
            if title == NEW_TITLE {
                new_from.get_or_insert(i);
            } else {
                assert!(new_from.is_none(), "no return to the old tables");
            }
        }
    }
    for s in &mut servers {
        terminate(s);
    }
    eprintln!("both servers answered from the new import {switched:?} after it was stored");
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_backends!(two_servers_pick_up_an_import);
