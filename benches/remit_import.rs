//! 835 import benchmark against a real SQLite database: 10,000 submitted claims of 3 lines
//! (with their ledger charges), then one 835 paying all of them (30,000 lines, REF*6R on each)
//! read, stored, matched and posted by `remits::import::import_835`, as the CLI and the inbox
//! do. Target (issue 12): at most 2 s on SQLite and 4 s on PostgreSQL, release build. Each run
//! uses a fresh database (PostgreSQL when MEDBILL_BENCH_PG_URL names a server database we may
//! create databases beside); the figure is printed per run (the setup is not timed). Parent records (patients, payers,
//! coverages, encounters) are not created: foreign keys are switched off for the seeding
//! connection (replica mode on PostgreSQL), which changes nothing in what the import reads.

use std::time::Instant;

use chrono::NaiveDate;
use diesel::RunQueryDsl;
use medbill::auth::roles::Role;
use medbill::auth::tokens::Caller;
use medbill::claims::model::{ClaimId, ClaimRow};
use medbill::claims::snapshot::{
    SnapLine, SnapPayer, SnapPerson, SnapProvider, SnapSubscriber, Snapshot,
};
use medbill::coverages::model::CoverageId;
use medbill::db::types::Timestamp;
use medbill::encounters::model::EncounterId;
use medbill::http::RequestCtx;
use medbill::patients::model::PatientId;
use medbill::payers::model::PayerId;

const N: usize = 10_000;

fn person() -> SnapPerson {
    SnapPerson {
        first_name: "JANE".into(),
        middle_name: None,
        last_name: "DOE".into(),
        birth_date: NaiveDate::from_ymd_opt(1980, 1, 1),
        sex: Some("F".into()),
        address: None,
    }
}

fn snapshot(dos: NaiveDate) -> Snapshot {
    let line = |code: &str, charge: i64| SnapLine {
        code: code.into(),
        modifiers: vec![],
        units: 1,
        charge_cents: charge,
        diagnosis_pointers: vec![1],
        date_of_service: dos,
        place_of_service: None,
        ndc: None,
        ndc_quantity: None,
        ndc_unit: None,
    };
    let provider = SnapProvider {
        npi: "1234567893".into(),
        entity_type: "2".into(),
        first_name: None,
        last_name: "MAPLE STREET".into(),
        taxonomy: None,
        tax_id: Some("931234567".into()),
        address: None,
    };
    Snapshot {
        patient: person(),
        subscriber: SnapSubscriber {
            person: person(),
            member_id: "M1".into(),
            group_number: None,
            relationship_code: "18".into(),
            priority: "P".into(),
        },
        payer: SnapPayer {
            name: "AETNA".into(),
            edi_payer_id: "60054".into(),
            claim_filing_indicator: "CI".into(),
        },
        billing_provider: provider,
        rendering_provider: None,
        referring_provider: None,
        date_of_service: dos,
        place_of_service: "11".into(),
        diagnoses: vec!["I10".into()],
        lines: vec![
            line("99213", 10_000),
            line("36415", 2_500),
            line("81002", 5_000),
        ],
        total_charge_cents: 17_500,
        other_payers: Vec::new(),
    }
}

fn era(pcns: &[String]) -> String {
    let mut segs = vec![
        "ST*835*0001".to_string(),
        format!("BPR*I*{}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*011000028*DA*987654321*20260401", 120 * pcns.len()),
        "TRN*1*EFTBENCH*1512345678".into(),
        "N1*PR*AETNA*XV*60054".into(),
        "N3*1 PAYER WAY".into(),
        "N4*HARTFORD*CT*06101".into(),
        "PER*BL*EDI*TE*8005551212".into(),
        "N1*PE*MAPLE STREET*XX*1234567893".into(),
        "LX*1".into(),
    ];
    for p in pcns {
        segs.push(format!("CLP*{p}*1*175*120*20*12*P{p}*11*1"));
        segs.push("NM1*QC*1*DOE*JANE****MI*M1".into());
        segs.push("SVC*HC:99213*100*70**1".into());
        segs.push("DTM*472*20260310".into());
        segs.push("CAS*CO*45*10".into());
        segs.push("CAS*PR*2*20".into());
        segs.push("REF*6R*1".into());
        segs.push("SVC*HC:36415*25*25**1".into());
        segs.push("DTM*472*20260310".into());
        segs.push("REF*6R*2".into());
        segs.push("SVC*HC:81002*50*25**1".into());
        segs.push("DTM*472*20260310".into());
        segs.push("CAS*CO*45*25".into());
        segs.push("REF*6R*3".into());
    }
    segs.push(format!("SE*{}*0001", segs.len() + 1));
    let mut out = vec![
        "ISA*00*          *00*          *ZZ*AETNA          *ZZ*MEDBILLSUB     *260401*0900*^*00501*000000900*0*T*:".to_string(),
        "GS*HP*AETNA*MEDBILLSUB*20260401*0900*900*X*005010X221A1".into(),
    ];
    out.extend(segs);
    out.push("GE*1*900".into());
    out.push("IEA*1*000000900".into());
    out.join("~\n") + "~\n"
}

/// One import on the database at `url` (migrated here); `label` names the backend.
fn run(label: &str, url: &str) -> Result<(), String> {
    let pool = medbill::db::build_pool(url, 2)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    medbill::db::run_migrations(&mut conn)?;
    let fk_off = match &*conn {
        medbill::db::AnyConnection::Sqlite(_) => "PRAGMA foreign_keys = OFF",
        // Replica mode skips foreign-key triggers for this session (superuser).
        medbill::db::AnyConnection::Postgres(_) => "SET session_replication_role = replica",
    };
    diesel::sql_query(fk_off)
        .execute(&mut *conn)
        .map_err(|e| e.to_string())?;
    let dos = NaiveDate::from_ymd_opt(2026, 3, 10).ok_or("date")?;
    let snap = snapshot(dos);
    let json = serde_json::to_string(&snap).map_err(|e| e.to_string())?;
    let now = Timestamp::now();
    let pcns: Vec<String> = (0..N).map(|i| format!("BENCH{i:08}")).collect();
    conn.write_transaction(|c| {
        for p in &pcns {
            let row = ClaimRow {
                id: ClaimId::new(),
                encounter_id: EncounterId::new(),
                patient_id: PatientId::new(),
                coverage_id: CoverageId::new(),
                payer_id: PayerId::new(),
                date_of_service: dos,
                status: medbill::claims::status::Status::Submitted,
                frequency: medbill::claims::frequency::Frequency::Original,
                patient_control_number: p.clone(),
                payer_claim_number: None,
                replaces_claim_id: None,
                total_charge_cents: 17_500,
                snapshot: json.clone(),
                submitted_at: Some(now),
                interchange_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            medbill::claims::store::insert(c, &row)?;
            medbill::ledger::charges::write(c, &row, &snap, "bench")?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| e.to_string())?;
    let text = era(&pcns);
    let ctx = RequestCtx {
        caller: Caller {
            actor: "system:bench".into(),
            role: Role::Admin,
            generation: None,
        },
        request_id: String::new(),
    };
    // Read once, as the server's start-up does.
    let submitter = medbill::config::submitter_from_env();
    let start = Instant::now();
    let out = medbill::remits::import::import_835(&mut conn, &ctx, &submitter, "bench.835", &text)
        .map_err(|e| e.detail)?;
    let took = start.elapsed();
    let p = out.payments.first().ok_or("no payment")?;
    println!(
        "{label}: import of 10,000 claims x 3 lines ({:.1} MB): {:.2} s, status {}, {} claims posted",
        text.len() as f64 / 1e6,
        took.as_secs_f64(),
        p.status,
        p.claims_posted
    );
    Ok(())
}

fn sqlite_round(round: usize) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!(
        "medbill-bench-remit-{}-{round}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let out = run("SQLite", &dir.join("bench.db").to_string_lossy());
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// A fresh database beside MEDBILL_BENCH_PG_URL's, dropped afterwards.
fn postgres_round(admin_url: &str, round: usize) -> Result<(), String> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let name = format!("remit_bench_{}_{round}", std::process::id());
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    let admin = || diesel::PgConnection::establish(admin_url).map_err(|e| e.to_string());
    admin()?
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| e.to_string())?;
    let out = run("PostgreSQL", &format!("{base}/{name}"));
    if let Ok(mut a) = admin() {
        let _ = a.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
    out
}

fn main() {
    for round in 0..3 {
        if let Err(e) = sqlite_round(round) {
            eprintln!("SQLite run {round}: {e}");
        }
    }
    let Ok(admin_url) = std::env::var("MEDBILL_BENCH_PG_URL") else {
        println!("PostgreSQL: set MEDBILL_BENCH_PG_URL to measure it");
        return;
    };
    for round in 0..3 {
        if let Err(e) = postgres_round(&admin_url, round) {
            eprintln!("PostgreSQL run {round}: {e}");
        }
    }
}
