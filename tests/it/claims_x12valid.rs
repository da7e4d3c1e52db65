//! The 837P files the claims module actually emits — outbox interchanges from the worker and
//! the GET .../837 preview — validated by pyx12's x12valid: patient = subscriber and a
//! dependent, 1 and 12 diagnoses, several lines with modifiers, a referring provider,
//! replacement and void. Needs MEDBILL_X12VALID (skipped outside CI when unset).
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{
    another_visit, built, outbox_files, post_with, queued, ready, signed_off, sql, temp_dir,
};
use common::fixtures::{days_ago, id_of};
use common::TestApp;
use medbill::auth::roles::Role;
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::worker::{self, WorkerConfig};
use serde_json::json;
use std::process::Command;

fn x12valid() -> Option<String> {
    match std::env::var("MEDBILL_X12VALID") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(std::env::var("CI").is_err(), "CI must set MEDBILL_X12VALID");
            eprintln!("MEDBILL_X12VALID is not set: skipping pyx12 validation");
            None
        }
    }
}

/// A valid NPI from 9 digits (Luhn over "80840" + the digits).
fn npi(base: &str) -> String {
    let digits: Vec<u32> = format!("80840{base}")
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

async fn emitted_files_pass_x12valid(app: TestApp) {
    let Some(program) = x12valid() else { return };
    let (fx, enc) = ready(&app, "V1").await;
    let mut ids = vec![built(&app, &enc).await];

    // 12 diagnoses, lines with modifiers and a referring provider.
    let referring = json!({"npi": npi("987654321"), "entity_type": "person", "first_name": "Ngozi",
        "last_name": "Okafor", "roles": ["referring"]});
    let referring = id_of(&app.post("/v1/providers", Role::Billing, &referring).await);
    let mut body = another_visit(&fx);
    body["referring_provider_id"] = json!(referring);
    body["diagnoses"] = json!([
        "E11.9", "I10", "J06.9", "M54.50", "R05.9", "E78.5", "K21.9", "F41.1", "N39.0", "R51.9",
        "J45.909", "R10.9"
    ]);
    body["lines"] = json!([
        {"code": "99214", "modifiers": ["25"], "charge_cents": 20000, "diagnosis_pointers": [1, 2, 3, 4]},
        {"code": "93000", "charge_cents": 5000, "diagnosis_pointers": [2]},
        {"code": "81002", "charge_cents": 1500, "diagnosis_pointers": [9]}
    ]);
    let enc = signed_off(&app, &body).await;
    ids.push(built(&app, &enc).await);

    // A dependent child of the subscriber.
    let cov = json!({"patient_id": fx.patient, "payer_id": fx.payer, "member_id": "W999",
        "relationship_code": "19", "subscriber_first_name": "Sam", "subscriber_last_name": "Lee",
        "subscriber_birth_date": "1955-04-01", "subscriber_sex": "M", "priority": "primary",
        "effective_from": days_ago(400)});
    let cov = id_of(&app.post("/v1/coverages", Role::FrontDesk, &cov).await);
    let mut body = another_visit(&fx);
    body["coverage_id"] = json!(cov);
    let enc = signed_off(&app, &body).await;
    ids.push(built(&app, &enc).await);

    for id in &ids {
        queued(&app, id).await;
    }
    let out = temp_dir("x12valid");
    let cfg = WorkerConfig::default();
    worker::drain(&app.state.pool, &cfg, &FileDrop::new(&out)).unwrap();

    // Replacement and void of the first claim, sent in a second interchange.
    sql(
        &app,
        &format!(
            "UPDATE claims SET status = 'accepted', payer_claim_number = 'PAYER42' WHERE id = '{}'",
            ids[0]
        ),
    );
    for (action, id) in [("replace", &ids[0]), ("void", &ids[1])] {
        let r = post_with(
            &app,
            &format!("/v1/claims/{id}/{action}"),
            Role::Billing,
            Some(&json!({"payer_claim_number": "PAYER42"})),
            &[],
        )
        .await;
        assert_eq!(r.status, 201, "{action}: {}", r.body);
        queued(&app, r.body["id"].as_str().unwrap()).await;
    }
    worker::drain(&app.state.pool, &cfg, &FileDrop::new(&out)).unwrap();
    let preview = app
        .get(&format!("/v1/claims/{}/837", ids[2]), Role::Billing)
        .await;
    std::fs::write(out.join("preview.837"), &preview.raw).unwrap();

    let files: Vec<String> = outbox_files(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    let run = Command::new(&program)
        .current_dir(&out)
        .args(&files)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    for f in &files {
        assert!(
            text.lines().any(|l| l == format!("{f}: OK")),
            "{f} fails x12valid:\n{text}"
        );
    }
}

on_both_backends!(emitted_files_pass_x12valid);
