//! Issue 15 figures (a timed binary, not criterion: each figure is one large run):
//! 1. webhook deliveries per second from one worker ([`Deliverer`], the code `medbill worker`
//!    runs) to a loopback HTTP receiver in this process: N events queued, sequenced, then
//!    delivered, one endpoint subscribed to all; printed for 1 sender thread and the default;
//! 2. what writing the event adds to a patient create: the create's write transaction
//!    (patient row, audit row, commit) with and without the event row, in alternating rounds
//!    so machine load hits both alike. The share is of the transaction alone; a create over
//!    HTTP costs more (parsing, validation, the response), so its share is smaller still;
//! 3. (SQLite) the WAL pages one create writes with and without the event: what its commit
//!    must write and sync, a count machine load does not move.
//!
//! On SQLite (a file, `synchronous = FULL` as served), and on PostgreSQL when
//! MEDBILL_BENCH_PG_URL names a server database we may create databases beside.
//! Run: `cargo bench --bench webhooks` (EVENTS=20000, CREATES=2000, ROUNDS=10 to change sizes;
//! ONLY=deliveries or ONLY=create for one part; EVENT=with or EVENT=without for one variant of
//! the create, e.g. under `perf stat -e instructions`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use medbill::audit::{store as audit_store, AuditEntry};
use medbill::auth::roles::Role;
use medbill::auth::tokens::Caller;
use medbill::db::types::Timestamp;
use medbill::db::DbPool;
use medbill::events::{self, store as event_store, types};
use medbill::http::RequestCtx;
use medbill::patients::model::{NewPatient, Patient, PatientId};
use medbill::patients::{routes as patient_routes, store as patient_store};
use medbill::webhooks::deliver::{Deliverer, DeliveryConfig};
use medbill::webhooks::model::{EndpointId, EndpointRow};
use medbill::webhooks::ssrf::UrlPolicy;
use medbill::webhooks::{signing, store as endpoint_store, WebhookSettings};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A keep-alive HTTP/1.1 receiver on 127.0.0.1 answering 200 to every POST (a thread per
/// connection); counts the requests.
fn receiver() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                loop {
                    let mut len = 0usize;
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':') {
                            if k.eq_ignore_ascii_case("content-length") {
                                len = v.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; len];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    seen.fetch_add(1, Ordering::Relaxed);
                    let out = reader.get_mut();
                    if out
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}

fn deliveries(label: &str, pool: &DbPool, url: &str, seen: &AtomicUsize) -> Result<(), String> {
    let n = env_or("EVENTS", 20_000);
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let now = Timestamp::now();
    let ep = EndpointRow {
        id: EndpointId::new(),
        url: url.to_string(),
        event_types: r#"["*"]"#.into(),
        description: None,
        secret: signing::new_secret(),
        previous_secret: None,
        previous_secret_expires_at: None,
        enabled: true,
        disabled_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    endpoint_store::insert(&mut conn, &ep).map_err(|e| e.to_string())?;
    for senders in [1, DeliveryConfig::default().senders] {
        conn.write_transaction(|c| {
            for _ in 0..n {
                let id = uuid::Uuid::now_v7();
                events::record(
                    c,
                    types::PATIENT_UPDATED,
                    id,
                    2,
                    serde_json::json!({"patient_id": id}),
                )?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(|e| e.to_string())?;
        let before = seen.load(Ordering::Relaxed);
        let started = Instant::now();
        let sequenced = event_store::sequence_all(&mut conn).map_err(|e| e.to_string())?;
        let seq_secs = started.elapsed().as_secs_f64();
        let d = Deliverer::new(DeliveryConfig {
            owner: format!("bench-{senders}"),
            batch_size: 500,
            senders,
            settings: WebhookSettings {
                policy: UrlPolicy {
                    allow_loopback_http: true,
                    allow_private: false,
                },
                timeout: Duration::from_secs(10),
            },
            ..DeliveryConfig::default()
        })?;
        let started = Instant::now();
        let t = d.drain_at(pool, Timestamp::now())?;
        let secs = started.elapsed().as_secs_f64();
        let received = seen.load(Ordering::Relaxed) - before;
        assert_eq!((sequenced, t.delivered, received), (n, n, n), "{t:?}");
        println!(
            "{label}: {n} events sequenced (deliveries queued) in {seq_secs:.2} s = {:.0}/s; \
             delivered in {secs:.2} s = {:.0} deliveries/s ({senders} sender threads, \
             batches of 500); both steps {:.0}/s",
            n as f64 / seq_secs,
            n as f64 / secs,
            n as f64 / (secs + seq_secs)
        );
    }
    Ok(())
}

fn ctx() -> RequestCtx {
    RequestCtx {
        caller: Caller {
            actor: "system:bench".into(),
            role: Role::FrontDesk,
            generation: None,
        },
        request_id: String::new(),
    }
}

fn new_patient(i: usize, round: usize, with: bool) -> NewPatient {
    serde_json::from_value(serde_json::json!({
        "mrn": format!("B{}{round}-{i}", if with { "E" } else { "N" }),
        "first_name": "Ann", "last_name": "Lee", "birth_date": "1980-02-03", "sex": "F",
        "address_line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701"
    }))
    .unwrap()
}

/// `create_in` without its event: the same patient row and audit row.
fn create_without_event(
    conn: &mut medbill::db::AnyConnection,
    ctx: &RequestCtx,
    input: NewPatient,
) -> diesel::QueryResult<()> {
    let now = Timestamp::now();
    let pt = Patient {
        id: PatientId::new(),
        mrn: input.mrn,
        first_name: input.first_name,
        middle_name: input.middle_name,
        last_name: input.last_name,
        birth_date: input.birth_date,
        sex: input.sex,
        address_line1: input.address_line1,
        address_line2: input.address_line2,
        city: input.city,
        state: input.state,
        postal_code: input.postal_code,
        phone: input.phone,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let entry = AuditEntry::success(ctx, "create", "patient", Some(pt.id.to_string()));
    let parts = (
        patient_store::insert_statement(&pt),
        audit_store::insert_statement(&entry),
    );
    medbill::db::chained::execute(conn, parts).map(|_| ())
}

fn event_cost(label: &str, pool: &DbPool) -> Result<(), String> {
    let (creates, rounds) = (env_or("CREATES", 2_000), env_or("ROUNDS", 10));
    // EVENT=with or EVENT=without runs that variant alone (to count its instructions with
    // `perf stat`, a figure machine load does not move).
    let only_event = std::env::var("EVENT").ok().map(|v| v == "with");
    let ctx = ctx();
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so a drift in machine load does not favour one.
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for event in order {
            if only_event.is_some_and(|only| only != event) {
                continue;
            }
            let started = Instant::now();
            for i in 0..creates {
                let input = new_patient(i, round, event);
                conn.write_transaction(|c| {
                    if event {
                        patient_routes::create_in(c, &ctx, input).map(|_| ())
                    } else {
                        create_without_event(c, &ctx, input)
                            .map_err(medbill::error::DomainError::from)
                    }
                })
                .map_err(|e| format!("{e:?}"))?;
            }
            let us = started.elapsed().as_secs_f64() * 1e6 / creates as f64;
            if event {
                with.push(us)
            } else {
                without.push(us)
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    if let Some(event) = only_event {
        let v = if event { &mut with } else { &mut without };
        println!(
            "{label}: patient create transaction {:.1} us {} the event (median of {rounds} \
             rounds of {creates})",
            median(v),
            if event { "with" } else { "without" }
        );
        return Ok(());
    }
    let (w, wo) = (median(&mut with), median(&mut without));
    println!(
        "{label}: patient create transaction {wo:.1} us without the event, {w:.1} us with it \
         (medians of {rounds} rounds of {creates}): the event adds {:.1} us = {:.1} % \
         (target ≤ 10 %)",
        w - wo,
        100.0 * (w - wo) / wo
    );
    Ok(())
}

/// SQLite only: the WAL pages (frames) one create writes, without and with its event, over
/// `CREATES / 4` creates each with automatic checkpoints off: the pages every commit must
/// write and sync, a count that machine load does not move (the times above it does).
fn wal_pages(label: &str, pool: &DbPool, wal: &std::path::Path) -> Result<(), String> {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    let n = (env_or("CREATES", 2_000) / 4).max(1);
    let ctx = ctx();
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let page_size: i64 = match &mut *conn {
        medbill::db::AnyConnection::Sqlite(c) => diesel::select(diesel::dsl::sql::<BigInt>(
            "(SELECT page_size FROM pragma_page_size())",
        ))
        .get_result(c)
        .map_err(|e| e.to_string())?,
        medbill::db::AnyConnection::Postgres(_) => return Ok(()),
    };
    let mut per_create = [0.0; 2];
    for (k, event) in [false, true].into_iter().enumerate() {
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA wal_autocheckpoint = 0")
            .map_err(|e| e.to_string())?;
        for i in 0..n {
            let input = new_patient(i, 100 + k, event);
            conn.write_transaction(|c| {
                if event {
                    patient_routes::create_in(c, &ctx, input).map(|_| ())
                } else {
                    create_without_event(c, &ctx, input).map_err(medbill::error::DomainError::from)
                }
            })
            .map_err(|e| format!("{e:?}"))?;
        }
        // A WAL file is a 32-byte header and frames of a 24-byte header and a page.
        let bytes = std::fs::metadata(wal).map_err(|e| e.to_string())?.len();
        per_create[k] = bytes.saturating_sub(32) as f64 / (24 + page_size) as f64 / n as f64;
    }
    conn.batch_execute("PRAGMA wal_autocheckpoint = 1000")
        .map_err(|e| e.to_string())?;
    println!(
        "{label}: WAL pages written per create ({n} each): {:.2} without the event, {:.2} \
         with it (+{:.2} = {:.1} %)",
        per_create[0],
        per_create[1],
        per_create[1] - per_create[0],
        100.0 * (per_create[1] - per_create[0]) / per_create[0]
    );
    Ok(())
}

fn run(label: &str, pool: &DbPool, url: &str, seen: &AtomicUsize) {
    if std::env::var("ONLY").map_or(true, |v| v == "deliveries") {
        if let Err(e) = deliveries(label, pool, url, seen) {
            eprintln!("{label}: deliveries: {e}");
        }
    }
    if std::env::var("ONLY").map_or(true, |v| v == "create") {
        if let Err(e) = event_cost(label, pool) {
            eprintln!("{label}: event cost: {e}");
        }
    }
}

fn main() {
    // `cargo bench` passes --bench; a filter argument is not used.
    let (url, seen) = receiver();
    let dir = std::env::temp_dir().join(format!("medbill-webhooks-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("bench.db");
    match medbill::server::open_database(&file.to_string_lossy(), 4) {
        Ok(pool) => {
            run("SQLite", &pool, &url, &seen);
            if std::env::var("ONLY").map_or(true, |v| v == "create")
                && std::env::var("EVENT").is_err()
            {
                if let Err(e) = wal_pages("SQLite", &pool, &dir.join("bench.db-wal")) {
                    eprintln!("SQLite: WAL pages: {e}");
                }
            }
        }
        Err(e) => eprintln!("SQLite: {e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(admin_url) = std::env::var("MEDBILL_BENCH_PG_URL") else {
        println!("PostgreSQL: set MEDBILL_BENCH_PG_URL to measure it");
        return;
    };
    let name = format!("webhooks_bench_{}", std::process::id());
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let db_url = format!("{base}/{name}");
    let admin = || {
        use diesel::Connection;
        diesel::PgConnection::establish(&admin_url).map_err(|e| e.to_string())
    };
    match admin().and_then(|mut a| {
        a.batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| e.to_string())
    }) {
        Ok(()) => {
            match medbill::server::open_database(&db_url, 4) {
                Ok(pool) => {
                    run("PostgreSQL", &pool, &url, &seen);
                    drop(pool);
                }
                Err(e) => eprintln!("PostgreSQL: {e}"),
            }
            if let Ok(mut a) = admin() {
                let _ = a.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        Err(e) => eprintln!("PostgreSQL: {e}"),
    }
}
