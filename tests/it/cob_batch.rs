//! Next payer claims in batches and crossover, on both backends:
//! - `POST /v1/claims/next-payer/batch` answers per item (created, or the problem a single
//!   call answers) and leaves nothing of a refused item; the ledger balances;
//! - the batch path runs the same SQL statements for 2 claims as for 4 (reads and writes are
//!   per group, not per claim), counted with diesel's instrumentation;
//! - crossover: a primary 835 with MA18 (and one with CLP02 19) crosses claims over; the
//!   secondary's 835 (fixture pair tests/fixtures/x12/835/crossover_*.835, checked by
//!   x12valid with every 835 fixture) posts against the next-payer claims recorded from the
//!   primary's decision instead of landing in the unmatched queue.
#![allow(clippy::unwrap_used)]

use actix_web::test::TestRequest;
use medbill::auth::roles::Role;
use medbill::auth::tokens::Caller;
use medbill::claims::model::ClaimId;
use medbill::http::RequestCtx;
use serde_json::{json, Value};

use crate::claims_fx::{another_visit, assert_ledger_balances, claim_field, post_with, sql};
use crate::cob::{claim_from, coverage, o, open, partial_primary, pay, ready};
use crate::common::statements::counting_statements;
use crate::common::{Resp, TestApp};

/// `n` claims of the fixture patient, each paid in part by the primary (3,000 left to the
/// patient), whose patient has a Beacon Mutual secondary coverage.
async fn paid_primaries(app: &TestApp, mrn: &str, n: usize) -> Vec<String> {
    let fx = ready(app, mrn).await;
    coverage(app, &fx, "Beacon Mutual", "BCN22", "secondary", false).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let id = claim_from(app, another_visit(&fx)).await;
        let mut body = partial_primary();
        body["payment_ref"] = json!(format!("P{i}"));
        pay(app, &id, &body).await;
        ids.push(id);
    }
    ids
}

async fn batch(app: &TestApp, ids: &[String]) -> Resp {
    post_with(
        app,
        "/v1/claims/next-payer/batch",
        Role::Billing,
        Some(&json!({ "claim_ids": ids })),
        &[],
    )
    .await
}

fn outcomes(r: &Resp) -> Vec<String> {
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["outcome"].as_str().unwrap().to_string())
        .collect()
}

async fn batch_answers_per_item(app: TestApp) {
    let ids = paid_primaries(&app, "CB1", 3).await;
    // The first goes alone (a batch of one through the single route).
    let r = post_with(
        &app,
        &format!("/v1/claims/{}/next-payer", ids[0]),
        Role::Billing,
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let unknown = ClaimId::new().to_string();
    let items = vec![
        ids[0].clone(),
        ids[1].clone(),
        unknown,
        ids[2].clone(),
        ids[1].clone(),
    ];
    let r = post_with(
        &app,
        "/v1/claims/next-payer/batch",
        Role::FrontDesk,
        Some(&json!({ "claim_ids": items })),
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    let events = app.count("claim_events");
    let r = batch(&app, &items).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        outcomes(&r),
        ["failed", "created", "failed", "created", "failed"],
        "{}",
        r.body
    );
    assert_eq!(
        (r.body["succeeded"].as_i64(), r.body["failed"].as_i64()),
        (Some(2), Some(3))
    );
    let results = &r.body["results"];
    // Already followed (by the single call, then by this batch's own item 1).
    assert_eq!(results[0]["problem"]["status"], 409, "{}", r.body);
    assert_eq!(results[4]["problem"]["status"], 409, "{}", r.body);
    assert_eq!(results[2]["problem"]["status"], 404, "{}", r.body);
    let sec = results[1]["claim"]["id"].as_str().unwrap().to_string();
    assert_eq!(results[1]["claim"]["status"], "validated", "{}", r.body);
    // Three secondary claims in all, the balance moved once per primary.
    assert_eq!(app.count("claim_cob"), 3);
    for id in &ids {
        assert_eq!(open(&app, Some(id)), o(0, 0, 0));
    }
    assert_eq!(open(&app, Some(&sec)), o(3000, 0, 0));
    assert_eq!(open(&app, None), o(9000, 0, 0));
    // Three history entries per created item (the new claim's, the primary's move from
    // partially_paid to paid once its patient share left, the primary's note), none for the
    // refused ones.
    assert_eq!(app.count("claim_events"), events + 6);
    assert_eq!(
        app.count("audit_log WHERE action = 'create' AND resource_type = 'claim'"),
        app.count("claims")
    );
    assert_ledger_balances(&app);
    let r = app
        .get(&format!("/v1/claims/{sec}/837"), Role::Billing)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Size and shape.
    let r = post_with(
        &app,
        "/v1/claims/next-payer/batch",
        Role::Billing,
        Some(&json!({ "claim_ids": [] })),
        &[],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
}

/// Bills the next payer of `ids` through the batch path on one pooled connection; returns the
/// SQL statements it ran (queries and transaction control).
fn statements_of_batch(app: &TestApp, ids: &[String]) -> usize {
    let mut conn = app.conn();
    let ctx = RequestCtx {
        caller: Caller {
            actor: "user:batch".into(),
            role: Role::Billing,
            generation: None,
        },
        request_id: String::new(),
    };
    let items: Vec<(ClaimId, Option<i32>)> = ids
        .iter()
        .map(|id| (ClaimId::from(id.parse::<uuid::Uuid>().unwrap()), None))
        .collect();
    let (out, count) = counting_statements(&mut conn, |c| {
        let submitter = &app.state.submitter;
        medbill::cob::batch::bill_many(
            c,
            &ctx,
            submitter,
            &items,
            medbill::cob::batch_routes::GROUP,
        )
    });
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    count
}

async fn batch_statements_do_not_grow_per_claim(app: TestApp) {
    let ids = paid_primaries(&app, "CB2", 6).await;
    let two = statements_of_batch(&app, &ids[..2]);
    let four = statements_of_batch(&app, &ids[2..]);
    println!("next payer batch: {two} statements for 2 claims, {four} for 4");
    // Every read and write is per group; what may differ is the earlier claims' status
    // updates, one per distinct (from, to) pair of the group (a handful at most), never one
    // per claim.
    assert!(four <= two + 2, "{two} -> {four} statements");
    assert_eq!(app.count("claim_cob"), 6);
    assert_eq!(open(&app, None), o(6 * 3000, 0, 0));
    assert_ledger_balances(&app);
}

async fn import(app: &TestApp, name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/x12/835/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let req = TestRequest::post()
        .uri("/v1/remittances")
        .insert_header((
            "authorization",
            format!("Bearer {}", app.token(Role::Billing)),
        ))
        .insert_header(("content-type", "application/edi-x12"))
        .set_payload(std::fs::read_to_string(path).unwrap());
    let r = app.send(req).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["payments"][0].clone()
}

async fn crossover_posts_the_secondary_remittance(app: TestApp) {
    let fx = ready(&app, "CB3").await;
    let beacon = coverage(&app, &fx, "Beacon Mutual", "BCN22", "secondary", false).await;
    let mut claims = Vec::new();
    for n in 1..=2 {
        let id = claim_from(&app, another_visit(&fx)).await;
        sql(
            &app,
            &format!(
                "UPDATE claims SET patient_control_number = 'XOVER000000000{n}' WHERE id = '{id}'"
            ),
        );
        claims.push(id);
    }
    // The primary: claim 1 processed with MA18 (crossed over), claim 2 forwarded (CLP02 19).
    let p = import(&app, "crossover_primary.835").await;
    assert_eq!(p["status"], "posted", "{p}");
    assert_eq!(claim_field(&app, &claims[0], "status"), "paid");
    assert_eq!(claim_field(&app, &claims[1], "status"), "forwarded");
    for id in &claims {
        assert_eq!(open(&app, Some(id)), o(0, 3000, 0));
        let r = post_with(
            &app,
            &format!("/v1/claims/{id}/next-payer"),
            Role::Billing,
            None,
            &[],
        )
        .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(r.body["crossover"], true);
    }
    assert_eq!(app.count("claim_cob"), 0);

    // The secondary's 835 names our original claims (CLP01): it posts against their
    // next-payer claims, recorded now from the primary's decision and never sent.
    let p = import(&app, "crossover_secondary.835").await;
    assert_eq!(p["status"], "posted", "{p}");
    assert_eq!(p["claims_unmatched"], 0, "{p}");
    assert_eq!(app.count("remittance_unmatched"), 0);
    assert_eq!(app.count("claim_cob"), 2);
    for id in &claims {
        let sec: String = {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                id: String,
            }
            let q = format!(
                "SELECT CAST(claim_id AS text) AS id FROM claim_cob WHERE prior_claim_id = '{id}'"
            );
            diesel::sql_query(q)
                .get_result::<Row>(&mut *app.conn())
                .unwrap()
                .id
        };
        let r = app.get(&format!("/v1/claims/{sec}"), Role::Billing).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["payer_id"], beacon.as_str());
        assert_eq!(r.body["status"], "paid", "{}", r.body);
        assert!(!r.body["submitted_at"].is_null(), "{}", r.body);
        assert!(
            r.body["history"].to_string().contains("crossed over"),
            "{}",
            r.body
        );
        let prior = &r.body["snapshot"]["other_payers"][0];
        assert_eq!(prior["paid_cents"], 11000, "{}", r.body);
        assert_eq!(prior["remaining_patient_liability_cents"], 3000);
        // Not sent by us: no outbox job.
        assert_eq!(
            app.count(&format!("submission_jobs WHERE claim_id = '{sec}'")),
            0
        );
        // CARC 23 (the primary's impact) was not posted again: the secondary paid 20.00 of
        // the 30.00 moved to it and left 10.00 to the patient.
        assert_eq!(open(&app, Some(id)), o(0, 0, 0));
        assert_eq!(open(&app, Some(&sec)), o(0, 1000, 0));
    }
    assert_eq!(open(&app, None), o(0, 2000, 0));
    assert_ledger_balances(&app);

    // The same file again: a duplicate, nothing more recorded.
    let entries = app.count("ledger_entries");
    let p = import(&app, "crossover_secondary.835").await;
    assert_eq!(p["duplicate"], true, "{p}");
    assert_eq!(app.count("ledger_entries"), entries);
    assert_eq!(app.count("claim_cob"), 2);
}

on_both_backends!(
    batch_answers_per_item,
    batch_statements_do_not_grow_per_claim,
    crossover_posts_the_secondary_remittance,
);
