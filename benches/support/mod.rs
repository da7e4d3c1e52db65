//! Set-up shared by the timed benchmark binaries (`mod support;`): the caller, foreign keys
//! off for seeded rows that point at made-up parents, a primary payer's adjudication, and a
//! run on SQLite and, when MEDBILL_BENCH_PG_URL names a server database we may create
//! databases beside, on a fresh PostgreSQL database.

use diesel::connection::SimpleConnection;
use medbill::auth::roles::Role;
use medbill::auth::tokens::Caller;
use medbill::db::{AnyConnection, DbPool};
use medbill::http::RequestCtx;
use medbill::payers::model::PayerId;
use medbill::remits::{Adjustment, ClaimAdjudication, LineAdjudication, LineMatch};

/// The caller benches act as.
pub fn ctx() -> RequestCtx {
    RequestCtx {
        caller: Caller {
            actor: "system:bench".into(),
            role: Role::Admin,
            generation: None,
        },
        request_id: String::new(),
    }
}

/// Turns foreign key checks off (seeded rows point at made-up parents) or back on.
pub fn foreign_keys(conn: &mut AnyConnection, on: bool) -> Result<(), String> {
    let sql = match (&*conn, on) {
        (AnyConnection::Sqlite(_), false) => "PRAGMA foreign_keys = OFF",
        (AnyConnection::Sqlite(_), true) => "PRAGMA foreign_keys = ON",
        (AnyConnection::Postgres(_), false) => "SET session_replication_role = replica",
        (AnyConnection::Postgres(_), true) => "SET session_replication_role = origin",
    };
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

/// A processed-as-primary decision on lines charged `charges`: 60 % paid, 20 % CO 45, 20 %
/// PR 2 per line; payer claim number `PCN<i>`, payment `payment_ref`.
pub fn adjudication(
    payer: PayerId,
    i: usize,
    charges: &[i64],
    payment_ref: &str,
) -> ClaimAdjudication {
    let lines: Vec<LineAdjudication> = (1..)
        .zip(charges)
        .map(|(n, &c)| LineAdjudication {
            line_number: n,
            charge_cents: c,
            paid_cents: c * 6 / 10,
            adjustments: vec![
                Adjustment {
                    group: "CO".into(),
                    reason: "45".into(),
                    amount_cents: c * 2 / 10,
                    quantity: None,
                },
                Adjustment {
                    group: "PR".into(),
                    reason: "2".into(),
                    amount_cents: c * 2 / 10,
                    quantity: None,
                },
            ],
            remarks: Vec::new(),
            matched_by: LineMatch::ControlNumber,
        })
        .collect();
    ClaimAdjudication {
        payer_id: payer,
        status_code: "1".into(),
        payer_claim_number: Some(format!("PCN{i}")),
        charge_cents: charges.iter().sum(),
        paid_cents: lines.iter().map(|l| l.paid_cents).sum(),
        patient_responsibility_cents: lines.iter().map(|l| l.charge_cents * 2 / 10).sum(),
        claim_adjustments: Vec::new(),
        lines,
        remittance_id: None,
        payment_ref: Some(payment_ref.into()),
        paid_on: None,
    }
}

/// Runs `run` on a fresh SQLite file, then on a fresh PostgreSQL database when
/// MEDBILL_BENCH_PG_URL is set (both removed afterwards); `name` prefixes their names.
pub fn on_each_backend(name: &str, run: fn(&str, &DbPool) -> Result<(), String>) {
    let dir = std::env::temp_dir().join(format!("medbill-{name}-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("bench.db");
    match medbill::server::open_database(&file.to_string_lossy(), 2) {
        Ok(pool) => {
            if let Err(e) = run("SQLite", &pool) {
                eprintln!("SQLite: {e}");
            }
        }
        Err(e) => eprintln!("SQLite: {e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(admin_url) = std::env::var("MEDBILL_BENCH_PG_URL") else {
        println!("PostgreSQL: set MEDBILL_BENCH_PG_URL to measure it");
        return;
    };
    let db = format!("{name}_bench_{}", std::process::id());
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{db}");
    let admin = || {
        use diesel::Connection;
        diesel::PgConnection::establish(&admin_url).map_err(|e| e.to_string())
    };
    match admin().and_then(|mut a| {
        a.batch_execute(&format!("CREATE DATABASE {db}"))
            .map_err(|e| e.to_string())
    }) {
        Ok(()) => {
            match medbill::server::open_database(&url, 2) {
                Ok(pool) => {
                    if let Err(e) = run("PostgreSQL", &pool) {
                        eprintln!("PostgreSQL: {e}");
                    }
                    drop(pool);
                }
                Err(e) => eprintln!("PostgreSQL: {e}"),
            }
            if let Ok(mut a) = admin() {
                let _ = a.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
        Err(e) => eprintln!("PostgreSQL: {e}"),
    }
}
