//! Issue 10 item 3: the audit chain is keyed (HMAC with a key outside the database)
//! and anchored by signed checkpoints in a file, so a database admin who rewrites and re-seals
//! rows, or cuts rows from the head, is detected. Chains sealed before the key still verify.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::audit::as_admin;
use common::{patient_body, TestApp};
use medbill::audit::anchor::Anchor;
use medbill::audit::chain::{checkpoint, seal_pending, seal_pending_with, verify, verify_with};
use medbill::auth::roles::Role;

async fn activity(app: &TestApp, batch: &str) {
    for i in 0..3 {
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

fn anchor(tag: &str, key: &[u8]) -> Anchor {
    Anchor {
        key: Some(key.to_vec()),
        checkpoints: Some(
            std::env::temp_dir().join(format!("medbill-cp-{tag}-{}.log", uuid::Uuid::new_v4())),
        ),
    }
}

const RESEAL: &str = "UPDATE audit_log SET action = 'forged', seq = NULL, prev_hash = NULL, \
                      hash = NULL WHERE seq > 4";

async fn resealed_rows_are_detected_only_with_the_key(app: TestApp) {
    // A chain sealed before the key existed (the old, unkeyed epoch) verifies.
    activity(&app, "P").await;
    let mut conn = app.conn();
    seal_pending(&mut conn).unwrap();
    assert!(verify(&mut conn).unwrap().ok);
    drop(conn);

    // After: rows sealed with the key cannot be re-sealed without it. The unkeyed rows before
    // them (the old epoch) still verify.
    let real = anchor("real", &[7u8; 32]);
    activity(&app, "Q").await;
    let mut conn = app.conn();
    let sealed = seal_pending_with(&mut conn, &real).unwrap();
    assert!(sealed >= 3);
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(report.ok, "{report:?}");
    let unkeyed = report.checked - sealed as i64;
    let attacker = anchor("attacker", &[9u8; 32]);
    as_admin(
        &mut conn,
        &RESEAL.replace("seq > 4", &format!("seq > {}", unkeyed + 1)),
    );
    seal_pending_with(&mut conn, &attacker).unwrap();
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(!report.ok);
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, unkeyed + 2, "{broken:?}");
    // Re-sealing unkeyed after keyed rows is a downgrade, also reported.
    as_admin(
        &mut conn,
        &RESEAL.replace("seq > 4", &format!("seq > {}", unkeyed + 1)),
    );
    seal_pending(&mut conn).unwrap();
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(!report.ok);
    assert!(report.first_broken.unwrap().reason.contains("unkeyed"));
    // The re-sealed rows lost the service's row MAC with their edit, so even the sealer run
    // with the real key would not chain them as genuine.
    as_admin(
        &mut conn,
        &RESEAL.replace("seq > 4", &format!("seq > {}", unkeyed + 1)),
    );
    seal_pending_with(&mut conn, &real).unwrap();
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(!report.ok);
    assert!(report.first_broken.is_none(), "{report:?}");
    assert!(report.flagged >= 1, "{report:?}");
}

async fn cutting_the_head_is_detected_by_checkpoints(app: TestApp) {
    let real = anchor("cut", &[5u8; 32]);
    activity(&app, "C").await;
    let mut conn = app.conn();
    seal_pending_with(&mut conn, &real).unwrap();
    checkpoint(&mut conn, &real).unwrap();
    assert!(verify_with(&mut conn, &real).unwrap().ok);
    let head: i64 = {
        let r = verify_with(&mut conn, &real).unwrap();
        r.checked
    };
    as_admin(
        &mut conn,
        &format!("DELETE FROM audit_log WHERE seq >= {}", head - 1),
    );
    // Before (no checkpoints): the shortened chain looks whole.
    let plain = Anchor {
        key: real.key.clone(),
        checkpoints: None,
    };
    assert!(verify_with(&mut conn, &plain).unwrap().ok);
    // After: the checkpoint names the missing head.
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(!report.ok);
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.seq, head);
    assert!(broken.reason.contains("removed"), "{}", broken.reason);
    // A checkpoint file edited by hand is refused.
    let path = real.checkpoints.clone().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(&format!("{head} "), &format!("{} ", head - 2), 1),
    )
    .unwrap();
    let report = verify_with(&mut conn, &real).unwrap();
    assert!(report
        .first_broken
        .unwrap()
        .reason
        .contains("not validly signed"));
    std::fs::remove_file(path).unwrap();
}

on_both_backends!(
    resealed_rows_are_detected_only_with_the_key,
    cutting_the_head_is_detected_by_checkpoints
);
