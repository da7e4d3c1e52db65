//! Lost races on claims: a claim action that read the claim, then lost the write to a
//! concurrent change, answers 412 naming the version stored now (not a guess).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::claims_fx::{built, ready};
use crate::common::TestApp;
use medbill::auth::roles::Role;
use medbill::db::{Backend, DbPool};

/// Sessions of this database waiting on a row lock (PostgreSQL).
fn lock_waiters(pool: &DbPool) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = pool.get().unwrap();
    diesel::sql_query(
        "SELECT COUNT(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result::<N>(&mut *c)
    .unwrap()
    .n
}

async fn lost_race_reports_stored_version(app: TestApp) {
    let (_, enc) = ready(&app, "R1").await;
    let id = built(&app, &enc).await;
    let token = app.token(Role::Billing);
    // Another writer queues the claim and the worker submits it (two versions), in one
    // transaction held open while the request runs.
    let mut other = app.conn();
    other
        .batch_execute(&format!(
            "BEGIN; \
             UPDATE claims SET status = 'queued', version = version + 1 WHERE id = '{id}'; \
             UPDATE claims SET status = 'submitted', version = version + 1 WHERE id = '{id}';"
        ))
        .unwrap();
    let pool = app.state.pool.clone();
    let postgres = app.state.backend == Backend::Postgres;
    let committer = std::thread::spawn(move || {
        // On PostgreSQL the request reads version 1 (the open change is not visible), passes
        // its If-Match check and blocks on the row lock: commit only then, so it loses the
        // race. SQLite's request waits for the lock before it reads, so it sees version 3.
        let deadline = Instant::now() + Duration::from_secs(30);
        if postgres {
            while lock_waiters(&pool) == 0 {
                assert!(
                    Instant::now() < deadline,
                    "the request never waited on the row"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        } else {
            std::thread::sleep(Duration::from_millis(300));
        }
        other.batch_execute("COMMIT").unwrap();
    });
    let r = app
        .send(
            TestRequest::post()
                .uri(&format!("/v1/claims/{id}/queue"))
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("if-match", "\"1\"")),
        )
        .await;
    committer.join().unwrap();
    assert_eq!(r.status, 412, "{}", r.body);
    assert_eq!(r.body["current_version"], 3, "{}", r.body);
    let r = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    assert_eq!(r.body["version"], 3);
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(
        app.count("submission_jobs"),
        0,
        "the lost request queued nothing"
    );
}

on_both_backends!(lost_race_reports_stored_version);
