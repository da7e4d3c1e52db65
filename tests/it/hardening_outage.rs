//! Issue 10 item 2: a PostgreSQL outage. Readiness answers within about a second and says why,
//! requests fail fast with 503 + Retry-After, the error names the real cause, and service comes
//! back without a restart. The database sits behind a TCP relay the test can close.
#![allow(clippy::unwrap_used)]

use std::io::copy;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use diesel::r2d2::ManageConnection;
use medbill::audit::AuditSink;
use medbill::auth::roles::Role;
use medbill::auth::tokens::TokenKeys;
use medbill::db::{build_pool, AnyManager, Backend};
use medbill::http::request_id::assign_request_id;
use medbill::state::AppState;
use serde_json::Value;

use crate::common::{bundled_codes, TestApp, SECRET};

/// A TCP relay to PostgreSQL on a fixed local port that can be closed (port refused, open
/// connections cut) and reopened.
struct Relay {
    port: u16,
    target: String,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(target: &str) -> Relay {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let relay = Relay {
            port,
            target: target.to_string(),
            stop: Arc::new(AtomicBool::new(false)),
            open: Arc::new(Mutex::new(Vec::new())),
        };
        relay.open_port();
        relay
    }

    fn open_port(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        self.stop.store(false, Ordering::SeqCst);
        let (stop, open, target) = (self.stop.clone(), self.open.clone(), self.target.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut list = open.lock().unwrap();
                list.push(client.try_clone().unwrap());
                list.push(server.try_clone().unwrap());
                let (mut c1, mut s1) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut c2, mut s2) = (client, server);
                std::thread::spawn(move || copy(&mut c1, &mut s1));
                std::thread::spawn(move || copy(&mut s2, &mut c2));
            }
        });
    }

    /// Closes the port and cuts every relayed connection.
    fn close(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn call(state: &web::Data<AppState>, req: TestRequest) -> (u16, Option<String>, Value) {
    let state = state.clone();
    let app = test::init_service(
        App::new()
            .wrap(from_fn(assign_request_id))
            .configure(move |cfg| medbill::configure_app(cfg, state)),
    )
    .await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = serde_json::from_slice(&test::read_body(res).await).unwrap_or(Value::Null);
    (status, retry, body)
}

#[actix_web::test]
async fn postgres_outage_fails_fast_and_recovers() {
    let Some(app) = TestApp::postgres() else {
        return;
    };
    let (_, rest) = app.url.split_once("@").unwrap();
    let (hostport, db) = rest.split_once('/').unwrap();
    let relay = Relay::start(hostport);
    let url = format!("postgres://postgres@127.0.0.1:{}/{db}", relay.port);
    let pool = build_pool(&url, 4).unwrap();
    let audit = AuditSink::start(pool.clone()).unwrap();
    let state = web::Data::new(AppState::new(
        pool,
        Backend::Postgres,
        TokenKeys::new(SECRET, 900, None).unwrap(),
        audit,
        medbill::ops::code_reload::LiveCodes::new(bundled_codes(), 0),
    ));
    let list = || {
        TestRequest::get().uri("/v1/payers").insert_header((
            "authorization",
            format!("Bearer {}", app.token(Role::Billing)),
        ))
    };
    assert_eq!(call(&state, list()).await.0, 200);
    assert_eq!(
        call(&state, TestRequest::get().uri("/health/ready"))
            .await
            .0,
        200
    );

    relay.close();
    let t = Instant::now();
    let (status, retry, body) = call(&state, TestRequest::get().uri("/health/ready")).await;
    let ready_took = t.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(
        ready_took < Duration::from_millis(1500),
        "readiness took {ready_took:?}"
    );
    assert_eq!(body["reason"], "connection refused", "{body}");
    assert!(retry.is_some());
    let t = Instant::now();
    let (status, retry, body) = call(&state, list()).await;
    let request_took = t.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(
        request_took < Duration::from_secs(4),
        "request took {request_took:?}"
    );
    assert_eq!(retry.as_deref(), Some("1"));
    // The connection error (what the pool logs) names the real cause.
    let err = AnyManager::new(&url).connect().err().unwrap().to_string();
    assert!(err.contains("refused"), "{err}");
    assert!(!err.contains("multiconnection"), "{err}");
    eprintln!("outage: readiness {ready_took:?}, request {request_took:?}");

    // Back without a restart.
    relay.open_port();
    let mut ok = false;
    for _ in 0..20 {
        if call(&state, list()).await.0 == 200 {
            ok = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "no recovery after the database came back");
    assert_eq!(
        call(&state, TestRequest::get().uri("/health/ready"))
            .await
            .0,
        200
    );
    relay.close();
}
