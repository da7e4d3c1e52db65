//! Editing a patient and a coverage through the console over the in-process app, on SQLite
//! and PostgreSQL: the API's field rules (422 on the form, nothing saved), the page's version
//! (a stale page gets 412, nothing saved), a blank optional field clears it, roles, CSRF, and
//! the reads and updates audited.
#![allow(clippy::unwrap_used)]

use medbill::auth::roles::Role;

use crate::common::fixtures::fixture;
use crate::common::TestApp;
use crate::console_support::{location, sign_in, text, user};

on_both_backends!(a_patient_and_a_coverage_are_edited);

/// The hidden version field of a form page.
fn version_of(html: &str) -> String {
    html.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string()
}

fn one(app: &TestApp, sql: &str) -> i64 {
    app.count(sql)
}

async fn a_patient_and_a_coverage_are_edited(app: TestApp) {
    let fx = fixture(&app, "CE-1").await;
    let (patient, coverage) = (fx.patient.clone(), fx.coverage.clone());
    let desk = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let page = text(&desk.get(&format!("/app/patients/{patient}")).await);
    assert!(page.contains("id=\"edit-patient\""), "{page}");
    assert!(page.contains(&format!("/app/coverages/{coverage}/edit")));

    // The patient form shows the stored values, with a label on every field; the read is audited.
    let edit = format!("/app/patients/{patient}/edit");
    let reads = one(
        &app,
        &format!("audit_log WHERE action = 'read' AND resource_type = 'patient' AND resource_id = '{patient}'"),
    );
    let html = text(&desk.get(&edit).await);
    assert!(html.contains("value=\"CE-1\""), "{html}");
    assert_eq!(
        html.matches("<label for=\"f-").count(),
        html.matches("id=\"f-").count()
    );
    assert_eq!(
        one(
            &app,
            &format!("audit_log WHERE action = 'read' AND resource_type = 'patient' AND resource_id = '{patient}'"),
        ),
        reads + 1
    );
    let v = version_of(&html);
    assert_eq!(v, "1");

    // A blank first name: the API's message on the form, nothing saved.
    let r = desk
        .post(
            &edit,
            &[("version", "1"), ("first_name", ""), ("mrn", "CE-1")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", text(&r));
    let html = text(&r);
    assert!(
        html.contains("/first_name") && html.contains("id=\"edit-form\""),
        "{html}"
    );
    assert_eq!(
        one(
            &app,
            &format!("patients WHERE id = '{patient}' AND version = 1")
        ),
        1
    );

    // Saved: a new first name, the phone cleared.
    let r = desk
        .post(
            &edit,
            &[
                ("version", "1"),
                ("first_name", "Rosa"),
                ("phone", ""),
                ("mrn", "CE-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    assert!(location(&r).contains("Patient+saved"));
    assert_eq!(
        one(
            &app,
            &format!("patients WHERE id = '{patient}' AND version = 2 AND first_name = 'Rosa' AND phone IS NULL"),
        ),
        1
    );
    assert_eq!(
        one(
            &app,
            &format!("audit_log WHERE action = 'update' AND resource_type = 'patient' AND resource_id = '{patient}'"),
        ),
        1
    );
    let html = text(&desk.get(&location(&r)).await);
    assert!(
        html.contains("Rosa") && html.contains("Patient saved"),
        "{html}"
    );

    // The old page again: 412 naming the stored version, nothing saved.
    let r = desk
        .post(&edit, &[("version", "1"), ("first_name", "Ana")])
        .await;
    assert_eq!(r.status, 412, "{}", text(&r));
    assert!(text(&r).contains("id=\"refusal\""));
    assert_eq!(
        one(
            &app,
            &format!("patients WHERE id = '{patient}' AND version = 2 AND first_name = 'Rosa'")
        ),
        1
    );

    // The lab may not edit; a post without the CSRF token is refused.
    let lab = sign_in(&app, &user(&app, Role::Lab)).await;
    assert_eq!(lab.get(&edit).await.status, 403);
    assert_eq!(
        lab.post(&edit, &[("version", "2"), ("first_name", "X")])
            .await
            .status,
        403
    );
    assert_eq!(
        desk.post_raw(&edit, &[("version", "2"), ("first_name", "X")])
            .await
            .status,
        403
    );
    assert_eq!(
        one(
            &app,
            &format!("patients WHERE id = '{patient}' AND version = 2")
        ),
        1
    );

    // The coverage: a bad member id refused, then saved with the group number cleared.
    let edit = format!("/app/coverages/{coverage}/edit");
    let coverage_reads = format!(
        "audit_log WHERE action = 'read' AND resource_type = 'coverage' AND resource_id = '{coverage}'"
    );
    let reads = one(&app, &coverage_reads);
    let html = text(&desk.get(&edit).await);
    assert!(html.contains("value=\"W123\""), "{html}");
    assert_eq!(one(&app, &coverage_reads), reads + 1);
    let v = version_of(&html);
    let r = desk
        .post(&edit, &[("version", v.as_str()), ("member_id", "BAD ID!")])
        .await;
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(text(&r).contains("/member_id"));
    let r = desk
        .post(
            &edit,
            &[
                ("version", v.as_str()),
                ("member_id", "NEW123"),
                ("group_number", ""),
                ("priority", "primary"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    assert_eq!(
        location(&r),
        format!("/app/patients/{patient}?notice=Coverage+saved")
    );
    assert_eq!(
        one(
            &app,
            &format!("coverages WHERE id = '{coverage}' AND member_id = 'NEW123' AND group_number IS NULL"),
        ),
        1
    );
    let r = desk
        .post(&edit, &[("version", v.as_str()), ("member_id", "OLD1")])
        .await;
    assert_eq!(r.status, 412, "{}", text(&r));
    assert_eq!(
        one(
            &app,
            &format!("coverages WHERE id = '{coverage}' AND member_id = 'NEW123'")
        ),
        1
    );
    assert_eq!(lab.get(&edit).await.status, 403);
}
