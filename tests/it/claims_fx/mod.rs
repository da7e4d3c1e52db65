//! Claim test helpers: a signed-off encounter ready to bill, and requests with headers.
#![allow(dead_code, clippy::unwrap_used)]

use actix_web::test::TestRequest;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

use crate::common::fixtures::{coded, fixture, id_of, Fx};
use crate::common::{Resp, TestApp};

/// POST with an optional JSON body and extra headers.
pub async fn post_with(
    app: &TestApp,
    path: &str,
    role: Role,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = TestRequest::post()
        .uri(path)
        .insert_header(("authorization", format!("Bearer {}", app.token(role))));
    for (k, v) in headers {
        req = req.insert_header((k.to_string(), v.to_string()));
    }
    if let Some(b) = body {
        req = req.set_json(b);
    }
    app.send(req).await
}

/// Gives the billing provider the street address and 9-digit ZIP an 837P needs.
pub async fn address_billing(app: &TestApp, fx: &Fx) {
    let r = app
        .patch(
            &format!("/v1/providers/{}", fx.billing),
            Role::Billing,
            &json!({"address_line1": "100 Maple St", "city": "Springfield", "state": "IL",
                "postal_code": "62701-1234"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// An encounter opened with `body`, signed off as coded; returns its id.
pub async fn signed_off(app: &TestApp, body: &Value) -> String {
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, body).await);
    let r = post_with(
        app,
        &format!("/v1/encounters/{enc}/sign-off"),
        Role::Billing,
        None,
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    enc
}

/// The registry records (billing provider with an address) and one signed-off encounter.
pub async fn ready(app: &TestApp, mrn: &str) -> (Fx, String) {
    let fx = fixture(app, mrn).await;
    address_billing(app, &fx).await;
    let enc = signed_off(app, &coded(&fx)).await;
    (fx, enc)
}

/// Builds a claim from encounter `enc`.
pub async fn build(app: &TestApp, enc: &str) -> Resp {
    app.post(
        &format!("/v1/encounters/{enc}/claims"),
        Role::Billing,
        &json!({}),
    )
    .await
}

/// Builds a claim and returns its id (asserting 201).
pub async fn built(app: &TestApp, enc: &str) -> String {
    id_of(&build(app, enc).await)
}

/// Queues claim `id` (asserting 200).
pub async fn queued(app: &TestApp, id: &str) {
    let r = post_with(
        app,
        &format!("/v1/claims/{id}/queue"),
        Role::Billing,
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Runs SQL on the test database (to put a claim where a test needs it).
pub fn sql(app: &TestApp, q: &str) {
    use diesel::connection::SimpleConnection;
    let mut c = app.conn();
    c.batch_execute(q).unwrap();
}

/// A clean coded encounter body on a date no other call has used (3 days ago and earlier):
/// another claim for the same patient, date and service would be a `claim.duplicate_service`.
pub fn another_visit(fx: &Fx) -> Value {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let offset = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 300;
    let mut body = coded(fx);
    body["date_of_service"] = json!(crate::common::fixtures::days_ago(4 + offset));
    body
}

/// `n` queued claims for the fixture's payer (each for another date); returns their ids.
pub async fn queued_claims(app: &TestApp, fx: &Fx, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let enc = signed_off(app, &another_visit(fx)).await;
        let id = built(app, &enc).await;
        queued(app, &id).await;
        ids.push(id);
    }
    ids
}

/// A fresh temporary folder.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("medbill-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The `.837` files of a folder (temporary files excluded), sorted.
pub fn outbox_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "837"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The CLM01 values of an 837 text.
pub fn clm01s(text: &str) -> Vec<String> {
    text.split('~')
        .map(str::trim)
        .filter(|s| s.starts_with("CLM*"))
        .map(|s| s.split('*').nth(1).unwrap().to_string())
        .collect()
}

/// ISA13 of an 837 text.
pub fn isa13(text: &str) -> u64 {
    text.split('*').nth(13).unwrap().trim().parse().unwrap()
}

/// A claim's field as stored.
pub fn claim_field(app: &TestApp, id: &str, field: &str) -> Value {
    let r = futures_lite_get(app, id);
    r[field].clone()
}

fn futures_lite_get(app: &TestApp, id: &str) -> Value {
    use diesel::prelude::*;
    use medbill::db::schema_claims::claims as cl;
    let mut c = app.conn();
    let (status, pcn, payer): (String, String, Option<String>) = cl::table
        .filter(cl::id.eq(medbill::claims::model::ClaimId(id.parse().unwrap())))
        .select((
            cl::status,
            cl::patient_control_number,
            cl::payer_claim_number,
        ))
        .first(&mut *c)
        .unwrap();
    json!({"status": status, "patient_control_number": pcn, "payer_claim_number": payer})
}

#[derive(diesel::QueryableByName, Debug)]
struct LineSums {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    charged: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    settled: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    open: i64,
}

/// Checks charge = payments + adjustments + write-offs + open balance on every line, in SQL
/// independent of the library's own sums. A line billed on to a next payer (secondary,
/// tertiary) balances over its chain of claims: its charge stays on the first claim and the
/// transfers between the claims cancel out, so lines are summed per first claim
/// (`claim_cob.root_claim_id`).
pub fn assert_ledger_balances(app: &TestApp) {
    use diesel::RunQueryDsl;
    let mut c = app.conn();
    let rows: Vec<LineSums> = diesel::sql_query(
        "SELECT CAST(SUM(CASE WHEN kind = 'charge' THEN amount_cents ELSE 0 END) AS bigint) AS charged, \
         CAST(SUM(CASE WHEN kind IN ('payment', 'adjustment', 'patient_payment', 'write_off') THEN amount_cents \
                  WHEN kind = 'refund' THEN -amount_cents ELSE 0 END) AS bigint) AS settled, \
         CAST(SUM(payer_cents + patient_cents + next_payer_cents) AS bigint) AS open \
         FROM ledger_entries e LEFT JOIN claim_cob k ON k.claim_id = e.claim_id \
         GROUP BY COALESCE(k.root_claim_id, e.claim_id), e.line_number",
    )
    .load(&mut *c)
    .unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        assert_eq!(r.charged, r.settled + r.open, "{r:?}");
    }
}
