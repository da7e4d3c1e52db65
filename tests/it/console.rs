//! The web console over the in-process app, on SQLite and PostgreSQL: sign-in with the API's
//! users, cookie attributes, role-limited screens, CSRF refusal, idle timeout, and the coding
//! of an encounter from visit to claim through the console's forms.
#![allow(clippy::unwrap_used)]

use crate::common::fixtures::{days_ago, fixture};
use crate::common::TestApp;
use crate::console_support::{location, set_cookie_header, sign_in, text, user, Browser, PASSWORD};
use actix_web::test::TestRequest;
use medbill::auth::roles::Role;
use medbill::console::session::SessionData;

on_both_backends!(
    roles_see_only_their_screens,
    forms_without_the_csrf_token_are_refused,
    sessions_end_when_idle_or_signed_out,
    an_encounter_is_coded_and_billed_through_the_console,
);

async fn roles_see_only_their_screens(app: TestApp) {
    // Wrong password: the form again with 401, and a failed login in the audit log.
    let name = user(&app, Role::FrontDesk);
    let page = app.send(TestRequest::get().uri("/app/login")).await;
    let cookie = crate::console_support::set_cookie(&page, "medbill_login").unwrap();
    let token = crate::console_support::csrf_of(&text(&page));
    let bad = app
        .send(
            TestRequest::post()
                .uri("/app/login")
                .insert_header(("cookie", format!("medbill_login={cookie}")))
                .set_form([
                    ("csrf", token.as_str()),
                    ("username", &name),
                    ("password", "nope"),
                ]),
        )
        .await;
    assert_eq!(bad.status, 401);
    assert!(text(&bad).contains("not valid"));

    let desk = sign_in(&app, &name).await;
    assert_eq!(desk.get("/app/patients").await.status, 200);
    let denied = desk.get("/app/encounters").await;
    assert_eq!(denied.status, 403);
    assert!(text(&denied).contains("front_desk role may not"));
    assert_eq!(desk.get("/app/claims").await.status, 403);
    assert_eq!(desk.get("/app/receivables").await.status, 403);
    let home = text(&desk.get("/app/").await);
    assert!(home.contains("/app/patients") && !home.contains("/app/encounters"));

    let lab = sign_in(&app, &user(&app, Role::Lab)).await;
    assert_eq!(lab.get("/app/specimens").await.status, 200);
    assert_eq!(lab.get("/app/encounters").await.status, 403);
    let billing = sign_in(&app, &user(&app, Role::Billing)).await;
    assert_eq!(billing.get("/app/encounters").await.status, 200);
    assert_eq!(billing.get("/app/claims?status=rejected").await.status, 200);
    assert_eq!(billing.get("/app/receivables").await.status, 200);
    let admin = sign_in(&app, &user(&app, Role::Admin)).await;
    for path in [
        "/app/patients",
        "/app/encounters",
        "/app/claims",
        "/app/specimens",
        "/app/receivables",
    ] {
        assert_eq!(admin.get(path).await.status, 200, "{path}");
    }
    // No session: to the sign-in page.
    let anon = app.send(TestRequest::get().uri("/app/patients")).await;
    assert_eq!(anon.status, 303);
    assert_eq!(location(&anon), "/app/login");
}

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let b = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let fields = [
        ("mrn", "C-100"),
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("birth_date", "1980-12-10"),
        ("sex", "F"),
    ];
    let before = app.count("patients");
    assert_eq!(b.post_raw("/app/patients", &fields).await.status, 403);
    let mut wrong = vec![("csrf", "0000")];
    wrong.extend_from_slice(&fields);
    assert_eq!(b.post_raw("/app/patients", &wrong).await.status, 403);
    assert_eq!(
        app.count("patients"),
        before,
        "a refused form stores nothing"
    );

    let ok = b.post("/app/patients", &fields).await;
    assert_eq!(ok.status, 303, "{}", text(&ok));
    assert!(location(&ok).starts_with("/app/patients/"));
    assert_eq!(app.count("patients"), before + 1);
    let page = b.get(&location(&ok)).await;
    assert!(text(&page).contains("Lovelace"));

    // A field error comes back beside the form, with the API's pointer and message.
    let bad = b
        .post(
            "/app/patients",
            &[
                ("mrn", "C-101"),
                ("first_name", "Ada"),
                ("last_name", "L"),
                ("birth_date", "1980-13-10"),
                ("sex", "F"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(text(&bad).contains("/birth_date"), "{}", text(&bad));
    assert_eq!(app.count("patients"), before + 1);
}

async fn sessions_end_when_idle_or_signed_out(app: TestApp) {
    let name = user(&app, Role::Billing);
    let b = sign_in(&app, &name).await;
    // The cookie's attributes.
    let page = app.send(TestRequest::get().uri("/app/login")).await;
    let login = set_cookie_header(&page, "medbill_login").unwrap();
    assert!(
        login.contains("HttpOnly")
            && login.contains("SameSite=Strict")
            && login.contains("Path=/app")
    );
    let r = b.get("/app/encounters").await;
    let refreshed = set_cookie_header(&r, "medbill_session").unwrap();
    assert!(refreshed.contains("HttpOnly") && refreshed.contains("SameSite=Strict"));

    // The same session 16 minutes idle: signed out.
    let key = app.state.console.key;
    let mut data = SessionData::decode(&b.session, &key).unwrap();
    data.seen -= 16 * 60;
    let stale = Browser {
        app: &app,
        session: data.encode(&key),
        csrf: b.csrf.clone(),
    };
    let r = stale.get("/app/encounters").await;
    assert_eq!(r.status, 303);
    assert_eq!(location(&r), "/app/login?reason=idle");
    // A forged role is refused.
    let forged = b.session.replacen(".billing.", ".admin.", 1);
    let r = Browser {
        app: &app,
        session: forged,
        csrf: b.csrf.clone(),
    }
    .get("/app/")
    .await;
    assert_eq!(r.status, 303);

    // Sign-out removes the cookie; it needs the CSRF token too.
    assert_eq!(b.post_raw("/app/logout", &[]).await.status, 403);
    let out = b.post("/app/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(location(&out), "/app/login?reason=out");
    let removal = set_cookie_header(&out, "medbill_session").unwrap();
    assert!(removal.starts_with("medbill_session=;"), "{removal}");
    let _ = PASSWORD;
}

async fn an_encounter_is_coded_and_billed_through_the_console(app: TestApp) {
    let fx = fixture(&app, "C-200").await;
    crate::claims_fx::address_billing(&app, &fx).await;
    let desk = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let billing = sign_in(&app, &user(&app, Role::Billing)).await;
    let dos = days_ago(3);
    let r = desk
        .post(
            &format!("/app/patients/{}/visits", fx.patient),
            &[
                ("date_of_service", dos.as_str()),
                ("place_of_service", "11"),
                ("coverage_id", fx.coverage.as_str()),
                ("rendering_provider_id", fx.rendering.as_str()),
                ("billing_provider_id", fx.billing.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let queue = text(&billing.get("/app/encounters").await);
    let enc = queue
        .split("href=\"/app/encounters/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let page = format!("/app/encounters/{enc}");
    let version = |html: &str| {
        html.split("name=\"version\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string()
    };

    // Live code search answers options for the datalist.
    let opts = text(&billing.get("/app/codes/icd10cm?code=hypertension").await);
    assert!(opts.contains("<option value=\"I10\""), "{opts}");

    // A header code: the finding appears beside the diagnosis.
    let html = text(&billing.get(&page).await);
    let r = billing
        .post(
            &format!("{page}/diagnoses"),
            &[("version", &version(&html)), ("code", "E11")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let html = text(&billing.get(&page).await);
    assert!(html.contains("finding finding-error"), "{html}");
    // A stale page's edit is refused (412) and changes nothing.
    let stale = billing
        .post(
            &format!("{page}/diagnoses"),
            &[("version", "1"), ("code", "I10")],
        )
        .await;
    assert_eq!(stale.status, 412);

    // Fix it: remove the header code, add a billable one and a line; sign off; bill.
    let r = billing
        .post(
            &format!("{page}/diagnoses/0/remove"),
            &[("version", &version(&html))],
        )
        .await;
    assert_eq!(r.status, 303);
    let html = text(&billing.get(&page).await);
    let r = billing
        .post(
            &format!("{page}/diagnoses"),
            &[("version", &version(&html)), ("code", "I10")],
        )
        .await;
    assert_eq!(r.status, 303);
    let html = text(&billing.get(&page).await);
    let r = billing
        .post(
            &format!("{page}/lines"),
            &[
                ("version", &version(&html)),
                ("code", "99213"),
                ("units", "1"),
                ("diagnosis_pointers", "1"),
                ("charge_cents", "12500"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let html = text(&billing.get(&page).await);
    assert!(!html.contains("finding-error"), "{html}");
    let r = billing
        .post(&format!("{page}/sign-off"), &[("version", &version(&html))])
        .await;
    assert_eq!(r.status, 303);
    assert!(location(&r).contains("Signed+off"), "{}", location(&r));
    let r = billing.post(&format!("{page}/claim"), &[]).await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let claim = text(&billing.get(&location(&r)).await);
    assert!(claim.contains("ISA*") && claim.contains("CLM*"), "{claim}");
    assert!(claim.contains("claim-history"));
    // The console's writes are audited as the user, like the API's.
    let audited: i64 = {
        use diesel::prelude::*;
        medbill::db::schema::audit_log::table
            .filter(medbill::db::schema::audit_log::action.eq("sign_off"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(audited, 1);
}
