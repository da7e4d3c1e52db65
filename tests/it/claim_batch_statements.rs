//! Throughput guards of the claim batch calls (issue 11), on both backends: building and
//! queueing claims read and write per chunk of up to 500 items, not per claim. Counted with
//! diesel's instrumentation on one connection, as `throughput::payment_statements_do_not_grow_
//! per_claim` counts an 835 import; the rows written are those of the claim-at-a-time path.
#![allow(clippy::unwrap_used)]

use medbill::auth::roles::Role;
use medbill::auth::tokens::Caller;
use medbill::claims::build_batch::{build_items, BuildItem};
use medbill::claims::model::ClaimId;
use medbill::claims::queue_batch::{queue_items, QueueItem};
use medbill::encounters::model::EncounterId;
use medbill::http::RequestCtx;

use crate::claims_fx::{address_billing, another_visit, assert_ledger_balances, signed_off};
use crate::common::fixtures::fixture;
use crate::common::statements::counting_statements;
use crate::common::TestApp;

/// What a claim build reads or writes per claim beyond its chunk's statements: nothing (the
/// latest eligibility checks are read for the chunk's coverages at once, the charge entries
/// written in multi-row statements; it was 2 before).
const BUILD_STATEMENTS_PER_CLAIM: f64 = 0.0;

fn billing_ctx() -> RequestCtx {
    RequestCtx {
        caller: Caller {
            actor: "user:billing".into(),
            role: Role::Billing,
            generation: None,
        },
        request_id: String::new(),
    }
}

/// Builds claims for `encs` in one write transaction; answers the statements run (with the
/// transaction's) and the claims built.
fn statements_of_build(app: &TestApp, encs: &[String]) -> (usize, Vec<ClaimId>) {
    let items: Vec<BuildItem> = encs
        .iter()
        .map(|e| BuildItem {
            encounter_id: EncounterId(e.parse().unwrap()),
            coverage_id: None,
        })
        .collect();
    let (codes, ctx) = (app.state.codes(), billing_ctx());
    let mut conn = app.conn();
    let (out, n) = counting_statements(&mut conn, |c| {
        c.write_transaction(|c| build_items(c, codes, &app.state.submitter, &ctx, &items))
            .unwrap()
    });
    let ids = out.into_iter().map(|r| r.unwrap().id).collect();
    (n, ids)
}

fn statements_of_queue(app: &TestApp, ids: &[ClaimId]) -> usize {
    let items: Vec<QueueItem> = ids
        .iter()
        .map(|id| QueueItem {
            id: *id,
            expected: None,
        })
        .collect();
    let ctx = billing_ctx();
    let mut conn = app.conn();
    let (out, n) = counting_statements(&mut conn, |c| {
        c.write_transaction(|c| queue_items(c, &ctx, &items))
            .unwrap()
    });
    assert!(out.iter().all(Result::is_ok));
    n
}

async fn claim_build_and_queue_statements_do_not_grow_per_claim(app: TestApp) {
    let fx = fixture(&app, "TB1").await;
    address_billing(&app, &fx).await;
    let mut encs = Vec::new();
    for _ in 0..6 {
        encs.push(signed_off(&app, &another_visit(&fx)).await);
    }
    let (two, mut ids) = statements_of_build(&app, &encs[..2]);
    let (four, more) = statements_of_build(&app, &encs[2..]);
    ids.extend(more);
    let per_claim = (four - two) as f64 / 2.0;
    println!("claim build: {two} statements for 2 claims, {four} for 4 ({per_claim} per claim)");
    assert_eq!(per_claim, BUILD_STATEMENTS_PER_CLAIM, "{two} -> {four}");
    // What the single path writes, for each claim: the claim, its service line, its charge,
    // its first history event, its audit row, and the encounter billed with its audit row.
    assert_eq!(app.count("claims WHERE status = 'validated'"), 6);
    assert_eq!(app.count("claim_services"), 6);
    assert_eq!(app.count("ledger_entries WHERE kind = 'charge'"), 6);
    assert_ledger_balances(&app);
    assert_eq!(app.count("claim_events WHERE to_status = 'validated'"), 6);
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'claim' AND action = 'create'"),
        6
    );
    assert_eq!(
        app.count("encounters WHERE status = 'billed' AND version = 3"),
        6
    );
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'encounter' AND action = 'bill'"),
        6
    );

    let two = statements_of_queue(&app, &ids[..2]);
    let four = statements_of_queue(&app, &ids[2..]);
    println!("claim queue: {two} statements for 2 claims, {four} for 4");
    assert_eq!(two, four, "queueing two more claims ran more statements");
    assert_eq!(
        app.count("claims WHERE status = 'queued' AND version = 2"),
        6
    );
    assert_eq!(app.count("submission_jobs WHERE status = 'pending'"), 6);
    assert_eq!(app.count("claim_events WHERE to_status = 'queued'"), 6);
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'claim' AND action = 'queued'"),
        6
    );
}

on_both_backends!(claim_build_and_queue_statements_do_not_grow_per_claim);
