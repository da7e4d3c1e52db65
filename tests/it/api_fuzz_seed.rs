//! The records the schemathesis run starts from (tests/it/api_fuzz.rs): a create that needs a
//! workflow behind it (a signed-off encounter to bill, an adjudicated claim to replace, a
//! rejected specimen to recollect, a patient's credit to refund) gets one from here, so every
//! create operation can answer 201. The ids go to the hooks (tests/it/schemathesis/hooks.py)
//! as JSON in MEDBILL_FUZZ_FIXTURES; the hooks put them into generated requests.
#![allow(clippy::unwrap_used)]

use medbill::auth::roles::Role;
use serde_json::{json, Value};

use crate::claims_fx::{another_visit, signed_off};
use crate::cob::{claim_from, coverage, partial_primary, pay, ready};
use crate::common::fixtures::{days_ago, id_of, visit, Fx};
use crate::common::{patient_body, TestApp};
use crate::specimen_support::{body as specimen_body, create as create_specimen, move_to, walk};

/// How many records of each kind: a record is used up by its first 201 (a claim is billed
/// once, replaced once), and the run sends at most 15 positive cases per operation.
const EACH: usize = 6;

/// `n` claims of `fx`'s patient paid in part by the primary (each on another day).
async fn paid_claims(app: &TestApp, fx: &Fx, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = claim_from(app, another_visit(fx)).await;
        let mut body = partial_primary();
        body["payment_ref"] = json!(format!("FZ{}", id_tail(&id, i)));
        pay(app, &id, &body).await;
        ids.push(id);
    }
    ids
}

fn id_tail(id: &str, i: usize) -> String {
    format!("{}{i}", &id[..8])
}

/// A received then rejected specimen of `fx`'s patient.
async fn rejected_specimen(app: &TestApp, fx: &Fx) -> String {
    let id = id_of(&create_specimen(app, Role::Lab, &specimen_body(fx)).await);
    walk(app, &id, 1, &["received"]).await;
    let r = move_to(
        app,
        &id,
        Role::Lab,
        2,
        json!({"to": "rejected", "reject_reason": "RH", "note": "hemolysed"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    id
}

/// Builds the records and returns the ids the hooks use, by what each is for.
pub(crate) async fn seed(app: &TestApp) -> Value {
    // The patient with a primary (and, for next-payer, a secondary) coverage and providers.
    let fx = ready(app, "FZ1").await;
    let drafts: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..EACH {
            let mut b = visit(&fx);
            b["diagnoses"] = json!(["I10", "E119"]);
            v.push(id_of(&app.post("/v1/encounters", Role::Billing, &b).await));
        }
        v
    };
    // Clean drafts to sign off, and drafts whose first diagnosis is a category code (an
    // `icd.not_billable` error finding) to override.
    let mut clean = Vec::new();
    let mut finding = Vec::new();
    for _ in 0..EACH {
        let b = another_visit(&fx);
        clean.push(id_of(&app.post("/v1/encounters", Role::Billing, &b).await));
        let mut b = another_visit(&fx);
        b["diagnoses"] = json!(["E11", "I10"]);
        finding.push(id_of(&app.post("/v1/encounters", Role::Billing, &b).await));
    }
    let mut signed = Vec::new();
    for _ in 0..EACH {
        signed.push(signed_off(app, &another_visit(&fx)).await);
    }
    let replaceable = paid_claims(app, &fx, EACH).await;
    let voidable = paid_claims(app, &fx, EACH).await;
    let rejected: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..EACH {
            v.push(rejected_specimen(app, &fx).await);
        }
        v
    };
    // A second patient with only a primary coverage: what the primary leaves is the
    // patient's, so a statement can be made.
    let owing = id_of(
        &app.post("/v1/patients", Role::FrontDesk, &patient_body("FZ3"))
            .await,
    );
    let cov = json!({"patient_id": owing, "payer_id": fx.payer, "member_id": "W124",
        "relationship_code": "18", "priority": "primary", "effective_from": days_ago(400)});
    let owing_fx = Fx {
        patient: owing.clone(),
        payer: fx.payer.clone(),
        coverage: id_of(&app.post("/v1/coverages", Role::FrontDesk, &cov).await),
        rendering: fx.rendering.clone(),
        billing: fx.billing.clone(),
    };
    let owing_claims = paid_claims(app, &owing_fx, 2).await;
    // Claims with an open payer balance, for EOB payments and write-offs.
    let payable = paid_claims(app, &fx, EACH).await;
    // Next payer: claims paid by the primary after the patient gained a secondary coverage.
    coverage(app, &fx, "Beacon Mutual", "BCN22", "secondary", false).await;
    let next_payer = paid_claims(app, &fx, EACH).await;
    // A patient with a large credit on account (a payment with nothing to pay), to refund.
    let credit = id_of(
        &app.post("/v1/patients", Role::FrontDesk, &patient_body("FZ2"))
            .await,
    );
    let r = app
        .post(
            &format!("/v1/patients/{credit}/payments"),
            Role::Billing,
            &json!({"amount_cents": 10_000_000, "method": "check", "reference": "1001"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    json!({
        "patients": [fx.patient, credit],
        "coverage_patients": [fx.patient],
        "payers": [fx.payer],
        "coverages": [fx.coverage],
        "rendering_providers": [fx.rendering],
        "billing_providers": [fx.billing],
        "draft_encounters": drafts,
        "clean_encounters": clean,
        "finding_encounters": finding,
        "signed_encounters": signed,
        "replaceable_claims": replaceable,
        "voidable_claims": voidable,
        "next_payer_claims": next_payer,
        "rejected_specimens": rejected,
        "owing_patients": [owing],
        "owing_claims": owing_claims,
        "payable_claims": payable,
        "credit_patients": [credit],
    })
}
