//! Every 835 fixture is read by a second, independent reader (x12sdk's 005010X221A1 models, via
//! tests/fixtures/x12/835/amounts_x12sdk.py) and its amounts must equal ours: BPR, CLP charge,
//! paid and patient responsibility, SVC charge and paid, every CAS and PLB amount.
//!
//! `MEDBILL_X12SDK_PYTHON` names the python of a virtualenv with x12sdk (.ci/run installs it
//! beside pyx12). Unset, the test is skipped, except in CI where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use medbill::x12::era::{read_835, Adjustment, Payment};
use serde_json::{json, Value};

fn python() -> Option<String> {
    match std::env::var("MEDBILL_X12SDK_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set MEDBILL_X12SDK_PYTHON so the 835 fixtures are cross-read"
            );
            eprintln!("MEDBILL_X12SDK_PYTHON is not set: skipping the x12sdk cross-read");
            None
        }
    }
}

fn cas(adj: &[Adjustment]) -> Value {
    adj.iter()
        .map(|a| json!([a.group, a.reason, a.amount_cents]))
        .collect()
}

/// Our reading in the script's JSON shape.
fn ours(p: &Payment) -> Value {
    json!({
        "bpr": p.amount_cents,
        "credit_debit": p.credit_debit,
        "trace": p.trace_number,
        "claims": p.claims.iter().map(|c| json!({
            "pcn": c.patient_control_number,
            "status": c.status_code,
            "charge": c.charge_cents,
            "paid": c.paid_cents,
            "patient_resp": c.patient_responsibility_cents,
            "cas": cas(&c.adjustments),
            "lines": c.lines.iter().map(|l| {
                let mut code = format!("{}:{}", l.procedure.qualifier, l.procedure.code);
                for m in &l.procedure.modifiers {
                    code.push(':');
                    code.push_str(m);
                }
                json!({
                    "code": code,
                    "charge": l.charge_cents,
                    "paid": l.paid_cents,
                    "cas": cas(&l.adjustments),
                })
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "plb": p.provider_adjustments.iter()
            .map(|a| json!([a.reason, a.amount_cents])).collect::<Vec<_>>(),
    })
}

#[test]
fn x12sdk_reads_the_same_amounts_from_every_835_fixture() {
    let Some(python) = python() else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/x12/835");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".835"))
        .collect();
    files.sort();
    let out = Command::new(&python)
        .current_dir(&dir)
        .arg("amounts_x12sdk.py")
        .args(&files)
        .output()
        .expect("run the x12sdk script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), files.len());
    let mut compared = 0;
    for theirs in &lines {
        let f = theirs["file"].as_str().unwrap();
        let r = read_835(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap();
        match f {
            // x12sdk refuses what is not conformant (BPR04 "EFT") and what does not balance
            // (it checks CLP/SVC/CAS balancing itself); we read both, with a warning and a
            // failed balance check respectively.
            "nonconformant_readable.835" => {
                assert!(theirs["error"].is_string(), "{theirs}");
                assert!(!r.warnings.is_empty());
            }
            "out_of_balance.835" => {
                assert!(theirs["error"].is_string(), "{theirs}");
                assert!(!r.payments[0].balance.balanced);
            }
            _ => {
                let ours: Vec<Value> = r.payments.iter().map(ours).collect();
                assert_eq!(Value::Array(ours), theirs["payments"], "{f}");
                compared += 1;
            }
        }
    }
    assert!(compared >= 9, "only {compared} fixtures compared");
}
