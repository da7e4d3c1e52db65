//! Property-based testing of the whole API from its own OpenAPI document: schemathesis
//! generates thousands of requests (valid, invalid, and stateful sequences) against a real
//! server on loopback and checks that none gets a 5xx, and that every status code, content
//! type and response body is one the document declares. Runs on SQLite and PostgreSQL.
//!
//! Needs MEDBILL_SCHEMATHESIS (the `schemathesis` executable; .ci/run installs it into a
//! virtualenv in the build tree). Outside CI the test is skipped when it is unset.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestApp;

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

/// What a run's reports say: operations with a failed check, create operations (POST
/// answering 201 in the document) and those that did answer 201.
struct Summary {
    errors: Vec<Value>,
    /// Each failed check, shortened: operation, check name, its message and the status got.
    failures: Vec<String>,
    /// Operations that answered 5xx: never tolerated, listed or not.
    server_errors: BTreeSet<String>,
    creates: BTreeSet<String>,
    created: BTreeSet<String>,
}

fn read_report(dir: &std::path::Path) -> Summary {
    let mut summary = Summary {
        errors: Vec::new(),
        failures: Vec::new(),
        server_errors: BTreeSet::new(),
        creates: BTreeSet::new(),
        created: BTreeSet::new(),
    };
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        if name.starts_with("json-") {
            // Errors (an unusable link, a schema it cannot read) are not failures but make
            // the run worthless.
            let run: Value = serde_json::from_str(&text).unwrap();
            summary.errors = run["errors"].as_array().cloned().unwrap_or_default();
        } else if name.starts_with("ndjson-") {
            for line in text.lines() {
                let event: Value = serde_json::from_str(line).unwrap();
                let Some(recorder) = event["ScenarioFinished"].get("recorder") else {
                    continue;
                };
                // Scenarios that sent nothing (skipped) record no interactions.
                let Some(interactions) = recorder["interactions"].as_object() else {
                    continue;
                };
                for (id, interaction) in interactions {
                    let case = &recorder["cases"][id]["value"];
                    // Stateful scenarios are recorded under one label; each case still names
                    // its own operation.
                    let op = format!(
                        "{} {}",
                        case["method"].as_str().unwrap(),
                        case["path"].as_str().unwrap()
                    );
                    let status = &interaction["response"]["status_code"];
                    for check in recorder["checks"][id]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|check| check["status"] == "failure")
                    {
                        let mut info = check["failure_info"].to_string();
                        info.truncate(400);
                        summary.failures.push(format!(
                            "{op} -> {status}: {} {info}",
                            check["name"].as_str().unwrap_or("?")
                        ));
                    }
                    if interaction["response"]["status_code"]
                        .as_u64()
                        .is_some_and(|s| s >= 500 && s != 503)
                    {
                        summary.server_errors.insert(op.clone());
                    }
                    if interaction["response"]["status_code"] == 201 {
                        summary.created.insert(op);
                    }
                }
            }
        }
    }
    let doc: Value = serde_json::from_str(&medbill::openapi::spec_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item["post"]["responses"].get("201").is_some() {
            summary.creates.insert(format!("POST {path}"));
        }
    }
    summary
}

/// Runs schemathesis against a server on `url`'s database; `Err` names what failed in a few
/// lines (the whole report goes to stderr first), so CI's excerpt of the output, which is its
/// end, shows the cause rather than a panic's backtrace.
fn fuzz(schemathesis: &str, url: &str, fixtures: &Value) -> Result<(), String> {
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
            // Webhook endpoints on loopback over plain HTTP (the hooks point them there).
            .env("MEDBILL_WEBHOOKS_ALLOW_LOOPBACK_HTTP", "1")
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
    let reports = dir.join("reports");
    let here = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/schemathesis");
    let started = Instant::now();
    let out = Command::new(schemathesis)
        .args(["--config-file", &format!("{here}/schemathesis.toml")])
        .args([
            "run",
            &format!("http://127.0.0.1:{port}/openapi.json"),
            "-H",
            &format!("Authorization: Bearer {}", token(port, password)),
            // Every check runs (none is named here, so none is chosen on the command line:
            // schemathesis.toml turns `use_after_free` off and one check off for one
            // operation, which a `--checks` list would override).
            // Bounded so both backends together stay within a few minutes on 2 cores.
            "--max-examples",
            "15",
            "--workers",
            "2",
            "--seed",
            "20261126",
            "--report",
            "json,ndjson",
            "--report-dir",
        ])
        .arg(&reports)
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .env("SCHEMATHESIS_HOOKS", format!("{here}/hooks.py"))
        .env("MEDBILL_FUZZ_FIXTURES", fixtures.to_string())
        .env(
            "MEDBILL_FUZZ_LOGIN",
            serde_json::json!({"username": "fuzz", "password": password}).to_string(),
        )
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("schemathesis on {url}: {:?}", started.elapsed());
    let mut summary = read_report(&reports);
    // Schemathesis 4.32 sometimes fails inside its own Python while describing a generated
    // case ("Runtime Error": hypothesis' lambda-source cache hits CPython's "AST constructor
    // recursion depth mismatch"); that is the tool, not the API, so it is reported but does
    // not fail the run. Every other error (an unsendable body, a network error) still does.
    let tool_faults = summary.errors.len();
    summary.errors.retain(|e| {
        e["title"].as_str() != Some("Runtime Error")
            || !report.contains("AST constructor recursion depth mismatch")
    });
    if tool_faults != summary.errors.len() {
        eprintln!(
            "schemathesis internal errors ignored on {url}: {}",
            tool_faults - summary.errors.len()
        );
    }
    let unreached: Vec<&String> = summary
        .creates
        .iter()
        .filter(|op| !summary.created.contains(*op))
        .collect();
    let mut problems = Vec::new();
    if !summary.errors.is_empty() {
        problems.push(format!("errors: {:?}", summary.errors));
    }
    if !summary.server_errors.is_empty() {
        problems.push(format!("5xx from {:?}", summary.server_errors));
    }
    // No operation is exempted: what a stored record decides is declared per operation and
    // per check in schemathesis.toml (docs/api.md, "Schemathesis run").
    if !summary.failures.is_empty() {
        problems.push(format!("failed checks:\n{}", summary.failures.join("\n")));
    }
    if !unreached.is_empty() {
        problems.push(format!("never got 201 from {unreached:?}"));
    }
    if problems.is_empty() {
        std::fs::remove_dir_all(&dir).unwrap();
        return Ok(());
    }
    eprintln!("{report}");
    Err(format!(
        "schemathesis on {url} (reports in {}):\n{}",
        reports.display(),
        problems.join("\n")
    ))
}

/// A failed run's description, printed as it is (the test harness prints an error's `Debug`).
struct Failed(String);

impl std::fmt::Debug for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs on both backends, one after the other (each run is most of a minute on 2 cores), each
/// over a database seeded with the records the creates need (see `api_fuzz_seed`).
#[actix_web::test]
async fn the_api_holds_up_to_generated_requests() -> Result<(), Failed> {
    let Ok(schemathesis) = std::env::var("MEDBILL_SCHEMATHESIS") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set MEDBILL_SCHEMATHESIS"
        );
        eprintln!("skipped: set MEDBILL_SCHEMATHESIS to the schemathesis executable");
        return Ok(());
    };
    let app = TestApp::sqlite();
    let fixtures = crate::api_fuzz_seed::seed(&app).await;
    let sqlite = fuzz(&schemathesis, &app.url, &fixtures);
    drop(app);
    // PostgreSQL runs even when SQLite failed, so one CI run tells about both.
    let postgres = match TestApp::postgres() {
        Some(app) => {
            let fixtures = crate::api_fuzz_seed::seed(&app).await;
            fuzz(&schemathesis, &app.url, &fixtures)
        }
        None => Ok(()),
    };
    match (sqlite, postgres) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(Failed(e)),
        (Err(a), Err(b)) => Err(Failed(format!("{a}\n{b}"))),
    }
}
