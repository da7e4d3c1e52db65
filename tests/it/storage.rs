//! Storage plumbing: every migration applies, reverts and re-applies on both backends, and the
//! health probes answer.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestApp;
use medbill::db::{revert_all_migrations, run_migrations};

async fn migrations_round_trip(app: TestApp) {
    let mut conn = app.conn();
    let reverted = revert_all_migrations(&mut conn).unwrap();
    assert!(reverted >= 1);
    let applied = run_migrations(&mut conn).unwrap();
    assert_eq!(applied.len(), reverted);
    assert!(run_migrations(&mut conn).unwrap().is_empty());
    drop(conn);
    assert_eq!(
        app.post(
            "/v1/patients",
            medbill::auth::roles::Role::FrontDesk,
            &common::patient_body("M1")
        )
        .await
        .status,
        201
    );
}
on_both_backends!(migrations_round_trip);

async fn health_probes(app: TestApp) {
    let live = app
        .send(actix_web::test::TestRequest::get().uri("/health/live"))
        .await;
    assert_eq!(live.status, 200);
    let ready = app
        .send(actix_web::test::TestRequest::get().uri("/health/ready"))
        .await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["status"], "ready");
    let nowhere = app
        .send(actix_web::test::TestRequest::get().uri("/v1/nowhere"))
        .await;
    assert_eq!(nowhere.status, 404);
    assert_eq!(
        nowhere.header("content-type").as_deref(),
        Some("application/problem+json")
    );
}
on_both_backends!(health_probes);
