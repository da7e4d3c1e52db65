//! The audit log's hash chain: sealing, verification, refusal of edits, and detection of a
//! row changed behind the application's back.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{patient_body, TestApp};
use diesel::connection::SimpleConnection;
use medbill::audit::chain::{seal_pending, verify};
use medbill::auth::roles::Role;
use medbill::db::AnyConnection;

async fn make_activity(app: &TestApp, batch: &str) {
    for i in 0..3 {
        let r = app
            .post(
                "/v1/patients",
                Role::FrontDesk,
                &patient_body(&format!("{batch}{i}")),
            )
            .await;
        let id = r.body["id"].as_str().unwrap().to_string();
        app.get(&format!("/v1/patients/{id}"), Role::Billing).await;
    }
}

async fn chain_verifies_and_detects_tampering(app: TestApp) {
    make_activity(&app, "A").await;
    let mut conn = app.conn();
    assert_eq!(seal_pending(&mut conn).unwrap(), 6);
    let report = verify(&mut conn).unwrap();
    assert!(report.ok);
    assert_eq!(report.checked, 6);
    assert_eq!(report.unsealed, 0);

    // New rows after a seal are chained on in a later round.
    drop(conn);
    make_activity(&app, "B").await;
    let mut conn = app.conn();
    assert_eq!(verify(&mut conn).unwrap().unsealed, 6);
    assert_eq!(seal_pending(&mut conn).unwrap(), 6);
    assert!(verify(&mut conn).unwrap().ok);
    let r = app.get("/v1/audit/verify", Role::Admin).await;
    assert_eq!(r.body["ok"], true);
    assert_eq!(r.body["checked"], 12);

    // The application's own guard refuses edits and deletes of audit rows.
    assert!(conn
        .batch_execute("UPDATE audit_log SET actor = 'user:someone-else' WHERE seq = 4")
        .is_err());
    assert!(conn
        .batch_execute("DELETE FROM audit_log WHERE seq = 4")
        .is_err());

    // Someone with database rights disables the guard and rewrites a sealed row.
    let bypass = match &*conn {
        AnyConnection::Sqlite(_) => "DROP TRIGGER audit_log_seal_only; UPDATE audit_log SET actor = 'user:someone-else' WHERE seq = 4",
        AnyConnection::Postgres(_) => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard_rows; UPDATE audit_log SET actor = 'user:someone-else' WHERE seq = 4",
    };
    conn.batch_execute(bypass).unwrap();
    let report = verify(&mut conn).unwrap();
    assert!(!report.ok);
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, 4);
    assert_eq!(broken.reason, "the row's content does not match its hash");
    let r = app.get("/v1/audit/verify", Role::Admin).await;
    assert_eq!(r.body["ok"], false);
    assert_eq!(r.body["first_broken"]["seq"], 4);
}
on_both_backends!(chain_verifies_and_detects_tampering);

async fn deleted_row_breaks_the_chain(app: TestApp) {
    make_activity(&app, "A").await;
    let mut conn = app.conn();
    seal_pending(&mut conn).unwrap();
    let bypass = match &*conn {
        AnyConnection::Sqlite(_) => "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2",
        AnyConnection::Postgres(_) => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard_rows; DELETE FROM audit_log WHERE seq = 2",
    };
    conn.batch_execute(bypass).unwrap();
    let report = verify(&mut conn).unwrap();
    assert_eq!(report.first_broken.unwrap().seq, 3);
}
on_both_backends!(deleted_row_breaks_the_chain);

async fn audit_list_filters(app: TestApp) {
    make_activity(&app, "A").await;
    let all = app
        .get("/v1/audit?resource_type=patient&limit=4", Role::Admin)
        .await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 4);
    let cursor = all.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/v1/audit?resource_type=patient&cursor={cursor}"),
            Role::Admin,
        )
        .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 2);
    let reads = app
        .get("/v1/audit?resource_type=patient", Role::Admin)
        .await;
    let actor = reads.body["items"][1]["actor"]
        .as_str()
        .unwrap()
        .to_string();
    let mine = app
        .get(&format!("/v1/audit?actor={actor}"), Role::Admin)
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    let future = app
        .get("/v1/audit?from=2999-01-01T00:00:00Z", Role::Admin)
        .await;
    assert_eq!(future.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get("/v1/audit?from=yesterday", Role::Admin)
            .await
            .status,
        422
    );
}
on_both_backends!(audit_list_filters);
