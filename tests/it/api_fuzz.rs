//! Property-based testing of the whole API from its own OpenAPI document: schemathesis
//! generates thousands of requests (valid, invalid, and stateful sequences) against a real
//! server on loopback and checks that none gets a 5xx, and that every status code, content
//! type and response body is one the document declares. Runs on SQLite and PostgreSQL.
//!
//! Needs MEDBILL_SCHEMATHESIS (the `schemathesis` executable; .ci/run installs it into a
//! virtualenv in the build tree). Outside CI the test is skipped when it is unset.
#![allow(clippy::unwrap_used)]

use diesel::connection::SimpleConnection;
use diesel::Connection;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn medbill(dir: &std::path::Path, url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_medbill"));
    c.env("MEDBILL_DATA_DIR", dir)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn");
    c
}

fn token(port: u16, password: &str) -> String {
    use std::io::Read;
    let body = format!(
        "grant_type=password&username=fuzz&password={}",
        password.replace(' ', "+")
    );
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST /v1/auth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let json = raw.split_once("\r\n\r\n").unwrap().1;
    serde_json::from_str::<serde_json::Value>(json).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

fn fuzz(schemathesis: &str, url: &str) {
    let dir = std::env::temp_dir().join(format!("medbill-fuzz-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let password = "fuzzing password 1";
    let mut add = medbill(&dir, url)
        .args([
            "users",
            "add",
            "fuzz",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        medbill(&dir, url)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = Command::new(schemathesis)
        .args([
            "run",
            &format!("http://127.0.0.1:{port}/openapi.json"),
            "-H",
            &format!("Authorization: Bearer {}", token(port, password)),
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            "15",
            "--workers",
            "2",
            "--seed",
            "20261126",
        ])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems on {url}:\n{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_api_holds_up_to_generated_requests() {
    let Ok(schemathesis) = std::env::var("MEDBILL_SCHEMATHESIS") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set MEDBILL_SCHEMATHESIS"
        );
        eprintln!("skipped: set MEDBILL_SCHEMATHESIS to the schemathesis executable");
        return;
    };
    let sqlite =
        std::env::temp_dir().join(format!("medbill-fuzz-{}.sqlite3", uuid::Uuid::new_v4()));
    fuzz(&schemathesis, sqlite.to_str().unwrap());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    if let Ok(admin_url) = std::env::var("MEDBILL_TEST_PG_URL") {
        let name = format!("medbill_fuzz_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
        fuzz(&schemathesis, &url);
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    }
}
