//! Reliability of the 835 import with a real process: `medbill remits import DIR` is SIGKILLed
//! while importing one payment of 2,000 claims; the payment is then posted whole or not at all,
//! and importing the file again (twice) posts it exactly once. Both backends.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::claims_fx::{address_billing, built, signed_off, sql, temp_dir};
use crate::common::fixtures::{coded, fixture};
use crate::common::TestApp;
use medbill::claims::model::ClaimId;
use medbill::claims::snapshot::Snapshot;
use medbill::claims::{service, store};
use serde_json::json;

/// `n` submitted two-line claims (175.00 each, with their ledger charges); returns their CLM01s.
async fn many_submitted(app: &TestApp, n: usize) -> Vec<String> {
    let fx = fixture(app, "RR1").await;
    address_billing(app, &fx).await;
    let mut body = coded(&fx);
    body["lines"] = json!([
        {"code": "99213", "charge_cents": 12500, "diagnosis_pointers": [1]},
        {"code": "93000", "charge_cents": 5000, "diagnosis_pointers": [1]}
    ]);
    let enc = signed_off(app, &body).await;
    let id = built(app, &enc).await;
    sql(
        app,
        &format!("UPDATE claims SET status = 'submitted' WHERE id = '{id}'"),
    );
    let mut c = app.conn();
    let row = store::find(&mut c, ClaimId(id.parse().unwrap()))
        .unwrap()
        .unwrap();
    let snap: Snapshot = serde_json::from_str(&row.snapshot).unwrap();
    let mut pcns = vec![row.patient_control_number.clone()];
    c.write_transaction(|c| {
        for _ in 1..n {
            let mut r = row.clone();
            r.id = ClaimId::new();
            r.patient_control_number = service::new_pcn();
            pcns.push(r.patient_control_number.clone());
            store::insert(c, &r)?;
            medbill::ledger::charges::write(c, &r, &snap, "test")?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
    pcns
}

/// One payment paying every claim in full, lines tied by REF*6R.
fn big_835(pcns: &[String]) -> String {
    let mut segs = vec![
        "ST*835*0001".to_string(),
        format!(
            "BPR*I*{}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*011000028*DA*987654321*20260401",
            175 * pcns.len()
        ),
        "TRN*1*EFTBIG*1512345678".into(),
        "N1*PR*AETNA".into(),
        "N3*1 PAYER WAY".into(),
        "N4*HARTFORD*CT*06101".into(),
        "PER*BL*EDI*TE*8005551212".into(),
        "N1*PE*MAPLE STREET FAMILY PRACTICE*XX*1234567893".into(),
        "LX*1".into(),
    ];
    for p in pcns {
        segs.push(format!("CLP*{p}*1*175*175**12*P{p}*11*1"));
        segs.push("NM1*QC*1*DOE*JANE****MI*M1".into());
        segs.push("SVC*HC:99213*125*125**1".into());
        segs.push("REF*6R*1".into());
        segs.push("SVC*HC:93000*50*50**1".into());
        segs.push("REF*6R*2".into());
    }
    segs.push(format!("SE*{}*0001", segs.len() + 1));
    let mut out = vec![
        "ISA*00*          *00*          *ZZ*AETNA          *ZZ*MEDBILLSUB     *260401*0900*^*00501*000000777*0*T*:".to_string(),
        "GS*HP*AETNA*MEDBILLSUB*20260401*0900*777*X*005010X221A1".into(),
    ];
    out.extend(segs);
    out.push("GE*1*777".into());
    out.push("IEA*1*000000777".into());
    out.join("~\n") + "~\n"
}

fn cli(app: &TestApp, data: &Path, inbox: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medbill"));
    cmd.args(["remits", "import"])
        .arg(inbox)
        .env("DATABASE_URL", &app.url)
        .env("MEDBILL_DATA_DIR", data)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

fn paid(app: &TestApp) -> i64 {
    app.count("ledger_entries WHERE kind = 'payment'")
}

/// Puts the file back in the inbox (wherever the last run left it).
fn put_back(inbox: &Path, text: &str) {
    let _ = std::fs::remove_file(inbox.join("processed/big.835"));
    std::fs::write(inbox.join("big.835"), text).unwrap();
}

async fn sigkill_mid_import_then_reimport(app: TestApp) {
    let n = 2_000;
    let pcns = many_submitted(&app, n).await;
    let text = big_835(&pcns);
    let data = temp_dir("remit-data");
    let inbox = temp_dir("remit-inbox");
    put_back(&inbox, &text);

    let mut child = cli(&app, &data, &inbox).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 400 + 100));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = paid(&app);
    assert!(
        at_kill == 0 || at_kill == 2 * n as i64,
        "a payment is posted whole or not at all; found {at_kill} payment entries"
    );

    for run in 0..2 {
        put_back(&inbox, &text);
        let out = cli(&app, &data, &inbox).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "run {run}: {stdout}");
        assert!(stdout.contains("big.835: payment EFTBIG"), "{stdout}");
        assert!(inbox.join("processed/big.835").exists());
    }
    assert_eq!(paid(&app), 2 * n as i64, "posted exactly once");
    assert_eq!(app.count("remittances"), 1);
    assert_eq!(
        app.count("remittances WHERE status = 'posted' AND claims_posted = 2000"),
        1
    );
    assert_eq!(app.count("claims WHERE status = 'paid'"), n as i64);
    eprintln!(
        "SIGKILL left {} of {} payment entries; the re-imports posted the rest once",
        at_kill,
        2 * n
    );

    // An unreadable 835 is reported, moved to failed/, and the command exits non-zero.
    std::fs::write(
        inbox.join("bad.835"),
        text.replacen("*175*175*", "*175*1X5*", 1),
    )
    .unwrap();
    let out = cli(&app, &data, &inbox).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad.835: failed"));
    assert!(inbox.join("failed/bad.835").exists());
}

on_both_backends!(sigkill_mid_import_then_reimport);
