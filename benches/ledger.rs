//! Receivables benchmark (a timed binary, not criterion: each figure is one large operation).
//! On SQLite, and on PostgreSQL when MEDBILL_BENCH_PG_URL names a server database we may
//! create databases beside:
//! - posting: 10,000 submitted claims of 3 lines, each posted (paid + CO 45 + PR 2 per line)
//!   through one `remits::PostingBatch` in one transaction, as the 835 import posts a payment;
//! - aging: `reports::aging::run` over 102,000 open claim lines (34,000 claims, 10 payers,
//!   1,000 patients, dates of service over 200 days), by payer and by patient, 100 runs each.
//!
//! Set-up inserts claims and their charge entries directly with foreign keys off for the whole
//! run (claims and postings point at made-up patients, payers, encounters and coverages).

use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use medbill::claims::model::{ClaimId, ClaimRow};
use medbill::coverages::model::CoverageId;
use medbill::db::types::Timestamp;
use medbill::db::{AnyConnection, DbPool};
use medbill::encounters::model::EncounterId;
use medbill::ledger::model::{Buckets, Kind, PlannedEntry};
use medbill::ledger::store;
use medbill::patients::model::PatientId;
use medbill::payers::model::PayerId;
use medbill::remits::PostingBatch;
use medbill::reports::aging::{self, AgingQuery};
use support::{adjudication, ctx, foreign_keys};

mod support;

const CHARGES: [i64; 3] = [12_500, 5_000, 2_500];

/// Inserts `n` submitted claims with their charges; returns (claim, payer) pairs.
fn seed(conn: &mut AnyConnection, n: usize) -> Result<Vec<(ClaimId, PayerId)>, String> {
    let payers: Vec<PayerId> = (0..10).map(|_| PayerId::new()).collect();
    let patients: Vec<PatientId> = (0..1000).map(|_| PatientId::new()).collect();
    let today = Utc::now().date_naive();
    foreign_keys(conn, false)?;
    let mut out = Vec::with_capacity(n);
    conn.write_transaction(|c| -> Result<(), diesel::result::Error> {
        let now = Timestamp::now();
        let mut entries = Vec::with_capacity(n * 3);
        for i in 0..n {
            let row = ClaimRow {
                id: ClaimId::new(),
                encounter_id: EncounterId::new(),
                patient_id: patients[i % patients.len()],
                coverage_id: CoverageId::new(),
                payer_id: payers[i % payers.len()],
                date_of_service: today - Days::new((i % 200) as u64),
                status: medbill::claims::status::Status::Submitted,
                frequency: medbill::claims::frequency::Frequency::Original,
                patient_control_number: format!("B{i:015}"),
                payer_claim_number: None,
                replaces_claim_id: None,
                total_charge_cents: CHARGES.iter().sum(),
                snapshot: "{}".into(),
                submitted_at: Some(now),
                interchange_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            medbill::claims::store::insert(c, &row)?;
            for (n, charge) in (1..).zip(CHARGES) {
                let e = PlannedEntry::new(
                    n,
                    Kind::Charge,
                    charge,
                    Buckets {
                        payer_cents: charge,
                        ..Buckets::default()
                    },
                );
                entries.push(store::row_of(
                    row.id,
                    None,
                    Some(row.payer_id),
                    &e,
                    None,
                    now,
                    "bench",
                ));
            }
            out.push((row.id, row.payer_id));
        }
        store::insert_entries(c, &entries)
    })
    .map_err(|e| e.to_string())?;
    // Left off for the run: postings also point at the made-up payers.
    Ok(out)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn run(label: &str, pool: &DbPool) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let claims = seed(&mut conn, 34_000)?;
    let ctx = ctx();
    let start = Instant::now();
    let posted = conn
        .write_transaction(|c| -> Result<usize, medbill::error::DomainError> {
            // As the 835 import posts a payment: read the claims once, post each in memory,
            // write everything together.
            let ids: Vec<ClaimId> = claims.iter().take(10_000).map(|(c, _)| *c).collect();
            let mut batch = PostingBatch::load(c, &ids)?;
            let mut n = 0;
            for (i, (claim, payer)) in claims.iter().take(10_000).enumerate() {
                n += batch
                    .post(
                        &ctx,
                        *claim,
                        None,
                        &adjudication(*payer, i, &CHARGES, "EFT-BENCH-1"),
                    )?
                    .entries_written;
            }
            batch.flush(c)?;
            Ok(n)
        })
        .map_err(|e| format!("{e:?}"))?;
    let took = start.elapsed();
    println!(
        "{label}: posted 10,000 claims x 3 lines ({posted} entries) in one transaction: {:.2} s ({:.0} claims/s)",
        took.as_secs_f64(),
        10_000.0 / took.as_secs_f64()
    );
    for by_patient in [false, true] {
        let q = AgingQuery {
            as_of: Utc::now().date_naive(),
            by_patient,
            from_submission: false,
        };
        let mut times = Vec::with_capacity(100);
        let mut rows = 0;
        for _ in 0..100 {
            let t = Instant::now();
            let r = aging::run(&mut conn, &q).map_err(|e| e.to_string())?;
            times.push(t.elapsed());
            rows = r.rows.len();
        }
        times.sort();
        println!(
            "{label}: aging over 102,000 open lines by {} ({rows} rows): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            if by_patient { "patient" } else { "payer" },
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 1.0),
        );
    }
    Ok(())
}

fn main() {
    support::on_each_backend("ledger", run);
}
