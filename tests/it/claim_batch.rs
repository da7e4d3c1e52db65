//! Batch calls: build claims for many signed-off encounters and queue many claims, each item
//! whole or not at all, answering each item's outcome (or its problem); the size cap is a
//! clear 422.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{another_visit, post_with, ready, signed_off};
use common::fixtures::{coded, id_of};
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::{json, Value};

const UNKNOWN: &str = "00000000-0000-7000-8000-000000000000";

async fn batch(app: &TestApp, path: &str, role: Role, body: Value) -> common::Resp {
    post_with(app, path, role, Some(&body), &[]).await
}

async fn builds_and_queues_per_item(app: TestApp) {
    let (fx, first) = ready(&app, "B1").await;
    let mut encs = vec![first];
    for _ in 0..2 {
        encs.push(signed_off(&app, &another_visit(&fx)).await);
    }
    let open = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let mut items: Vec<Value> = encs.iter().map(|e| json!({"encounter_id": e})).collect();
    items.insert(1, json!({"encounter_id": open}));
    items.push(json!({"encounter_id": UNKNOWN}));
    items.push(json!({"encounter_id": encs[0]}));

    let r = batch(&app, "/v1/claims/batch", Role::Lab, json!({"items": items})).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = batch(
        &app,
        "/v1/claims/batch",
        Role::Billing,
        json!({"items": items}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["succeeded"].as_u64(), r.body["failed"].as_u64()),
        (Some(3), Some(3))
    );
    let res = r.body["results"].as_array().unwrap();
    let outcomes: Vec<&str> = res.iter().map(|x| x["outcome"].as_str().unwrap()).collect();
    assert_eq!(
        outcomes,
        ["created", "failed", "created", "created", "failed", "failed"]
    );
    assert_eq!(res[1]["problem"]["status"], 409);
    assert_eq!(res[1]["problem"]["current_status"], "open");
    assert_eq!(res[4]["problem"]["status"], 404);
    // The same encounter twice: the second finds it billed.
    assert_eq!(res[5]["problem"]["current_status"], "billed");
    assert_eq!(res[0]["claim"]["status"], "validated");
    assert_eq!(res[0]["claim"]["encounter_id"], encs[0].as_str());
    assert_eq!(app.count("claims"), 3);
    assert_eq!(app.count("encounters WHERE status = 'billed'"), 3);

    let ids: Vec<&str> = [0, 2, 3]
        .iter()
        .map(|&i| res[i]["claim"]["id"].as_str().unwrap())
        .collect();
    let r = batch(
        &app,
        "/v1/claims/queue",
        Role::Billing,
        json!({"claim_ids": [ids[0], ids[1], UNKNOWN, ids[2], ids[0]]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["succeeded"].as_u64(), r.body["failed"].as_u64()),
        (Some(3), Some(2))
    );
    let res = r.body["results"].as_array().unwrap();
    assert_eq!(res[0]["outcome"], "queued");
    assert_eq!(res[0]["claim"]["status"], "queued");
    assert_eq!(res[2]["problem"]["status"], 404);
    assert_eq!(res[4]["problem"]["status"], 409);
    assert_eq!(res[4]["problem"]["current_status"], "queued");
    assert_eq!(app.count("submission_jobs WHERE status = 'pending'"), 3);
}

async fn batch_size_is_capped(app: TestApp) {
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"encounter_id": UNKNOWN}))
        .collect();
    let r = batch(
        &app,
        "/v1/claims/batch",
        Role::Billing,
        json!({"items": many}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["pointer"], "/items");
    assert_eq!(r.body["errors"][0]["code"], "batch_size");
    let r = batch(
        &app,
        "/v1/claims/queue",
        Role::Billing,
        json!({"claim_ids": []}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["pointer"], "/claim_ids");
    let ids: Vec<&str> = vec![UNKNOWN; 1000];
    let r = batch(
        &app,
        "/v1/claims/queue",
        Role::Billing,
        json!({"claim_ids": ids}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["failed"], 1000);
}

/// Items are planned in memory and written per chunk: a later item sees the claims the batch
/// built before it as the single path sees stored ones (the history checks included), and a
/// refused item leaves nothing while its neighbours are stored.
async fn a_batch_sees_its_own_earlier_claims(app: TestApp) {
    let (fx, first) = ready(&app, "B3").await;
    // The same patient, date and service as the first: a duplicate once the first is billed.
    let second = signed_off(&app, &coded(&fx)).await;
    let other = signed_off(&app, &another_visit(&fx)).await;
    let items = json!({"items": [
        {"encounter_id": first}, {"encounter_id": second}, {"encounter_id": other}]});
    let r = batch(&app, "/v1/claims/batch", Role::Billing, items).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let res = r.body["results"].as_array().unwrap();
    let outcomes: Vec<&str> = res.iter().map(|x| x["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["created", "failed", "created"], "{}", r.body);
    assert_eq!(res[1]["problem"]["status"], 422);
    assert!(
        res[1]["problem"]
            .to_string()
            .contains("claim.duplicate_service"),
        "{}",
        res[1]["problem"]
    );
    assert_eq!(app.count("claims"), 2);
    assert_eq!(app.count("claim_services"), 2);
    assert_eq!(
        app.count(&format!(
            "encounters WHERE id = '{second}' AND status = 'coded'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE resource_type = 'encounter' AND action = 'bill' AND resource_id = '{second}'"
        )),
        0
    );
}

on_both_backends!(
    builds_and_queues_per_item,
    batch_size_is_capped,
    a_batch_sees_its_own_earlier_claims
);
