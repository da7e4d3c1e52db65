//! Operations with the real binary: durable-commit settings (SQLite synchronous level, the
//! PostgreSQL synchronous_commit refusal) and `medbill backup` taken while writers run, then
//! `medbill restore` into an empty database.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::temp_dir;
use crate::common::TestApp;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use medbill::audit::{chain, store as audit_store, AuditEntry};
use medbill::db::{build_pool_with, AnyConnection, ConnectionOptions, SqliteSync};
use medbill::ops::backup::sqlite_integrity;
use medbill::ops::durability::check_commit_durability;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs the binary against `url`; returns success and stdout + stderr.
fn medbill(url: &str, data: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_medbill"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("MEDBILL_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .env_remove("MEDBILL_ALLOW_ASYNC_COMMIT")
        .env_remove("MEDBILL_SQLITE_SYNCHRONOUS")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[derive(QueryableByName)]
struct SyncLevel {
    #[diesel(sql_type = Integer)]
    synchronous: i32,
}

fn pg_database_name(url: &str) -> &str {
    url.rsplit_once('/').unwrap().1
}

async fn durable_commit_settings(app: TestApp) {
    let data = temp_dir("durable");
    if !app.url.starts_with("postgres") {
        let level = |c: &mut AnyConnection| {
            diesel::sql_query("PRAGMA synchronous")
                .get_result::<SyncLevel>(c)
                .unwrap()
                .synchronous
        };
        assert_eq!(level(&mut app.conn()), 2, "FULL by default");
        let normal = ConnectionOptions {
            sqlite_sync: SqliteSync::Normal,
        };
        let pool = build_pool_with(&app.url, 1, normal).unwrap();
        assert_eq!(level(&mut pool.get().unwrap()), 1, "NORMAL when chosen");
        let (ok, out) = medbill(
            &app.url,
            &data,
            &["--sqlite-synchronous", "sometimes", "migrate"],
        );
        assert!(!ok && out.contains("use full or normal"), "{out}");
        return;
    }
    check_commit_durability(&mut app.conn(), false).unwrap();
    let name = pg_database_name(&app.url).to_string();
    app.conn()
        .batch_execute(&format!(
            "ALTER DATABASE {name} SET synchronous_commit = off"
        ))
        .unwrap();
    // Sessions opened from now on inherit the database setting.
    let mut fresh = AnyConnection::open(&app.url).unwrap();
    let err = check_commit_durability(&mut fresh, false).unwrap_err();
    assert!(err.contains("synchronous_commit is off"), "{err}");
    check_commit_durability(&mut fresh, true).unwrap();
    let (ok, out) = medbill(
        &app.url,
        &data,
        &["serve", "--listen", "127.0.0.1:0", "--no-worker"],
    );
    assert!(!ok, "serve refuses to start: {out}");
    assert!(out.contains("synchronous_commit is off"), "{out}");
    app.conn()
        .batch_execute(&format!("ALTER DATABASE {name} RESET synchronous_commit"))
        .unwrap();
}

#[derive(QueryableByName)]
struct Rid {
    #[diesel(sql_type = Text)]
    resource_id: String,
}

/// The stop flag, the acknowledged ids and the writer threads.
type Writers = (
    Arc<AtomicBool>,
    Arc<Mutex<Vec<String>>>,
    Vec<std::thread::JoinHandle<()>>,
);

/// Writers that each commit one audited row per transaction (sealing now and then) and record
/// the ids whose commit returned, i.e. was acknowledged.
fn start_writers(app: &TestApp, n: usize) -> Writers {
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let threads = (0..n)
        .map(|_| {
            let (pool, stop, acked) = (app.state.pool.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let mut conn = pool.get().unwrap();
                    let id = uuid::Uuid::new_v4().to_string();
                    let entry = AuditEntry::system("create", "backup-probe", Some(id.clone()));
                    conn.write_transaction(|c| audit_store::insert(c, &[entry]))
                        .unwrap();
                    acked.lock().unwrap().push(id);
                    i += 1;
                    if i % 10 == 0 {
                        chain::seal_pending(&mut conn).unwrap();
                    }
                }
            })
        })
        .collect();
    (stop, acked, threads)
}

async fn backup_while_writing_then_restore(app: TestApp) {
    let pg = app.url.starts_with("postgres");
    let work = temp_dir("backup");
    let (stop, acked, threads) = start_writers(&app, 3);
    std::thread::sleep(Duration::from_millis(400));
    let before: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
    let dest = work.join(if pg {
        "medbill.dump"
    } else {
        "medbill-backup.sqlite3"
    });
    let (ok, out) = medbill(&app.url, &work, &["backup", dest.to_str().unwrap()]);
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert!(ok, "{out}");
    let written = acked.lock().unwrap().len();
    assert!(written > before.len(), "writers ran during the backup");

    let (restored_url, admin) = if pg {
        let admin = std::env::var("MEDBILL_TEST_PG_URL").unwrap();
        let name = format!("medbill_r_{}", uuid::Uuid::new_v4().simple());
        diesel::PgConnection::establish(&admin)
            .unwrap()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        (format!("{base}/{name}"), Some((admin, name)))
    } else {
        let empty = temp_dir("restored");
        (
            empty.join("medbill.sqlite3").to_string_lossy().into_owned(),
            None,
        )
    };
    let (ok, out) = medbill(&restored_url, &work, &["restore", dest.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("audit chain verified"), "{out}");

    let mut conn = AnyConnection::open(&restored_url).unwrap();
    if !pg {
        sqlite_integrity(&mut conn).unwrap();
    }
    let got: HashSet<String> =
        diesel::sql_query("SELECT resource_id FROM audit_log WHERE resource_type = 'backup-probe'")
            .load::<Rid>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| r.resource_id)
            .collect();
    let missing = before.difference(&got).count();
    assert_eq!(
        missing, 0,
        "every write acknowledged before the backup began is restored"
    );
    let report = chain::verify(&mut conn).unwrap();
    assert!(report.ok && report.checked > 0, "{report:?}");
    eprintln!(
        "backup during writes: {} acknowledged before it began, {} in the backup, {} written in all",
        before.len(),
        got.len(),
        written
    );
    drop(conn);

    // A second restore into the now non-empty database is refused.
    let (ok, out) = medbill(&restored_url, &work, &["restore", dest.to_str().unwrap()]);
    assert!(!ok, "{out}");
    if let Some((admin, name)) = admin {
        let _ = diesel::PgConnection::establish(&admin)
            .unwrap()
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
    let _ = std::fs::remove_dir_all(&work);
}

on_both_backends!(durable_commit_settings, backup_while_writing_then_restore);
