//! Front-desk screens of the console over the in-process app, on SQLite and PostgreSQL: an
//! eligibility check of a coverage from the patient page (file-queue clearinghouse: the 270
//! is queued, the 271 handed in through the API) and its summary page, audited like
//! `GET /v1/eligibility/{id}`.
#![allow(clippy::unwrap_used)]

use actix_web::test::TestRequest;
use actix_web::web;
use medbill::auth::roles::Role;
use medbill::auth::tokens::TokenKeys;
use medbill::eligibility::transport::Channel;
use medbill::state::AppState;

use crate::claims_fx::{address_billing, built, signed_off, sql};
use crate::common::fixtures::{coded, days_ago, fixture};
use crate::common::{TestApp, SECRET};
use crate::console_support::{location, sign_in, text, user};
use serde_json::json;

on_both_backends!(
    eligibility_is_checked_from_the_patient_page,
    statements_and_payments_at_the_desk,
);

/// The app with eligibility inquiries going to `channel`.
fn with_channel(mut app: TestApp, channel: Channel) -> TestApp {
    let s = &app.state;
    app.state = web::Data::new(AppState {
        audit_anchor: s.audit_anchor.clone(),
        eligibility: Some(channel),
        ..AppState::new(
            s.pool.clone(),
            s.backend,
            TokenKeys::new(SECRET, 900, None).unwrap(),
            s.audit.clone(),
            medbill::ops::code_reload::LiveCodes::new(s.codes(), 0),
        )
    });
    app
}

/// The TRN02 of a 270.
fn trace_of(x12: &str) -> String {
    let trn = x12
        .split('~')
        .find(|s| s.trim().starts_with("TRN*1*"))
        .unwrap();
    trn.trim().split('*').nth(2).unwrap().to_string()
}

async fn eligibility_is_checked_from_the_patient_page(app: TestApp) {
    let outbox = std::env::temp_dir().join(format!("medbill-celig-{}", uuid::Uuid::new_v4()));
    let app = with_channel(app, Channel::FileQueue(outbox.clone()));
    let fx = fixture(&app, "CF-1").await;
    let desk = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let patient = format!("/app/patients/{}", fx.patient);
    let html = text(&desk.get(&patient).await);
    let action = format!("/app/coverages/{}/eligibility", fx.coverage);
    assert!(html.contains(&action), "{html}");

    // A bad service type: the API's field error; nothing stored or queued.
    let today = days_ago(0);
    let r = desk
        .post(
            &action,
            &[("date", today.as_str()), ("service_types", "30 ABC")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(text(&r).contains("/service_types/1"));
    assert_eq!(app.count("eligibility_checks"), 0);
    // The lab may not check.
    let lab = sign_in(&app, &user(&app, Role::Lab)).await;
    let r = lab.post(&action, &[("date", today.as_str())]).await;
    assert_eq!(r.status, 403);

    let r = desk
        .post(
            &action,
            &[
                ("date", today.as_str()),
                ("provider_id", fx.billing.as_str()),
                ("service_types", "30, 98"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let page = location(&r);
    let id = page.rsplit('/').next().unwrap().to_string();
    let html = text(&desk.get(&page).await);
    assert!(html.contains("id=\"check-status\">queued<"), "{html}");
    assert!(html.contains("30, 98"));
    let sent = std::fs::read_to_string(outbox.join(format!("{id}.270"))).unwrap();

    // The payer's 271 comes back through the API; the page shows the summary.
    let answer = std::fs::read_to_string(format!(
        "{}/tests/fixtures/x12/271/active.271",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("TRACE0001", &trace_of(&sent));
    let done = app
        .send(
            TestRequest::post()
                .uri("/v1/eligibility/responses")
                .insert_header((
                    "authorization",
                    format!("Bearer {}", app.token(Role::Billing)),
                ))
                .insert_header(("content-type", "application/edi-x12"))
                .set_payload(answer),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let reads_before = app.count(&format!(
        "audit_log WHERE action = 'read' AND resource_type = 'eligibility_check' AND resource_id = '{id}'"
    ));
    let html = text(&desk.get(&page).await);
    assert!(html.contains("id=\"check-status\">complete<"), "{html}");
    assert!(html.contains("id=\"elig-active\">active<"), "{html}");
    assert!(html.contains("GOLD PPO"), "{html}");
    assert!(html.contains("id=\"elig-copay\">$25.00<"), "{html}");
    let reads_after = app.count(&format!(
        "audit_log WHERE action = 'read' AND resource_type = 'eligibility_check' AND resource_id = '{id}'"
    ));
    assert_eq!(reads_after, reads_before + 1);
    std::fs::remove_dir_all(&outbox).unwrap();
}

/// A patient who owes 3,000 cents on a visit insurance is done with (the primary paid its part
/// of a submitted two-line claim); returns the patient id.
pub(crate) async fn patient_owing(app: &TestApp, mrn: &str) -> String {
    let fx = fixture(app, mrn).await;
    address_billing(app, &fx).await;
    let mut body = coded(&fx);
    body["lines"] = json!([
        {"code": "99213", "modifiers": ["25"], "charge_cents": 12500, "diagnosis_pointers": [1]},
        {"code": "93000", "charge_cents": 5000, "diagnosis_pointers": [1]}
    ]);
    let enc = signed_off(app, &body).await;
    let claim = built(app, &enc).await;
    sql(
        app,
        &format!("UPDATE claims SET status = 'submitted' WHERE id = '{claim}'"),
    );
    let adj = |g: &str, r: &str, c: i64| json!({"group": g, "reason": r, "amount_cents": c});
    let eob = json!({"payment_ref": "CHK100", "paid_on": days_ago(1), "lines": [
        {"line_number": 1, "paid_cents": 8000, "adjustments": [adj("CO", "45", 2500), adj("PR", "2", 2000)]},
        {"line_number": 2, "paid_cents": 3000, "adjustments": [adj("CO", "45", 1000), adj("PR", "3", 1000)]}
    ]});
    let r = app
        .post(&format!("/v1/claims/{claim}/payments"), Role::Billing, &eob)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    fx.patient
}

async fn statements_and_payments_at_the_desk(app: TestApp) {
    let patient = patient_owing(&app, "CF-2").await;
    let account = format!("/app/patients/{patient}/account");
    let desk = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let billing = sign_in(&app, &user(&app, Role::Billing)).await;
    assert!(text(&desk.get(&format!("/app/patients/{patient}")).await).contains(&account));
    let html = text(&desk.get(&account).await);
    assert!(html.contains("id=\"no-statements\""), "{html}");
    assert!(html.contains("id=\"take-payment\"") && !html.contains("id=\"make-statement\""));

    // The front desk may read statements but not make them (the API's roles).
    let make = format!("/app/patients/{patient}/statements");
    assert_eq!(desk.post(&make, &[]).await.status, 403);
    let r = billing.post(&make, &[("due_in_days", "500")]).await;
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(text(&r).contains("/due_in_days"));
    let r = billing.post(&make, &[("due_in_days", "20")]).await;
    assert_eq!(r.status, 303, "{}", text(&r));
    assert_eq!(app.count("statements"), 1);
    let html = text(&desk.get(&account).await);
    assert!(html.contains("$30.00"), "{html}");
    let pdf_link = html
        .split("href=\"/app/statements/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let statement = pdf_link.trim_end_matches(".pdf").to_string();
    let pdf = desk.get(&format!("/app/statements/{pdf_link}")).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(
        pdf.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(pdf.raw.starts_with(b"%PDF"));
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'read' AND resource_type = 'statement' AND resource_id = '{statement}'"
        )),
        1
    );

    // A payment at the desk, in dollars; a card number is refused and nothing is stored.
    let pay = format!("/app/patients/{patient}/payments");
    let r = desk
        .post(
            &pay,
            &[
                ("amount", "20"),
                ("method", "card"),
                ("reference", "4111111111111111"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", text(&r));
    let r = desk
        .post(&pay, &[("amount", "twenty"), ("method", "cash")])
        .await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("/amount_cents"));
    assert_eq!(app.count("patient_payments"), 0);
    let r = desk
        .post(
            &pay,
            &[
                ("amount", "$20.00"),
                ("method", "check"),
                ("reference", "1042"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    assert_eq!(app.count("patient_payments WHERE amount_cents = 2000"), 1);
    let html = text(&desk.get(&location(&r)).await);
    assert!(html.contains("Payment of $20.00 recorded"), "{html}");
    assert!(html.contains("<td>1042</td>"), "{html}");
    // The lab sees no account.
    let lab = sign_in(&app, &user(&app, Role::Lab)).await;
    assert_eq!(lab.get(&account).await.status, 403);
}
