//! The console's encounter and claim actions over the in-process app, on SQLite and
//! PostgreSQL: hold / release / void of an encounter, queue / retry / replace / void of a
//! claim, each through its form (CSRF, the page's version), with the API's state rules,
//! permissions and audit rows.
#![allow(clippy::unwrap_used)]

use crate::claims_fx::{built, ready, sql};
use crate::common::fixtures::{fixture, id_of, visit};
use crate::common::TestApp;
use crate::console_support::{location, sign_in, text, user};
use medbill::auth::roles::Role;

on_both_backends!(
    an_encounter_is_held_released_and_voided,
    a_claim_is_queued_retried_and_replaced,
);

/// The `version` hidden field of a page.
fn version(html: &str) -> String {
    html.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string()
}

/// Audit rows with this action.
fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!("audit_log WHERE action = '{action}'"))
}

async fn an_encounter_is_held_released_and_voided(app: TestApp) {
    let fx = fixture(&app, "CA-1").await;
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, &visit(&fx)).await);
    let page = format!("/app/encounters/{enc}");
    let billing = sign_in(&app, &user(&app, Role::Billing)).await;
    let html = text(&billing.get(&page).await);
    assert!(html.contains("id=\"hold\""), "{html}");
    assert!(!html.contains("id=\"release\""));

    // No reason: the API's field error, nothing changes.
    let r = billing
        .post(&format!("{page}/hold"), &[("version", &version(&html))])
        .await;
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(text(&r).contains("/reason"));
    // A stale page: 412.
    let r = billing
        .post(
            &format!("{page}/hold"),
            &[("version", "9"), ("reason", "waiting on the provider")],
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(audited(&app, "hold"), 0);

    let r = billing
        .post(
            &format!("{page}/hold"),
            &[
                ("version", &version(&html)),
                ("reason", "waiting on the provider"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let html = text(&billing.get(&location(&r)).await);
    assert!(html.contains(">on_hold<"), "{html}");
    assert!(html.contains("waiting on the provider"));
    assert!(html.contains("id=\"release\"") && !html.contains("id=\"hold\""));
    assert_eq!(audited(&app, "hold"), 1);

    // The front desk may not hold, release or void.
    let desk = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let r = desk
        .post(&format!("{page}/release"), &[("version", &version(&html))])
        .await;
    assert_eq!(r.status, 403);

    let r = billing
        .post(&format!("{page}/release"), &[("version", &version(&html))])
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let html = text(&billing.get(&page).await);
    assert!(html.contains(">open<"), "{html}");
    assert_eq!(audited(&app, "release"), 1);

    let r = billing
        .post(
            &format!("{page}/void"),
            &[("version", &version(&html)), ("reason", "duplicate visit")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let html = text(&billing.get(&page).await);
    assert!(
        html.contains(">void<") && html.contains("duplicate visit"),
        "{html}"
    );
    // Nothing more to do with a void encounter.
    assert!(!html.contains("id=\"void\"") && !html.contains("id=\"hold\""));
    assert_eq!(audited(&app, "void"), 1);
    let api = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await;
    assert_eq!(api.body["status"], "void");
}

async fn a_claim_is_queued_retried_and_replaced(app: TestApp) {
    let (_, enc) = ready(&app, "CA-2").await;
    let id = built(&app, &enc).await;
    let page = format!("/app/claims/{id}");
    let billing = sign_in(&app, &user(&app, Role::Billing)).await;
    let html = text(&billing.get(&page).await);
    assert!(html.contains("id=\"queue-claim\""), "{html}");
    assert!(!html.contains("id=\"replace-claim\""));

    // Stale version: 412, nothing queued.
    let r = billing
        .post(&format!("{page}/queue"), &[("version", "7")])
        .await;
    assert_eq!(r.status, 412, "{}", text(&r));
    assert_eq!(app.count("submission_jobs"), 0);
    let r = billing
        .post(&format!("{page}/queue"), &[("version", &version(&html))])
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let html = text(&billing.get(&page).await);
    assert!(html.contains("id=\"claim-status\">queued<"), "{html}");
    assert!(html.contains("claim-jobs") && !html.contains("id=\"retry-"));
    assert_eq!(app.count("submission_jobs WHERE status = 'pending'"), 1);
    // Again: 409 (the API's state rule), still one job.
    let r = billing.post(&format!("{page}/queue"), &[]).await;
    assert_eq!(r.status, 409);
    assert_eq!(app.count("submission_jobs"), 1);

    // A dead job can be retried from the page.
    sql(
        &app,
        &format!("UPDATE submission_jobs SET status = 'dead', attempts = 5, last_error = 'clearinghouse down' WHERE claim_id = '{id}'"),
    );
    let html = text(&billing.get(&page).await);
    assert!(html.contains("clearinghouse down"), "{html}");
    let job = html
        .split("id=\"retry-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = billing.post(&format!("{page}/jobs/{job}/retry"), &[]).await;
    assert_eq!(r.status, 303, "{}", text(&r));
    assert_eq!(
        app.count("submission_jobs WHERE status = 'pending' AND attempts = 0"),
        1
    );
    assert_eq!(audited(&app, "retry"), 1);
    // A pending job cannot be retried.
    let r = billing.post(&format!("{page}/jobs/{job}/retry"), &[]).await;
    assert_eq!(r.status, 409);

    // Accepted with the payer's number: replace and void are offered; replace builds a
    // frequency-7 claim carrying the number.
    sql(
        &app,
        &format!("UPDATE claims SET status = 'accepted', payer_claim_number = 'PAYER9' WHERE id = '{id}'"),
    );
    let html = text(&billing.get(&page).await);
    assert!(html.contains("id=\"replace-claim\"") && html.contains("id=\"void-claim\""));
    let lab = sign_in(&app, &user(&app, Role::Lab)).await;
    let r = lab
        .post(&format!("{page}/replace"), &[("reason", "x")])
        .await;
    assert_eq!(r.status, 403);
    let r = billing
        .post(&format!("{page}/replace"), &[("reason", "wrong units")])
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let rep = location(&r);
    assert_ne!(rep, page);
    let html = text(&billing.get(&rep).await);
    assert!(html.contains("REF*F8*PAYER9"), "{html}");
    assert!(html.contains(&format!("href=\"/app/claims/{id}\"")));
    // Only one replacement or void per claim.
    let r = billing
        .post(&format!("{page}/void"), &[("reason", "sent twice")])
        .await;
    assert_eq!(r.status, 409, "{}", text(&r));
    assert_eq!(app.count("claims WHERE frequency = '7'"), 1);
    assert_eq!(app.count("claims WHERE frequency = '8'"), 0);
}
