//! The console's render-time figure: every screen with 10,000 encounters in the database,
//! timed server-side through the in-process app (each request whole: session check, queries,
//! audit, template). Prints the p50/p99 per screen; fails only on a gross regression (1 s in a debug build on a shared machine), as the
//! figure depends on the machine (docs/performance.md has the measured numbers).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crate::common::fixtures::{fixture, id_of, visit};
use crate::common::TestApp;
use crate::console_support::{sign_in, user};
use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::App;
use medbill::auth::roles::Role;
use medbill::encounters::model::EncounterId;
use medbill::http::request_id::assign_request_id;

on_both_backends!(screens_render_quickly_with_ten_thousand_encounters);

/// Encounters in the database while timing.
const ENCOUNTERS: usize = 10_000;
/// Requests per screen.
const SAMPLES: usize = 100;

fn seed(app: &TestApp, template: &str) {
    let mut conn = app.conn();
    let id = EncounterId(uuid::Uuid::parse_str(template).unwrap());
    let base = medbill::encounters::store::find_header(&mut conn, id)
        .unwrap()
        .unwrap();
    let statuses = medbill::encounters::status::ALL;
    conn.write_transaction(|c| {
        for i in 0..ENCOUNTERS - 1 {
            let mut h = base.clone();
            h.id = EncounterId::new();
            h.status = statuses[i % statuses.len()];
            h.error_count = (i % 3) as i32;
            medbill::encounters::store::insert_header(c, &h)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

async fn screens_render_quickly_with_ten_thousand_encounters(app: TestApp) {
    let fx = fixture(&app, "P-1").await;
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, &visit(&fx)).await);
    seed(&app, &enc);
    assert_eq!(app.count("encounters"), ENCOUNTERS as i64);
    // A remittance of 50 claim payments nobody knows: the unmatched queue holds 50 items.
    let clps: String = (0..50)
        .map(|i| {
            format!(
                "CLP*LOST{i:03}*1*100*80*20*12*PAYER{i:03}*11*1\nNM1*QC*1*DOE*JANE****MI*M1\n\
                 SVC*HC:99213*100*80**1\nCAS*CO*45*0\nCAS*PR*2*20\n"
            )
        })
        .collect();
    let r = crate::remittance::import(
        &app,
        &crate::remittance::era(1, "EFTPERF", "4000", &clps),
        Role::Billing,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let remittance = r.body["payments"][0]["remittance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = sign_in(&app, &user(&app, Role::Admin)).await;
    let screens = [
        "/app/".to_string(),
        "/app/encounters".into(),
        "/app/encounters?status=coded&errors=true".into(),
        format!("/app/encounters/{enc}"),
        "/app/patients?q=P-1".into(),
        format!("/app/patients/{}", fx.patient),
        "/app/claims?status=rejected".into(),
        "/app/specimens".into(),
        "/app/receivables".into(),
        "/app/remittances".into(),
        "/app/remittances/unmatched".into(),
        format!("/app/remittances/{remittance}"),
        "/app/statements/run".into(),
        format!("/app/patients/{}/edit", fx.patient),
        format!("/app/coverages/{}/edit", fx.coverage),
        format!("/app/patients/{}/account", fx.patient),
    ];
    // One app for every request, as a running server has (building it per request would
    // time the router's set-up, not the screens).
    let state = app.state.clone();
    let svc = test::init_service(
        App::new()
            .wrap(from_fn(assign_request_id))
            .configure(move |cfg| medbill::configure_app(cfg, state)),
    )
    .await;
    let mut worst = Duration::ZERO;
    for path in &screens {
        let mut times = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let req = TestRequest::get()
                .uri(path)
                .insert_header(("cookie", format!("medbill_session={}", admin.session)))
                .to_request();
            let t = Instant::now();
            let res = test::call_service(&svc, req).await;
            let status = res.status().as_u16();
            let body = test::read_body(res).await;
            times.push(t.elapsed());
            assert_eq!(status, 200, "{path}");
            assert!(body.len() > 500, "{path}");
        }
        times.sort();
        let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
        eprintln!(
            "console render {:?} {path}: p50 {:.1} ms, p99 {:.1} ms",
            app.state.backend,
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
        worst = worst.max(p99);
    }
    assert!(worst < Duration::from_millis(1000), "p99 {worst:?}");
}
