//! Claim queries for the billing assistant: `submitted_before` lists only claims waiting on an
//! answer; the acknowledgments that came back (with the reason for unreadable ones) and the
//! interchanges sent.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{queued_claims, ready, sql};
use common::TestApp;
use medbill::auth::roles::Role;

async fn submitted_before_lists_waiting_claims(app: TestApp) {
    let (fx, _) = ready(&app, "Q1").await;
    let ids = queued_claims(&app, &fx, 5).await;
    for (id, status) in ids
        .iter()
        .zip(["submitted", "accepted", "rejected", "superseded"])
    {
        sql(
            &app,
            &format!(
                "UPDATE claims SET status = '{status}', submitted_at = '2026-01-05T10:00:00.000000Z' WHERE id = '{id}'"
            ),
        );
    }
    // The fifth is submitted after the cut-off.
    sql(
        &app,
        &format!(
            "UPDATE claims SET status = 'submitted', submitted_at = '2026-03-01T10:00:00.000000Z' WHERE id = '{}'",
            ids[4]
        ),
    );
    let r = app
        .get(
            "/v1/claims?submitted_before=2026-02-01T00:00:00Z",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[0].as_str(), ids[1].as_str()]);
}

on_both_backends!(submitted_before_lists_waiting_claims);
