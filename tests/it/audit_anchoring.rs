//! Issue 10 item 3, the rest: rows not written by the service are flagged, not sealed as
//! genuine; checkpoints are exported (endpoint and command) and `verify` checks an exported
//! copy; the sealer checkpoints after N rows, on a timer and on a graceful stop, and `verify`
//! reports the unanchored tail.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common;

use common::audit::{as_admin, keyed_anchor, scratch_dir};
use common::{patient_body, TestApp, AUDIT_KEY};
use diesel::connection::SimpleConnection;
use medbill::audit::anchor::Anchor;
use medbill::audit::chain::{checkpoint, seal_pending, seal_pending_with, verify_with};
use medbill::audit::sealer::{spawn_anchored_sealer, CheckpointPolicy};
use medbill::auth::roles::Role;
use medbill::db::AnyConnection;

async fn activity(app: &TestApp, batch: &str, n: usize) {
    for i in 0..n {
        let r = app
            .post(
                "/v1/patients",
                Role::FrontDesk,
                &patient_body(&format!("{batch}{i}")),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
}

fn forged_insert(event_id: uuid::Uuid, mac: &str) -> String {
    format!(
        "INSERT INTO audit_log (event_id, occurred_at, actor, actor_role, action, resource_type, \
         resource_id, outcome, mac) VALUES ('{event_id}', '2026-11-30T10:00:00.000000Z', \
         'user:intruder', 'admin', 'read', 'patient', 'x', 'success', {mac})"
    )
}

fn id_of(conn: &mut AnyConnection, event_id: uuid::Uuid) -> i64 {
    use diesel::prelude::*;
    use medbill::db::schema::audit_log as al;
    let rows: Vec<(i64, medbill::audit::EventId)> =
        al::table.select((al::id, al::event_id)).load(conn).unwrap();
    rows.into_iter()
        .find(|(_, e)| e.to_string() == event_id.to_string())
        .unwrap()
        .0
}

async fn forged_rows_are_flagged_not_sealed_as_genuine(app: TestApp) {
    let dir = scratch_dir("anchor");
    let real = keyed_anchor(&dir);
    activity(&app, "F", 2).await;
    let mut conn = app.conn();
    // A plain INSERT, no trigger touched: once the sealer chained it like any other row.
    let forged = uuid::Uuid::new_v4();
    conn.batch_execute(&forged_insert(forged, "NULL")).unwrap();
    // One carrying a MAC copied from a genuine row does not verify either (the MAC covers the
    // row's content, event id included).
    use diesel::prelude::*;
    let genuine_mac: Option<String> = medbill::db::schema::audit_log::table
        .select(medbill::db::schema::audit_log::mac)
        .first(&mut conn)
        .unwrap();
    let copied = uuid::Uuid::new_v4();
    conn.batch_execute(&forged_insert(
        copied,
        &format!("'{}'", genuine_mac.unwrap()),
    ))
    .unwrap();
    let (forged_id, copied_id) = (id_of(&mut conn, forged), id_of(&mut conn, copied));
    drop(conn);
    activity(&app, "G", 2).await;
    let mut conn = app.conn();
    let sealed = seal_pending_with(&mut conn, &real).unwrap();
    let report = verify_with(&mut conn, &real).unwrap();
    // Every row is sealed (the sealer kept going past the forged ones), the chain is whole,
    // and the two forged rows are named.
    assert_eq!(report.checked, sealed as i64);
    assert_eq!(report.unsealed, 0);
    assert!(report.first_broken.is_none(), "{report:?}");
    assert!(!report.ok);
    assert_eq!(report.flagged, 2);
    let ids: Vec<i64> = report.flagged_rows.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![forged_id, copied_id]);
    // Taking the flag off a forged row (as a database admin) breaks its link.
    as_admin(
        &mut conn,
        &format!(
            "UPDATE audit_log SET hash = substr(hash, 8) WHERE id = {forged_id} AND hash LIKE 'forged:%'"
        ),
    );
    let report = verify_with(&mut conn, &real).unwrap();
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.id, forged_id, "{broken:?}");
    drop(conn);
    std::fs::remove_dir_all(dir).unwrap();
}

async fn verify_endpoint_names_a_forged_row(app: TestApp) {
    activity(&app, "V", 1).await;
    let mut conn = app.conn();
    let forged = uuid::Uuid::new_v4();
    conn.batch_execute(&forged_insert(forged, "'00'")).unwrap();
    let forged_id = id_of(&mut conn, forged);
    // The test app has no chain key: the plain chain, but rows still carry the service MAC.
    seal_pending(&mut conn).unwrap();
    drop(conn);
    let r = app.get("/v1/audit/verify", Role::Admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ok"], false);
    assert_eq!(r.body["flagged"], 1);
    assert_eq!(r.body["flagged_rows"][0]["id"], forged_id);
    assert!(r.body.get("first_broken").is_none(), "{}", r.body);
}

async fn truncation_after_a_checkpoint_is_detected_against_an_export(app: TestApp) {
    let dir = scratch_dir("anchor");
    let real = keyed_anchor(&dir);
    let app = app.with_audit_anchor(real.clone());
    activity(&app, "A", 2).await;
    let mut conn = app.conn();
    seal_pending_with(&mut conn, &real).unwrap();
    checkpoint(&mut conn, &real).unwrap();
    let first = verify_with(&mut conn, &real).unwrap().checked;
    drop(conn);
    activity(&app, "B", 2).await;
    let mut conn = app.conn();
    seal_pending_with(&mut conn, &real).unwrap();
    checkpoint(&mut conn, &real).unwrap();
    let second = verify_with(&mut conn, &real).unwrap().checked;
    drop(conn);

    // The operator copies the checkpoints off the machine: endpoint and command agree.
    let r = app.get("/v1/audit/checkpoints", Role::Admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["seq"], first);
    assert_eq!(items[1]["seq"], second);
    let lines: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{} {} {} {}",
                i["seq"],
                i["hash"].as_str().unwrap(),
                i["at"].as_str().unwrap(),
                i["signature"].as_str().unwrap()
            )
        })
        .collect();
    let copy = dir.join("exported.log");
    assert_eq!(medbill::audit::cli::export(&real, Some(&copy)).unwrap(), 2);
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        lines.join("\n") + "\n"
    );
    assert_eq!(
        app.get("/v1/audit/checkpoints", Role::Billing).await.status,
        403
    );

    // Rows sealed after the newest checkpoint are reported as the unanchored tail.
    activity(&app, "C", 1).await;
    let mut conn = app.conn();
    seal_pending_with(&mut conn, &real).unwrap();
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.checkpoints, 2);
    assert_eq!(report.unanchored, report.checked - second);
    assert!(report.unanchored >= 1);
    let r = app.get("/v1/audit/verify", Role::Admin).await;
    assert_eq!(r.body["unanchored"], report.unanchored, "{}", r.body);

    // A database admin cuts every row after the first checkpoint and drops the newer
    // checkpoint line from the file on this machine: the local file no longer notices...
    as_admin(
        &mut conn,
        &format!("DELETE FROM audit_log WHERE seq > {first}"),
    );
    let local = real.checkpoints.clone().unwrap();
    let text = std::fs::read_to_string(&local).unwrap();
    std::fs::write(&local, text.lines().next().unwrap().to_string() + "\n").unwrap();
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.unanchored, 0);
    // ...but the exported copy does.
    let exported = Anchor {
        key: real.key.clone(),
        checkpoints: Some(copy.clone()),
    };
    let report = verify_with(&mut conn, &exported).unwrap();
    assert!(!report.ok);
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, second);
    assert!(broken.reason.contains("removed"), "{}", broken.reason);
    assert!(medbill::audit::cli::verify(&mut conn, &exported).is_err());
    drop(conn);
    std::fs::remove_dir_all(dir).unwrap();
}

async fn the_command_exports_and_verifies_against_a_copy(app: TestApp) {
    let dir = scratch_dir("anchor");
    // The command reads the key from the data directory, as the server does.
    std::fs::write(
        dir.join(medbill::config::AUDIT_KEY_FILE),
        hex::encode(AUDIT_KEY),
    )
    .unwrap();
    let real = keyed_anchor(&dir);
    activity(&app, "K", 2).await;
    let mut conn = app.conn();
    seal_pending_with(&mut conn, &real).unwrap();
    checkpoint(&mut conn, &real).unwrap();
    let head = verify_with(&mut conn, &real).unwrap().checked;
    let medbill = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_medbill"))
            .arg("--data-dir")
            .arg(&dir)
            .arg("--database-url")
            .arg(&app.url)
            .args(args)
            .env_remove("MEDBILL_AUDIT_KEY")
            .output()
            .unwrap()
    };
    let copy = dir.join("copy.log");
    let out = medbill(&[
        "audit",
        "checkpoints",
        "export",
        "--out",
        copy.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        std::fs::read_to_string(real.checkpoints.as_ref().unwrap()).unwrap()
    );
    let out = medbill(&["audit", "verify", "--checkpoints", copy.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["checkpoints"], 1);
    assert_eq!(report["unanchored"], 0);
    // The head cut, and the local checkpoint file removed: the copy still catches it.
    as_admin(
        &mut conn,
        &format!("DELETE FROM audit_log WHERE seq >= {head}"),
    );
    drop(conn);
    std::fs::remove_file(real.checkpoints.as_ref().unwrap()).unwrap();
    let out = medbill(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = medbill(&["audit", "verify", "--checkpoints", copy.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("removed from the head"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn checkpoints_in(a: &Anchor) -> usize {
    a.read_checkpoints().unwrap().len()
}

async fn the_sealer_checkpoints_after_n_rows_and_on_stop(app: TestApp) {
    let dir = scratch_dir("anchor");
    let real = Arc::new(keyed_anchor(&dir));
    // A long timer and a high row count: nothing is anchored until the graceful stop.
    let lazy = CheckpointPolicy {
        every: Duration::from_secs(3600),
        rows: 1_000_000,
    };
    let sealer = spawn_anchored_sealer(
        app.state.pool.clone(),
        Duration::from_millis(50),
        real.clone(),
        lazy,
    )
    .unwrap();
    activity(&app, "S", 2).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = verify_with(&mut app.conn(), &real).unwrap();
        if r.unsealed == 0 && r.checked > 0 {
            assert_eq!(r.checkpoints, 0);
            assert_eq!(r.unanchored, r.checked);
            break;
        }
        assert!(Instant::now() < deadline, "the sealer did not seal: {r:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    sealer.finish();
    let r = verify_with(&mut app.conn(), &real).unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.checkpoints, 1);
    assert_eq!(r.unanchored, 0);

    // After N rows the sealer anchors without waiting for its timer.
    let eager = CheckpointPolicy {
        every: Duration::from_secs(3600),
        rows: 2,
    };
    let sealer = spawn_anchored_sealer(
        app.state.pool.clone(),
        Duration::from_millis(50),
        real.clone(),
        eager,
    )
    .unwrap();
    activity(&app, "T", 3).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while checkpoints_in(&real) < 2 {
        assert!(Instant::now() < deadline, "no checkpoint after N rows");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(sealer);
    std::fs::remove_dir_all(dir).unwrap();
}

on_both_backends!(
    forged_rows_are_flagged_not_sealed_as_genuine,
    verify_endpoint_names_a_forged_row,
    truncation_after_a_checkpoint_is_detected_against_an_export,
    the_command_exports_and_verifies_against_a_copy,
    the_sealer_checkpoints_after_n_rows_and_on_stop
);
