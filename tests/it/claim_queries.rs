//! Claim queries for the billing assistant: `submitted_before` lists only claims waiting on an
//! answer; the acknowledgments that came back (with the reason for unreadable ones) and the
//! interchanges sent.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{queued_claims, ready, sql, temp_dir};
use common::TestApp;
use medbill::auth::roles::Role;
use medbill::claims::acks;
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::worker::{self, WorkerConfig};

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

/// A 999 rejecting group `gs`, set 0001.
fn rejecting_999(gs: i64) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*MEDBILLSUB     *261126*2151*^*00501*611262151*0*T*:~\n\
         GS*FA*CLEARHOUSE*MEDBILLSUB*20261126*215113*822613235*X*005010X231~\n\
         ST*999*0001*005010X231~\nAK1*HC*{gs}*005010X222A1~\nAK2*837*0001*005010X222A1~\n\
         IK5*R*5~\nAK9*R*1*1*0~\nSE*6*0001~\nGE*1*822613235~\nIEA*1*611262151~\n"
    )
}

async fn acknowledgments_and_interchanges(app: TestApp) {
    let (fx, _) = ready(&app, "Q2").await;
    let ids = queued_claims(&app, &fx, 2).await;
    let cfg = WorkerConfig::default();
    worker::drain(&app.state.pool, &cfg, &FileDrop::new(temp_dir("outbox"))).unwrap();
    let inbox = temp_dir("inbox");
    std::fs::write(inbox.join("a.999"), rejecting_999(1)).unwrap();
    std::fs::write(inbox.join("b.999"), rejecting_999(99)).unwrap();
    std::fs::write(inbox.join("c.txt"), "not x12").unwrap();
    acks::import_dir(&app.state.pool, &inbox).unwrap();

    let r = app.get("/v1/interchanges", Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let ic = &items[0];
    assert_eq!(ic["status"], "rejected");
    assert_eq!(ic["claim_count"], 2);
    assert_eq!(ic["gs_control"], 1);
    assert!(
        ic.get("content").is_none(),
        "the interchange text is not served"
    );
    let r = app.get("/v1/interchanges?status=sent", Role::Billing).await;
    assert_eq!(r.body["items"], serde_json::json!([]));
    let r = app.get("/v1/interchanges?status=lost", Role::Billing).await;
    assert_eq!(r.status, 422, "{}", r.body);

    let r = app
        .get(
            &format!("/v1/interchanges/{}", ic["id"].as_str().unwrap()),
            Role::Admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut claims: Vec<&str> = r.body["claim_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    claims.sort();
    let mut want = vec![ids[0].as_str(), ids[1].as_str()];
    want.sort();
    assert_eq!(claims, want);
    assert_eq!(r.body["acknowledgments"][0]["file_name"], "a.999");
    let r = app
        .get(
            "/v1/interchanges/00000000-0000-7000-8000-000000000000",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 404);

    let r = app.get("/v1/acknowledgments", Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    let r = app
        .get("/v1/acknowledgments?failed=true&limit=1", Role::Billing)
        .await;
    let first = &r.body["items"][0];
    assert_eq!(first["file_name"], "b.999");
    assert!(first["error"]
        .as_str()
        .unwrap()
        .contains("unknown interchange"));
    let r = app
        .get(
            &format!(
                "/v1/acknowledgments?failed=true&limit=1&cursor={}",
                r.body["next_cursor"].as_str().unwrap()
            ),
            Role::Billing,
        )
        .await;
    assert_eq!(r.body["items"][0]["file_name"], "c.txt");
    assert_eq!(r.body["items"][0]["kind"], "unknown");
    assert!(r.body.get("next_cursor").is_none());
    let r = app.get("/v1/acknowledgments?kind=999", Role::Billing).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    for path in ["/v1/acknowledgments", "/v1/interchanges"] {
        assert_eq!(app.get(path, Role::Lab).await.status, 403);
        assert_eq!(app.get(path, Role::FrontDesk).await.status, 403);
    }
}

on_both_backends!(
    submitted_before_lists_waiting_claims,
    acknowledgments_and_interchanges
);
