//! Secondary and tertiary claims (coordination of benefits) over HTTP, on both backends:
//! `POST /v1/claims/{id}/next-payer` after a partial primary payment and after a primary
//! denial, a tertiary claim after two payers, a dependent patient on the secondary, automatic
//! billing from the posting (`auto_bill_secondary`), crossover (CLP02 19, MA18) that waits, the
//! secondary's remittance posted against the secondary claim, aging that equals the ledger,
//! and the ledger invariant over each chain of claims after every step. Every 837P variant
//! goes through pyx12's x12valid when MEDBILL_X12VALID is set.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::{
    address_billing, another_visit, assert_ledger_balances, built, post_with, signed_off, sql,
    temp_dir,
};
use crate::common::fixtures::{coded, days_ago, fixture, id_of, Fx};
use crate::common::TestApp;
use diesel::prelude::*;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

/// A submitted two-line claim (99213-25 at 12,500 cents, 93000 at 5,000) from `body`.
pub(crate) async fn claim_from(app: &TestApp, mut body: Value) -> String {
    body["lines"] = json!([
        {"code": "99213", "modifiers": ["25"], "charge_cents": 12500, "diagnosis_pointers": [1]},
        {"code": "93000", "charge_cents": 5000, "diagnosis_pointers": [1]}
    ]);
    let enc = signed_off(app, &body).await;
    let id = built(app, &enc).await;
    submitted(app, &id);
    id
}

pub(crate) fn submitted(app: &TestApp, id: &str) {
    sql(
        app,
        &format!("UPDATE claims SET status = 'submitted' WHERE id = '{id}'"),
    );
}

/// A payer (Beacon Mutual, or `name`) and the patient's coverage with it at `priority`.
pub(crate) async fn coverage(
    app: &TestApp,
    fx: &Fx,
    name: &str,
    edi: &str,
    priority: &str,
    dependent: bool,
) -> String {
    let payer = json!({"name": name, "edi_payer_id": edi, "claim_filing_indicator": "CI",
        "timely_filing_days": 365});
    let payer = id_of(&app.post("/v1/payers", Role::Billing, &payer).await);
    let mut cov = json!({"patient_id": fx.patient, "payer_id": payer, "member_id": format!("{edi}M1"),
        "group_number": format!("{edi}G"), "relationship_code": "18", "priority": priority,
        "effective_from": days_ago(400)});
    if dependent {
        cov["relationship_code"] = json!("19");
        cov["subscriber_first_name"] = json!("Sam");
        cov["subscriber_last_name"] = json!("Lee");
        cov["subscriber_birth_date"] = json!("1960-04-01");
        cov["subscriber_sex"] = json!("M");
    }
    id_of(&app.post("/v1/coverages", Role::FrontDesk, &cov).await);
    payer
}

pub(crate) async fn ready(app: &TestApp, mrn: &str) -> Fx {
    let fx = fixture(app, mrn).await;
    address_billing(app, &fx).await;
    fx
}

pub(crate) fn adj(group: &str, reason: &str, cents: i64) -> Value {
    json!({"group": group, "reason": reason, "amount_cents": cents})
}

pub(crate) async fn pay(app: &TestApp, id: &str, body: &Value) -> Value {
    let r = app
        .post(&format!("/v1/claims/{id}/payments"), Role::Billing, body)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn next_payer(app: &TestApp, id: &str) -> crate::common::Resp {
    post_with(
        app,
        &format!("/v1/claims/{id}/next-payer"),
        Role::Billing,
        None,
        &[],
    )
    .await
}

/// The primary pays part of both lines: 8,000 (CO 45 2,500, PR 2 2,000) and 3,000 (CO 45
/// 1,000, PR 1 1,000): 3,000 is left to the patient.
pub(crate) fn partial_primary() -> Value {
    json!({"payment_ref": "P1", "paid_on": days_ago(2), "payer_claim_number": "ACME77", "lines": [
        {"line_number": 1, "paid_cents": 8000, "adjustments": [adj("CO", "45", 2500), adj("PR", "2", 2000)]},
        {"line_number": 2, "paid_cents": 3000, "adjustments": [adj("CO", "45", 1000), adj("PR", "1", 1000)]}
    ]})
}

#[derive(QueryableByName, Debug, PartialEq)]
pub(crate) struct Open {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub payer: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub patient: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub next: i64,
}

/// The open buckets of one claim (all claims when `None`), summed in SQL.
pub(crate) fn open(app: &TestApp, claim: Option<&str>) -> Open {
    let filter = claim.map_or(String::new(), |c| format!("WHERE claim_id = '{c}'"));
    diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(payer_cents), 0) AS bigint) AS payer, \
         CAST(COALESCE(SUM(patient_cents), 0) AS bigint) AS patient, \
         CAST(COALESCE(SUM(next_payer_cents), 0) AS bigint) AS next FROM ledger_entries {filter}"
    ))
    .get_result(&mut *app.conn())
    .unwrap()
}

pub(crate) fn o(payer: i64, patient: i64, next: i64) -> Open {
    Open {
        payer,
        patient,
        next,
    }
}

/// The 837P preview of claim `id`, kept in `dir` for x12valid.
async fn preview(app: &TestApp, id: &str, dir: &std::path::Path, name: &str) -> String {
    let r = app
        .get(&format!("/v1/claims/{id}/837"), Role::Billing)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let text = String::from_utf8(r.raw.to_vec()).unwrap();
    std::fs::write(dir.join(name), &text).unwrap();
    text
}

/// Runs x12valid over every file in `dir` (skipped when MEDBILL_X12VALID is unset outside CI).
fn x12valid(dir: &std::path::Path, files: &[&str]) {
    let program = match std::env::var("MEDBILL_X12VALID") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            assert!(std::env::var("CI").is_err(), "CI must set MEDBILL_X12VALID");
            eprintln!("MEDBILL_X12VALID is not set: skipping pyx12 validation");
            return;
        }
    };
    let run = std::process::Command::new(program)
        .current_dir(dir)
        .args(files)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    for f in files {
        assert!(
            text.lines().any(|l| l == format!("{f}: OK")),
            "{f} fails x12valid:\n{text}"
        );
    }
}

async fn secondary_after_partial_primary(app: TestApp) {
    let fx = ready(&app, "C1").await;
    let beacon = coverage(&app, &fx, "Beacon Mutual", "BCN22", "secondary", false).await;
    let id = claim_from(&app, coded(&fx)).await;
    // Not adjudicated yet.
    let r = next_payer(&app, &id).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["current_status"], "submitted");
    let out = pay(&app, &id, &partial_primary()).await;
    assert_eq!(out["status"], "paid");
    assert!(out.get("next_payer_claim_id").is_none(), "{out}");
    assert_eq!(open(&app, Some(&id)), o(0, 3000, 0));

    let r = post_with(
        &app,
        &format!("/v1/claims/{id}/next-payer"),
        Role::FrontDesk,
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = post_with(
        &app,
        &format!("/v1/claims/{id}/next-payer"),
        Role::Billing,
        None,
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.body);
    let r = next_payer(&app, &id).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sec = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["payer_id"], beacon.as_str());
    assert_eq!(r.body["status"], "validated");
    assert_eq!(r.body["total_charge_cents"], 17500);
    assert_eq!(r.body["snapshot"]["subscriber"]["priority"], "secondary");
    let prior = &r.body["snapshot"]["other_payers"][0];
    assert_eq!(prior["paid_cents"], 11000);
    assert_eq!(prior["remaining_patient_liability_cents"], 3000);
    assert_eq!(prior["payer_claim_number"], "ACME77");
    assert_eq!(
        prior["lines"][0]["adjustments"],
        json!([adj("CO", "45", 2500), adj("PR", "2", 2000)])
    );
    // A transfer, not a charge: the primary's patient share now sits with the secondary.
    assert_eq!(
        app.count(&format!(
            "ledger_entries WHERE claim_id = '{sec}' AND kind = 'charge'"
        )),
        0
    );
    assert_eq!(open(&app, Some(&id)), o(0, 0, 0));
    assert_eq!(open(&app, Some(&sec)), o(3000, 0, 0));
    assert_ledger_balances(&app);
    // Once only.
    let r = next_payer(&app, &id).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["claim_id"], sec.as_str());

    let dir = temp_dir("cob-partial");
    let text = preview(&app, &sec, &dir, "secondary_partial.837").await;
    for seg in [
        "SBR*S*18*BCN22G******CI~",
        "NM1*PR*2*BEACON MUTUAL*****PI*BCN22~",
        "SBR*P*18**",
        "AMT*D*110~AMT*EAF*30~OI***Y***Y~",
        "NM1*PR*2*AETNA*****PI*60054~REF*F8*ACME77~",
        "SVD*60054*80*HC:99213:25**1~CAS*CO*45*25~CAS*PR*2*20~DTP*573*D8*",
        "SVD*60054*30*HC:93000**1~CAS*CO*45*10~CAS*PR*1*10~",
    ] {
        assert!(text.contains(seg), "{seg} not in {text}");
    }
    x12valid(&dir, &["secondary_partial.837"]);

    // The secondary's remittance posts against the secondary claim: CARC 23 is the primary's
    // impact (already in the ledger), not posted again.
    submitted(&app, &sec);
    let out = pay(
        &app,
        &sec,
        &json!({"status_code": "2", "payment_ref": "S1", "lines": [
            {"line_number": 1, "paid_cents": 1500, "adjustments": [adj("OA", "23", 10500), adj("PR", "2", 500)]},
            {"line_number": 2, "paid_cents": 1000, "adjustments": [adj("OA", "23", 4000)]}
        ]}),
    )
    .await;
    assert_eq!(out["status"], "paid", "{out}");
    assert_eq!(out["warnings"], json!([]), "{out}");
    assert_eq!(open(&app, Some(&sec)), o(0, 500, 0));
    assert_eq!(open(&app, None), o(0, 500, 0));
    assert_ledger_balances(&app);
    // Aging equals the ledger: only the patient's 500 is open.
    let r = app.get("/v1/reports/aging", Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totals"]["payer"]["total"], 0);
    assert_eq!(r.body["totals"]["patient"]["total"], 500);
    assert_eq!(r.body["totals"]["next_payer"]["total"], 0);
    let r = app
        .get(
            &format!("/v1/patients/{}/balance", fx.patient),
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.to_string().contains("500"), "{}", r.body);
}

async fn denial_then_tertiary(app: TestApp) {
    let fx = ready(&app, "C2").await;
    coverage(&app, &fx, "Beacon Mutual", "BCN22", "secondary", false).await;
    let cedar = coverage(&app, &fx, "Cedar Health", "CDR9", "tertiary", false).await;
    let id = claim_from(&app, coded(&fx)).await;
    let out = pay(
        &app,
        &id,
        &json!({"status_code": "4", "payment_ref": "D1", "lines": [
            {"line_number": 1, "paid_cents": 0, "adjustments": [adj("CO", "50", 12500)], "remarks": ["N130"]},
            {"line_number": 2, "paid_cents": 0, "adjustments": [adj("CO", "50", 5000)]}
        ]}),
    )
    .await;
    assert_eq!(out["status"], "denied");
    let r = next_payer(&app, &id).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sec = r.body["id"].as_str().unwrap().to_string();
    let prior = &r.body["snapshot"]["other_payers"][0];
    assert_eq!(prior["paid_cents"], 0);
    assert_eq!(prior["remarks"], json!(["N130"]));
    assert_eq!(
        prior["lines"][1]["adjustments"],
        json!([adj("CO", "50", 5000)])
    );
    // The denied payer balance moved whole.
    assert_eq!(open(&app, Some(&id)), o(0, 0, 0));
    assert_eq!(open(&app, Some(&sec)), o(17500, 0, 0));
    assert_ledger_balances(&app);
    let dir = temp_dir("cob-denial");
    let text = preview(&app, &sec, &dir, "secondary_denial.837").await;
    assert!(
        text.contains("AMT*D*0~AMT*EAF*0~OI***Y***Y~MOA***N130~"),
        "{text}"
    );
    assert!(
        text.contains("SVD*60054*0*HC:99213:25**1~CAS*CO*50*125~"),
        "{text}"
    );

    // The secondary pays half of each line, the rest to the patient; then the tertiary.
    submitted(&app, &sec);
    let out = pay(
        &app,
        &sec,
        &json!({"status_code": "2", "payment_ref": "S2", "payer_claim_number": "BCN-9", "lines": [
            {"line_number": 1, "paid_cents": 6250, "adjustments": [adj("PR", "1", 6250)]},
            {"line_number": 2, "paid_cents": 2500, "adjustments": [adj("PR", "1", 2500)]}
        ]}),
    )
    .await;
    assert_eq!(out["status"], "paid", "{out}");
    assert_ledger_balances(&app);
    let r = next_payer(&app, &sec).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ter = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["payer_id"], cedar.as_str());
    assert_eq!(r.body["snapshot"]["subscriber"]["priority"], "tertiary");
    assert_eq!(
        r.body["snapshot"]["other_payers"].as_array().unwrap().len(),
        2
    );
    assert_eq!(open(&app, Some(&sec)), o(0, 0, 0));
    assert_eq!(open(&app, Some(&ter)), o(8750, 0, 0));
    assert_ledger_balances(&app);
    let text = preview(&app, &ter, &dir, "tertiary.837").await;
    assert!(text.contains("SBR*T*18*CDR9G******CI~"), "{text}");
    assert!(text.contains("SBR*P*18**"), "{text}");
    assert!(text.contains("SBR*S*18*BCN22G******CI~"), "{text}");
    assert!(
        text.contains("SVD*BCN22*62.5*HC:99213:25**1~CAS*PR*1*62.5~"),
        "{text}"
    );
    // No fourth payer.
    let r = next_payer(&app, &ter).await;
    assert_eq!(r.status, 409, "{}", r.body);
    x12valid(&dir, &["secondary_denial.837", "tertiary.837"]);
}

async fn dependent_on_the_secondary(app: TestApp) {
    let fx = ready(&app, "C3").await;
    coverage(&app, &fx, "Beacon Mutual", "BCN22", "secondary", true).await;
    let id = claim_from(&app, another_visit(&fx)).await;
    pay(&app, &id, &partial_primary()).await;
    let r = next_payer(&app, &id).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sec = r.body["id"].as_str().unwrap().to_string();
    let dir = temp_dir("cob-dependent");
    let text = preview(&app, &sec, &dir, "dependent.837").await;
    // 2000B is Sam Lee's coverage, the patient is his child (2000C), and the primary's 2320
    // has the patient as its own subscriber (18).
    assert!(text.contains("SBR*S**BCN22G******CI~"), "{text}");
    assert!(text.contains("PAT*19~"), "{text}");
    assert!(text.contains("NM1*IL*1*LEE*SAM****MI*BCN22M1~"), "{text}");
    assert!(text.contains("SBR*P*18**"), "{text}");
    x12valid(&dir, &["dependent.837"]);
    // No secondary coverage at all: 409 naming the priority.
    let patient = id_of(
        &app.post(
            "/v1/patients",
            Role::FrontDesk,
            &crate::common::patient_body("C4"),
        )
        .await,
    );
    let cov = json!({"patient_id": patient, "payer_id": fx.payer, "member_id": "W77",
        "relationship_code": "18", "priority": "primary", "effective_from": days_ago(400)});
    let cov = id_of(&app.post("/v1/coverages", Role::FrontDesk, &cov).await);
    let mut body = coded(&fx);
    body["patient_id"] = json!(patient);
    body["coverage_id"] = json!(cov);
    let lone = claim_from(&app, body).await;
    pay(&app, &lone, &partial_primary()).await;
    let r = next_payer(&app, &lone).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["priority"], "secondary");
    assert_ledger_balances(&app);
}

async fn automatic_billing_and_crossover(app: TestApp) {
    let fx = ready(&app, "C5").await;
    coverage(&app, &fx, "Beacon Mutual", "BCN22", "secondary", false).await;
    let r = app
        .patch(
            &format!("/v1/payers/{}", fx.payer),
            Role::Billing,
            &json!({"auto_bill_secondary": true}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["auto_bill_secondary"], true);
    assert_eq!(r.body["version"], 2);

    // The posting queues the secondary claim in its own transaction.
    let id = claim_from(&app, coded(&fx)).await;
    let out = pay(&app, &id, &partial_primary()).await;
    let sec = out["next_payer_claim_id"]
        .as_str()
        .expect("queued")
        .to_string();
    let r = app.get(&format!("/v1/claims/{sec}"), Role::Billing).await;
    assert_eq!(r.body["status"], "queued", "{}", r.body);
    assert_eq!(
        app.count(&format!("submission_jobs WHERE claim_id = '{sec}'")),
        1
    );
    assert_eq!(open(&app, Some(&sec)), o(3000, 0, 0));
    assert_ledger_balances(&app);
    // The same payment again is a duplicate: nothing more is built.
    let again = pay(&app, &id, &partial_primary()).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(app.count("claim_cob"), 1);

    // Crossover by remark (MA18): no claim is sent, the claim waits for the secondary's 835.
    let b = claim_from(&app, another_visit(&fx)).await;
    let mut body = partial_primary();
    body["payment_ref"] = json!("P2");
    body["lines"][0]["remarks"] = json!(["MA18"]);
    let out = pay(&app, &b, &body).await;
    assert!(out.get("next_payer_claim_id").is_none(), "{out}");
    assert_eq!(app.count("claim_cob"), 1);
    let r = app.get(&format!("/v1/claims/{b}"), Role::Billing).await;
    assert!(
        r.body["history"].to_string().contains("crossed over"),
        "{}",
        r.body
    );
    let r = next_payer(&app, &b).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["crossover"], true);
    assert_eq!(open(&app, Some(&b)), o(0, 3000, 0));

    // Crossover by CLP02 19: forwarded, the payer's balance waits in the next-payer bucket.
    let c = claim_from(&app, another_visit(&fx)).await;
    let out = pay(
        &app,
        &c,
        &json!({"status_code": "19", "payment_ref": "P3", "lines": [
            {"line_number": 1, "paid_cents": 8000, "adjustments": [adj("CO", "45", 2500)]},
            {"line_number": 2, "paid_cents": 3000, "adjustments": [adj("CO", "45", 1000)]}
        ]}),
    )
    .await;
    assert_eq!(out["status"], "forwarded");
    assert!(out.get("next_payer_claim_id").is_none(), "{out}");
    let r = next_payer(&app, &c).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["crossover"], true);
    assert_eq!(open(&app, Some(&c)), o(0, 0, 3000));
    assert_eq!(app.count("claim_cob"), 1);
    assert_ledger_balances(&app);
}

on_both_backends!(
    secondary_after_partial_primary,
    denial_then_tertiary,
    dependent_on_the_secondary,
    automatic_billing_and_crossover,
);
