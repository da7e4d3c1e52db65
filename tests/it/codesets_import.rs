//! Importing code tables end to end: the `medbill codesets import` command stores a licensee's
//! CPT file and a CMS MUE file, and a real server started afterwards answers from them for the
//! dates they cover.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::process::medbill;

/// One HTTP/1.1 request over loopback; returns the status and the body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn imported_cpt_and_mue_tables_are_used_by_the_server() {
    let dir = std::env::temp_dir().join(format!("medbill-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let cpt = dir.join("cpt.txt");
    // Made-up descriptors: real CPT descriptors are the AMA's and never go in the repository.
    std::fs::write(&cpt, "code\tdescriptor\n99213\tTest descriptor for an office visit\n0001U\tTest descriptor for a lab panel\n").unwrap();
    let mue = dir.join("mue.csv");
    std::fs::write(&mue, "\"notice line\"\n\"HCPCS/CPT Code\",\"MUE Values\",\"Indicator\",\"Rationale\"\n\"36415\",\"2\",\"3\",\"Clinical\"\n").unwrap();
    let broken = dir.join("broken.txt");
    std::fs::write(&broken, "99213 no tab here\n").unwrap();

    let (ok, out, err) = medbill(
        &dir,
        &[
            "codesets",
            "import",
            "cpt",
            cpt.to_str().unwrap(),
            "--effective-from",
            "2026-01-01",
            "--effective-to",
            "2026-12-31",
            "--label",
            "CPT test 2026",
        ],
        None,
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("imported 2 rows"), "{out}");
    assert!(err.contains("stored 2/2 rows"), "progress is shown: {err}");
    let (ok, _, err) = medbill(
        &dir,
        &[
            "codesets",
            "import",
            "mue",
            mue.to_str().unwrap(),
            "--effective-from",
            "2026-01-01",
            "--label",
            "MUE test",
        ],
        None,
    );
    assert!(ok, "{err}");
    let (ok, _, err) = medbill(
        &dir,
        &[
            "codesets",
            "import",
            "cpt",
            broken.to_str().unwrap(),
            "--effective-from",
            "2026-01-01",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("line 1"), "{err}");
    let (_, list, _) = medbill(&dir, &["codesets", "list"], None);
    assert_eq!(
        list.lines().count(),
        2,
        "the broken file stored nothing: {list}"
    );

    let (ok, _, _) = medbill(
        &dir,
        &[
            "users",
            "add",
            "bill",
            "--role",
            "billing",
            "--password-stdin",
        ],
        Some("billing password 1\n"),
    );
    assert!(ok);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_medbill"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("MEDBILL_DATA_DIR", &dir)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, body) = http(
        port,
        "POST",
        "/v1/auth/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "grant_type=password&username=bill&password=billing+password+1",
    );
    assert_eq!(status, 200, "{body}");
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let auth = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let get = |path: &str| {
        let (s, b) = http(port, "GET", path, &[("Authorization", &auth)], "");
        (
            s,
            serde_json::from_str::<serde_json::Value>(&b).unwrap_or_default(),
        )
    };
    let (s, inside) = get("/v1/codesets/cpt/codes/99213?date=2026-06-01");
    assert_eq!(s, 200, "{inside}");
    assert_eq!(inside["title"], "Test descriptor for an office visit");
    assert_eq!(inside["version"], "CPT test 2026");
    let (_, outside) = get("/v1/codesets/cpt/codes/99213?date=2027-02-01");
    assert_ne!(outside["title"], "Test descriptor for an office visit");
    let (_, summary) = get("/v1/codesets");
    assert!(summary.to_string().contains("CPT test 2026"), "{summary}");
    std::fs::remove_dir_all(&dir).unwrap();
}
