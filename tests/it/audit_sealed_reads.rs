//! Issue 17: on SQLite the read-audit writer chains its rows as it writes them (the server's
//! set-up), with links `verify` accepts and the sealer's checkpoints cover; rows of change
//! transactions are still sealed by the sealer, after them in the chain. On PostgreSQL the rows
//! are written unsealed, as before.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common;

use common::audit::{as_admin, keyed_anchor, scratch_dir};
use common::{patient_body, TestApp};
use diesel::prelude::*;
use medbill::audit::chain::{head, seal_pending_with, verify_with};
use medbill::audit::sealer::{spawn_anchored_sealer, CheckpointPolicy};
use medbill::auth::roles::Role;
use medbill::db::schema::audit_log as al;
use medbill::db::AnyConnection;

/// Creates a patient and reads it `reads` times; returns its id.
async fn create_and_read(app: &TestApp, mrn: &str, reads: usize) -> String {
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body(mrn))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    for _ in 0..reads {
        let r = app.get(&format!("/v1/patients/{id}"), Role::Billing).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    id
}

/// (id, seq, action, has a MAC) of every row, by id.
fn rows(conn: &mut AnyConnection) -> Vec<(i64, Option<i64>, String, bool)> {
    al::table
        .order(al::id.asc())
        .select((al::id, al::seq, al::action, al::mac.is_not_null()))
        .load(conn)
        .unwrap()
}

async fn reads_are_sealed_as_they_are_written(app: TestApp) {
    let dir = scratch_dir("sealed");
    let real = keyed_anchor(&dir);
    let app = app.with_sealing_audit(real.clone());
    create_and_read(&app, "SEAL-1", 3).await;
    let mut conn = app.conn();
    let sqlite = matches!(&*conn, AnyConnection::Sqlite(_));
    let before = rows(&mut conn);
    let reads: Vec<_> = before.iter().filter(|r| r.2 == "read").collect();
    assert_eq!(reads.len(), 3, "{before:?}");
    assert!(before.iter().all(|r| r.3), "every row carries the MAC");
    let r = verify_with(&mut conn, &real).unwrap();
    assert!(r.ok, "{r:?}");
    if sqlite {
        // The reads are chained already; the create's rows wait for the sealer.
        assert!(reads.iter().all(|r| r.1.is_some()), "{before:?}");
        assert_eq!(r.checked, 3, "{r:?}");
        assert_eq!(r.unsealed as usize, before.len() - 3, "{r:?}");
    } else {
        assert!(before.iter().all(|r| r.1.is_none()), "{before:?}");
        assert_eq!(r.checked, 0, "{r:?}");
    }

    // The sealer chains the rest after them; the whole chain verifies, keyed.
    seal_pending_with(&mut conn, &real).unwrap();
    let r = verify_with(&mut conn, &real).unwrap();
    assert!(r.ok && r.unsealed == 0, "{r:?}");
    assert_eq!(r.checked as usize, before.len(), "{r:?}");
    if sqlite {
        // Chain order is not id order here: the earlier create rows come after the reads.
        let after = rows(&mut conn);
        let first_read = after.iter().find(|r| r.2 == "read").unwrap();
        let create = after.iter().find(|r| r.2 == "create").unwrap();
        assert!(
            create.0 < first_read.0 && create.1 > first_read.1,
            "{after:?}"
        );
    }

    // A writer-sealed link is a real link: changing its row breaks the chain there.
    let (id, seq) = al::table
        .filter(al::action.eq("read"))
        .order(al::id.asc())
        .select((al::id, al::seq))
        .first::<(i64, Option<i64>)>(&mut conn)
        .unwrap();
    as_admin(
        &mut conn,
        &format!("UPDATE audit_log SET actor = 'user:someone-else' WHERE id = {id}"),
    );
    let r = verify_with(&mut conn, &real).unwrap();
    let broken = r.first_broken.unwrap();
    assert_eq!((broken.id, Some(broken.seq)), (id, seq));
    std::fs::remove_dir_all(dir).unwrap();
}

async fn the_sealer_checkpoints_rows_sealed_by_the_writer(app: TestApp) {
    let dir = scratch_dir("sealed");
    let real = Arc::new(keyed_anchor(&dir));
    let app = app.with_sealing_audit((*real).clone());
    // No timer: only the chain's growth can bring a checkpoint.
    let eager = CheckpointPolicy {
        every: Duration::from_secs(3600),
        rows: 3,
    };
    let sealer = spawn_anchored_sealer(
        app.state.pool.clone(),
        Duration::from_millis(20),
        real.clone(),
        eager,
    )
    .unwrap();
    let mut conn = app.conn();
    // Seal the create's rows now, so what follows grows the chain by the reads alone.
    create_and_read(&app, "SEAL-2", 0).await;
    seal_pending_with(&mut conn, &real).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    create_and_read_only(&app, &mut conn, 3).await;
    while real.read_checkpoints().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no checkpoint after the reads");
        std::thread::sleep(Duration::from_millis(20));
    }
    sealer.finish();
    let r = verify_with(&mut conn, &real).unwrap();
    assert!(r.ok && r.unsealed == 0, "{r:?}");
    assert_eq!(
        r.unanchored, 0,
        "the final checkpoint names the head: {r:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Reads the one patient there is `n` times.
async fn create_and_read_only(app: &TestApp, conn: &mut AnyConnection, n: usize) {
    use medbill::db::schema::patients;
    let id: medbill::patients::model::PatientId =
        patients::table.select(patients::id).first(conn).unwrap();
    for _ in 0..n {
        let r = app.get(&format!("/v1/patients/{id}"), Role::Billing).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

/// Many reads at once (on PostgreSQL two writer threads) make one unbroken chain with every
/// row in it once the sealer has run.
async fn concurrent_reads_make_one_chain(app: TestApp) {
    let dir = scratch_dir("sealed");
    let real = keyed_anchor(&dir);
    let app = app.with_sealing_audit(real.clone());
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("SEAL-3"))
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let token = app.token(Role::Billing);
    let get = || {
        app.send(
            actix_web::test::TestRequest::get()
                .uri(&format!("/v1/patients/{id}"))
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
    };
    let answers = futures_util::future::join_all((0..60).map(|_| get())).await;
    assert!(answers.iter().all(|r| r.status == 200));
    let mut conn = app.conn();
    seal_pending_with(&mut conn, &real).unwrap();
    let r = verify_with(&mut conn, &real).unwrap();
    assert!(r.ok && r.unsealed == 0 && r.flagged == 0, "{r:?}");
    assert_eq!(r.checked as usize, rows(&mut conn).len(), "{r:?}");
    let reads = rows(&mut conn).iter().filter(|r| r.2 == "read").count();
    assert_eq!(reads, 60);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A batch of several rows (on PostgreSQL one statement over column arrays) stores every
/// column of every row as given, absent values as NULL, each with its own MAC: the sealer
/// accepts them all.
async fn a_batch_stores_every_column_of_every_row(app: TestApp) {
    use medbill::audit::{store, AuditEntry};
    let dir = scratch_dir("batch");
    let real = keyed_anchor(&dir);
    let mut entries: Vec<AuditEntry> = (0..5)
        .map(|i| AuditEntry::system("read", "patient", Some(format!("p-{i}"))))
        .collect();
    entries[1].resource_id = None;
    entries[2].request_id = Some("req-2".into());
    entries[3].actor = "user:batch".into();
    entries[4].outcome = "denied".into();
    let mut conn = app.conn();
    let before = rows(&mut conn).len();
    assert_eq!(store::insert(&mut conn, &entries).unwrap(), 5);
    type Stored = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
    );
    let stored: Vec<Stored> = al::table
        .order(al::id.asc())
        .offset(before as i64)
        .select((
            al::actor,
            al::action,
            al::resource_type,
            al::resource_id,
            al::request_id,
            al::outcome,
        ))
        .load(&mut *conn)
        .unwrap();
    let expected: Vec<Stored> = entries
        .iter()
        .map(|e| {
            (
                e.actor.clone(),
                e.action.clone(),
                e.resource_type.clone(),
                e.resource_id.clone(),
                e.request_id.clone(),
                e.outcome.clone(),
            )
        })
        .collect();
    assert_eq!(stored, expected);
    seal_pending_with(&mut conn, &real).unwrap();
    let r = verify_with(&mut conn, &real).unwrap();
    assert!(r.ok && r.unsealed == 0 && r.flagged == 0, "{r:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Tuples PostgreSQL has read from `audit_log` in the current transaction.
fn audit_tuples_read(conn: &mut AnyConnection) -> i64 {
    #[derive(QueryableByName)]
    struct Read {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(
        "SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::bigint AS n \
         FROM pg_stat_xact_user_tables WHERE relname = 'audit_log'",
    )
    .get_result::<Read>(conn)
    .unwrap()
    .n
}

/// The sealer and the writer ask for the chain's head at every round: it is the row with the
/// highest position, and reading it reads one row however long the chain is (on PostgreSQL,
/// which sends a statement's whole result, it read every sealed row).
async fn the_chain_head_reads_one_row(app: TestApp) {
    create_and_read(&app, "HEAD-1", 40).await;
    let mut conn = app.conn();
    seal_pending_with(&mut conn, &medbill::audit::anchor::Anchor::none()).unwrap();
    let (top, top_hash): (Option<i64>, Option<String>) = al::table
        .filter(al::seq.is_not_null())
        .order(al::seq.desc())
        .select((al::seq, al::hash))
        .first(&mut conn)
        .unwrap();
    assert!(top.unwrap() > 40, "{top:?}");
    let postgres = matches!(&*conn, AnyConnection::Postgres(_));
    let (head, read) = conn
        .transaction(|c| {
            let before = if postgres { audit_tuples_read(c) } else { 0 };
            let head = head(c)?;
            let read = if postgres {
                audit_tuples_read(c) - before
            } else {
                0
            };
            diesel::QueryResult::Ok((head, read))
        })
        .unwrap();
    assert_eq!(head, Some((top.unwrap(), top_hash.unwrap())));
    assert!(read <= 1, "the head read {read} audit rows");
}

on_both_backends!(
    reads_are_sealed_as_they_are_written,
    concurrent_reads_make_one_chain,
    the_sealer_checkpoints_rows_sealed_by_the_writer,
    a_batch_stores_every_column_of_every_row,
    the_chain_head_reads_one_row
);
