//! Secondary claims benchmark (a timed binary, not criterion: the figure is one large
//! operation): 1,000 primary claims of 3 lines, each posted (paid + CO 45 + PR 2 per line),
//! whose patients have a secondary coverage; then, timed,
//! - building the 1,000 secondary claims through the batch path of
//!   `POST /v1/claims/next-payer/batch` (`cob::batch::bill_many`, groups of
//!   `batch_routes::GROUP` per transaction: checks, the earlier payer's decision read back
//!   from the ledger, the 837P check of each claim, the claim rows, links, ledger transfers,
//!   history, audit);
//! - writing the 1,000 secondary claims into one 837P interchange (snapshot JSON -> writer
//!   input -> text, with the 2320/2330/2430 loops).
//!
//! On SQLite, and on PostgreSQL when MEDBILL_BENCH_PG_URL names a server database we may create
//! databases beside. Set-up inserts payers, coverages and claims directly, with foreign keys
//! off (claims point at made-up patients and encounters).

use std::time::Instant;

use chrono::{Days, NaiveDate, Utc};
use medbill::claims::model::{ClaimId, ClaimRow};
use medbill::claims::snapshot::{
    SnapAddress, SnapLine, SnapPayer, SnapPerson, SnapProvider, SnapSubscriber, Snapshot,
};
use medbill::claims::to_x12;
use medbill::coverages::model::{Coverage, CoverageId};
use medbill::db::types::Timestamp;
use medbill::db::{AnyConnection, DbPool};
use medbill::encounters::model::EncounterId;
use medbill::patients::model::PatientId;
use medbill::payers::model::{Payer, PayerId};
use medbill::remits::PostingBatch;
use medbill::x12;
use support::{adjudication, ctx, foreign_keys};

mod support;

const CLAIMS: usize = 1_000;
const CHARGES: [(&str, i64); 3] = [("99213", 12_500), ("93000", 5_000), ("36415", 2_500)];
const AMOUNTS: [i64; 3] = [CHARGES[0].1, CHARGES[1].1, CHARGES[2].1];

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

/// Inserts the payers, coverages and `CLAIMS` submitted primary claims, and posts them.
fn seed(conn: &mut AnyConnection) -> Result<Vec<ClaimId>, String> {
    let primary = payer("Acme Health Plan", "ACME1");
    let secondary = payer("Beacon Mutual", "BCN22");
    let today = Utc::now().date_naive();
    foreign_keys(conn, false)?;
    let ctx = ctx();
    let ids = conn
        .write_transaction(|c| -> Result<Vec<ClaimId>, medbill::error::DomainError> {
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
                    status: medbill::claims::status::Status::Submitted,
                    frequency: medbill::claims::frequency::Frequency::Original,
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
                ids.push(row.id);
            }
            // Posted as the 835 import posts a payment: one batch.
            let mut batch = PostingBatch::load(c, &ids)?;
            for (i, id) in ids.iter().enumerate() {
                batch.post(
                    &ctx,
                    *id,
                    None,
                    &adjudication(primary.id, i, &AMOUNTS, "EFT-COB-1"),
                )?;
            }
            batch.flush(c)?;
            Ok(ids)
        })
        .map_err(|e| format!("{e:?}"))?;
    Ok(ids)
}

fn run(label: &str, pool: &DbPool) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let primaries = seed(&mut conn)?;
    let ctx = ctx();
    // Read once, as the server's start-up does.
    let cfg = &medbill::config::submitter_from_env();
    let start = Instant::now();
    let items: Vec<(ClaimId, Option<i32>)> = primaries.iter().map(|id| (*id, None)).collect();
    let rows: Vec<ClaimRow> = medbill::cob::batch::bill_many(
        &mut conn,
        &ctx,
        cfg,
        &items,
        medbill::cob::batch_routes::GROUP,
    )
    .into_iter()
    .collect::<Result<_, _>>()
    .map_err(|e| format!("{e:?}"))?;
    let built = start.elapsed();
    let write_start = Instant::now();
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
    support::on_each_backend("cob", run);
}
