//! Secondary claims benchmark (a timed binary, not criterion: the figure is one large
//! operation): 1,000 primary claims of 3 lines, each posted (paid + CO 45 + PR 2 per line),
//! whose patients have a secondary coverage; then, timed,
//! - building the 1,000 secondary claims with `cob::service::next_payer_in` in one
//!   transaction (checks, the earlier payer's decision read back from the ledger, the 837P
//!   check of each claim, the claim row, the link, the ledger transfers, history, audit);
//! - writing the 1,000 secondary claims into one 837P interchange (snapshot JSON -> writer
//!   input -> text, with the 2320/2330/2430 loops).
//!
//! On SQLite, and on PostgreSQL when MEDBILL_BENCH_PG_URL names a server database we may create
//! databases beside. Set-up inserts payers, coverages and claims directly, with foreign keys
//! off (claims point at made-up patients and encounters).

use std::time::Instant;

use chrono::{Days, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use medbill::auth::roles::Role;
use medbill::auth::tokens::Caller;
use medbill::claims::model::{ClaimId, ClaimRow};
use medbill::claims::snapshot::{
    SnapAddress, SnapLine, SnapPayer, SnapPerson, SnapProvider, SnapSubscriber, Snapshot,
};
use medbill::claims::{settings, to_x12};
use medbill::coverages::model::{Coverage, CoverageId};
use medbill::db::types::Timestamp;
use medbill::db::{AnyConnection, DbPool};
use medbill::encounters::model::EncounterId;
use medbill::http::RequestCtx;
use medbill::patients::model::PatientId;
use medbill::payers::model::{Payer, PayerId};
use medbill::remits::{
    post_adjudication, Adjustment, ClaimAdjudication, LineAdjudication, LineMatch,
};
use medbill::x12;

const CLAIMS: usize = 1_000;
const CHARGES: [(&str, i64); 3] = [("99213", 12_500), ("93000", 5_000), ("36415", 2_500)];

fn ctx() -> RequestCtx {
    RequestCtx {
        caller: Caller {
            actor: "system:bench".into(),
            role: Role::Admin,
            generation: None,
        },
        request_id: String::new(),
    }
}

fn foreign_keys(conn: &mut AnyConnection, on: bool) -> Result<(), String> {
    let sql = match (&*conn, on) {
        (AnyConnection::Sqlite(_), false) => "PRAGMA foreign_keys = OFF",
        (AnyConnection::Sqlite(_), true) => "PRAGMA foreign_keys = ON",
        (AnyConnection::Postgres(_), false) => "SET session_replication_role = replica",
        (AnyConnection::Postgres(_), true) => "SET session_replication_role = origin",
    };
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

fn payer(name: &str, edi: &str) -> Payer {
    let now = Timestamp::now();
    Payer {
        id: PayerId::new(),
        name: name.into(),
        edi_payer_id: edi.into(),
        claim_filing_indicator: "CI".into(),
        timely_filing_days: 365,
        address_line1: None,
        city: None,
        state: None,
        postal_code: None,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
        auto_bill_secondary: false,
    }
}

fn coverage(patient: PatientId, payer: PayerId, priority: &str, i: usize) -> Coverage {
    let now = Timestamp::now();
    Coverage {
        id: CoverageId::new(),
        patient_id: patient,
        payer_id: payer,
        member_id: format!("M{i:07}"),
        group_number: Some("G1".into()),
        relationship_code: "18".into(),
        subscriber_first_name: None,
        subscriber_last_name: None,
        subscriber_birth_date: None,
        subscriber_sex: None,
        priority: priority.into(),
        effective_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default(),
        effective_to: None,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn snapshot(dos: NaiveDate, p: &Payer, i: usize) -> Snapshot {
    let address = SnapAddress {
        line1: "12 Oak Ave".into(),
        line2: None,
        city: "Portland".into(),
        state: "OR".into(),
        postal_code: "97202".into(),
    };
    let person = SnapPerson {
        first_name: "Jane".into(),
        middle_name: None,
        last_name: format!("Doe{}", (b'A' + (i % 26) as u8) as char),
        birth_date: NaiveDate::from_ymd_opt(1980, 1, 1),
        sex: Some("F".into()),
        address: Some(address),
    };
    let lines: Vec<SnapLine> = CHARGES
        .iter()
        .map(|(code, charge)| SnapLine {
            code: (*code).into(),
            modifiers: vec![],
            units: 1,
            charge_cents: *charge,
            diagnosis_pointers: vec![1],
            date_of_service: dos,
            place_of_service: None,
            ndc: None,
            ndc_quantity: None,
            ndc_unit: None,
        })
        .collect();
    Snapshot {
        patient: person.clone(),
        subscriber: SnapSubscriber {
            person,
            member_id: format!("P{i:07}"),
            group_number: Some("PG1".into()),
            relationship_code: "18".into(),
            priority: "primary".into(),
        },
        payer: SnapPayer {
            name: p.name.clone(),
            edi_payer_id: p.edi_payer_id.clone(),
            claim_filing_indicator: p.claim_filing_indicator.clone(),
        },
        billing_provider: SnapProvider {
            npi: "1234567893".into(),
            entity_type: "organization".into(),
            first_name: None,
            last_name: "Maple Street Practice".into(),
            taxonomy: None,
            tax_id: Some("931234567".into()),
            address: Some(SnapAddress {
                line1: "100 Maple St".into(),
                line2: None,
                city: "Portland".into(),
                state: "OR".into(),
                postal_code: "972011234".into(),
            }),
        },
        rendering_provider: None,
        referring_provider: None,
        date_of_service: dos,
        place_of_service: "11".into(),
        diagnoses: vec!["I10".into()],
        total_charge_cents: CHARGES.iter().map(|c| c.1).sum(),
        lines,
        other_payers: Vec::new(),
    }
}

fn adjudication(payer: PayerId, i: usize) -> ClaimAdjudication {
    let lines: Vec<LineAdjudication> = (1..)
        .zip(CHARGES)
        .map(|(n, (_, c))| LineAdjudication {
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
        charge_cents: CHARGES.iter().map(|c| c.1).sum(),
        paid_cents: lines.iter().map(|l| l.paid_cents).sum(),
        patient_responsibility_cents: lines.iter().map(|l| l.charge_cents * 2 / 10).sum(),
        claim_adjustments: Vec::new(),
        lines,
        remittance_id: None,
        payment_ref: Some("EFT-COB-1".into()),
        paid_on: None,
    }
}

/// Inserts the payers, coverages and `CLAIMS` submitted primary claims, and posts them.
fn seed(conn: &mut AnyConnection) -> Result<Vec<ClaimId>, String> {
    let primary = payer("Acme Health Plan", "ACME1");
    let secondary = payer("Beacon Mutual", "BCN22");
    let today = Utc::now().date_naive();
    foreign_keys(conn, false)?;
    let ctx = ctx();
    let ids = conn
        .write_transaction(|c| -> Result<Vec<ClaimId>, medbill::error::ApiError> {
            medbill::payers::store::insert(c, &primary)?;
            medbill::payers::store::insert(c, &secondary)?;
            let now = Timestamp::now();
            let mut ids = Vec::with_capacity(CLAIMS);
            for i in 0..CLAIMS {
                let patient = PatientId::new();
                let cov = coverage(patient, primary.id, "primary", i);
                medbill::coverages::store::insert(c, &cov)?;
                medbill::coverages::store::insert(
                    c,
                    &coverage(patient, secondary.id, "secondary", i),
                )?;
                let dos = today - Days::new((i % 60) as u64 + 1);
                let snap = snapshot(dos, &primary, i);
                let row = ClaimRow {
                    id: ClaimId::new(),
                    encounter_id: EncounterId::new(),
                    patient_id: patient,
                    coverage_id: cov.id,
                    payer_id: primary.id,
                    date_of_service: dos,
                    status: "submitted".into(),
                    frequency: "1".into(),
                    patient_control_number: format!("COB{i:013}"),
                    payer_claim_number: None,
                    replaces_claim_id: None,
                    total_charge_cents: snap.total_charge_cents,
                    snapshot: serde_json::to_string(&snap).unwrap_or_default(),
                    submitted_at: Some(now),
                    interchange_id: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                medbill::claims::store::insert(c, &row)?;
                medbill::ledger::charges::write(c, &row, &snap, "bench")?;
                post_adjudication(c, &ctx, row.id, &adjudication(primary.id, i))?;
                ids.push(row.id);
            }
            Ok(ids)
        })
        .map_err(|e| format!("{e:?}"))?;
    Ok(ids)
}

fn run(label: &str, pool: &DbPool) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let primaries = seed(&mut conn)?;
    let ctx = ctx();
    let start = Instant::now();
    let rows = conn
        .write_transaction(|c| -> Result<Vec<ClaimRow>, medbill::error::ApiError> {
            primaries
                .iter()
                .map(|id| medbill::cob::service::next_payer_in(c, &ctx, *id, None))
                .collect()
        })
        .map_err(|e| format!("{e:?}"))?;
    let built = start.elapsed();
    let write_start = Instant::now();
    let cfg = settings::submitter();
    let claims: Vec<x12::ClaimSnapshot> = rows
        .iter()
        .map(|r| {
            let snap: Snapshot = serde_json::from_str(&r.snapshot).map_err(|e| e.to_string())?;
            Ok(to_x12::claim(
                &snap,
                &r.patient_control_number,
                x12::Frequency::Original,
            ))
        })
        .collect::<Result<_, String>>()?;
    let at = Utc::now().naive_utc();
    let text = x12::write_837p(
        &to_x12::envelope(cfg, 1, at),
        &[to_x12::transaction(cfg, 1, "COBBENCH", claims)],
        x12::WriteOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let written = write_start.elapsed();
    let total = start.elapsed();
    let svd = text.matches("SVD*").count();
    println!(
        "{label}: {} secondary claims from posted primaries: built (ledger transfers, links, \
         checks) in {:.3} s, 837P written ({} bytes, {svd} SVD) in {:.3} s; total {:.3} s \
         ({:.2} ms per claim)",
        rows.len(),
        built.as_secs_f64(),
        text.len(),
        written.as_secs_f64(),
        total.as_secs_f64(),
        total.as_secs_f64() * 1e3 / rows.len() as f64,
    );
    foreign_keys(&mut conn, true)?;
    Ok(())
}

fn main() {
    let dir = std::env::temp_dir().join(format!("medbill-cob-bench-{}", std::process::id()));
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
    let name = format!("cob_bench_{}", std::process::id());
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");
    let admin = || {
        use diesel::Connection;
        diesel::PgConnection::establish(&admin_url).map_err(|e| e.to_string())
    };
    match admin().and_then(|mut a| {
        a.batch_execute(&format!("CREATE DATABASE {name}"))
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
                let _ = a.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        Err(e) => eprintln!("PostgreSQL: {e}"),
    }
}
