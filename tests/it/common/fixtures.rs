//! Records an encounter needs (patient, payer, coverage, providers) and encounter bodies,
//! shared by the encounter-related test files.

use chrono::{Duration, Utc};
use medbill::auth::roles::Role;
use serde_json::{json, Value};

use actix_web::test::TestRequest;

use super::{patient_body, Resp, TestApp};

/// Valid NPIs (Luhn over "80840" + the first nine digits).
pub const NPI_A: &str = "1234567893";
pub const NPI_B: &str = "1245319599";

/// The records an encounter points to.
pub struct Fx {
    pub patient: String,
    pub payer: String,
    pub coverage: String,
    pub rendering: String,
    pub billing: String,
}

pub fn id_of(r: &Resp) -> String {
    assert!(r.status == 201, "{} {}", r.status, r.body);
    r.body["id"].as_str().unwrap().to_string()
}

pub fn days_ago(n: i64) -> String {
    (Utc::now().date_naive() - Duration::days(n)).to_string()
}

pub async fn fixture(app: &TestApp, mrn: &str) -> Fx {
    let patient = id_of(
        &app.post("/v1/patients", Role::FrontDesk, &patient_body(mrn))
            .await,
    );
    let payer = json!({"name": "Aetna", "edi_payer_id": "60054", "claim_filing_indicator": "CI", "timely_filing_days": 365});
    let payer = id_of(&app.post("/v1/payers", Role::Billing, &payer).await);
    let coverage = json!({"patient_id": patient, "payer_id": payer, "member_id": "W123", "relationship_code": "18",
        "priority": "primary", "effective_from": days_ago(400)});
    let coverage = id_of(&app.post("/v1/coverages", Role::FrontDesk, &coverage).await);
    let provider = |npi: &str, roles: Value| {
        json!({"npi": npi, "entity_type": "person", "first_name": "Greg", "last_name": "House",
            "roles": roles, "tax_id": "12-3456789"})
    };
    let rendering = id_of(
        &app.post(
            "/v1/providers",
            Role::Billing,
            &provider(NPI_A, json!(["rendering"])),
        )
        .await,
    );
    let billing = id_of(
        &app.post(
            "/v1/providers",
            Role::Billing,
            &provider(NPI_B, json!(["billing"])),
        )
        .await,
    );
    Fx {
        patient,
        payer,
        coverage,
        rendering,
        billing,
    }
}

/// Visit details only, as front desk opens it at check-in.
pub fn visit(fx: &Fx) -> Value {
    json!({"patient_id": fx.patient, "date_of_service": days_ago(3), "place_of_service": "11",
        "rendering_provider_id": fx.rendering, "billing_provider_id": fx.billing,
        "coverage_id": fx.coverage, "notes": "walk-in"})
}

/// A fully coded, clean encounter body.
pub fn coded(fx: &Fx) -> Value {
    let mut b = visit(fx);
    b["diagnoses"] = json!(["i10"]);
    b["lines"] = json!([{"code": "99213", "charge_cents": 12500, "diagnosis_pointers": [1]}]);
    b
}

/// POST with If-Match (and an optional JSON body) as `role`.
pub async fn post_if(
    app: &TestApp,
    path: &str,
    role: Role,
    body: Option<&Value>,
    if_match: &str,
) -> Resp {
    let mut req = TestRequest::post()
        .uri(path)
        .insert_header(("authorization", format!("Bearer {}", app.token(role))))
        .insert_header(("if-match", if_match.to_string()));
    if let Some(b) = body {
        req = req.set_json(b);
    }
    app.send(req).await
}

/// DELETE with If-Match, as billing.
pub async fn delete_if(app: &TestApp, path: &str, if_match: &str) -> Resp {
    app.send(
        TestRequest::delete()
            .uri(path)
            .insert_header((
                "authorization",
                format!("Bearer {}", app.token(Role::Billing)),
            ))
            .insert_header(("if-match", if_match.to_string())),
    )
    .await
}
