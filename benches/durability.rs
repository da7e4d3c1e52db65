//! The cost of durable commits: patient create and claim queueing through the real HTTP app
//! (in process) on an SQLite file, with `synchronous = FULL` (the default) and `NORMAL`.
//! Only the measured requests are timed; building the claims to queue is set-up.
//! Run: `cargo bench --bench durability` (figures in docs/performance.md).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/claims_fx/mod.rs"]
mod claims_fx;
#[path = "../tests/it/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use actix_web::web;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use medbill::audit::{store as audit_store, AuditEntry, AuditSink};
use medbill::auth::roles::Role;
use medbill::auth::tokens::TokenKeys;
use medbill::db::{build_pool_with, Backend, ConnectionOptions, SqliteSync};
use medbill::ops::code_reload::LiveCodes;
use medbill::state::AppState;

use common::{bundled_codes, fixtures::coded, patient_body, TestApp, SECRET};

/// A fresh SQLite app whose connections commit with `sync`.
fn app_with(sync: SqliteSync) -> TestApp {
    let mut app = TestApp::sqlite();
    let options = ConnectionOptions { sqlite_sync: sync };
    let pool = build_pool_with(&app.url, 4, options).unwrap();
    let audit = AuditSink::start(pool.clone()).unwrap();
    app.state = web::Data::new(AppState::new(
        pool,
        Backend::Sqlite,
        TokenKeys::new(SECRET, 900, None).unwrap(),
        audit,
        LiveCodes::new(bundled_codes(), 0),
    ));
    app
}

fn durability(c: &mut Criterion) {
    let rt = actix_rt::System::new();
    let mut group = c.benchmark_group("durability");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, sync) in [("FULL", SqliteSync::Full), ("NORMAL", SqliteSync::Normal)] {
        let app = app_with(sync);
        let mut n = 0u64;
        group.bench_function(format!("POST /v1/patients, synchronous={name}"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iters {
                        n += 1;
                        let body = patient_body(&format!("BENCH-{n}"));
                        let r = app.post("/v1/patients", Role::FrontDesk, &body).await;
                        assert_eq!(r.status, 201);
                    }
                    started.elapsed()
                })
            })
        });
        // The commit alone: one write transaction holding one audit row, as every request
        // above commits once; this is where FULL's extra WAL sync shows.
        group.bench_function(format!("one write transaction, synchronous={name}"), |b| {
            let mut conn = app.state.pool.get().unwrap();
            b.iter(|| {
                let entry = AuditEntry::system("bench", "commit", None);
                conn.write_transaction(|c| audit_store::insert(c, &[entry]))
                    .unwrap()
            })
        });
        // Four writers at once: commits queue on the one SQLite writer, so the time per commit
        // here is the write ceiling (1 / time = commits per second).
        group.bench_function(
            format!("4 concurrent writers, per commit, synchronous={name}"),
            |b| {
                b.iter_custom(|iters| {
                    let started = Instant::now();
                    let writers: Vec<_> = (0..4)
                        .map(|_| {
                            let pool = app.state.pool.clone();
                            std::thread::spawn(move || {
                                let mut conn = pool.get().unwrap();
                                for _ in 0..iters.div_ceil(4) {
                                    let entry = AuditEntry::system("bench", "commit", None);
                                    conn.write_transaction(|c| audit_store::insert(c, &[entry]))
                                        .unwrap();
                                }
                            })
                        })
                        .collect();
                    writers.into_iter().for_each(|w| w.join().unwrap());
                    started.elapsed()
                })
            },
        );
        let (fx, _) = rt.block_on(claims_fx::ready(&app, "BENCH-Q"));
        group.bench_function(
            format!("POST /v1/claims/{{id}}/queue, synchronous={name}"),
            |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut ids = Vec::new();
                        for _ in 0..iters {
                            let enc = claims_fx::signed_off(&app, &coded(&fx)).await;
                            ids.push(claims_fx::built(&app, &enc).await);
                        }
                        let started = Instant::now();
                        for id in &ids {
                            claims_fx::queued(&app, id).await;
                        }
                        started.elapsed()
                    })
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, durability);
criterion_main!(benches);
